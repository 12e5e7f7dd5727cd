import Foundation
import AIArtsEngine
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// The pause key (u in the default keymap) on the Tasks pane and the task screen, the paused
/// state with its GPU-memory note, and elapsed time without the pauses.
@Suite struct TaskPauseKeysTests {
    static func paused(_ state: inout HomeState) {
        state.data?.tasks[0].state = "paused"
        state.data?.tasks[0].message = "paused (aiarts task pause)"
        state.data?.tasks[0].gpus = "0"
    }

    @Test func theKeyPausesARunningTaskAndContinuesAPausedOne() {
        var panes = HomePanes()
        var state = sampleState()
        let running = state.data!.tasks[0], failed = state.data!.tasks[1]
        #expect(TasksPane.update(.pauseTask, task: running, panes: &panes)
                == [.notice(Notice(text: "pausing T0001…", isError: false)), .task(.pause, "T0001")])
        #expect(TasksPane.update(.pauseTask, task: failed, panes: &panes)
                == [.notice(Notice(text: "T0002 is failed: only a running task can be paused", isError: true))])
        Self.paused(&state)
        #expect(TasksPane.update(.pauseTask, task: state.data!.tasks[0], panes: &panes)
                == [.notice(Notice(text: "continuing T0001…", isError: false)), .task(.continue, "T0001")])
        // The task screen does the same.
        var screen = TaskScreenState(taskID: "T0001")
        state.screens = [.task(screen)]
        #expect(screen.update(.pauseTask, in: state) == [.notice(Notice(text: "continuing T0001…", isError: false)), .task(.continue, "T0001")])
    }

    @Test func theDefaultKeymapBindsUOnHomeAndTheTaskScreen() {
        let k = Keymap.builtinDefault
        #expect(k.action(for: .char("u"), in: .home) == .pauseTask)
        #expect(k.action(for: .char("u"), in: .task) == .pauseTask)
    }

    @Test func pressingTheKeyRunsTheEnginesPause() {
        let calls = PauseCalls()
        var state = sampleState()
        state.home.focus = .tasks
        var a = HomeApp(state: state, actions: TaskActions(start: { _ in Notice(text: "", isError: false) }, stop: { _ in Notice(text: "", isError: false) }).with {
            $0.pause = { id in calls.add("pause \(id)"); return Notice(text: "\(id) paused", isError: false) }
            $0.continueTask = { id in calls.add("continue \(id)"); return Notice(text: "\(id) running", isError: false) }
        }) { .loaded(sampleState().data!) }
        _ = a.update(.loaded(sampleState().data!))
        a.state.home.focus = .tasks
        for case .perform(let work) in a.update(.key(.char("u"))) { _ = a.update(work()) }
        #expect(calls.all == ["pause T0001"])
        #expect(a.state.notice?.text == "T0001 paused")
    }

    @Test func aPausedTaskSaysItKeepsItsGPUMemory() {
        var state = sampleState()
        Self.paused(&state)
        let row = state.data!.tasks[0]
        #expect(row.pausedNote(gpus: nil) == "paused — GPU memory stays held (on GPU 0)")
        state.gpus = GPUPaneData(devices: [
            .init(index: 0, name: "A", memoryUsed: 6 << 30, memoryTotal: 80 << 30, utilization: 0, utilizationHistory: [],
                  temperature: nil, power: nil, powerLimit: nil,
                  processes: [.init(gpu: 0, pid: 10, memory: 5000 << 20, task: "T0001", owner: "root python3"),
                              .init(gpu: 0, pid: 11, memory: 1000 << 20, task: "T0009", owner: "root python3")]),
        ])
        #expect(state.data!.tasks[0].pausedNote(gpus: state.gpus) == "paused — GPU memory stays held (5000 MiB on GPU 0)")
        #expect(state.data!.tasks[1].pausedNote(gpus: state.gpus) == nil)
        // The Tasks pane's message and the task screen both say so.
        let home = HomeView.render(state, size: Size(width: 260, height: 40)).lines().joined(separator: "\n")
        #expect(home.contains("paused — GPU memory stays held (5000 MiB on GPU 0)"))
        state.screens = [.task(TaskScreenState(taskID: "T0001"))]
        state.home.focus = .tasks
        let screen = HomeView.render(state, size: Size(width: 120, height: 30)).lines().joined(separator: "\n")
        #expect(screen.contains("paused  epoch 3/20"))
        #expect(screen.contains("paused — GPU memory stays held (5000 MiB on GPU 0)"))
    }

    @Test func elapsedTimeLeavesThePausesOut() {
        let start = Date(timeIntervalSince1970: 1000)
        var row = TaskRow(id: "T0001", name: "a", project: "P0001", trainer: "command", state: "running", startedAt: start)
        #expect(row.elapsed(now: start.addingTimeInterval(600)) == 600)
        row.pausedSeconds = 240
        #expect(row.elapsed(now: start.addingTimeInterval(600)) == 360)
        #expect(row.timeText(now: start.addingTimeInterval(600)) == "6m")
        row.state = "stopped"
        row.finishedAt = start.addingTimeInterval(900)
        #expect(row.elapsed(now: start.addingTimeInterval(5000)) == 660)
    }
}

/// What the test's engine stand-ins were asked to do.
final class PauseCalls: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ call: String) { lock.withLock { list.append(call) } }
    var all: [String] { lock.withLock { list } }
}

fileprivate extension TaskActions {
    func with(_ change: (inout TaskActions) -> Void) -> TaskActions {
        var copy = self
        change(&copy)
        return copy
    }
}

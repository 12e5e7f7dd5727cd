import Foundation
import AIArtsEngine
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// Screens and panes handle keys by returning effects: these tests read the effects as data, and
/// check what the stack of screens does with them.
@Suite struct ScreenEffectsTests {
    static func app(_ state: HomeState = sampleState()) -> HomeApp {
        var a = HomeApp(state: state) { .loaded(sampleState().data!) }
        _ = a.update(.loaded(sampleState().data!))
        return a
    }

    @Test func openingATaskPushesItsScreenAndReadsIt() {
        var a = Self.app()
        a.state.home.focus = .tasks
        let effects = a.reduce(.key(.enter))
        #expect(effects.contains(.push(.task(TaskScreenState(taskID: "T0001")))))
        #expect(effects.contains(.loadTaskScreen("T0001")))
        _ = a.run(effects)
        #expect(a.state.openTaskID == "T0001" && a.state.keyContext == .task)
    }

    @Test func theTaskScreensKeysAreEffects() {
        var screen = TaskScreenState(taskID: "T0001")
        var home = sampleState()
        home.screens = [.task(screen)]
        #expect(screen.update(.startTask, in: home) == [.task(.start, "T0001")])
        #expect(screen.update(.predictTask, in: home) == [.notice(Notice(text: "predicting with T0001…", isError: false)), .task(.predict, "T0001")])
        // T0001 runs: stopping asks first. Evaluating twice at once does not.
        #expect(screen.update(.stopTask, in: home) == [.ask(Question(text: "Stop T0001 baseline?", onYes: .stopTask("T0001")))])
        #expect(screen.update(.evaluate, in: home)?.contains(.evaluate("T0001")) == true)
        #expect(screen.update(.evaluate, in: home) == [])
        // Not its action: left to the app (nil), e.g. the curves' keys.
        #expect(screen.update(.xAxis, in: home) == nil)
    }

    /// `:gpu` on a task screen opens the GPU screen over it: j/k move the GPU list, not the log
    /// hidden under it, and Esc goes back to the task.
    @Test func screensStack() {
        var a = Self.app()
        a.state.home.focus = .tasks
        _ = a.update(.key(.enter))
        a.state.taskScreen?.data = TaskScreenData(taskID: "T0001", params: [:], checkpoints: [], log: (1...100).map { "line \($0)" })
        for c in ":gpu" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.enter))
        #expect(a.state.keyContext == .gpu)
        #expect(a.render(size: Size(width: 100, height: 30)).lines()[1].contains("GPUs"))
        _ = a.update(.key(.char("k")))
        #expect(a.state.taskScreen?.log.fromEnd == 0)
        _ = a.update(.key(.esc))
        #expect(a.state.keyContext == .task && a.state.openTaskID == "T0001")
        _ = a.update(.key(.char("k")))
        #expect(a.state.taskScreen?.log.fromEnd == 1)
        _ = a.update(.key(.esc))
        #expect(a.state.screens.isEmpty && a.state.keyContext == .home)
    }

    @Test func theDatasetScreenReviewsWhatItShows() {
        var screen = DatasetScreenState(datasetID: "D0001")
        screen.data = DatasetScreenData(id: "D0001", name: "shapes", type: "detection", folder: "/data", labels: ["circle", "square"],
                                        counts: [2, 1], samples: [], failed: [])
        _ = screen.update(.filterLabel, in: sampleState())
        _ = screen.update(.filterSplit, in: sampleState())
        #expect(screen.update(.review, in: sampleState()) == [.openReview(ReviewRequest(datasetID: "D0001", label: "circle", split: .train))])
        #expect(screen.update(.splitData, in: sampleState()) == [.form(.splitData("D0001"))])
    }

    @Test func theTasksPaneStartsComparesAndStops() {
        var panes = HomePanes()
        let running = sampleState().data!.tasks[0], failed = sampleState().data!.tasks[1]
        #expect(TasksPane.update(.startTask, task: running, panes: &panes) == [.task(.start, "T0001")])
        #expect(TasksPane.update(.compareTask, task: failed, panes: &panes) == [.compare("T0002", watching: true)])
        #expect(panes.compared == ["T0002"])
        #expect(TasksPane.update(.compareTask, task: failed, panes: &panes) == [.compare("T0002", watching: false)])
        #expect(TasksPane.update(.stopTask, task: failed, panes: &panes) == [])  // nothing runs
    }

    @Test func predictionsPageWithTheirPaneFocused() {
        var a = Self.app()
        a.state.predictions = PredictionsData(taskID: "T0001", run: "epoch_3 · 3 images",
                                              items: ["a.jpg", "b.jpg", "c.jpg"].map { .init(file: $0, summary: "cat 0.90", drawn: "/x/" + $0) })
        // `]` elsewhere does nothing; on the Predictions pane it reads the next image.
        #expect(a.reduce(.key(.char("]"))).isEmpty)
        a.state.home.focus = .predictions
        let effects = a.reduce(.key(.char("]")))
        guard case .loadPrediction("T0001", 1, _)? = effects.first else { Issue.record("\(effects)"); return }
        #expect(a.reduce(.key(.char("["))).isEmpty)  // already on the first
        a.state.predictions?.index = 2
        #expect(a.reduce(.key(.char("]"))).isEmpty)  // already on the last
        let text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("3/3 · epoch_3 · 3 images"))
    }

    @Test func curvesZoomPanAndHideWithTheirPaneFocused() {
        var a = Self.app()
        a.state.curves = CurveData(taskID: "T0001", curves: [
            Curve(name: "train/loss", steps: (0..<100).map(Double.init), epochs: [], times: [], values: (0..<100).map { 1 / Double($0 + 1) }),
            Curve(name: "eval/acc1", steps: [50, 99], epochs: [], times: [], values: [0.5, 0.9]),
            Curve(name: "train/lr", steps: [0, 99], epochs: [], times: [], values: [0.1, 0.01]),
        ])
        _ = a.update(.key(.char("z")))
        #expect(a.state.curveOptions.window == nil)  // not focused: z means nothing here
        a.state.home.focus = .curves
        _ = a.update(.key(.char("z")))
        #expect(a.state.curveOptions.window == 0.5...1)  // in, kept at the newest end
        _ = a.update(.key(.char(",")))
        #expect(a.state.curveOptions.window == 0.375...0.875)
        _ = a.update(.key(.char("Z")))
        #expect(a.state.curveOptions.window == nil)
        _ = a.update(.key(.char("]")))
        _ = a.update(.key(.char("h")))
        #expect(a.state.curveOptions.hidden == ["train/loss"])
        let lines = a.render(size: Size(width: 120, height: 50)).lines().joined(separator: "\n")
        #expect(lines.contains("(hidden) train/loss"))
        #expect(lines.contains("learning rate"))  // the lr chart's y title
        #expect(!lines.contains("● train/loss"))
    }

    @Test func theCommandLineListsCandidatesAndCreatesTasks() {
        var a = Self.app()
        for c in ":task " { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab))
        #expect(a.state.notice?.text == "start  stop  pause  continue  resume  predict  export  create")
        _ = a.update(.key(.esc))
        #expect(CommandLineInput.parse("task create P0001 --trainer torch --name r18 epochs=3 model=resnet18")
                == .createTask(TaskDraft(project: "P0001", trainer: .torch, name: "r18", params: ["epochs": "3", "model": "resnet18"])))
        #expect(CommandLineInput.parse("task create P0001 oops") == .error("oops: parameters are key=value (task create P0001 [--trainer builtin|torch|command] [--name N] [key=value …])"))
        for c in ":task create P0001 epochs=2" { _ = a.update(.key(.char(c))) }
        #expect(a.reduce(.key(.enter)) == [.createTask(TaskDraft(project: "P0001", trainer: .aiartsTrain, name: "", params: ["epochs": "2"]))])
    }

    /// At 80 columns the footer gives way from the end, but keeps the way back (and undo in review).
    @Test func narrowFootersKeepEscape() {
        var a = Self.app()
        a.state.home.focus = .tasks
        _ = a.update(.key(.enter))
        let footer = a.render(size: Size(width: 80, height: 24)).lines()[23]
        #expect(footer.contains("Esc back") && footer.contains("s start"))
        let review = FooterBar.fitting(ActionHelp.lines(for: .review, pane: .datasets).compactMap { line in line.footer.map { ("k", $0) } }, width: 79)
        #expect(review.contains { $0.1 == "undo" } && review.contains { $0.1 == "back" })
    }

    @Test func tasksShowElapsedTimeAndETA() {
        var state = sampleState()
        let start = Date(timeIntervalSince1970: 1_000_000)
        state.data?.readAt = start.addingTimeInterval(725)
        state.data?.tasks[0].startedAt = start
        state.data?.tasks[0].eta = 250
        state.data?.tasks[1].startedAt = start
        state.data?.tasks[1].finishedAt = start.addingTimeInterval(3720)
        let wide = HomeView.render(state, size: Size(width: 140, height: 30)).lines()
        #expect(wide.contains { $0.contains("T0001") && $0.contains("12m +4m") })
        #expect(wide.contains { $0.contains("T0002") && $0.contains("1h02m") })
        // Narrow: the running task's time leads its message.
        let narrow = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        #expect(narrow.contains { $0.contains("T0001") && $0.contains("12m +4m") })
    }

    /// The feed's deltas reach the selected (and compared) task's curves through `update`; a late
    /// delta for a task no longer shown is dropped.
    @Test func deltasAreAppliedWhereTheyBelong() {
        var a = Self.app()
        func delta(from: Int, _ values: [Double]) -> MetricsDelta {
            MetricsDelta(replace: from == 0, series: [MetricSeriesDelta(name: "train/loss", from: from, steps: values.indices.map { from + $0 },
                                                                       epochs: values.map { _ in .nan }, times: values.map { _ in .nan }, values: values)],
                         progress: TrainingProgress())
        }
        var first = CurveData(taskID: "T0001", curves: [])
        first.apply(delta(from: 0, [3, 2]))
        _ = a.update(.curvesLoaded(first))
        _ = a.update(.curvesDelta(taskID: "T0001", delta(from: 2, [1.5, 1])))
        #expect(a.state.curves?.curves.first?.values == [3, 2, 1.5, 1])
        _ = a.update(.curvesDelta(taskID: "T0009", delta(from: 4, [0.5])))
        #expect(a.state.curves?.curves.first?.values == [3, 2, 1.5, 1])
        // The kept smoothed line follows the options (and what the chart draws with them).
        _ = a.update(.key(.char("+")))
        let groups = CurvesPane.groups(a.state.curves!, compared: [], theme: .monochrome, axis: .step, smoothing: a.state.curveOptions.smoothing)
        #expect(groups.first?.first?.smoothed?.count == 4)
    }

    /// Only the rows on screen are drawn (and made into text); scrolling keeps the selection on it.
    @Test func aLongTaskListScrollsToTheSelection() {
        var a = Self.app()
        a.state.data?.tasks = (1...500).map { TaskRow(id: String(format: "T%04d", $0), name: "run \($0)", project: "P0001", trainer: "command", state: "finished") }
        a.state.home.focus = .tasks
        _ = a.update(.key(.char("G")))
        #expect(a.state.selectedTask?.id == "T0500")
        let lines = a.render(size: Size(width: 100, height: 30)).lines()
        #expect(lines.contains { $0.contains("T0500") } && !lines.contains { $0.contains("T0001 ") })
        for _ in 0..<3 { _ = a.update(.key(.char("k"))) }
        let after = a.render(size: Size(width: 100, height: 30))
        let row = after.lines().firstIndex { $0.hasPrefix("┃T0497") }!
        #expect(after.lines().contains { $0.contains("T0500") })  // still on screen: it moved as little as it could
        let x = 1
        #expect(after[x, row].style == a.state.theme.selection && after[x, row + 1].style != after[x, row].style)  // the selection, highlighted
        #expect(TaskRow.duration(35_999) == "9h59m" && TaskRow.duration(3_660) == "1h01m")
    }
}

import Foundation
import GRDB
import Testing
import TestSupport
@testable import AIArtsEngine

/// `task pause` / `task continue` with real processes (docs/tasks.md, "Pausing"): a command task
/// whose loop appends a line to `ticks` every 50 ms, paused, continued, stopped while paused, seen
/// paused by a second aiarts, and paused by hand with kill -STOP.
@Suite struct TaskPauseTests {
    typealias Sandbox = TaskKillTests.Sandbox

    func started(_ s: Sandbox) throws -> TaskRecord {
        let task = try s.command(TaskKillTests.loop)
        let record = try s.ws.startTask(task.id)
        #expect(record.taskStatus == .running)
        #expect(waitUntil { s.ticks(task.id) > 2 })
        return record
    }

    @Test func pauseStopsTheLoopAndContinueRestartsIt() throws {
        let s = try Sandbox()
        let task = try started(s)
        let paused = try s.ws.pauseTask(task.id)
        #expect(paused.taskStatus == .paused)
        #expect(paused.pid == task.pid)
        #expect(try s.stoppedTicking(task.id))
        // Every process of the group is stopped, the supervisor too.
        let processes = s.ws.liveTaskProcesses(task.id)
        #expect(!processes.isEmpty)
        #expect(processes.allSatisfy { $0.state == "T" || $0.processGroup != task.pid })
        // Still paused after a reconciliation: a stopped process is alive.
        try s.ws.refreshTasks()
        #expect(try s.ws.task(task.id).taskStatus == .paused)

        let running = try s.ws.continueTask(task.id)
        #expect(running.taskStatus == .running)
        #expect(s.stillTicking(task.id))
        try s.ws.refreshTasks()
        #expect(try s.ws.task(task.id).taskStatus == .running)
        _ = try s.ws.stopTask(task.id, grace: .seconds(5))
    }

    @Test func stopWhilePausedEndsTheTask() throws {
        let s = try Sandbox()
        let task = try started(s)
        try s.ws.pauseTask(task.id)
        let clock = ContinuousClock.now
        let stopped = try s.ws.stopTask(task.id, grace: .seconds(5))
        #expect(stopped.taskStatus == .stopped)
        // SIGTERM reached it (the group was continued), well before the grace ran out.
        #expect(ContinuousClock.now - clock < .seconds(4))
        #expect(stopped.exitSignal == SIGTERM || stopped.statusMessage.contains("TERM") || stopped.exitCode != nil, "\(stopped.statusMessage)")
        #expect(s.ws.liveTaskProcesses(task.id).isEmpty)
    }

    @Test func aSecondAiartsSeesItPausedAndCanContinueIt() throws {
        let s = try Sandbox()
        let task = try started(s)
        try s.ws.pauseTask(task.id)
        let other = try Workspace(root: s.folder.url, gpuProbe: .none)
        try other.refreshTasks()
        #expect(try other.task(task.id).taskStatus == .paused)
        #expect(try other.taskStatus(task.id).state == "paused")
        try other.continueTask(task.id)
        #expect(try s.ws.task(task.id).taskStatus == .running)
        #expect(s.stillTicking(task.id))
        _ = try other.stopTask(task.id, grace: .seconds(5))
    }

    /// kill -STOP of the trainer alone (not the group) by hand: the next reconciliation records
    /// it paused; kill -CONT: running again.
    @Test func stoppedByHandIsRecordedPausedAndContinuedByHandRunning() throws {
        let s = try Sandbox()
        let task = try started(s)
        let supervisor = try #require(task.identity)
        let trainer = try #require(s.ws.liveTaskProcesses(task.id).first { $0.parentPID == supervisor.pid })
        #expect(kill(trainer.pid, SIGSTOP) == 0)
        #expect(waitUntil { ProcessStat.read(pid: trainer.pid)?.state == "T" })
        #expect(try s.ws.refreshTasks() == [task.id])
        let record = try s.ws.task(task.id)
        #expect(record.taskStatus == .paused)
        #expect(record.statusMessage.contains("kill -STOP"))
        #expect(throws: AIArtsError.self) { try s.ws.pauseTask(task.id) }
        #expect(kill(trainer.pid, SIGCONT) == 0)
        #expect(waitUntil { ProcessStat.read(pid: trainer.pid)?.state != "T" })
        #expect(try s.ws.refreshTasks() == [task.id])
        #expect(try s.ws.task(task.id).taskStatus == .running)
        _ = try s.ws.stopTask(task.id, grace: .seconds(5))
    }

    @Test func onlyARunningTaskPausesAndOnlyAPausedOneContinues() throws {
        let s = try Sandbox()
        let created = try s.command("true")
        func refusal(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(refusal { try s.ws.pauseTask(created.id) } == "\(created.id) is not running (created); only a running task can be paused")
        #expect(refusal { try s.ws.continueTask(created.id) } == "\(created.id) is not paused (created); only a paused task can be continued")
        #expect(refusal { try s.ws.pauseTask("T0999") }.contains("T0999"))
        let task = try started(s)
        #expect(refusal { try s.ws.continueTask(task.id) }.contains("is not paused (running)"))
        try s.ws.pauseTask(task.id)
        #expect(refusal { try s.ws.pauseTask(task.id) }.contains("is already paused"))
        _ = try s.ws.stopTask(task.id, grace: .seconds(5))
        #expect(refusal { try s.ws.pauseTask(task.id) } == "\(task.id) has ended (stopped); only a running task can be paused")
    }

    /// Elapsed time leaves the pause out: the clock file records it per run.
    @Test func pausedTimeIsCounted() throws {
        let s = try Sandbox()
        let task = try started(s)
        try s.ws.pauseTask(task.id)
        Thread.sleep(forTimeInterval: 0.3)
        let during = s.ws.pausedSeconds(try s.ws.task(task.id))
        #expect(during >= 0.3)
        try s.ws.continueTask(task.id)
        let after = s.ws.pausedSeconds(try s.ws.task(task.id))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(s.ws.pausedSeconds(try s.ws.task(task.id)) == after)
        #expect(after >= during)
        #expect(try s.ws.taskStatus(task.id).pausedSeconds == after)
        _ = try s.ws.stopTask(task.id, grace: .seconds(5))
    }

    @Test func pauseClockBelongsToOneRun() throws {
        let folder = TempFolder("aiarts-pauseclock")
        let run = Date(timeIntervalSince1970: 1000)
        try TaskPauseClock.record(paused: true, run: run, in: folder.url, now: Date(timeIntervalSince1970: 1010))
        try TaskPauseClock.record(paused: false, run: run, in: folder.url, now: Date(timeIntervalSince1970: 1025))
        let clock = try #require(TaskPauseClock.read(in: folder.url))
        #expect(clock.seconds(until: Date(timeIntervalSince1970: 2000), run: run) == 15)
        // A later run (a resume) starts from zero.
        #expect(clock.seconds(until: Date(timeIntervalSince1970: 2000), run: Date(timeIntervalSince1970: 1500)) == 0)
        try TaskPauseClock.record(paused: true, run: run, in: folder.url, now: Date(timeIntervalSince1970: 1100))
        #expect(TaskPauseClock.read(in: folder.url)?.seconds(until: Date(timeIntervalSince1970: 1110), run: run) == 25)
        // A corrupt file reads as no pauses.
        try Data("{\"paused_seconds\": \"x\"}".utf8).write(to: folder.url.appendingPathComponent("pause_time"))
        #expect(TaskPauseClock.read(in: folder.url) == nil)
    }

    /// A paused task keeps its GPU memory, so the queue keeps its reservation: a second task that
    /// needs the same memory waits rather than starting into it.
    @Test func thePausedTasksGPUMemoryStaysReserved() throws {
        let gpus = TaskQueueTests.FakeGPUs([GPUCapacity(index: 0, totalMiB: 24000, freeMiB: 10000)])
        let s = try TaskQueueTests.Sandbox(gpus: gpus)
        let first = try s.command(TaskKillTests.loop, ["gpus": "0", "gpu_memory": "8000"])
        #expect(try s.ws.startTask(first.id).taskStatus == .running)
        try s.ws.pauseTask(first.id)
        #expect(try s.ws.reservedGPUMemory(excluding: "T0999") == [0: 8000])
        let second = try s.command("true", ["gpus": "0", "gpu_memory": "8000"])
        let waiting = try s.ws.startTask(second.id)
        #expect(waiting.taskStatus == .waitingGPU)
        #expect(waiting.statusMessage.contains("GPU 0 has 2000 MiB"), "\(waiting.statusMessage)")
        _ = try s.ws.stopTask(second.id)
        _ = try s.ws.stopTask(first.id, grace: .seconds(5))
    }

    @Test func pausedNoteNamesTheGPUMemoryHeld() throws {
        let s = try Sandbox()
        var record = try s.command("true")
        record.status = TaskStatus.paused.rawValue
        record.params = try TaskParams.encode(["command": "true", "assigned_gpus": "0"])
        let gpu0 = GPUDevice(index: 0, name: "A", uuid: "GPU-0", processes: [
            GPUProcess(pid: 10, memory: 1500 << 20, task: record.id), GPUProcess(pid: 11, memory: 1, task: record.id),
            GPUProcess(pid: 12, memory: 9000 << 20, task: "T0777"),
        ])
        let gpu1 = GPUDevice(index: 1, name: "B", uuid: "GPU-1", processes: [GPUProcess(pid: 13, memory: nil, task: record.id)])
        let snapshot = GPUSnapshot(source: .fixture, gpus: [gpu1, gpu0])
        #expect(s.ws.pausedNote(record, snapshot: snapshot) == "paused — GPU memory stays held (1501 MiB on GPU 0)")
        #expect(s.ws.pausedNote(record, snapshot: nil) == "paused — GPU memory stays held (on GPU 0)")
        record.params = try TaskParams.encode(["command": "true", "assigned_gpus": ""])
        #expect(s.ws.pausedNote(record, snapshot: GPUSnapshot(source: .none, gpus: [])) == "paused — on the CPU, nothing held on a GPU")
        record.status = TaskStatus.running.rawValue
        #expect(s.ws.pausedNote(record, snapshot: snapshot) == nil)
    }
}

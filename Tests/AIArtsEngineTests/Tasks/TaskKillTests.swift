import Foundation
import GRDB
import Testing
import TestSupport
@testable import AIArtsEngine

/// A task's supervisor SIGKILLed (the OOM killer, `kill -9`): its trainer must not run on
/// orphaned, `task stop` must reach whatever of it still lives, and `task start`/`resume` must not
/// start a second trainer into the same folder while one lives (docs/runner.md, "Killed processes").
/// Real processes throughout: the "trainer" is a shell loop appending to a file.
@Suite struct TaskKillTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-kill")
        let ws: Workspace
        let project: ProjectRecord

        init() throws {
            ws = try Workspace(root: folder.url, gpuProbe: .none)
            project = try ws.createProject(name: "p", type: .classification)
        }

        /// Whatever a failing test left running is killed, so no loop outlives the test.
        deinit {
            for task in (try? ws.tasks()) ?? [] {
                DetachedProcess.terminate(ws.liveTaskProcesses(task.id).map(\.identity), grace: .zero)
            }
        }

        func command(_ line: String) throws -> TaskRecord {
            try ws.createTask(projectID: project.id, trainer: .command, params: ["command": line])
        }

        func ticks(_ id: String) -> Int {
            let text = (try? String(contentsOf: ws.taskFolder(id).appendingPathComponent("ticks"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").count
        }

        /// True once the ticks file grows again (the loop ticks every 50 ms; a busy machine gets 5 s).
        func stillTicking(_ id: String) -> Bool {
            let before = ticks(id)
            return waitUntil { ticks(id) > before }
        }

        /// True when `id` wrote no tick while a witness, the same loop started now, wrote three: long
        /// enough for `id` to have ticked were it running, however slow the machine is today.
        func stoppedTicking(_ id: String) throws -> Bool {
            let before = ticks(id)
            let box = TempFolder("aiarts-witness")
            let witness = try DetachedProcess.launch(executable: "/bin/sh", arguments: ["-c", TaskKillTests.loop],
                                                     environment: ["PATH": "/usr/bin:/bin"], workingDirectory: box.url, logFile: box.path("log"))
            defer { kill(-witness.pid, SIGKILL); _ = ExitWatcher.waitForExit(witness.identity, timeout: .seconds(2)) }
            let witnessTicks = { ((try? String(contentsOf: box.path("ticks"), encoding: .utf8)) ?? "").split(separator: "\n").count }
            guard waitUntil(timeout: 10, { witnessTicks() >= 3 }) else {
                Issue.record("the witness loop never ticked")
                return false
            }
            return ticks(id) == before
        }
    }

    static let loop = "while :; do echo tick >> ticks; sleep 0.05; done"

    /// A process names itself (prctl PR_SET_NAME): the name goes into error messages printed as
    /// they are, so nothing but printable ASCII is kept.
    @Test func processNamesInMessagesAreMadePrintable() {
        let evil = ProcessStat(pid: 7, command: "x\u{1B}[2Jé\u{7}", state: "S", parentPID: 1, processGroup: 7, session: 7, startTime: 1)
        #expect(Workspace.describe([evil]) == "pid 7 (x?[2J??)")
    }

    /// The trainer is the supervisor's child; PR_SET_PDEATHSIG (set through setpriv) makes the
    /// kernel kill it the moment the supervisor dies, with no aiarts running at all.
    @Test(.enabled(if: Supervisor.setpriv != nil, "needs util-linux setpriv"))
    func trainerDiesWithItsSupervisor() throws {
        let s = try Sandbox()
        let task = try s.command(Self.loop)
        let record = try s.ws.startTask(task.id)
        let supervisor = try #require(record.identity)
        #expect(waitUntil { s.ticks(task.id) > 2 })
        let trainer = try #require(s.ws.liveTaskProcesses(task.id).first { $0.parentPID == supervisor.pid })
        // The marker that lets stop find it is in the trainer's own environment.
        #expect(ProcessScan.environment(of: trainer.pid, contains: Array("AIARTS_TASK_ID=\(task.id)".utf8)))

        kill(supervisor.pid, SIGKILL)
        #expect(waitUntil(timeout: 2) { !trainer.identity.isAlive }, "the trainer outlived its SIGKILLed supervisor")
        #expect(try s.stoppedTicking(task.id))
        let ended = try s.ws.refreshTasks()
        #expect(ended == [task.id])
        #expect(try s.ws.task(task.id).taskStatus == .failed)
    }

    /// The race PDEATHSIG leaves: a supervisor that died before setpriv's prctl. The guard between
    /// prctl and exec finds its parent is not the supervisor any more and the command never runs.
    @Test(.enabled(if: Supervisor.setpriv != nil, "needs util-linux setpriv"))
    func commandNeverStartsWhenItsSupervisorDiedBeforePrctl() throws {
        let box = TempFolder("aiarts-guard")
        func run(supervisor: Int32) throws -> ExitStatus? {
            let p = try DetachedProcess.launch(
                executable: Supervisor.setpriv!, arguments: ["--pdeathsig", "KILL", "--", "/bin/sh", "-c", Supervisor.parentGuard,
                                                             "aiarts-pdeathsig", String(supervisor), "/bin/sh", "-c", "echo ran >> out"],
                environment: ["PATH": "/usr/bin:/bin"], workingDirectory: box.url, logFile: box.path("log"))
            return ExitWatcher.waitForExit(p.identity, timeout: .seconds(5))
        }
        // Its parent is this process: the guard lets the command run.
        #expect(try run(supervisor: getpid()) == .exited(code: 0))
        #expect((try? String(contentsOf: box.path("out"), encoding: .utf8)) == "ran\n")
        // Any other pid stands for a supervisor that is gone (the orphan's parent is now init or a subreaper).
        #expect(try run(supervisor: 1) == .signaled(signal: SIGKILL, coreDumped: false))
        #expect((try? String(contentsOf: box.path("out"), encoding: .utf8)) == "ran\n")
    }

    /// What PDEATHSIG cannot reach: a process the trainer started (PDEATHSIG is not inherited),
    /// still writing after trainer and supervisor are gone. The first aiarts to find the
    /// supervisor dead kills it, and says so in the task's message.
    @Test func reconciliationKillsWhatOutlivedTheSupervisor() throws {
        let s = try Sandbox()
        let task = try s.command("sh -c '\(Self.loop)' & wait")
        let supervisor = try #require(try s.ws.startTask(task.id).identity)
        #expect(waitUntil { s.ticks(task.id) > 2 })

        kill(supervisor.pid, SIGKILL)
        #expect(s.stillTicking(task.id), "the test needs an orphan that outlives the supervisor")
        let orphans = s.ws.liveTaskProcesses(task.id)
        #expect(!orphans.isEmpty)

        #expect(try s.ws.refreshTasks() == [task.id])
        #expect(waitUntil(timeout: 2) { orphans.allSatisfy { !$0.identity.isAlive } })
        #expect(try s.stoppedTicking(task.id))
        let record = try s.ws.task(task.id)
        #expect(record.taskStatus == .failed)
        #expect(record.statusMessage.contains("still running"), "\(record.statusMessage)")
        #expect(s.ws.liveTaskProcesses(task.id).isEmpty)
    }

    /// A task recorded as ended while its trainer still runs (an aiarts from before this fix
    /// recorded it and killed nothing): resume and start refuse, naming the pid; stop stops it,
    /// and only it — another task's processes are left alone.
    @Test func stopAndResumeSeeAProcessWhateverTheRecordSays() throws {
        let s = try Sandbox()
        let checkpoint = #"mkdir -p checkpoints/epoch_1; echo '{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1"}' >>"$AIARTS_METRICS"; : {resume}; "#
        let task = try s.command(checkpoint + "sh -c '\(Self.loop)' & wait")
        let other = try s.command(Self.loop)
        let supervisor = try #require(try s.ws.startTask(task.id).identity)
        let otherSupervisor = try #require(try s.ws.startTask(other.id).identity)
        #expect(waitUntil { s.ticks(task.id) > 2 && s.ticks(other.id) > 2 })

        kill(supervisor.pid, SIGKILL)
        _ = ExitWatcher.waitForExit(supervisor, timeout: .seconds(5))  // reap our child
        try s.ws.store.pool.write { db in
            try db.execute(sql: "UPDATE task SET status = 'failed', statusMessage = 'ended', finishedAt = ? WHERE id = ?",
                           arguments: [Date(), task.id])
        }
        #expect(s.stillTicking(task.id))
        let orphans = s.ws.liveTaskProcesses(task.id)
        let orphan = try #require(orphans.first)

        let refused = #expect(throws: AIArtsError.self) { try s.ws.resumeTask(task.id) }
        #expect(refused?.kind == .conflict)
        #expect(refused?.message.contains("pid \(orphan.pid)") == true, "\(refused?.message ?? "")")
        #expect(s.stillTicking(task.id), "refusing must not touch the process")
        #expect(try s.ws.task(task.id).taskStatus == .failed)

        let stopped = try s.ws.stopTask(task.id, grace: .seconds(2))
        #expect(stopped.taskStatus == .failed)
        #expect(stopped.statusMessage.contains("pid \(orphan.pid)"), "\(stopped.statusMessage)")
        #expect(orphans.allSatisfy { !$0.identity.isAlive })
        #expect(try s.stoppedTicking(task.id))
        #expect(otherSupervisor.isAlive && s.stillTicking(other.id), "stop reached another task")

        let again = #expect(throws: AIArtsError.self) { try s.ws.stopTask(task.id) }
        #expect(again?.message.contains("already ended") == true)
        // Nothing of it runs any more: resume goes ahead.
        #expect(try s.ws.resumeTask(task.id).taskStatus == .running)
        _ = try s.ws.stopTask(task.id, grace: .milliseconds(500))
        _ = try s.ws.stopTask(other.id, grace: .milliseconds(500))
        #expect(s.ws.liveTaskProcesses(task.id).isEmpty && s.ws.liveTaskProcesses(other.id).isEmpty)
    }
}

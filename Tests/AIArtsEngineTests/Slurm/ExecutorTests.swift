import Foundation
import Synchronization
import Testing
@testable import AIArtsEngine

/// Executors and the life of a task on Slurm, against fake Slurm programs (shell scripts in a folder
/// given to the workspace with `SlurmCommands.setOverride`) whose output each test sets; e2e/slurm.sh
/// runs the same against a real cluster. `swift test --filter ExecutorTests`.
@Suite struct ExecutorTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-executor")
        let ws: Workspace
        let project: ProjectRecord
        var bin: URL { folder.path("bin") }

        init(programs: [SlurmCommands.Program] = SlurmCommands.Program.allCases) throws {
            ws = try Workspace(root: folder.path("ws"), gpuProbe: .none)
            project = try ws.createProject(name: "p", type: .classification)
            try FileManager.default.createDirectory(at: folder.path("bin"), withIntermediateDirectories: true)
            let scripts: [SlurmCommands.Program: String] = [
                // sbatch: logs its arguments, prints the next job id.
                .sbatch: #"d=$(dirname "$0"); echo "$@" >> "$d/sbatch.log"; n=$(cat "$d/next" 2>/dev/null || echo 42); echo $((n + 1)) > "$d/next"; echo "$n""#,
                .squeue: #"d=$(dirname "$0"); echo "$@" >> "$d/squeue.log"; cat "$d/squeue.out" 2>/dev/null; cat "$d/squeue.err" >&2 2>/dev/null; exit $(cat "$d/squeue.rc" 2>/dev/null || echo 0)"#,
                .scontrol: #"d=$(dirname "$0"); echo "$@" >> "$d/scontrol.log"; if [ -f "$d/scontrol.fail" ]; then cat "$d/scontrol.fail" >&2; exit 1; fi; if [ -f "$d/scontrol.out" ]; then cat "$d/scontrol.out"; else echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi"#,
                // scancel: the job is then listed as cancelled.
                .scancel: #"d=$(dirname "$0"); echo "$@" >> "$d/scancel.log"; sed -i "s/^$1|[A-Z]*|/$1|CANCELLED|/" "$d/squeue.out""#,
                .sacct: #"echo "Slurm accounting storage is disabled" >&2; exit 1"#,
                .sinfo: #"echo "debug* up 1 idle node1""#,
            ]
            for program in programs {
                let url = bin.appendingPathComponent(program.rawValue)
                try Data(("#!/bin/sh\n" + scripts[program]! + "\n").utf8).write(to: url)
                chmod(url.path, 0o755)
            }
            SlurmCommands.setOverride(SlurmCommands(binFolder: bin.path), for: ws.root)
        }

        deinit { SlurmCommands.setOverride(nil, for: ws.root) }

        func set(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: bin.appendingPathComponent(name)) }
        func read(_ name: String) -> String { (try? String(contentsOf: bin.appendingPathComponent(name), encoding: .utf8)) ?? "" }

        func commandTask(_ params: [String: String] = [:]) throws -> TaskRecord {
            try ws.createTask(projectID: project.id, trainer: .command, params: params.merging(["command": "echo trained"]) { $1 })
        }
    }

    @Test func executorsAreAddedListedAndRemoved() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "hpc", partition: "gpu", account: "", qos: "high"))
        try s.ws.addExecutor(ExecutorRecord(name: "a-small.one"))
        #expect(try s.ws.executors().map(\.name) == ["a-small.one", "hpc"])
        let hpc = try s.ws.executor(named: "hpc")
        #expect(hpc.partition == "gpu" && hpc.account == nil && hpc.qos == "high" && hpc.kind == "slurm")
        #expect(hpc.sbatchOptions == ["--partition=gpu", "--qos=high"])
        #expect(#expect(throws: AIArtsError.self) { try s.ws.addExecutor(ExecutorRecord(name: "hpc")) }?.kind == .conflict)
        for bad in ["", "local", "-x", "a b", "a\u{1B}[2Jb", String(repeating: "x", count: 65)] {
            #expect(#expect(throws: AIArtsError.self) { try s.ws.addExecutor(ExecutorRecord(name: bad)) }?.kind == .invalidArgument)
        }
        let quoted = #expect(throws: AIArtsError.self) { try s.ws.addExecutor(ExecutorRecord(name: "q", partition: "gpu; rm -rf /")) }
        #expect(quoted?.message.hasPrefix("--partition") == true)
        try s.ws.setDefaultExecutor(project: s.project.id, name: "hpc")
        #expect(try s.ws.defaultExecutor(project: s.project.id) == "hpc")
        #expect(throws: AIArtsError.self) { try s.ws.setDefaultExecutor(project: s.project.id, name: "nope") }
        try s.ws.removeExecutor(named: "hpc")
        #expect(try s.ws.defaultExecutor(project: s.project.id) == nil)
        #expect(#expect(throws: AIArtsError.self) { try s.ws.executor(named: "hpc") }?.kind == .notFound)
    }

    @Test func aTaskGoesPendingWithSlurmsReasonThenRunsThenFinishesByItsExitRecord() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "hpc", partition: "gpu"))
        let task = try s.commandTask(["cpus": "2", "memory": "4G", "time": "30"])
        let start = try s.ws.startTask(task.id, on: "hpc", worker: QueueWorker(executable: "/bin/false"))
        #expect(start.record.taskStatus == .pending)
        #expect(start.record.statusMessage == "submitted to hpc as Slurm job 42")
        let folder = s.ws.taskFolder(task.id)
        #expect(s.read("sbatch.log") == "--parsable \(folder.path)/slurm.sbatch\n")
        let batch = try String(contentsOf: folder.appendingPathComponent("slurm.sbatch"), encoding: .utf8)
        #expect(batch.contains("#SBATCH --partition=gpu\n#SBATCH --cpus-per-task=2\n#SBATCH --mem=4G\n#SBATCH --time=30\n"))
        let run = try String(contentsOf: folder.appendingPathComponent("slurm-run.sh"), encoding: .utf8)
        #expect(run.contains("exec /bin/sh -c 'echo trained'"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("command.txt").path))
        #expect(try s.ws.slurmInfo(task.id)?.jobId == "42")

        try s.set("squeue.out", "42|PENDING|Priority||aiarts-\(task.id)\n")
        #expect(try s.ws.refreshTasks() == [task.id])
        #expect(try s.ws.task(task.id).statusMessage == "pending: Priority")
        #expect(s.read("squeue.log").contains("-h --states=all -j 42 -o %i|%T|%r|%N|%j"))
        #expect(try s.ws.refreshTasks() == [])  // nothing new

        try s.set("squeue.out", "42|RUNNING|None|node1|aiarts-\(task.id)\n")
        try s.ws.refreshTasks()
        let running = try s.ws.task(task.id)
        #expect(running.taskStatus == .running && running.launchedAt != nil)
        #expect(running.statusMessage == "running on node1 (Slurm job 42); metrics polling every 2 s")
        #expect(s.ws.metricsPolling(task.id)?.interval == 2)
        #expect(s.ws.executorLines(task.id).first == "executor: hpc (Slurm job 42, RUNNING on node1)")
        #expect(s.ws.metricsFeed(task.id).pollInterval == 2)

        try Data("exit=0\nshell_status=0\nstop_signals=\n".utf8).write(to: folder.appendingPathComponent("exit_status"))
        try s.set("squeue.out", "42|COMPLETED|None|node1|aiarts-\(task.id)\n")
        try s.ws.refreshTasks()
        let done = try s.ws.task(task.id)
        #expect(done.taskStatus == .finished && done.exitCode == 0 && done.finishedAt != nil)
    }

    @Test func aJobCancelledOutsideAiartsIsStoppedAndTaskStopIsScancel() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "hpc"))
        let byHand = try s.commandTask()
        try s.ws.startTask(byHand.id, on: "hpc", worker: QueueWorker(executable: "/bin/false"))
        let stopped = try s.commandTask()
        try s.ws.startTask(stopped.id, on: "hpc", worker: QueueWorker(executable: "/bin/false"))
        // One squeue call for both jobs; job 42 left squeue and scontrol says how it ended.
        try s.set("squeue.out", "43|RUNNING|None|node1|aiarts-\(stopped.id)\n")
        try s.set("scontrol.out", SlurmParseTests.cancelled.replacingOccurrences(of: "JobId=9 ", with: "JobId=42 ")
            .replacingOccurrences(of: "aiarts-T0042", with: "aiarts-\(byHand.id)"))
        try s.ws.refreshTasks()
        #expect(s.read("squeue.log").split(separator: "\n").last?.contains("-j 42,43") == true)
        let cancelled = try s.ws.task(byHand.id)
        #expect(cancelled.taskStatus == .stopped && cancelled.statusMessage == "cancelled outside aiarts (scancel of Slurm job 42)")
        try FileManager.default.removeItem(at: s.bin.appendingPathComponent("scontrol.out"))

        // Removing the executor is refused while a task runs on it, naming it.
        let refused = #expect(throws: AIArtsError.self) { try s.ws.removeExecutor(named: "hpc") }
        #expect(refused?.message.hasPrefix("\(stopped.id) runs on hpc") == true)

        let record = try s.ws.stopTask(stopped.id, grace: .milliseconds(100))
        #expect(s.read("scancel.log") == "43\n")
        #expect(record.taskStatus == .stopped && record.statusMessage.hasPrefix("stopped (scancel"))
        try s.ws.removeExecutor(named: "hpc")
    }

    @Test func whenSlurmCannotBeAskedNothingChanges() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "hpc"))
        let task = try s.commandTask()
        try s.ws.startTask(task.id, on: "hpc", worker: QueueWorker(executable: "/bin/false"))
        try s.set("squeue.err", "squeue: error: Unable to contact slurm controller (connect failure)\n")
        try s.set("squeue.rc", "1")
        #expect(try s.ws.refreshTasks() == [])
        #expect(try s.ws.task(task.id).taskStatus == .pending)
        // squeue answers without the job, and scontrol cannot be asked: it stays as it was.
        try FileManager.default.removeItem(at: s.bin.appendingPathComponent("squeue.err"))
        try s.set("squeue.rc", "0")
        try s.set("squeue.out", "")
        try s.set("scontrol.fail", "scontrol: error: Socket timed out on send/recv operation\n")
        #expect(try s.ws.refreshTasks() == [])
        #expect(try s.ws.task(task.id).taskStatus == .pending)
        try FileManager.default.removeItem(at: s.bin.appendingPathComponent("scontrol.fail"))
        // A job id the cluster handed out again (its state was reset) is another job: this one is gone.
        try s.set("squeue.out", "42|RUNNING|None|node1|someone-else\n")
        try s.ws.refreshTasks()
        let gone = try s.ws.task(task.id)
        #expect(gone.taskStatus == .failed && gone.statusMessage == "Slurm no longer knows job 42 and it left no exit status (see train.log)")
        // A job Slurm has forgotten that left an exit record ends by it.
        let second = try s.commandTask()
        try s.ws.startTask(second.id, on: "hpc", worker: QueueWorker(executable: "/bin/false"))
        try s.set("squeue.out", "")
        try Data("exit=1\nshell_status=1\nstop_signals=\n".utf8).write(to: s.ws.taskFolder(second.id).appendingPathComponent("exit_status"))
        try s.ws.refreshTasks()
        let failed = try s.ws.task(second.id)
        #expect(failed.taskStatus == .failed && failed.exitCode == 1)
    }

    @Test func withoutSbatchTheStartFailsInOneLineAndTheTaskCanStartAgain() throws {
        let s = try Sandbox(programs: [.squeue, .scontrol])
        try s.ws.addExecutor(ExecutorRecord(name: "hpc"))
        let task = try s.commandTask()
        let error = #expect(throws: AIArtsError.self) { try s.ws.startTask(task.id, on: "hpc", worker: QueueWorker(executable: "/bin/false")) }
        #expect(error?.message.hasPrefix("sbatch not found") == true)
        #expect(error?.message.contains("install slurm-client") == true)
        let failed = try s.ws.task(task.id)
        #expect(failed.taskStatus == .failed && failed.statusMessage.hasPrefix("could not start: sbatch not found"))
        // Back on this machine, it runs.
        try s.ws.startTask(task.id, on: "local", worker: QueueWorker(executable: "/bin/false"))
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        #expect(try s.ws.slurmInfo(task.id)?.executor == nil)
    }

    @Test func aProjectsDefaultExecutorTakesANewTaskAndNodesNeedTorch() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "hpc"))
        try s.ws.setDefaultExecutor(project: s.project.id, name: "hpc")
        let task = try s.commandTask()
        #expect(try s.ws.startTask(task.id, on: nil, worker: QueueWorker(executable: "/bin/false")).record.taskStatus == .pending)
        // Every front end's start (the HTTP dialects' too) takes the default; `--on local` overrides it.
        let viaAPI = try s.commandTask()
        #expect(try s.ws.startTask(viaAPI.id, worker: QueueWorker(executable: "/bin/false")).record.taskStatus == .pending)
        let here = try s.commandTask()
        try s.ws.startTask(here.id, on: "local", worker: QueueWorker(executable: "/bin/false"))
        #expect(try s.ws.waitForTask(here.id, interval: .milliseconds(20)).taskStatus == .finished)
        let multi = try s.commandTask(["nodes": "2"])
        let error = #expect(throws: AIArtsError.self) { try s.ws.startTask(multi.id, on: nil, worker: QueueWorker(executable: "/bin/false")) }
        #expect(error?.message.contains("only torch tasks run on several nodes") == true)
        #expect(throws: AIArtsError.self) { try s.ws.startTask(multi.id, on: "missing", worker: QueueWorker(executable: "/bin/false")) }
    }

    @Test func aRequeueWithoutACheckpointStartsOver() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "hpc"))
        let task = try s.commandTask()
        try s.ws.startTask(task.id, on: "hpc", worker: QueueWorker(executable: "/bin/false"))
        #expect(try s.ws.prepareSlurmRequeue(task.id, restart: 1) == "aiarts: \(task.id) was requeued (restart 1) before it saved a checkpoint: it starts over")
        #expect(try s.ws.slurmInfo(task.id)?.restarts == 1)
        let local = try s.commandTask()
        #expect(throws: AIArtsError.self) { try s.ws.prepareSlurmRequeue(local.id) }
    }

    @Test func networkFilesystemsAreFoundFromTheMountTable() {
        let mounts = """
            /dev/sda1 / ext4 rw 0 0
            server:/export /shared nfs4 rw 0 0
            /dev/sdb1 /shared/local ext4 rw 0 0
            sshfs#me@h: /mnt/my\\040files fuse.sshfs rw 0 0
            """
        #expect(MetricsFeed.networkFilesystem("/shared/ws/tasks/T0001", mounts: mounts) == "nfs4")
        #expect(MetricsFeed.networkFilesystem("/shared/local/ws", mounts: mounts) == nil)
        #expect(MetricsFeed.networkFilesystem("/sharedother", mounts: mounts) == nil)
        #expect(MetricsFeed.networkFilesystem("/mnt/my files/x", mounts: mounts) == "fuse.sshfs")
        #expect(Workspace.pollingText(2) == "polling every 2 s")
    }

    @Test func aPollingFeedSeesWritesInotifyIsNotToldOf() throws {
        // metrics.jsonl is a hard link to a file outside the task folder, written through that other
        // name: the folder's inotify watch hears nothing, as with a write made on another host.
        let folder = TempFolder("aiarts-poll-feed")
        let task = folder.path("task")
        try FileManager.default.createDirectory(at: task, withIntermediateDirectories: true)
        let outside = folder.path("elsewhere.jsonl")
        try Data((#"{"type":"train","epoch":1,"step":1,"loss":1.0}"# + "\n").utf8).write(to: outside)
        #expect(link(outside.path, task.appendingPathComponent("metrics.jsonl").path) == 0)
        func pointsSeen(pollInterval: TimeInterval?) throws -> Int {
            let feed = MetricsFeed(folder: task.path, pollInterval: .some(pollInterval))
            #expect(feed.pollInterval == pollInterval)
            try feed.start()
            defer { feed.stop() }
            let got = Mutex<Int>(0)
            feed.subscribe { delta in got.withLock { $0 += delta.series.reduce(0) { $0 + $1.steps.count } } }
            let handle = try FileHandle(forWritingTo: outside)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((#"{"type":"train","epoch":1,"step":2,"loss":0.5}"# + "\n").utf8))
            try handle.close()
            let deadline = Date().addingTimeInterval(1.5)
            while got.withLock({ $0 }) == 0, Date() < deadline { usleep(20_000) }
            return got.withLock { $0 }
        }
        #expect(try pointsSeen(pollInterval: nil) == 0)
        #expect(try pointsSeen(pollInterval: 0.1) >= 1)
        #expect(MetricsFeed(folder: task.path).pollInterval == nil)  // a local disk: inotify alone
    }
}

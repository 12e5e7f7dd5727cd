import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// Training tasks end to end with real processes: `swift test --filter TaskTests`.
@Suite struct TaskTests {
    /// A workspace with one project (no dataset: command tasks need none).
    final class Sandbox {
        let folder = TempFolder("aiarts-tasks")
        let ws: Workspace
        let project: ProjectRecord

        init() throws {
            ws = try Workspace(root: folder.url)
            project = try ws.createProject(name: "p", type: .classification)
        }

        /// Stops anything a failing test left running, so no process outlives the test.
        deinit {
            for task in (try? ws.tasks()) ?? [] where task.taskStatus?.hasProcess == true {
                _ = try? ws.stopTask(task.id, grace: .milliseconds(200))
            }
        }

        /// A classification project bound to an (empty) dataset, as the built-in trainer needs.
        func classificationProject() throws -> ProjectRecord {
            try ws.createProject(name: "c", type: .classification, datasetID: try ws.createDataset(name: "d", type: .classification).id)
        }

        func command(_ line: String) throws -> TaskRecord {
            try ws.createTask(projectID: project.id, trainer: .command, params: ["command": line])
        }

        /// Refreshes until the task has ended, or fails the test after `timeout` seconds.
        func waitForEnd(_ id: String, on workspace: Workspace? = nil, timeout: Double = 15) throws -> TaskRecord {
            let w = workspace ?? ws
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                try w.refreshTasks()
                let record = try w.task(id)
                if record.taskStatus?.isEnded == true { return record }
                usleep(20_000)
            }
            Issue.record("\(id) did not end within \(timeout)s")
            return try w.task(id)
        }
    }

    @Test func createWithDefaults() throws {
        let s = try Sandbox()
        let project = try s.classificationProject()
        let task = try s.ws.createTask(projectID: project.id)
        #expect(task.id == "T0001")
        #expect(task.name == "T0001")
        #expect(task.trainer == "aiarts-train")
        #expect(task.taskStatus == .created)
        #expect(try s.ws.taskParams(task.id) == TaskParams.aiartsTrainDefaults.merging(["dataset_id": project.datasetId!]) { $1 })
        #expect(try s.ws.tasks(projectID: project.id).map(\.id) == ["T0001"])
        #expect(try s.ws.tasks(projectID: "P0099").isEmpty)
        #expect(throws: AIArtsError.self) { try s.ws.createTask(projectID: "P0099") }
        let many = #expect(throws: AIArtsError.self) { try s.ws.createTask(projectID: project.id, params: ["epochs": "many"]) }
        #expect(many?.message.contains("epochs=many") == true)
        let unknown = #expect(throws: AIArtsError.self) { try s.ws.createTask(projectID: project.id, params: ["epoch": "3"]) }
        #expect(unknown?.message.contains("no parameter 'epoch'") == true)
    }

    @Test func paramsChangeUntilStarted() throws {
        let s = try Sandbox()
        let task = try s.command("true")
        try s.ws.setTaskParam(task.id, key: "gpus", value: "0,1")
        try s.ws.setTaskParam(task.id, key: "command", value: "exit 0")
        #expect(try s.ws.taskParams(task.id) == ["command": "exit 0", "gpus": "0,1"])
        #expect(throws: AIArtsError.self) { try s.ws.setTaskParam(task.id, key: "gpus", value: "zero") }
        // Several at once: all or none.
        #expect(throws: AIArtsError.self) { try s.ws.setTaskParams(task.id, ["command": "exit 3", "gpus": "zero"]) }
        #expect(try s.ws.taskParams(task.id) == ["command": "exit 0", "gpus": "0,1"])
        try s.ws.startTask(task.id)
        let error = #expect(throws: AIArtsError.self) { try s.ws.setTaskParam(task.id, key: "command", value: "exit 1") }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("already been started") == true)
        let ended = try s.waitForEnd(task.id)
        #expect(ended.taskStatus == .finished)
        let commandText = try String(contentsOf: s.ws.taskFolder(task.id).appendingPathComponent("command.txt"), encoding: .utf8)
        #expect(commandText.contains("CUDA_VISIBLE_DEVICES=0,1"))
        #expect(commandText.contains("/bin/sh -c 'exit 0'"))
        #expect(throws: AIArtsError.self) { try s.ws.startTask(task.id) }
    }

    @Test func commandWritingMetricsFinishes() throws {
        let s = try Sandbox()
        let script = #"""
            echo '{"type":"train","epoch":1,"epochs":2,"step":5,"steps":10,"loss":0.5,"time":100}' >> "$AIARTS_METRICS"
            echo '{"type":"eval","epoch":1,"step":5,"acc1":0.75}' >> "$AIARTS_METRICS"
            echo done
            """#
        let task = try s.command(script)
        let started = try s.ws.startTask(task.id)
        #expect(started.taskStatus == .running)
        #expect(started.identity != nil)
        let ended = try s.waitForEnd(task.id)
        #expect(ended.taskStatus == .finished)
        #expect(ended.exitCode == 0)
        #expect(ended.finishedAt != nil)
        let metrics = try s.ws.taskMetrics(task.id)
        #expect(metrics.lines == 2)
        #expect(metrics.series.first { $0.name == "train/loss" }?.last == 0.5)
        #expect(metrics.best == [.init(name: "eval/acc1", value: 0.75, goal: "max", step: 5, epoch: 1)])
        #expect(metrics.progress.step == 5 && metrics.progress.steps == 10 && metrics.progress.fraction == 0.5)
        #expect(try s.ws.taskLog(task.id) == ["done"])
        let folder = s.ws.taskFolder(task.id)
        for name in ["params.json", "command.txt", "train.log", "metrics.jsonl", "exit_status"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
    }

    @Test func failureIsClassified() throws {
        let s = try Sandbox()
        let task = try s.command("""
            echo 'Traceback (most recent call last):' >&2
            echo '  File "train.py", line 1, in <module>' >&2
            echo "ModuleNotFoundError: No module named 'torch'" >&2
            exit 1
            """)
        try s.ws.startTask(task.id)
        let ended = try s.waitForEnd(task.id)
        #expect(ended.taskStatus == .failed)
        #expect(ended.exitCode == 1)
        let tail = try s.ws.taskLog(task.id)
        let expected = FailureClassifier.classify(logTail: tail, exit: .exited(code: 1))?.message
        #expect(expected?.contains("pip install torch") == true)
        #expect(ended.statusMessage == expected)
    }

    @Test func stopEndsASleepingCommand() throws {
        let s = try Sandbox()
        let task = try s.command("echo started; sleep 30")
        try s.ws.startTask(task.id)
        // Stop once the command runs: a TERM that lands while the supervisor is still starting
        // is only answered by the SIGKILL after the grace period.
        let deadline = Date().addingTimeInterval(10)
        while try !s.ws.taskLog(task.id).contains("started"), Date() < deadline { usleep(10_000) }
        let begun = Date()
        let stopped = try s.ws.stopTask(task.id, grace: .seconds(5))
        #expect(Date().timeIntervalSince(begun) < 5)
        #expect(stopped.taskStatus == .stopped)
        #expect(stopped.stopRequested)
        #expect(stopped.identity.map { $0.isAlive } == false)
        #expect(throws: AIArtsError.self) { try s.ws.stopTask(task.id) }
        // A task never started is simply marked stopped.
        let idle = try s.command("true")
        #expect(try s.ws.stopTask(idle.id).taskStatus == .stopped)
    }

    /// A second Workspace stands for a new aiarts process: it learns of the running task from the
    /// database alone and records its end.
    @Test func anotherInstanceAdoptsARunningTask() throws {
        let s = try Sandbox()
        let marker = s.folder.path("go")
        let task = try s.command("while [ ! -e '\(marker.path)' ]; do sleep 0.05; done; exit 3")
        try s.ws.startTask(task.id)
        let other = try Workspace(root: s.folder.url)
        try other.refreshTasks()
        #expect(try other.task(task.id).taskStatus == .running)
        FileManager.default.createFile(atPath: marker.path, contents: nil)
        let ended = try s.waitForEnd(task.id, on: other)
        #expect(ended.taskStatus == .failed)
        #expect(ended.exitCode == 3)
        #expect(ended.statusMessage.contains("3"))
        // The first instance sees the recorded end and does not record it again.
        #expect(try s.ws.refreshTasks().isEmpty)
    }

    /// A live pid with the wrong start time is a different process (a reused pid): never adopted.
    @Test func wrongStartTimeIsNotAdopted() throws {
        let s = try Sandbox()
        let me = try #require(ProcessStat.read(pid: getpid()))
        let reused = try s.command("true")
        let genuine = try s.command("true")
        try s.ws.store.pool.write { db in
            for (id, start) in [(reused.id, me.startTime + 1000), (genuine.id, me.startTime)] {
                try db.execute(sql: "UPDATE task SET status = 'running', pid = ?, startTime = ?, startedAt = ? WHERE id = ?",
                               arguments: [getpid(), Int64(start), Date(), id])
            }
        }
        #expect(try s.ws.refreshTasks() == [reused.id])
        #expect(try s.ws.task(reused.id).taskStatus == .failed)
        #expect(try s.ws.task(genuine.id).taskStatus == .running)
        // Not a task of ours to stop in the sandbox's clean-up: it is this test process.
        try s.ws.store.pool.write { try $0.execute(sql: "UPDATE task SET status = 'stopped' WHERE id = ?", arguments: [genuine.id]) }
    }

    @Test func aiartsTrainArguments() throws {
        let s = try Sandbox()
        let task = try s.ws.createTask(projectID: try s.classificationProject().id, params: ["epochs": "3", "gpus": "1"])
        let folder = s.ws.taskFolder(task.id)
        func context(_ params: [String: String]) -> TaskLaunchPlan.Context {
            .init(params: params, datasetID: "D0001", datasetFolder: nil, workspace: s.ws.root, folder: folder, gpus: [1], resumeFrom: nil)
        }
        let plan = try TaskLaunchPlan.make(task: task, context: context(try s.ws.taskParams(task.id)), locateTrainer: { "/opt/aiarts-train" })
        #expect(plan.executable == "/opt/aiarts-train")
        #expect(plan.arguments == ["train", "--workspace", s.ws.root.path, "--dataset", "D0001", "--out", folder.path,
                                   "--epochs", "3", "--batch-size", "16", "--lr", "0.01", "--optimizer", "adam",
                                   "--image-size", "32", "--model", "cnn", "--seed", "1", "--save-interval", "1", "--keep-checkpoints", "3"])
        #expect(plan.addedEnvironment == ["AIARTS_METRICS": folder.appendingPathComponent("metrics.jsonl").path,
                                          "CUDA_VISIBLE_DEVICES": "1"])
        let missing = #expect(throws: AIArtsError.self) {
            try TaskLaunchPlan.make(task: task, context: context([:]), locateTrainer: { nil })
        }
        #expect(missing?.message.contains("aiarts-train") == true)
        // A task from before datasets were recorded, in a project with none: start refuses, says
        // why, and records the task failed with
        // the reason, still startable (nothing ran, so no start time and its params may change).
        try s.ws.store.pool.write { db in
            try db.execute(sql: "UPDATE project SET datasetId = NULL WHERE id = ?", arguments: [task.projectId])
            try db.execute(sql: "UPDATE task SET params = ? WHERE id = ?", arguments: [try TaskParams.encode(TaskParams.aiartsTrainDefaults), task.id])
        }
        let refused = #expect(throws: AIArtsError.self) { try s.ws.startTask(task.id) }
        #expect(refused?.message.contains("no dataset") == true)
        let failed = try s.ws.task(task.id)
        #expect(failed.taskStatus == .failed)
        #expect(failed.statusMessage.hasPrefix("could not start: ") && failed.statusMessage.contains("no dataset"))
        #expect(failed.startedAt == nil)
        #expect(try s.ws.taskStatus(task.id).message == failed.statusMessage)
        try s.ws.setTaskParam(task.id, key: "epochs", value: "4")
        #expect(TaskLaunchPlan.locateBuiltInTrainer(selfExecutable: "/nonexistent/aiarts", path: "") == nil)
    }
}

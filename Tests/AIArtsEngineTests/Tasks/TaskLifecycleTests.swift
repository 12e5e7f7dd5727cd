import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// The lifecycle's dead ends, removed (docs/tasks.md): the created state, waiting on a task
/// nobody started, starting a failed task again. `swift test --filter TaskLifecycleTests`.
@Suite struct TaskLifecycleTests {
    typealias Sandbox = TaskQueueTests.Sandbox

    @Test func aWorkspaceFromBeforeTheRenameHasItsQueuedTasksCreated() throws {
        let folder = TempFolder("aiarts-created-migration")
        let path = folder.path("aiarts.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try Store.migrator.migrate(pool, upTo: "v6-review-event-sample")
            try pool.write { db in
                try db.execute(sql: "INSERT INTO project(id, name, type, status, createdAt) VALUES ('P0001', 'p', 'classification', 'created', '2026-01-01 00:00:00.000')")
                for (id, status) in [("T0001", "queued"), ("T0002", "finished")] {
                    try db.execute(sql: "INSERT INTO task(id, projectId, name, status, createdAt, trainer, params) VALUES (?, 'P0001', ?, ?, '2026-01-01 00:00:00.000', 'command', '{\"command\":\"true\"}')",
                                   arguments: [id, id, status])
                }
                try db.execute(sql: "INSERT INTO idSequence(kind, next) VALUES ('P', 2), ('T', 3)")
            }
        }
        let ws = try Workspace(root: folder.url)
        #expect(try ws.task("T0001").taskStatus == .created)
        #expect(try ws.task("T0002").taskStatus == .finished)
        #expect(try ws.createTask(projectID: "P0001", trainer: .command, params: ["command": "true"]).status == "created")
    }

    @Test func waitingOnATaskNobodyStartedFailsAtOnce() throws {
        let s = try Sandbox()
        let task = try s.command("true")
        let began = Date()
        let error = #expect(throws: AIArtsError.self) { try s.ws.waitForTask(task.id, interval: .milliseconds(20)) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("aiarts task start \(task.id)") == true)
        #expect(Date().timeIntervalSince(began) < 5)
        // Started, it is waited for as before.
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
    }

    @Test func aFailedStartIsFailedWithItsReasonAndCanStartAgain() throws {
        let s = try Sandbox()
        let script = s.folder.path("train.sh")
        let task = try s.ws.createTask(projectID: s.project.id, trainer: .command, params: ["startup_file": script.path])
        let error = #expect(throws: AIArtsError.self) { try s.ws.startTask(task.id) }
        #expect(error?.message.contains("does not exist") == true)
        let failed = try s.ws.task(task.id)
        #expect(failed.taskStatus == .failed && failed.startedAt == nil)
        #expect(failed.statusMessage.hasPrefix("could not start: ") && failed.statusMessage.contains(script.path))
        #expect(try s.ws.taskDetail(task.id).task.statusMessage == failed.statusMessage)
        // Nothing ran: no run to set aside, and once the file is there it starts.
        try Data("echo ran\n".utf8).write(to: script)
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        #expect(s.file(task.id, "train.log") == "ran\n")
        #expect(!FileManager.default.fileExists(atPath: s.ws.taskFolder(task.id).appendingPathComponent("train.log.1").path))
    }

    @Test func aFailedRunStartsAgainFromScratchWithTheEarlierRunSetAside() throws {
        let s = try Sandbox()
        // Fails the first time (no marker file), succeeds the second: each run writes one metrics line.
        let task = try s.command(#"""
            printf '{"type":"train","epoch":1,"epochs":2,"step":1,"steps":2,"loss":%d}\n' $(ls | wc -l) >>"$AIARTS_METRICS"
            if [ -e ../marker ]; then echo second; else echo first; mkdir -p checkpoints; touch ../marker; exit 2; fi
            """#)
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .failed)
        let firstMetrics = s.file(task.id, "metrics.jsonl")
        try s.ws.startTask(task.id)
        let again = try s.ws.waitForTask(task.id, interval: .milliseconds(20))
        #expect(again.taskStatus == .finished && again.exitCode == 0)
        #expect(s.file(task.id, "train.log") == "second\n")
        #expect(s.file(task.id, "train.log.1") == "first\n")
        #expect(s.file(task.id, "metrics.jsonl.1") == firstMetrics)
        #expect(s.file(task.id, "metrics.jsonl").split(separator: "\n").count == 1)
        #expect(FileManager.default.fileExists(atPath: s.ws.taskFolder(task.id).appendingPathComponent("checkpoints.1").path))
        #expect(try s.ws.taskMetrics(task.id).series.first { $0.name == "train/loss" }?.points == 1)
        // A finished task is not started again (resume --epochs extends it).
        let refused = #expect(throws: AIArtsError.self) { try s.ws.startTask(task.id) }
        #expect(refused?.message.contains("--epochs") == true)
    }

    @Test func aTaskStoppedBeforeAnyCheckpointStartsAgainButNotOneWithCheckpoints() throws {
        let s = try Sandbox()
        let bare = try s.command("sleep 30")
        try s.ws.startTask(bare.id)
        _ = try s.ws.stopTask(bare.id, grace: .milliseconds(300))
        try s.ws.startTask(bare.id)
        #expect(try s.ws.task(bare.id).taskStatus == .running)
        _ = try s.ws.stopTask(bare.id, grace: .milliseconds(300))

        let saved = try s.command(#"mkdir -p checkpoints/epoch_1; echo '{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1"}' >>"$AIARTS_METRICS"; sleep 30"#)
        try s.ws.startTask(saved.id)
        let deadline = Date().addingTimeInterval(10)
        while !s.file(saved.id, "metrics.jsonl").contains("checkpoint"), Date() < deadline { usleep(20_000) }
        _ = try s.ws.stopTask(saved.id, grace: .milliseconds(300))
        let refused = #expect(throws: AIArtsError.self) { try s.ws.startTask(saved.id) }
        #expect(refused?.message.contains("aiarts task resume \(saved.id)") == true)
    }

    /// A command that saves epochs 1 and 2 (a folder with a weights file each) and an export.
    static let savesTwoEpochs = #"""
        for e in 1 2; do mkdir -p checkpoints/epoch_$e; echo w$e > checkpoints/epoch_$e/w.pt
          printf '{"type":"checkpoint","epoch":%d,"path":"checkpoints/epoch_%d"}\n' $e $e >>"$AIARTS_METRICS"; done
        mkdir -p export/epoch_2; echo m > export/epoch_2/model.onnx
        """#

    @Test func removingATaskDeletesItsRowAndFolderAndListsWhatWent() throws {
        let s = try Sandbox()
        let task = try s.command(Self.savesTwoEpochs)
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        let model = try s.ws.registerModel(fromTask: task.id, epoch: 2)
        let removal = try s.ws.deleteTask(task.id)
        #expect(removal.checkpoints == ["checkpoints/epoch_1", "checkpoints/epoch_2"])
        #expect(removal.exports == ["export/epoch_2"])
        #expect(removal.keptModels == ["\(model.model.id) v1"])
        #expect(removal.bytes > 0 && !removal.stopped)
        #expect(throws: AIArtsError.self) { try s.ws.task(task.id) }
        #expect(!FileManager.default.fileExists(atPath: s.ws.taskFolder(task.id).path))
        // The registry's copy stays.
        #expect(try s.ws.modelVersion(model.model.id).version == 1)
        // Nothing hidden is left in tasks/.
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.folder.path("tasks").path).isEmpty)
        // A created task (no folder yet) goes too.
        let created = try s.command("true")
        #expect(try s.ws.deleteTask(created.id).checkpoints.isEmpty)
        #expect(try s.ws.tasks().isEmpty)
    }

    @Test func removingARunningTaskNeedsForceWhichStopsItFirst() throws {
        let s = try Sandbox()
        let task = try s.command("sleep 30")
        try s.ws.startTask(task.id)
        let refused = #expect(throws: AIArtsError.self) { try s.ws.deleteTask(task.id) }
        #expect(refused?.message.contains("--force") == true)
        #expect(try s.ws.task(task.id).taskStatus == .running)
        let pid = try #require(try s.ws.task(task.id).pid)
        let removal = try s.ws.deleteTask(task.id, force: true, grace: .milliseconds(300))
        #expect(removal.stopped)
        #expect(kill(pid, 0) != 0)
        #expect(throws: AIArtsError.self) { try s.ws.task(task.id) }
    }

    @Test func aTaskWhoseWeightsAnotherWillStartFromIsKept() throws {
        let s = try Sandbox()
        let parent = try s.command(Self.savesTwoEpochs + "\n echo {pretrained}")
        try s.ws.startTask(parent.id)
        _ = try s.ws.waitForTask(parent.id, interval: .milliseconds(20))
        let child = try s.ws.createDerivedTask(from: parent.id, epoch: 1)
        let refused = #expect(throws: AIArtsError.self) { try s.ws.deleteTask(parent.id, force: true) }
        #expect(refused?.message.contains(child.id) == true)
        #expect(FileManager.default.fileExists(atPath: s.ws.taskFolder(parent.id).path))
        try s.ws.deleteTask(child.id)
        try s.ws.deleteTask(parent.id)
    }

    @Test func aProjectsDatasetChangesToOneOfItsTypeAndTasksThatRanKeepTheirs() throws {
        let s = try Sandbox()
        let first = try s.ws.createDataset(name: "one", type: .classification)
        let second = try s.ws.createDataset(name: "two", type: .classification)
        let boxes = try s.ws.createDataset(name: "boxes", type: .detection)
        let project = try s.ws.createProject(name: "c", type: .classification, datasetID: first.id)
        let ran = try s.ws.createTask(projectID: project.id, trainer: .command, params: ["command": "echo {dataset}"])
        let fresh = try s.ws.createTask(projectID: project.id, trainer: .command, params: ["command": "echo {dataset}"])
        try s.ws.startTask(ran.id)
        _ = try s.ws.waitForTask(ran.id, interval: .milliseconds(20))

        let wrongType = #expect(throws: AIArtsError.self) { try s.ws.setProjectDataset(project.id, datasetID: boxes.id) }
        #expect(wrongType?.message.contains("detection") == true)
        #expect(throws: AIArtsError.self) { try s.ws.setProjectDataset(project.id, datasetID: "D0099") }
        #expect(try s.ws.setProjectDataset(project.id, datasetID: second.id).datasetId == second.id)
        #expect(try s.ws.project(project.id).datasetId == second.id)
        // The task that ran keeps the dataset it ran on; the one never started takes the new one.
        #expect(try s.ws.taskDatasetID(try s.ws.task(ran.id)) == first.id)
        #expect(try s.ws.taskDatasetID(try s.ws.task(fresh.id)) == second.id)
        try s.ws.startTask(fresh.id)
        _ = try s.ws.waitForTask(fresh.id, interval: .milliseconds(20))
        #expect(s.file(fresh.id, "train.log") == second.id + "\n")

        // Refused while a task of the project runs.
        let sleeper = try s.ws.createTask(projectID: project.id, trainer: .command, params: ["command": "sleep 30"])
        try s.ws.startTask(sleeper.id)
        let busy = #expect(throws: AIArtsError.self) { try s.ws.setProjectDataset(project.id, datasetID: first.id) }
        #expect(busy?.message.contains(sleeper.id) == true)
        #expect(try s.ws.project(project.id).datasetId == second.id)
    }

    @Test func createRefusesATrainerThatDoesNotFitTheProject() throws {
        let s = try Sandbox()
        let boxes = try s.ws.createDataset(name: "boxes", type: .detection)
        let detection = try s.ws.createProject(name: "d", type: .detection, datasetID: boxes.id)
        let builtin = #expect(throws: AIArtsError.self) { try s.ws.createTask(projectID: detection.id, trainer: .aiartsTrain) }
        #expect(builtin?.message.contains("classification only") == true)
        // s.project has no dataset: the built-in and torch trainers need one; a command may not.
        let none = #expect(throws: AIArtsError.self) { try s.ws.createTask(projectID: s.project.id) }
        #expect(none?.message.contains("aiarts project set \(s.project.id) --dataset") == true)
        #expect(throws: AIArtsError.self) { try s.ws.createTask(projectID: s.project.id, trainer: .torch) }
        #expect(try s.ws.tasks().isEmpty)
        _ = try s.command("true")
        #expect(try s.ws.createTask(projectID: detection.id, trainer: .torch).trainer == "torch")
    }

    /// Epochs from after {resume} (or 1) to {epochs}: a checkpoint folder and line each, epoch 2 best.
    static let epochsCommand = #"""
        start=1; r={resume}; if [ -n "$r" ]; then start=$(( ${r##*epoch_} + 1 )); fi
        for e in $(seq $start {epochs}); do mkdir -p checkpoints/epoch_$e; echo w > checkpoints/epoch_$e/w.pt
          b=false; [ $e = 2 ] && b=true
          printf '{"type":"checkpoint","epoch":%d,"path":"checkpoints/epoch_%d","best":%s}\n' $e $e $b >>"$AIARTS_METRICS"; done
        """#

    func checkpointFolders(_ s: Sandbox, _ id: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: s.ws.taskFolder(id).appendingPathComponent("checkpoints").path)) ?? [])
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }

    @Test func keepCheckpointsPrunesWhenTheRunEndsKeepingTheLastTheBestAndWhatOthersUse() throws {
        let s = try Sandbox()
        let all = try s.command(Self.epochsCommand, ["epochs": "6"])
        try s.ws.startTask(all.id)
        _ = try s.ws.waitForTask(all.id, interval: .milliseconds(20))
        #expect(checkpointFolders(s, all.id).count == 6, "a command task keeps all unless asked")

        let task = try s.command(Self.epochsCommand, ["epochs": "6", "keep_checkpoints": "2"])
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        #expect(checkpointFolders(s, task.id) == ["epoch_2", "epoch_5", "epoch_6"])
        #expect(try s.ws.taskCheckpoint(task.id).epoch == 2)

        // A derived task starts from epoch 5; extended to 8 epochs, the run keeps 7 and 8, the best
        // (2), epoch 5 (the child's weights) and 6 (where the resume continued from); 3 and 4 went earlier.
        let child = try s.ws.createDerivedTask(from: task.id, epoch: 5)
        #expect(try s.ws.taskParams(child.id)["pretrained"]?.hasSuffix("checkpoints/epoch_5") == true)
        try s.ws.setTaskParam(child.id, key: "epochs", value: "1")
        try s.ws.resumeTask(task.id, epochs: 8)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        #expect(checkpointFolders(s, task.id) == ["epoch_2", "epoch_5", "epoch_6", "epoch_7", "epoch_8"])

        #expect(CheckpointRetention.prunable(folder: s.ws.taskFolder(task.id), lines: [
            MetricCheckpoint(epoch: 1, path: "/etc"), MetricCheckpoint(epoch: 2, path: "../../x"),
            MetricCheckpoint(epoch: 3, path: "checkpoints/epoch_2"), MetricCheckpoint(epoch: 4, path: "checkpoints/epoch_8"),
        ], keep: 1).map(\.lastPathComponent) == ["epoch_2"], "never outside the task folder")
        #expect(throws: AIArtsError.self) { try s.ws.setTaskParam(all.id, key: "keep_checkpoints", value: "-1") }
    }

    @Test func resumeWithMoreEpochsExtendsAFinishedTask() throws {
        let s = try Sandbox()
        let task = try s.command(Self.epochsCommand, ["epochs": "3"])
        try s.ws.startTask(task.id)
        _ = try s.ws.waitForTask(task.id, interval: .milliseconds(20))
        let tooFew = #expect(throws: AIArtsError.self) { try s.ws.resumeTask(task.id, epochs: 3) }
        #expect(tooFew?.message.contains("nothing to train") == true)
        let resumed = try s.ws.resumeTask(task.id, epochs: 5)
        #expect(resumed.statusMessage.contains("5 epochs") || resumed.taskStatus == .running)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        #expect(try s.ws.taskParams(task.id)["epochs"] == "5")
        #expect(checkpointFolders(s, task.id) == (1...5).map { "epoch_\($0)" })
        #expect(s.file(task.id, "metrics.jsonl").contains(#""type":"resume","epoch":3,"from":"checkpoints/epoch_3","epochs":5,"epochs_before":3"#))
        #expect(s.file(task.id, "train.log").contains("extended from 3 to 5 epochs"))

        // A command whose script is not given the epochs cannot be extended.
        let blind = try s.command(#"mkdir -p checkpoints/epoch_1; echo '{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1"}' >>"$AIARTS_METRICS"; echo {resume}"#)
        try s.ws.startTask(blind.id)
        _ = try s.ws.waitForTask(blind.id, interval: .milliseconds(20))
        let refused = #expect(throws: AIArtsError.self) { try s.ws.resumeTask(blind.id, epochs: 4) }
        #expect(refused?.message.contains("command task") == true)
        #expect(try s.ws.task(blind.id).taskStatus == .finished)
    }

    @Test func aBuiltInTaskDerivedFromAnotherStartsFromItsWeights() throws {
        let s = try Sandbox()
        let dataset = try s.ws.createDataset(name: "d", type: .classification)
        let project = try s.ws.createProject(name: "c", type: .classification, datasetID: dataset.id)
        let parent = try s.ws.createTask(projectID: project.id, params: ["epochs": "2"])
        let folder = s.ws.taskFolder(parent.id)
        // A finished aiarts-train run, as it leaves its folder.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("checkpoints/epoch_2"), withIntermediateDirectories: true)
        try Data(#"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2","best":true}"#.utf8 + [10]).write(to: folder.appendingPathComponent("metrics.jsonl"))
        try s.ws.store.pool.write { try $0.execute(sql: "UPDATE task SET status = 'finished', startedAt = ? WHERE id = ?", arguments: [Date(), parent.id]) }

        let child = try s.ws.createDerivedTask(from: parent.id, params: ["epochs": "5"])
        let params = try s.ws.taskParams(child.id)
        #expect(child.parentId == parent.id && child.trainer == "aiarts-train")
        #expect(params["pretrained"] == folder.appendingPathComponent("checkpoints/epoch_2").path)
        let context = TaskLaunchPlan.Context(params: params, datasetID: dataset.id, datasetFolder: nil, workspace: s.ws.root,
                                             folder: s.ws.taskFolder(child.id), gpus: [], resumeFrom: nil)
        let plan = try TaskLaunchPlan.make(task: try s.ws.task(child.id), context: context, locateTrainer: { "/opt/aiarts-train" })
        #expect(plan.arguments.suffix(4) == ["--keep-checkpoints", "3", "--init-from", folder.appendingPathComponent("checkpoints/epoch_2").path])
        #expect(plan.arguments.contains("5"))
        // Resumed, it continues from its own checkpoint, not the parent's weights.
        var resumed = context
        resumed.resumeFrom = "/own/checkpoints/epoch_3"
        let again = try TaskLaunchPlan.make(task: try s.ws.task(child.id), context: resumed, locateTrainer: { "/opt/aiarts-train" })
        #expect(!again.arguments.contains("--init-from") && again.arguments.suffix(2) == ["--resume-from", "/own/checkpoints/epoch_3"])
    }

    @Test func theTorchTrainerIsToldHowManyCheckpointsToKeep() throws {
        let s = try Sandbox()
        let project = try s.ws.createProject(name: "c", type: .classification, datasetID: try s.ws.createDataset(name: "d", type: .classification).id)
        let task = try s.ws.createTask(projectID: project.id, trainer: .torch)
        var params = try s.ws.taskParams(task.id)
        #expect(params["keep_checkpoints"] == "3")
        params["batch_size"] = "8"  // what startTask resolves `auto` to
        let context = TaskLaunchPlan.Context(params: params, datasetID: project.datasetId, datasetFolder: nil, workspace: s.ws.root,
                                             folder: s.ws.taskFolder(task.id), gpus: [], resumeFrom: nil)
        let plan = try TaskLaunchPlan.make(task: task, context: context, locateTrainer: { nil })
        #expect(plan.arguments.suffix(2) == ["--keep-checkpoints", "3"])
        #expect(plan.arguments.filter { $0 == "--keep-checkpoints" }.count == 1)
    }
}

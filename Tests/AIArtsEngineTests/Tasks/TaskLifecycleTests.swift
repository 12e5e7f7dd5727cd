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
}

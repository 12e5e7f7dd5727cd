import Foundation
import Testing
@testable import AIArtsEngine

/// What a torch task is told when its pretrained weights are missing, at start and in a failed run's log.
@Suite struct TorchStartCheckTests {
    @Test func aMissingPretrainedFileIsNamedAsSuch() {
        let log = ["[data] 210 train images", "error: No such file or directory: '/models/r18.pth' (--pretrained)"]
        let reason = FailureClassifier.classify(logTail: log, exit: .exited(code: 1))
        #expect(reason?.kind == .missingFile)
        #expect(reason?.message.contains("pretrained-weights file /models/r18.pth does not exist") == true)
        #expect(reason?.message.contains("dataset") == false)
        let checkpoint = FailureClassifier.classify(logTail: ["error: No such file or directory: '/t/checkpoints/epoch_3/model.pt' (the checkpoint)"],
                                                    exit: .exited(code: 1))
        #expect(checkpoint?.message.contains("checkpoint /t/checkpoints/epoch_3/model.pt to resume from") == true)
        // A dataset file is still a dataset file.
        let data = FailureClassifier.classify(logTail: ["error: No such file or directory: '/d/a.jpg' (1 missing dataset file)"], exit: .exited(code: 1))
        #expect(data?.message.contains("check the dataset path") == true)
    }

    @Test func startRefusesMissingWeightsInOneLine() throws {
        let folder = TempFolder("aiarts-pretrained")
        let weights = folder.write("tasks/T0001/weights.pth", "x")
        try Workspace.checkPretrained(nil, taskID: "T0001", folder: folder.path("tasks/T0001"))
        try Workspace.checkPretrained("", taskID: "T0001", folder: folder.path("tasks/T0001"))
        try Workspace.checkPretrained(weights.path, taskID: "T0001", folder: folder.path("tasks/T0001"))
        try Workspace.checkPretrained("weights.pth", taskID: "T0001", folder: folder.path("tasks/T0001"))
        for missing in [folder.path("none.pth").path, "none.pth", folder.url.path] {
            let error = #expect(throws: AIArtsError.self) {
                try Workspace.checkPretrained(missing, taskID: "T0001", folder: folder.path("tasks/T0001"))
            }
            #expect(error?.message.contains("pretrained-weights file") == true)
            #expect(error?.message.contains("aiarts task params T0001 pretrained=") == true)
            #expect(error?.message.contains("\n") == false)
        }
    }

    /// A torch parent with a checkpoint at epoch 1, its params as given.
    static func parent(_ params: [String: String], stored: [String: String] = [:]) throws -> (Workspace, TempFolder, String) {
        let (ws, folder) = try Fixtures.workspace()
        let dataset = try ws.createDataset(name: "d", type: .classification)
        let project = try ws.createProject(name: "p", type: .classification, datasetID: dataset.id)
        let task = try ws.createTask(projectID: project.id, trainer: .torch, params: params)
        if !stored.isEmpty {
            // What a start writes: the resolved values, and what was asked for.
            let merged = TaskParams.decode(task.params).merging(stored) { $1 }
            let encoded = try TaskParams.encode(merged)
            try ws.store.pool.write { try $0.execute(sql: "UPDATE task SET params = ?, status = 'finished' WHERE id = ?", arguments: [encoded, task.id]) }
        }
        let checkpoints = ws.taskFolder(task.id).appendingPathComponent("checkpoints/epoch_1")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        try Data().write(to: checkpoints.appendingPathComponent("model.pt"))
        try Data(#"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#.utf8 + [10])
            .write(to: ws.taskFolder(task.id).appendingPathComponent("metrics.jsonl"))
        return (ws, folder, task.id)
    }

    @Test func aDerivedTaskKeepsAnExplicitBatchSize() throws {
        let (ws, keep, id) = try Self.parent(["batch_size": "8", "learning_rate": "0.002"])
        defer { withExtendedLifetime(keep) {} }
        let child = TaskParams.decode(try ws.createDerivedTask(from: id).params)
        #expect(child["batch_size"] == "8")
        #expect(child["learning_rate"] == "0.002")
        #expect(child["pretrained"]?.hasSuffix("checkpoints/epoch_1/model.pt") == true)
        #expect(TaskParams.decode(try ws.createDerivedTask(from: id, params: ["batch_size": "4"]).params)["batch_size"] == "4")
    }

    @Test func aDerivedTaskOfAnAutoSizedParentAsksForAutoAgain() throws {
        // The parent asked for auto and 0.001; the start resolved batch 64 and scaled the rate.
        let (ws, keep, id) = try Self.parent([:], stored: ["batch_size": "64", "learning_rate": "0.002828",
                                                         "asked_batch_size": "auto", "asked_learning_rate": "0.001"])
        defer { withExtendedLifetime(keep) {} }
        let child = TaskParams.decode(try ws.createDerivedTask(from: id).params)
        #expect(child["batch_size"] == "auto")
        #expect(child["learning_rate"] == "0.001")
        #expect(child["asked_batch_size"] == nil && child["asked_learning_rate"] == nil)
        let own = TaskParams.decode(try ws.createDerivedTask(from: id, params: ["learning_rate": "0.0005"]).params)
        #expect(own["learning_rate"] == "0.0005" && own["batch_size"] == "auto")
    }

    @Test func theAskedKeysAreTheEngines() {
        #expect(throws: AIArtsError.self) { try TaskParams.validate("asked_batch_size", "auto", trainer: .torch) }
    }
}

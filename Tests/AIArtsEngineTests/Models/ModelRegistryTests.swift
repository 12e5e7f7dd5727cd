import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// The model registry: `swift test --filter ModelRegistryTests`.
@Suite struct ModelRegistryTests {
    // MARK: Registering from a task

    @Test func registeringATaskTakesTheBestCheckpointWithItsEvaluation() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let r = try s.ws.registerModel(fromTask: s.task.id)
        #expect(r.model.id == "M0001")
        #expect(r.model.name == "shapes run epoch 2")
        #expect(r.model.kind == "pretrained")
        #expect(r.model.type == .classification)
        #expect(r.model.trainer == "aiarts-train")
        #expect(r.model.sourceTaskId == s.task.id)
        #expect(r.model.sourceEpoch == 2)
        #expect(r.model.evaluation == ["acc1": 0.9, "acc5": 1, "val_loss": 0.3])
        #expect(r.version.name == "v1")
        #expect(r.version.format == "aiarts-train checkpoint")
        #expect(r.version.fileCount == 3)

        let versionFolder = s.ws.modelVersionFolder("M0001", version: 1)
        #expect(r.version.folder == versionFolder.path)
        var copied = fileContents(under: versionFolder)
        let manifestData = copied.removeValue(forKey: "model.json") ?? Data()
        #expect(copied == fileContents(under: s.taskFolder.appendingPathComponent("checkpoints/epoch_2")))
        #expect(r.version.size == Int64(copied.values.reduce(0) { $0 + $1.count }))

        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest = try decoder.decode(ModelManifest.self, from: manifestData)
        #expect(manifest.id == "M0001")
        #expect(manifest.version == "v1")
        #expect(manifest.source.task == s.task.id && manifest.source.epoch == 2)
        #expect(manifest.files.map(\.path) == ["model.bin", "optimizer.bin", "state.json"])
        #expect(manifest.evaluation?["acc1"] == 0.9)
        // Nothing but the model is left in models/.
        #expect(s.modelsFolderContents().allSatisfy { $0.hasPrefix("M0001") })
    }

    /// What a task's screen lists: the best checkpoint first, then the others newest first.
    @Test func checkpointsAreListedBestThenNewestFirst() throws {
        let sandbox = try ModelSandbox()
        #expect(try sandbox.ws.taskCheckpoints(sandbox.task.id).isEmpty)
        try sandbox.trainedThreeEpochs()
        let listed = try sandbox.ws.taskCheckpoints(sandbox.task.id)
        #expect(listed.map(\.url.lastPathComponent) == ["epoch_2", "epoch_3", "epoch_1"])
        #expect(listed.map(\.best) == [true, false, false])
    }

    @Test func aChosenEpochPrefersTheCompletedCheckpointOverAPartialOne() throws {
        let s = try ModelSandbox()
        try s.checkpoint("epoch_1", epoch: 1)
        try s.checkpoint("epoch_2_step_15", epoch: 2)
        try s.checkpoint("epoch_2", epoch: 2)
        try s.metrics([
            #"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#,
            #"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2_step_15","best":false,"partial":true}"#,
            #"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2","best":false}"#,
        ])
        let r = try s.ws.registerModel(fromTask: s.task.id, epoch: 2, name: "second")
        #expect(r.model.name == "second")
        #expect(r.version.sourceEpoch == 2)
        #expect(fileContents(under: URL(fileURLWithPath: r.version.folder))["model.bin"]
                == fileContents(under: s.taskFolder.appendingPathComponent("checkpoints/epoch_2"))["model.bin"])
        #expect(r.version.evaluation == nil)

        let error = #expect(throws: AIArtsError.self) { try s.ws.registerModel(fromTask: s.task.id, epoch: 9) }
        #expect(error?.kind == .notFound)
        #expect(error?.message.contains("epoch 1, 2") == true)
    }

    @Test func aResumedRunSupersedesTheCheckpointLinesItRewrote() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        // First run: epoch 3 was best. Resumed from epoch 2, the new epoch 3 is not best, and its
        // folder replaced the old one; the old "best" line no longer describes what is on disk.
        try s.metrics([
            #"{"type":"eval","epoch":1,"acc1":0.5}"#,
            #"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#,
            #"{"type":"eval","epoch":2,"acc1":0.7}"#,
            #"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2","best":true}"#,
            #"{"type":"eval","epoch":3,"acc1":0.9}"#,
            #"{"type":"checkpoint","epoch":3,"path":"checkpoints/epoch_3","best":true}"#,
            #"{"type":"resume","epoch":2}"#,
            #"{"type":"eval","epoch":3,"acc1":0.6}"#,
            #"{"type":"checkpoint","epoch":3,"path":"checkpoints/epoch_3","best":false}"#,
        ])
        let r = try s.ws.registerModel(fromTask: s.task.id)
        #expect(r.version.sourceEpoch == 2)
        #expect(r.version.evaluation == ["acc1": 0.7])
        let third = try s.ws.registerModel(fromTask: s.task.id, epoch: 3)
        #expect(third.version.evaluation == ["acc1": 0.6])
    }

    @Test func withoutABestMarkTheLastCheckpointIsTaken() throws {
        let s = try ModelSandbox()
        for epoch in 1...2 { try s.checkpoint("epoch_\(epoch)", epoch: epoch) }
        try s.metrics([
            #"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1"}"#,
            #"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2"}"#,
        ])
        #expect(try s.ws.taskCheckpoint(s.task.id).epoch == 2)
        #expect(try s.ws.registerModel(fromTask: s.task.id).version.sourceEpoch == 2)
    }

    @Test func aTrainerWithoutCheckpointLinesIsFoundByItsFolders() throws {
        let s = try ModelSandbox()
        try s.checkpoint("epoch_1", epoch: 1)
        let file = s.taskFolder.appendingPathComponent("checkpoints/epoch_10.pt")
        try Data("not really torch".utf8).write(to: file)
        try Data("x".utf8).write(to: s.taskFolder.appendingPathComponent("checkpoints/epoch_x.pt"))
        let chosen = try s.ws.taskCheckpoint(s.task.id)
        #expect(chosen.epoch == 10 && chosen.url.lastPathComponent == "epoch_10.pt")
        let r = try s.ws.registerModel(fromTask: s.task.id)
        #expect(r.version.fileCount == 1)
        #expect(r.version.format == "pytorch state_dict")
        #expect(FileManager.default.fileExists(atPath: r.version.folder + "/epoch_10.pt"))
        #expect(try s.ws.taskCheckpoint(s.task.id, epoch: 1).url.lastPathComponent == "epoch_1")
    }

    @Test func aTaskWithoutCheckpointsIsRefusedAndLeavesNothing() throws {
        let s = try ModelSandbox()
        let error = #expect(throws: AIArtsError.self) { try s.ws.registerModel(fromTask: s.task.id) }
        #expect(error?.kind == .notFound)
        #expect(error?.message.contains("has no checkpoint yet") == true)
        // A checkpoint line whose folder is gone counts as no checkpoint.
        try s.metrics([#"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#])
        #expect(throws: AIArtsError.self) { try s.ws.registerModel(fromTask: s.task.id) }
        #expect(throws: AIArtsError.self) { try s.ws.registerModel(fromTask: "T0099") }
        #expect(s.modelsFolderContents().isEmpty)
        #expect(try s.rowCounts() == (0, 0))
    }

    @Test func checkpointPathsLeavingTheTaskFolderAreRefused() throws {
        let s = try ModelSandbox()
        let outside = s.folder.path("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: outside.appendingPathComponent("secret.txt"))
        try FileManager.default.createDirectory(at: s.taskFolder.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: s.taskFolder.appendingPathComponent("checkpoints/epoch_5"), withDestinationURL: outside)
        try s.metrics([
            #"{"type":"checkpoint","epoch":4,"path":"../../outside","best":true}"#,
            #"{"type":"checkpoint","epoch":5,"path":"checkpoints/epoch_5","best":true}"#,
        ])
        let error = #expect(throws: AIArtsError.self) { try s.ws.registerModel(fromTask: s.task.id) }
        #expect(error?.message.contains("refused") == true)
        #expect(try s.rowCounts() == (0, 0))
    }

    @Test func exportedFilesAreRegisteredWithTheEpochTheyCameFrom() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let export = s.taskFolder.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        let onnx = export.appendingPathComponent("model.onnx")
        try Data([0x08, 0x07, 0x12, 0x00]).write(to: onnx)
        let script = export.appendingPathComponent("model.ts")
        try Data(Fixture.zip([.init(name: "model/data.pkl", data: [1]), .init(name: "model/code/__torch__/m.py", data: [2]),
                              .init(name: "model/constants.pkl", data: [3])])).write(to: script)
        let r = try s.ws.registerModel(fromTask: s.task.id, kind: .exported, files: [script, onnx], evaluation: ["acc1": 0.95, "bad": .nan])
        #expect(r.model.kind == "exported")
        #expect(r.version.format == "torchscript, onnx")
        #expect(r.version.sourceEpoch == 2)
        #expect(r.version.evaluation == ["acc1": 0.95])
        #expect(Set(fileContents(under: URL(fileURLWithPath: r.version.folder)).keys) == ["model.onnx", "model.ts", "model.json"])

        // The same files again as a second version of that model.
        let v2 = try s.ws.addModelVersion(to: r.model.id, fromTask: s.task.id, epoch: 3, files: [onnx])
        #expect(v2.version.name == "v2" && v2.version.format == "onnx")
        #expect(v2.model.sourceEpoch == 3)
        #expect(v2.model.evaluation == ["acc1": 0.8, "acc5": 1, "val_loss": 0.4])
        #expect(throws: AIArtsError.self) { try s.ws.registerModel(fromTask: s.task.id, files: [onnx, onnx]) }

        // A folder among the files keeps its name; torch.save's zip under a .bin name is a state_dict.
        let saved = export.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: saved, withIntermediateDirectories: true)
        try Data(Fixture.zip([.init(name: "archive/data.pkl", data: [1]), .init(name: "archive/data/0", data: [2])]))
            .write(to: saved.appendingPathComponent("pytorch_model.bin"))
        let v3 = try s.ws.addModelVersion(to: r.model.id, fromTask: s.task.id, files: [saved, onnx], format: "  ")
        #expect(v3.version.format == "onnx, pytorch state_dict")
        #expect(Set(fileContents(under: URL(fileURLWithPath: v3.version.folder)).keys) == ["hf/pytorch_model.bin", "model.onnx", "model.json"])
    }

    // MARK: Uploading

    @Test func uploadingAFolderAndThenAFileMakesTwoVersions() throws {
        let s = try ModelSandbox()
        s.folder.write("up/weights.safetensors", "w")
        s.folder.write("up/config/labels.txt", "cat\ndog\n")
        s.folder.write("up/config/模型说明.txt", "说明")
        let r = try s.ws.uploadModel(from: s.folder.path("up"), type: .detection)
        #expect(r.model.name == "up" && r.model.kind == "uploaded" && r.model.type == .detection)
        #expect(r.model.trainer == nil)
        #expect(r.version.format == "safetensors")
        #expect(r.version.fileCount == 3)
        #expect(r.version.sourcePath == s.folder.path("up").standardizedFileURL.path)
        #expect(Set(fileContents(under: URL(fileURLWithPath: r.version.folder)).keys)
                == ["weights.safetensors", "config/labels.txt", "config/模型说明.txt", "model.json"])

        let file = s.folder.write("model.onnx", "onnx bytes")
        let v2 = try s.ws.uploadModel(from: file, to: r.model.id)
        #expect(v2.version.name == "v2" && v2.version.format == "onnx")
        #expect(fileContents(under: URL(fileURLWithPath: v2.version.folder))["model.onnx"] == Data("onnx bytes".utf8))

        let detail = try s.ws.modelDetail(r.model.id)
        #expect(detail.versions.map(\.name) == ["v1", "v2"])
        #expect(detail.size == r.version.size + v2.version.size)
        let list = try s.ws.models()
        #expect(list.count == 1 && list[0].versions == 2 && list[0].latest == "v2")
        #expect(try s.ws.modelVersion(r.model.id).name == "v2")
        #expect(try s.ws.modelVersion(r.model.id, version: 1).name == "v1")

        // A new model is named after the file; an aiarts-train checkpoint is classification.
        let ckpt = try s.checkpoint("epoch_1", epoch: 1)
        let m2 = try s.ws.uploadModel(from: ckpt.appendingPathComponent("model.bin"))
        #expect(m2.model.id == "M0002" && m2.model.name == "model")
        #expect(m2.model.type == .classification && m2.model.trainer == "aiarts-train")
    }

    @Test func uploadsAreRefusedWithAReason() throws {
        let s = try ModelSandbox()
        #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: s.folder.path("missing")) }
        try FileManager.default.createDirectory(at: s.folder.path("empty/sub"), withIntermediateDirectories: true)
        let empty = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: s.folder.path("empty")) }
        #expect(empty?.message.contains("holds no files") == true)
        let clash = s.folder.write("clash/model.json", "{}")
        let manifest = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: clash.deletingLastPathComponent()) }
        #expect(manifest?.message.contains("manifest") == true)
        let file = s.folder.write("a.onnx", "x")
        #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: file, to: "M0042") }
        let m = try s.ws.uploadModel(from: file, type: .segmentation)
        let conflict = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: file, to: m.model.id, type: .detection) }
        #expect(conflict?.kind == .conflict)
        #expect(try s.rowCounts() == (1, 1))
        #expect(s.modelsFolderContents().allSatisfy { $0.hasPrefix("M0001") })
    }

    @Test func symbolicLinksAreRefusedOrCopiedAsFiles() throws {
        let s = try ModelSandbox()
        let secret = s.folder.write("elsewhere/secret.txt", "secret")
        s.folder.write("linked/weights.pt", "w")
        try FileManager.default.createSymbolicLink(at: s.folder.path("linked/notes.txt"), withDestinationURL: secret)
        let refused = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: s.folder.path("linked")) }
        #expect(refused?.message.contains("notes.txt") == true)
        #expect(refused?.message.contains("--follow-symlinks") == true)
        #expect(try s.rowCounts() == (0, 0))

        let r = try s.ws.uploadModel(from: s.folder.path("linked"), symlinks: .copyTarget)
        let copied = URL(fileURLWithPath: r.version.folder).appendingPathComponent("notes.txt")
        #expect(fileContents(under: URL(fileURLWithPath: r.version.folder))["notes.txt"] == Data("secret".utf8))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: copied.path)) == nil)

        // A link to a folder is never followed (it may loop, or pull in a whole tree).
        try FileManager.default.createSymbolicLink(at: s.folder.path("linked/dir"), withDestinationURL: s.folder.path("elsewhere"))
        let folderLink = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: s.folder.path("linked"), symlinks: .copyTarget) }
        #expect(folderLink?.message.contains("dir") == true)
    }

    @Test func specialFilesAreRefused() throws {
        let s = try ModelSandbox()
        s.folder.write("fifo/weights.pt", "w")
        #expect(mkfifo(s.folder.path("fifo/pipe").path, 0o644) == 0)
        let error = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: s.folder.path("fifo")) }
        #expect(error?.message.contains("pipe") == true)
    }

    // MARK: Failures leave nothing half-written

    @Test func aCopyFailingMidwayLeavesNothing() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        var copied = 0
        let faults = ModelFaults(beforeFile: { _ in
            copied += 1
            if copied == 2 { throw InjectedFailure() }
        })
        #expect(throws: InjectedFailure.self) {
            try s.ws.registerModel(fromTask: s.task.id, epoch: nil, name: nil, kind: .pretrained, files: nil, evaluation: nil,
                                   format: nil, to: nil, description: "", faults: faults)
        }
        #expect(s.modelsFolderContents().isEmpty)
        #expect(try s.rowCounts() == (0, 0))
        // The id was not used up: the next registration is M0001.
        #expect(try s.ws.registerModel(fromTask: s.task.id).model.id == "M0001")
    }

    @Test func aFailedInsertRemovesTheFilesItPlaced() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let failInsert = ModelFaults(beforeInsert: { throw InjectedFailure() })
        func register(to model: String?) throws {
            _ = try s.ws.registerModel(fromTask: s.task.id, epoch: nil, name: nil, kind: .pretrained, files: nil, evaluation: nil,
                                       format: nil, to: model, description: "", faults: failInsert)
        }
        #expect(throws: InjectedFailure.self) { try register(to: nil) }
        #expect(s.modelsFolderContents().isEmpty)
        #expect(try s.rowCounts() == (0, 0))

        let first = try s.ws.registerModel(fromTask: s.task.id)
        let before = fileContents(under: s.ws.modelFolder(first.model.id))
        #expect(throws: InjectedFailure.self) { try register(to: first.model.id) }
        #expect(fileContents(under: s.ws.modelFolder(first.model.id)) == before)
        #expect(s.modelsFolderContents().allSatisfy { $0.hasPrefix("M0001/v1") || $0 == "M0001" })
        #expect(try s.rowCounts() == (1, 1))
    }

    @Test func leftoversOfInterruptedWorkAreCleanedAndOrphansReplaced() throws {
        let s = try ModelSandbox()
        let models = s.ws.root.appendingPathComponent("models")
        s.folder.write("ws/models/.trash-old/v1/model.bin", "x")
        s.folder.write("ws/models/.staging-999999999-dead/model.bin", "x")
        s.folder.write("ws/models/.staging-\(getpid())-mine/model.bin", "x")  // this process's: still being copied
        // A folder whose rename happened but whose row was never committed (a crash in between).
        s.folder.write("ws/models/M0001/v1/stale.bin", "stale")
        let file = s.folder.write("fresh.onnx", "fresh")
        let r = try s.ws.uploadModel(from: file)
        #expect(r.model.id == "M0001")
        let contents = s.modelsFolderContents()
        #expect(!contents.contains { $0.hasPrefix(".trash-") || $0.hasPrefix(".staging-999999999") })
        #expect(contents.contains(".staging-\(getpid())-mine"))
        #expect(Set(fileContents(under: models.appendingPathComponent("M0001/v1")).keys) == ["fresh.onnx", "model.json"])
    }

    // MARK: Deleting

    @Test func deletingAVersionKeepsTheOthersAndTheModelFollowsItsNewestVersion() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let v1 = try s.ws.registerModel(fromTask: s.task.id, epoch: 1)
        _ = try s.ws.addModelVersion(to: v1.model.id, fromTask: s.task.id, epoch: 2)
        _ = try s.ws.uploadModel(from: s.folder.write("plain.onnx", "x"), to: v1.model.id)
        #expect(try s.ws.model(v1.model.id).sourceEpoch == 2)

        try s.ws.deleteModelVersion(v1.model.id, version: 2)
        #expect(!FileManager.default.fileExists(atPath: s.ws.modelVersionFolder(v1.model.id, version: 2).path))
        #expect(try s.ws.modelDetail(v1.model.id).versions.map(\.name) == ["v1", "v3"])
        let model = try s.ws.model(v1.model.id)
        #expect(model.sourceEpoch == 1)
        #expect(model.evaluation?["acc1"] == 0.5)

        let missing = #expect(throws: AIArtsError.self) { try s.ws.deleteModelVersion(v1.model.id, version: 2) }
        #expect(missing?.message.contains("v1, v3") == true)
        try s.ws.deleteModelVersion(v1.model.id, version: 3)
        let last = #expect(throws: AIArtsError.self) { try s.ws.deleteModelVersion(v1.model.id, version: 1) }
        #expect(last?.kind == .conflict)

        // The numbers of deleted versions are not given again: a "v2" someone downloaded stays unique.
        let again = try s.ws.uploadModel(from: s.folder.write("again.onnx", "y"), to: v1.model.id)
        #expect(again.version.name == "v4")

        try s.ws.deleteModel(v1.model.id)
        #expect(throws: AIArtsError.self) { try s.ws.model(v1.model.id) }
        #expect(s.modelsFolderContents().isEmpty)
        #expect(try s.rowCounts() == (0, 0))
        #expect(throws: AIArtsError.self) { try s.ws.deleteModel(v1.model.id) }
    }

    @Test func modelsOutliveTheirTask() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let r = try s.ws.registerModel(fromTask: s.task.id)
        try s.ws.store.pool.write { db in _ = try TaskRecord.deleteOne(db, key: s.task.id) }
        #expect(try s.ws.model(r.model.id).sourceTaskId == s.task.id)
        #expect(try s.ws.modelDetail(r.model.id).versions.count == 1)
    }

    // MARK: Downloading

    @Test func downloadingCopiesAVersionIntoANewOrEmptyFolder() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let r = try s.ws.registerModel(fromTask: s.task.id)
        let out = try s.ws.downloadModel(r.model.id, to: s.folder.path("out"))
        #expect(fileContents(under: out) == fileContents(under: URL(fileURLWithPath: r.version.folder)))

        try FileManager.default.createDirectory(at: s.folder.path("empty"), withIntermediateDirectories: true)
        _ = try s.ws.downloadModel(r.model.id, version: 1, to: s.folder.path("empty"))
        #expect(fileContents(under: s.folder.path("empty")).count == 4)

        let busy = #expect(throws: AIArtsError.self) { try s.ws.downloadModel(r.model.id, to: out) }
        #expect(busy?.kind == .conflict)
        #expect(throws: AIArtsError.self) { try s.ws.downloadModel(r.model.id, version: 7, to: s.folder.path("v7")) }
        #expect(throws: AIArtsError.self) { try s.ws.downloadModel(r.model.id, to: s.folder.path("no/such/parent")) }
        // Nothing hidden was left beside the destinations.
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.folder.url.path).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test func anArchiveRoundTripsThroughTheProjectsOwnReader() throws {
        let s = try ModelSandbox()
        s.folder.write("up/weights.pt", Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        s.folder.write("up/empty.txt", "")
        s.folder.write("up/标签/类别.txt", "猫\n狗\n")
        // Longer than ustar's 100-byte name field (split into prefix and name), and longer than both
        // together (a pax header).
        let long = (1...6).map { "folder-\($0)-" + String(repeating: "x", count: 12) }.joined(separator: "/")
        s.folder.write("up/\(long)/weights-with-a-long-name.bin", "deep")
        let veryLong = String(repeating: "y", count: 120)
        s.folder.write("up/\(veryLong)/\(veryLong).bin", "unsplittable")
        let r = try s.ws.uploadModel(from: s.folder.path("up"))
        let archive = try s.ws.downloadModel(r.model.id, to: s.folder.path("m.tar.gz"), archive: true)
        #expect(archive.lastPathComponent == "m.tar.gz")
        #expect(try ArchiveKind.detect(archive) == .tarGzip)

        let report = try ArchiveExtractor.extract(archive, into: s.folder.path("extracted"))
        #expect(report.skipped.isEmpty)
        let extracted = fileContents(under: s.folder.path("extracted/M0001-v1"))
        #expect(extracted == fileContents(under: URL(fileURLWithPath: r.version.folder)))
        #expect(extracted["\(veryLong)/\(veryLong).bin"] == Data("unsplittable".utf8))
        #expect(extracted.count == 6)

        // Into a folder: named after the model and version. An existing archive is never replaced.
        let named = try s.ws.downloadModel(r.model.id, to: s.folder.url, archive: true)
        #expect(named.lastPathComponent == "M0001-v1.tar.gz")
        let exists = #expect(throws: AIArtsError.self) { try s.ws.downloadModel(r.model.id, to: s.folder.url, archive: true) }
        #expect(exists?.kind == .conflict)
    }

    @Test func aLinkPlantedInTheRegistryIsNotFollowedOut() throws {
        let s = try ModelSandbox()
        let r = try s.ws.uploadModel(from: s.folder.write("m.onnx", "x"))
        let secret = s.folder.write("secret.txt", "secret")
        try FileManager.default.createSymbolicLink(at: URL(fileURLWithPath: r.version.folder).appendingPathComponent("leak"),
                                                   withDestinationURL: secret)
        let error = #expect(throws: AIArtsError.self) { try s.ws.downloadModel(r.model.id, to: s.folder.path("x.tar.gz"), archive: true) }
        #expect(error?.message.contains("leak") == true)
        #expect(throws: AIArtsError.self) { try s.ws.downloadModel(r.model.id, to: s.folder.path("copy")) }
        #expect(!FileManager.default.fileExists(atPath: s.folder.path("x.tar.gz").path))
        #expect(!FileManager.default.fileExists(atPath: s.folder.path("copy").path))
    }

    // MARK: Records and fields

    @Test func modelFieldsCanBeReadAndRenamedLikeOtherRecords() throws {
        let s = try ModelSandbox()
        let r = try s.ws.uploadModel(from: s.folder.write("m.onnx", "x"), name: "  first  ")
        #expect(r.model.name == "first")
        try s.ws.setAttribute("name", of: r.model.id, to: "renamed")
        #expect(try s.ws.attribute("name", of: r.model.id) == "renamed")
        #expect(try s.ws.attribute("kind", of: r.model.id) == "uploaded")
        #expect(throws: AIArtsError.self) { try s.ws.setAttribute("kind", of: r.model.id, to: "exported") }
        #expect(try s.ws.info().models == 1)
    }

    @Test func jsonIsFlatWithSnakeCaseKeysAndNulls() throws {
        let s = try ModelSandbox()
        let r = try s.ws.uploadModel(from: s.folder.write("m.onnx", "x"), name: "m")
        func object(_ value: some Encodable) throws -> [String: Any] {
            let data = try JSONEncoder().encode(value)
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let registered = try object(r)
        #expect(registered["id"] as? String == "M0001")
        #expect(registered["task"] is NSNull && registered["evaluation"] is NSNull)
        #expect(registered["created_at"] is Double)
        let version = try #require(registered["version"] as? [String: Any])
        #expect(version["name"] as? String == "v1" && version["file_count"] as? Int == 1 && version["epoch"] is NSNull)
        #expect(version["source_path"] as? String == s.folder.path("m.onnx").standardizedFileURL.path)
        let detail = try object(try s.ws.modelDetail("M0001"))
        #expect(detail["kind"] as? String == "uploaded" && (detail["versions"] as? [Any])?.count == 1)
        let summary = try object(try #require(try s.ws.models().first))
        #expect(summary["versions"] as? Int == 1 && summary["latest"] as? String == "v1" && summary["type"] is NSNull)
    }

    @Test func versionNamesAreParsed() throws {
        #expect(try Workspace.parseModelVersion("v2") == 2)
        #expect(try Workspace.parseModelVersion("12") == 12)
        for bad in ["", "v", "v0", "-1", "v1.5", "two", "v+3"] {
            #expect(throws: AIArtsError.self) { try Workspace.parseModelVersion(bad) }
        }
    }
}

/// Several writers at once, and workspaces made before the registry existed.
@Suite struct ModelRegistrySharingTests {
    @Test func twoWorkspacesRegisteringAtOnceGetDistinctIdsAndVersions() throws {
        let s = try ModelSandbox()
        let other = try Workspace(root: s.ws.root)
        let file = s.folder.write("w.onnx", "weights")
        let base = try s.ws.uploadModel(from: file)
        let errors = ErrorBox()  // StoreTests
        let workspaces = [s.ws, other]
        let baseID = base.model.id
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let ws = workspaces[i % 2]
            do {
                if i < 4 { _ = try ws.uploadModel(from: file, name: "new \(i)") } else { _ = try ws.uploadModel(from: file, to: baseID) }
            } catch { errors.add(error) }
        }
        #expect(errors.count == 0)
        let models = try s.ws.models()
        #expect(models.map(\.model.id) == ["M0001", "M0002", "M0003", "M0004", "M0005"])
        #expect(try s.ws.modelDetail(base.model.id).versions.map(\.name) == ["v1", "v2", "v3", "v4", "v5"])
        #expect(s.modelsFolderContents().filter { $0.hasPrefix(".") }.isEmpty)
        for summary in models {
            for version in try s.ws.modelDetail(summary.model.id).versions {
                #expect(fileContents(under: URL(fileURLWithPath: version.folder))["w.onnx"] == Data("weights".utf8))
            }
        }
    }

    @Test func aWorkspaceFromBeforeTheRegistryOpensWithItsModelRows() throws {
        let folder = TempFolder("aiarts-models-migration")
        let path = folder.path("aiarts.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try Store.migrator.migrate(pool, upTo: "v2-tasks")
            try pool.write { db in
                try db.execute(sql: "INSERT INTO model(id, name, status, createdAt) VALUES ('M0001', 'old', 'ready', '2026-01-01 00:00:00.000')")
            }
        }
        let ws = try Workspace(root: folder.url)
        let model = try ws.model("M0001")
        #expect(model.kind == "uploaded" && model.lastVersion == 0 && model.evaluation == nil)
        #expect(try ws.models().first?.versions == 0)
        #expect(throws: AIArtsError.self) { try ws.modelVersion("M0001") }
    }
}


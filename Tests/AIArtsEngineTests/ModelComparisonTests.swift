import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// `aiarts model compare`'s engine call: `swift test --filter ModelComparisonTests`.
@Suite struct ModelComparisonTests {
    /// A model.bin as aiarts-train writes it (docs/trainer.md): header, `count` floats, CRC (not checked here).
    static func modelBin(labels: [String] = ["circle", "square"], parameters count: Int, widths: [UInt32] = [4]) -> Data {
        var bytes = Array("AIARTSNN".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        u32(1); u32(2); u32(16); u32(3)
        u32(Float(0.5).bitPattern); u32(Float(0.25).bitPattern)
        u32(UInt32(widths.count)); widths.forEach(u32)
        u32(UInt32(labels.count))
        for label in labels { u32(UInt32(label.utf8.count)); bytes += Array(label.utf8) }
        u32(UInt32(count)); u32(0)
        bytes += [UInt8](repeating: 0, count: count * 4)
        u32(0xDEAD_BEEF)
        return Data(bytes)
    }

    /// A sandbox whose epoch 2 and 3 checkpoints hold valid model.bin headers of `parameters` weights.
    static func trained(parameters: [Int: Int] = [1: 100, 2: 120, 3: 90]) throws -> ModelSandbox {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        for (epoch, count) in parameters {
            try modelBin(parameters: count).write(to: s.taskFolder.appendingPathComponent("checkpoints/epoch_\(epoch)/model.bin"))
        }
        return s
    }

    @Test func referencesParse() throws {
        #expect(try ModelVersionRef(parsing: "M0001") == ModelVersionRef(model: "M0001"))
        #expect(try ModelVersionRef(parsing: "m0002:v3") == ModelVersionRef(model: "M0002", version: 3))
        #expect(try ModelVersionRef(parsing: "M0002:4") == ModelVersionRef(model: "M0002", version: 4))
        for bad in ["T0001", "M0001:x", "M0001:v0", "", "M", "M0001:v2:3"] {
            #expect(throws: AIArtsError.self) { try ModelVersionRef(parsing: bad) }
        }
    }

    @Test func versionsOfOneTaskCompareOnItsValSplitWithTheBestMarked() throws {
        let s = try Self.trained()
        _ = try s.ws.registerModel(fromTask: s.task.id, epoch: 2)
        _ = try s.ws.addModelVersion(to: "M0001", fromTask: s.task.id, epoch: 3)
        // One model named alone: all its versions.
        let c = try s.ws.compareModels([ModelVersionRef(model: "M0001")])
        #expect(c.entries.map(\.label) == ["M0001 v1", "M0001 v2"])
        #expect(c.comparable)
        #expect(c.warnings.isEmpty)
        #expect(c.metrics == ["acc1", "acc5", "val_loss"])
        let dataset = try s.ws.taskDatasetID(s.task)
        #expect(c.entries.allSatisfy { $0.basis == EvaluationBasis(source: .trainer, dataset: dataset, split: "val") })
        func row(_ name: String) -> ModelComparisonRow? { c.rows.first { $0.name == name } }
        #expect(row("acc1")?.values == [.number(0.9), .number(0.8)])
        #expect(row("acc1")?.best == [0])
        #expect(row("val_loss")?.better == .lower)
        #expect(row("val_loss")?.best == [0])
        // Equal everywhere: nothing is marked.
        #expect(row("acc5")?.best == [])
        // Parameters from the model.bin headers: fewer is better.
        #expect(c.entries.map(\.parameters) == [120, 90])
        #expect(row("parameters")?.best == [1])
        #expect(row("format")?.values == [.text("aiarts-train checkpoint"), .text("aiarts-train checkpoint")])
        #expect(row("task")?.values == [.text("\(s.task.id) epoch 2"), .text("\(s.task.id) epoch 3")])
        // Not measured yet: the latency cell says how.
        #expect(row("latency ms")?.values.allSatisfy { if case .missing(let r?) = $0 { return r.contains("--measure") }; return false } == true)
    }

    @Test func metricsFromDifferentDatasetsAreShownButNotMarked() throws {
        let s = try Self.trained()
        _ = try s.ws.registerModel(fromTask: s.task.id, epoch: 2)
        // A second project on another dataset, with a task whose checkpoint scored 0.95.
        let other = try s.ws.createDataset(name: "other", type: .classification)
        let project = try s.ws.createProject(name: "q", type: .classification, datasetID: other.id)
        let task = try s.ws.createTask(projectID: project.id, name: "other run")
        let folder = s.ws.taskFolder(task.id).appendingPathComponent("checkpoints/epoch_1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.modelBin(parameters: 50).write(to: folder.appendingPathComponent("model.bin"))
        try Data(#"{"type":"eval","epoch":1,"acc1":0.95}"#.utf8 + Data("\n".utf8)
                 + Data(#"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#.utf8) + Data("\n".utf8))
            .write(to: s.ws.taskFolder(task.id).appendingPathComponent("metrics.jsonl"))
        _ = try s.ws.registerModel(fromTask: task.id)
        let c = try s.ws.compareModels([ModelVersionRef(model: "M0001"), ModelVersionRef(model: "M0002", version: 1)])
        #expect(!c.comparable)
        #expect(c.warnings.contains { $0.contains("different data") && $0.contains(other.id) })
        let acc1 = c.rows.first { $0.name == "acc1" }
        #expect(acc1?.values == [.number(0.9), .number(0.95)])
        #expect(acc1?.best == [])
        // Size and parameters still compare.
        #expect(c.rows.first { $0.name == "parameters" }?.best == [1])
    }

    @Test func theEnginesReportOnTheSplitIsPreferredAndAChangedSplitIsFlagged() throws {
        let s = try Self.trained()
        _ = try s.ws.registerModel(fromTask: s.task.id, epoch: 2)
        _ = try s.ws.addModelVersion(to: "M0001", fromTask: s.task.id, epoch: 3)
        let dataset = try #require(try s.ws.taskDatasetID(s.task))
        func report(epoch: Int, samples: Int, acc1: Double) throws {
            let evaluation = TaskEvaluation(task: s.task.id, epoch: epoch, checkpoint: nil, predictions: "p.jsonl", report: EvaluationReport(
                dataset: dataset, split: "test", task: .classification, epoch: epoch, samples: samples, predicted: samples,
                ignoredPredictions: 0, unknownLabels: 0, metrics: ["acc1": acc1, "precision/circle": 1], classification: nil,
                segmentation: nil, voc: nil))
            let folder = s.taskFolder.appendingPathComponent("eval")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try JSONEncoder().encode(evaluation).write(to: folder.appendingPathComponent("epoch_\(epoch)_test.metrics.json"))
        }
        try report(epoch: 2, samples: 40, acc1: 0.7)
        try report(epoch: 3, samples: 40, acc1: 0.75)
        var c = try s.ws.compareModels([ModelVersionRef(model: "M0001", version: 1), ModelVersionRef(model: "M0001", version: 2)], split: .test)
        #expect(c.comparable)
        #expect(c.metrics == ["acc1"])  // per-label figures stay in the report
        #expect(c.entries[0].basis == EvaluationBasis(source: .engine, dataset: dataset, split: "test", samples: 40))
        #expect(c.rows.first { $0.name == "acc1" }?.best == [1])
        // The split changed between the two evaluations.
        try report(epoch: 3, samples: 38, acc1: 0.75)
        c = try s.ws.compareModels([ModelVersionRef(model: "M0001", version: 1), ModelVersionRef(model: "M0001", version: 2)], split: .test)
        #expect(!c.comparable)
        #expect(c.warnings.contains { $0.contains("38 vs 40 samples") })
        // One evaluated on test, the other only by its trainer on val: different data.
        try FileManager.default.removeItem(at: s.taskFolder.appendingPathComponent("eval/epoch_3_test.metrics.json"))
        c = try s.ws.compareModels([ModelVersionRef(model: "M0001", version: 1), ModelVersionRef(model: "M0001", version: 2)], split: .test)
        #expect(!c.comparable)
        #expect(c.entries[1].basis.source == .trainer)
    }

    @Test func anUploadsNumbersHaveAnUnknownBasis() throws {
        let s = try Self.trained()
        _ = try s.ws.registerModel(fromTask: s.task.id, epoch: 2)
        let file = s.folder.path("model.onnx")
        try Data([0x08, 0x07]).write(to: file)
        _ = try s.ws.uploadModel(from: file)
        let c = try s.ws.compareModels([ModelVersionRef(model: "M0001"), ModelVersionRef(model: "M0002")])
        // The upload carries no evaluation: the trainer's stands alone, so the verdict holds, with a note.
        #expect(c.entries[1].basis.source == .none)
        #expect(c.warnings.contains { $0.contains("M0002 v1 has no evaluation") })
        #expect(c.rows.first { $0.name == "task" }?.values[1] == .missing("uploaded"))
        #expect(c.entries[1].parameters == nil && c.entries[1].parametersNote != nil)
    }

    @Test func refusals() throws {
        let s = try Self.trained()
        _ = try s.ws.registerModel(fromTask: s.task.id, epoch: 2)
        let one = #expect(throws: AIArtsError.self) { try s.ws.compareModels([ModelVersionRef(model: "M0001")]) }
        #expect(one?.message.contains("one version") == true)
        let twice = #expect(throws: AIArtsError.self) {
            try s.ws.compareModels([ModelVersionRef(model: "M0001"), ModelVersionRef(model: "M0001", version: 1)])
        }
        #expect(twice?.message.contains("named twice") == true)
        let missing = #expect(throws: AIArtsError.self) {
            try s.ws.compareModels([ModelVersionRef(model: "M0001"), ModelVersionRef(model: "M0009")])
        }
        #expect(missing?.kind == .notFound)
        let noVersion = #expect(throws: AIArtsError.self) {
            try s.ws.compareModels([ModelVersionRef(model: "M0001"), ModelVersionRef(model: "M0001", version: 7)])
        }
        #expect(noVersion?.kind == .notFound)
        let many = #expect(throws: AIArtsError.self) {
            try s.ws.compareModels((0...modelComparisonLimit).map { _ in ModelVersionRef(model: "M0001", version: 1) })
        }
        #expect(many?.message.contains("at most") == true)
    }

    @Test func modelBinHeadersAreCheckedAgainstTheFileSize() throws {
        let good = Array(Self.modelBin(labels: ["a", "b", "c"], parameters: 10))
        let header = try BuiltInModelHeader.parse(good, fileSize: good.count)
        #expect(header.parameters == 10 && header.labels == ["a", "b", "c"] && header.imageSize == 16)
        #expect(throws: AIArtsError.self) { try BuiltInModelHeader.parse(good, fileSize: good.count - 4) }
        #expect(throws: AIArtsError.self) { try BuiltInModelHeader.parse(Array(good.prefix(20)), fileSize: good.count) }
        var badMagic = good
        badMagic[0] = UInt8(ascii: "X")
        #expect(throws: AIArtsError.self) { try BuiltInModelHeader.parse(badMagic, fileSize: good.count) }
        // A huge declared label count is refused before anything is allocated.
        var hostile = Array("AIARTSNN".utf8) + [1, 0, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0, 3, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        hostile += [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: AIArtsError.self) { try BuiltInModelHeader.parse(hostile, fileSize: hostile.count) }
    }

    @Test func aMeasurementIsKeptInTheStoreAndGoesWithItsVersion() throws {
        let s = try Self.trained()
        _ = try s.ws.registerModel(fromTask: s.task.id, epoch: 2)
        let file = s.folder.path("net.onnx")
        try Data([0x08, 0x07]).write(to: file)
        _ = try s.ws.uploadModel(from: file, to: "M0001")
        // A stand-in for the Python runtime: prints what model_latency.py prints.
        let python = s.folder.path("fake-python")
        try Data("""
        #!/bin/sh
        echo 'warming up'
        echo '{"ms_per_image": 2.5, "p90_ms": 3.0, "runs": 20, "threads": 1, "parameters": 4242, "input": [1, 3, 224, 224], "runtime": "onnxruntime 9"}'
        """.utf8).write(to: python)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python.path)
        let figure = try s.ws.measureModelLatency(ModelVersionRef(model: "M0001", version: 2), runs: 20, python: python.path)
        #expect(figure.msPerImage == 2.5 && figure.parameters == 4242 && figure.input == "1x3x224x224" && figure.runtime == "onnxruntime 9")
        #expect(try s.ws.storedModelLatency("M0001", version: 2) == figure)
        // Nothing was written into the version folder.
        #expect(fileContents(under: s.ws.modelVersionFolder("M0001", version: 2)).keys.sorted() == ["model.json", "net.onnx"])
        let c = try s.ws.compareModels([ModelVersionRef(model: "M0001")])
        #expect(c.entries[1].latency == figure && c.entries[1].latencyNote == nil)
        #expect(c.entries[1].parameters == 4242)
        #expect(c.rows.first { $0.name == "latency ms" }?.values == [.missing("not measured: run `aiarts model compare --measure`"), .number(2.5)])
        // A runtime that prints no timing is an error with the reason; the kept figure stays.
        try Data("#!/bin/sh\necho 'no json here'\n".utf8).write(to: python)
        #expect(throws: AIArtsError.self) { try s.ws.measureModelLatency(ModelVersionRef(model: "M0001", version: 2), runs: 20, python: python.path) }
        #expect(try s.ws.storedModelLatency("M0001", version: 2) == figure)
        // A runtime that fails: its last line is the reason.
        try Data("#!/bin/sh\necho 'model_latency: onnxruntime cannot load net.onnx: bad proto' >&2\nexit 1\n".utf8).write(to: python)
        let failed = #expect(throws: AIArtsError.self) { try s.ws.measureModelLatency(ModelVersionRef(model: "M0001", version: 2), runs: 20, python: python.path) }
        #expect(failed?.message.contains("bad proto") == true)
        // Deleting the version deletes its figure.
        try s.ws.deleteModelVersion("M0001", version: 2)
        #expect(try s.ws.storedModelLatency("M0001", version: 2) == nil)
    }

    @Test func aVersionWithNothingRunnableIsRefusedWithTheReason() throws {
        let s = try Self.trained()
        let file = s.folder.path("weights.safetensors")
        try Data("{}".utf8).write(to: file)
        _ = try s.ws.uploadModel(from: file)
        let error = #expect(throws: AIArtsError.self) { try s.ws.measureModelLatency(ModelVersionRef(model: "M0001")) }
        #expect(error?.message.contains("nothing in this version can be run") == true)
    }

    @Test func assembleMarksTiesAndIgnoresMissingValues() {
        let values: [ModelComparisonRow.Value] = [.number(1), .missing(nil), .number(1), .number(0.5)]
        #expect(ModelComparison.best(values, better: .higher) == [0, 2])
        #expect(ModelComparison.best(values, better: .lower) == [3])
        #expect(ModelComparison.best([.number(1), .missing("x")], better: .higher) == [])
        #expect(ModelComparison.best([.number(.nan), .number(1), .number(2)], better: .higher) == [2])
        #expect(ModelComparison.lowerIsBetter("val_loss") && ModelComparison.lowerIsBetter("eval/loss") && !ModelComparison.lowerIsBetter("mAP"))
    }
}

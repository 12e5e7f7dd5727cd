import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

/// Inference services (docs/inference.md): `swift test --filter InferenceServiceTests`. The lifecycle
/// tests run the real `aiarts` built beside the test bundle, serving a model the built-in trainer
/// trains for one epoch on generated shapes.
@Suite(.serialized) struct InferenceServiceTests {
    static func workspace() throws -> (Workspace, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-infer-\(UUID().uuidString.prefix(8))")
        return (try Workspace(root: root), root)
    }

    /// A workspace with a built-in model trained one epoch on 30 generated images (M0001).
    static func trainedModel() throws -> (Workspace, URL) {
        let (ws, root) = try Self.workspace()
        let demo = try ShapesDemo.create(in: ws, classificationImages: 30, detectionImages: 2)
        let task = try ws.createTask(projectID: demo.projects[0], params: ["epochs": "1", "image_size": "32"])
        try ws.startTask(task.id)
        let ended = try ws.waitForTask(task.id, interval: .milliseconds(100))
        #expect(ended.status == "finished", "\(ended.statusMessage)")
        _ = root
        try ws.registerModel(fromTask: task.id, name: "shapes")
        return (ws, root)
    }

    static func images(_ ws: Workspace, count: Int) throws -> [URL] {
        let folder = try #require(try ws.dataset("D0001").folder.map(ws.resolveFolder))
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "jpg" }.sorted { $0.path < $1.path }
        return Array(files.prefix(count))
    }

    // MARK: Resolving what to serve

    @Test func modelReferencesResolveByIdVersionAndName() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("upload")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Data("not a model".utf8).write(to: source.appendingPathComponent("notes.txt"))
        try ws.uploadModel(from: source, name: "notes")
        try Data([0x08, 0x07]).write(to: source.appendingPathComponent("model.onnx"))
        try """
            {"task": "classification", "labels": ["a", "b"], "image_size": 48, "preprocess": {"resize": [48, 48], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}
            """.write(to: source.appendingPathComponent("export.json"), atomically: true, encoding: .utf8)
        try ws.uploadModel(from: source, to: "M0001")

        let newest = try ws.inferenceModel("notes")
        #expect(newest.modelId == "M0001" && newest.version == 2 && newest.backend == InferenceBackend.onnx)
        #expect(newest.labels == ["a", "b"] && newest.imageSize == 48 && newest.mean == [0.5, 0.5, 0.5] && newest.std == [0.25, 0.25, 0.25])
        #expect(try ws.inferenceModel("m0001:v2") == newest)

        let first = #expect(throws: AIArtsError.self) { try ws.inferenceModel("M0001:v1") }
        #expect(first?.message.contains("holds no file a service can load") == true)
        let missing = #expect(throws: AIArtsError.self) { try ws.inferenceModel("nothing") }
        #expect(missing?.kind == .notFound)
        let noVersion = #expect(throws: AIArtsError.self) { try ws.inferenceModel("M0001:v9") }
        #expect(noVersion?.message.contains("has no version v9") == true)
        let wrongBackend = #expect(throws: AIArtsError.self) { try ws.inferenceModel("M0001", backend: InferenceBackend.torchscript) }
        #expect(wrongBackend?.message.contains("no torchscript file") == true)
    }

    @Test func badSpecsAreRefusedBeforeAnythingIsRecorded() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        for spec in [InferenceServiceSpec(model: "M0001", port: 70000), InferenceServiceSpec(model: "M0001", maxBatch: 0),
                     InferenceServiceSpec(model: "M0001", maxDelayMs: -1), InferenceServiceSpec(model: "M0001", gpus: [-1])] {
            #expect(throws: AIArtsError.self) { try ws.createInferenceService(spec) }
        }
        #expect(throws: AIArtsError.self) { try ws.createInferenceService(InferenceServiceSpec(model: "M0001")) }
        #expect(try ws.inferenceServices().isEmpty)
    }

    // MARK: The lifecycle, with the real service process

    @Test func aBuiltInModelIsServedPredictedStoppedAndRemoved() async throws {
        guard Workspace.locateAIArts() != nil else { Issue.record("aiarts is not built beside the tests"); return }
        let (ws, root) = try Self.trainedModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let created = try ws.createInferenceService(InferenceServiceSpec(model: "shapes", maxBatch: 4, maxDelayMs: 20))
        #expect(created.id == "S0001" && created.state == .starting && created.backend == .builtin && created.pid != nil)
        let ready = try ws.waitForInferenceService(created.id, timeout: .seconds(60))
        #expect(ready.state == .ready, "\(ready.message)")
        #expect(ready.port > 0 && ready.url != nil)

        let images = try Self.images(ws, count: 4)
        let broken = root.appendingPathComponent("broken.jpg")
        try Data("not an image".utf8).write(to: broken)
        let predictions = try await ws.predict(service: created.id, images: images + [broken])
        #expect(predictions.count == 5)
        for p in predictions.prefix(4) {
            #expect(p.error == nil && p.task == "classification" && p.width == 96 && p.height == 96)
            #expect(p.classes.count == 3 && Set(p.classes.map(\.label)) == ["circle", "square", "triangle"])
            #expect(abs(p.classes.map(\.score).reduce(0, +) - 1) < 1e-3)
            #expect(zip(p.classes, p.classes.dropFirst()).allSatisfy { $0.score >= $1.score })
        }
        #expect(predictions[4].error?.contains("cannot be decoded") == true)

        // The stats file comes within about a second of traffic.
        #expect(waitUntil(timeout: 10, interval: 0.1) { ((try? ws.inferenceServiceStats(created.id)) ?? nil)?.requests == 5 })
        let stats = try #require(try ws.inferenceServiceStats(created.id))
        #expect(stats.errors == 1 && stats.p50Ms != nil && stats.p99Ms! >= stats.p50Ms!)
        // The four images went through the batcher (the broken one was refused before it; the warm-up runs outside it).
        #expect(stats.batchSizes.reduce(0) { $0 + (Int($1.key)! * $1.value) } == 4)

        let refused = #expect(throws: AIArtsError.self) { try ws.removeInferenceService(created.id) }
        #expect(refused?.message.contains("stop it first") == true)
        let stopped = try ws.stopInferenceService(created.id, grace: .seconds(10))
        #expect(stopped.state == .stopped && stopped.finishedAt != nil)
        #expect(try ws.inferenceServiceLog(created.id).contains { $0.contains("S0001: stopped") })
        #expect(throws: AIArtsError.self) { try ws.stopInferenceService(created.id) }
        await #expect(throws: AIArtsError.self) { try await ws.predict(service: created.id, images: images) }
        try ws.removeInferenceService(created.id)
        #expect(!FileManager.default.fileExists(atPath: ws.inferenceServiceFolder(created.id).path))
        #expect(try ws.inferenceServices().isEmpty)
    }

    @Test func aKilledServiceIsRecordedAsFailedByTheNextReader() throws {
        guard Workspace.locateAIArts() != nil else { Issue.record("aiarts is not built beside the tests"); return }
        let (ws, root) = try Self.trainedModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let created = try ws.createInferenceService(InferenceServiceSpec(model: "M0001:v1"))
        #expect(try ws.waitForInferenceService(created.id, timeout: .seconds(60)).state == .ready)
        let identity = try #require(created.identity)
        // Every process of the service, found by its marker: the supervisor and aiarts infer run.
        let members = ProcessScan.members(marker: "\(Workspace.serviceMarkerName)=\(ws.serviceMarkerValue(created.id))")
        #expect(members.count >= 1)
        for member in members { kill(member.pid, SIGKILL) }
        #expect(ExitWatcher.waitUntilExited(identity, timeout: .seconds(10)))
        // A fresh Workspace: another aiarts adopting what it finds.
        let other = try Workspace(root: root)
        let seen = try other.inferenceService(created.id)
        #expect(seen.state == .failed)
        #expect(seen.message.contains("SIGKILL") || seen.message.contains("killed"), "\(seen.message)")
        #expect(throws: AIArtsError.self) { try other.stopInferenceService(created.id) }
        try other.removeInferenceService(created.id)
    }

    @Test func aServiceThatCannotLoadItsModelFailsWithTheReason() throws {
        guard Workspace.locateAIArts() != nil else { Issue.record("aiarts is not built beside the tests"); return }
        let (ws, root) = try Self.trainedModel()
        defer { try? FileManager.default.removeItem(at: root) }
        // The version's model.bin damaged after registration (header kept, so it is still served as built-in).
        let file = ws.modelVersionFolder("M0001", version: 1).appendingPathComponent("model.bin")
        try Data("AIARTSNN".utf8 + [0, 1, 2]).write(to: file)
        let created = try ws.createInferenceService(InferenceServiceSpec(model: "M0001"))
        let ended = try ws.waitForInferenceService(created.id, timeout: .seconds(60))
        #expect(ended.state == .failed)
        #expect(ended.message.contains("cannot load") && !ended.message.contains("\n"), "\(ended.message)")
    }
}

import Foundation
import Testing
@testable import AIArtsEngine

/// A downloaded model uploads back as the same model; a checkpoint registered twice is one model.
@Suite struct ModelRoundTripTests {
    @Test func aDownloadedFolderUploadsBackAsTheSameVersion() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let original = try s.ws.registerModel(fromTask: s.task.id)
        let out = try s.ws.downloadModel(original.model.id, to: s.folder.path("down"))

        // Back into the same workspace: the version that holds these files, not a copy.
        let back = try s.ws.uploadModel(from: out)
        #expect(back.existing)
        #expect(back.model.id == original.model.id && back.version.version == 1)
        #expect(try s.rowCounts() == (1, 1))

        // Into another workspace: a new model made like the original.
        let other = try Workspace(root: s.folder.path("other"))
        let copy = try other.uploadModel(from: out)
        #expect(!copy.existing)
        #expect(copy.model.name == original.model.name)
        #expect(copy.model.kind == "pretrained")
        #expect(copy.model.type == .classification)
        #expect(copy.model.trainer == "aiarts-train")
        #expect(copy.version.format == "aiarts-train checkpoint")
        #expect(copy.version.evaluation == original.version.evaluation)
        #expect(copy.version.fileCount == original.version.fileCount)
        var files = fileContents(under: URL(fileURLWithPath: copy.version.folder))
        files.removeValue(forKey: "model.json")
        #expect(files == fileContents(under: s.taskFolder.appendingPathComponent("checkpoints/epoch_2")))
    }

    @Test func aDownloadedArchiveUploadsBackToo() throws {
        let s = try ModelSandbox()
        s.folder.write("up/weights.onnx", Data([8, 1, 18, 4] + [UInt8](repeating: 3, count: 500)))
        let original = try s.ws.uploadModel(from: s.folder.path("up"), name: "detector", type: .detection)
        let archive = try s.ws.downloadModel(original.model.id, to: s.folder.path("m.tar.gz"), archive: true)
        let other = try Workspace(root: s.folder.path("other"))
        let copy = try other.uploadModel(from: archive)
        #expect(copy.model.name == "detector")
        #expect(copy.model.type == .detection)
        #expect(copy.version.fileCount == 1)
        #expect(FileManager.default.fileExists(atPath: copy.version.folder + "/weights.onnx"))
        #expect(!FileManager.default.fileExists(atPath: copy.version.folder + "/m.tar.gz"))
        // Nothing unpacked is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: other.root.appendingPathComponent("models").path) == ["M0001"])
        #expect(try s.ws.uploadModel(from: archive).existing)
    }

    @Test func aChangedDownloadIsRefusedWithTheReason() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let original = try s.ws.registerModel(fromTask: s.task.id)
        let out = try s.ws.downloadModel(original.model.id, to: s.folder.path("down"))
        try Data("changed".utf8).write(to: out.appendingPathComponent("state.json"))
        let error = #expect(throws: AIArtsError.self) { try s.ws.uploadModel(from: out) }
        #expect(error?.message.contains("state.json has 7 bytes") == true)
    }

    @Test func registeringTheSameCheckpointTwiceReturnsTheModel() throws {
        let s = try ModelSandbox()
        try s.trainedThreeEpochs()
        let first = try s.ws.registerModel(fromTask: s.task.id, epoch: 3)
        let again = try s.ws.registerModel(fromTask: s.task.id, epoch: 3)
        #expect(again.existing && again.model.id == first.model.id)
        #expect(try s.rowCounts() == (1, 1))
        // Another epoch, or the same one as a new version on purpose, is new.
        #expect(try !s.ws.registerModel(fromTask: s.task.id, epoch: 2).existing)
        #expect(try s.ws.registerModel(fromTask: s.task.id, epoch: 3, to: first.model.id).version.version == 2)
    }
}

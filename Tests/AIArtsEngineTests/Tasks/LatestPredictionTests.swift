import Foundation
import Testing
@testable import AIArtsEngine

/// `latestPrediction`: the newest readable predict/<run>/predictions.json of a task, confined to
/// its folder (issue 13).
@Suite struct LatestPredictionTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-latest")
        let ws: Workspace
        let task: TaskRecord

        init() throws {
            ws = try Workspace(root: folder.url, gpuProbe: .none)
            let project = try ws.createProject(name: "p", type: .classification)
            task = try ws.createTask(TaskSpec(projectID: project.id, origin: .trainer(.command), params: ["command": "true"]))
        }

        var taskFolder: URL { ws.taskFolder(task.id) }

        /// A run as `task predict` leaves it: predictions.json (TaskPredictions, pretty, sorted keys)
        /// and a drawn JPEG per image, written `age` seconds ago.
        @discardableResult
        func run(_ name: String, age: TimeInterval, labels: [(String, Double)] = [("circle", 0.9)], drawn: String? = nil) throws -> URL {
            let out = taskFolder.appendingPathComponent("predict/\(name)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let picture = drawn ?? out.appendingPathComponent("0000_a.jpg").path
            let result = TaskPredictions(task: task.id, epoch: 3, folder: out.path, images: [
                ImagePrediction(file: "/data/a.jpg", labels: [], boxes: [], drawn: nil, error: "cannot decode"),
                ImagePrediction(file: "/data/b.jpg", labels: labels.map { .init(label: $0.0, score: $0.1) }, boxes: [], drawn: picture, error: nil),
            ])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let file = out.appendingPathComponent("predictions.json")
            try encoder.encode(result).write(to: file)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: file.path)
            return out
        }
    }

    @Test func nothingPredictedYet() throws {
        let box = try Sandbox()
        #expect(try box.ws.latestPrediction(box.task.id) == nil)
        #expect(throws: AIArtsError.self) { try box.ws.latestPrediction("T0099") }
    }

    @Test func theNewestWrittenRunNotTheLastName() throws {
        let box = try Sandbox()
        // epoch_9 sorts after epoch_16 by name, but epoch_16 ran later.
        try box.run("epoch_9-2026-03-01T100000Z", age: 600, labels: [("square", 0.5)])
        let newest = try box.run("epoch_16-2026-03-01T110000Z", age: 10, labels: [("circle", 0.98), ("square", 0.01)])
        let run = try #require(try box.ws.latestPrediction(box.task.id))
        #expect(run.name == "epoch_16-2026-03-01T110000Z" && run.folder.path == newest.path)
        #expect(run.predictions.images.count == 2 && run.skipped.isEmpty)
        #expect(run.firstPredicted?.file == "/data/b.jpg")
        #expect(run.firstPredicted?.labels == [.init(label: "circle", score: 0.98), .init(label: "square", score: 0.01)])
        #expect(run.firstPredicted?.drawn == newest.appendingPathComponent("0000_a.jpg").path)
    }

    @Test func aBrokenNewerRunIsSkippedWithItsReason() throws {
        let box = try Sandbox()
        try box.run("epoch_1-a", age: 600)
        let broken = try box.run("epoch_2-b", age: 5)
        try Data(#"{"task": "T0001", "images": [ {"file": "#.utf8).write(to: broken.appendingPathComponent("predictions.json"))
        let run = try #require(try box.ws.latestPrediction(box.task.id))
        #expect(run.name == "epoch_1-a")
        #expect(run.skipped.count == 1 && run.skipped[0].hasPrefix("predict/epoch_2-b/predictions.json: cannot be read (not JSON"))
    }

    @Test func nothingOutsideTheTaskFolderIsRead() throws {
        let box = try Sandbox()
        let outside = TempFolder("aiarts-outside")
        // A drawn image the trainer said is elsewhere is left out; the prediction itself is kept.
        try box.run("epoch_1-a", age: 600, drawn: outside.write("stolen.jpg", Data([0xFF, 0xD8])).path)
        var run = try #require(try box.ws.latestPrediction(box.task.id))
        #expect(run.firstPredicted?.drawn == nil && run.firstPredicted?.labels.first?.label == "circle")
        #expect(run.skipped == ["predict/epoch_1-a/predictions.json: drawn image \(outside.url.path)/stolen.jpg: \(Workspace.taskFolderEscape)"])
        // A run folder that is a link to elsewhere is not read at all, however new.
        let elsewhere = outside.url.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: elsewhere.appendingPathComponent("predictions.json"))
        try FileManager.default.createSymbolicLink(at: box.taskFolder.appendingPathComponent("predict/epoch_9-z"), withDestinationURL: elsewhere)
        run = try #require(try box.ws.latestPrediction(box.task.id))
        #expect(run.name == "epoch_1-a")
        #expect(run.skipped.contains("predict/epoch_9-z: \(Workspace.taskFolderEscape)"))
    }
}

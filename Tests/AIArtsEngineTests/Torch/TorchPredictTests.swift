import Foundation
import Testing
@testable import AIArtsEngine

/// `task predict` on a torch task, with a stand-in interpreter (the task's `python` parameter) that
/// records its arguments and answers as aiarts_torch.py's predict does: no torch needed.
@Suite struct TorchPredictTests {
    /// A torch task of a segmentation project with one checkpoint, run by `fake`.
    static func task() throws -> (Workspace, TempFolder, String, String) {
        let (ws, folder) = try Fixtures.workspace()
        let fake = folder.write("venv/bin/python", #"""
            #!/bin/sh
            [ "$1" = "-c" ] && exit 0
            printf '%s\n' "$@" > "$(dirname "$0")/argv.txt"
            out=""; prev=""; last=""
            for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; last="$a"; done
            printf '{"image": "%s", "width": 8, "height": 8, "task": "segmentation", "mask": "x_mask.png", "classes": {"background": 0.625, "circle": 0.375}}\n' "$last" > "$out/x.json"
            """#)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let dataset = try ws.createDataset(name: "d", type: .segmentation)
        let project = try ws.createProject(name: "p", type: .segmentation, datasetID: dataset.id)
        let task = try ws.createTask(projectID: project.id, trainer: .torch, params: ["python": fake.path])
        let taskFolder = ws.taskFolder(task.id)
        try FileManager.default.createDirectory(at: taskFolder.appendingPathComponent("checkpoints/epoch_1"), withIntermediateDirectories: true)
        try Data().write(to: taskFolder.appendingPathComponent("checkpoints/epoch_1/model.pt"))
        for name in [TorchTrainer.scriptFileName, TorchTrainer.manifestFileName] {
            try Data("{}".utf8).write(to: taskFolder.appendingPathComponent(name))
        }
        try Data(#"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#.utf8 + [10])
            .write(to: taskFolder.appendingPathComponent("metrics.jsonl"))
        return (ws, folder, task.id, fake.path)
    }

    static func argv(_ fake: String) throws -> [String] {
        try String(contentsOfFile: URL(fileURLWithPath: fake).deletingLastPathComponent().appendingPathComponent("argv.txt").path,
                   encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func theScoreThresholdReachesTheScriptAndDefaultsToHalf() throws {
        let (ws, folder, id, fake) = try Self.task()
        let image = folder.write("img.jpg", "not really")
        _ = try ws.predictTask(id, images: [image], scoreThreshold: 0.15)
        var argv = try Self.argv(fake)
        #expect(argv.first?.hasSuffix("aiarts_torch.py") == true)
        #expect(argv.firstIndex(of: "--score-threshold").map { argv[$0 + 1] } == "0.15")
        _ = try ws.predictTask(id, images: [image])
        argv = try Self.argv(fake)
        #expect(argv.firstIndex(of: "--score-threshold").map { argv[$0 + 1] } == "0.5")
        for bad in [-0.1, 1.5, .nan] {
            #expect(throws: AIArtsError.self) { try ws.predictTask(id, images: [image], scoreThreshold: bad) }
        }
    }

    @Test func segmentationPredictionsSummariseTheirClasses() throws {
        let (ws, folder, id, _) = try Self.task()
        let image = folder.write("img.jpg", "not really")
        let result = try ws.predictTask(id, images: [image])
        let classes = try #require(result.images.first?.classes)
        #expect(classes == [.init(label: "background", share: 0.625), .init(label: "circle", share: 0.375)])
        let saved = try Data(contentsOf: URL(fileURLWithPath: result.folder).appendingPathComponent("predictions.json"))
        let decoded = try JSONDecoder().decode(TaskPredictions.self, from: saved)
        #expect(decoded.images.first?.classes == classes)
    }

    @Test func classSharesAreOrderedAndClean() {
        let shares = Workspace.classShares(["b": 0.2, "a": 0.2, "c": 0.6, "none": 0, "bad": .nan, "big": 3])
        #expect(shares.map(\.label) == ["big", "c", "a", "b"])
        #expect(shares.first?.share == 1)
    }
}

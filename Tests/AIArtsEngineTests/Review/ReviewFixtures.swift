import Foundation
@testable import AIArtsEngine

/// Small datasets imported through the engine's own importers, for the review tests.
enum ReviewFixtures {
    /// A classification dataset: six images in bird/, cat/ and dog/ (ImageNet layout), split 4/2.
    static func classification(_ ws: Workspace) throws -> (id: String, source: TempFolder) {
        let src = TempFolder()
        for (i, label) in ["cat", "dog", "bird", "cat", "dog", "bird"].enumerated() {
            src.write("\(label)/img\(i).jpg", Fixtures.jpeg(width: 40 + i, height: 30))
        }
        let id = try ws.createDataset(name: "animals", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        return (id, src)
    }

    /// A detection dataset: four 120×90 images (VOC layout), each with a cat or dog box and a bird box.
    static func detection(_ ws: Workspace) throws -> (id: String, source: TempFolder) {
        let src = TempFolder()
        for i in 0..<4 {
            src.write("JPEGImages/img\(i).jpg", Fixtures.jpeg(width: 120, height: 90))
            src.write("Annotations/img\(i).xml", Fixtures.voc("img\(i).jpg", width: 120, height: 90, objects: [
                (i % 2 == 0 ? "cat" : "dog", 10, 10, 60, 70), ("bird", 70, 5, 110, 40),
            ]))
        }
        let id = try ws.createDataset(name: "boxes", type: .detection).id
        try ws.importDataset(id, from: src.url, format: .voc)
        return (id, src)
    }

    /// Sample ids by file name (the path's last component).
    static func samples(_ ws: Workspace, _ id: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for sampleId in try ws.reviewQueue(ReviewScope(datasetId: id), order: .dataset) {
            out[(try ws.reviewItem(sampleId).path as NSString).lastPathComponent] = sampleId
        }
        return out
    }

    static func labelIndex(_ ws: Workspace, _ id: String, _ name: String) throws -> Int {
        try ws.summary(id).labels.firstIndex { $0.name == name } ?? -1
    }

    static func labelCounts(_ ws: Workspace, _ id: String) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try ws.summary(id).labels.map { ($0.name, $0.count) })
    }

    /// The labels of each file (by name) as `content` (and so exports and training) sees them.
    static func contentLabels(_ ws: Workspace, _ id: String) throws -> [String: [String]] {
        let (content, _) = try ws.content(id)
        var out: [String: [String]] = [:]
        for s in content.samples { out[(s.path as NSString).lastPathComponent] = s.annotations.map { content.labels[$0.labelIndex] }.sorted() }
        return out
    }

    /// A command task on the dataset whose eval folder holds `predictions` (the text of a predictions file).
    static func task(_ ws: Workspace, dataset: String, type: DatasetType, predictions: String) throws -> String {
        let project = try ws.createProject(name: "review", type: type, datasetID: dataset)
        let task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        let eval = ws.taskFolder(task.id).appendingPathComponent("eval")
        try FileManager.default.createDirectory(at: eval, withIntermediateDirectories: true)
        try Data(predictions.utf8).write(to: eval.appendingPathComponent("epoch_1_val.predictions.jsonl"))
        return task.id
    }

    static func path(_ ws: Workspace, _ sampleId: Int64) throws -> String { try ws.reviewItem(sampleId).path }
}

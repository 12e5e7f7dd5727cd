import Foundation
import GRDB
@testable import AIArtsEngine

/// A workspace with a classification project and an aiarts-train task whose folder holds fake
/// checkpoints and a metrics.jsonl, as aiarts-train writes them (docs/trainer.md).
final class ModelSandbox {
    let folder = TempFolder("aiarts-models")
    let ws: Workspace
    let project: ProjectRecord
    let task: TaskRecord

    init() throws {
        ws = try Workspace(root: folder.path("ws"))
        let dataset = try ws.createDataset(name: "shapes", type: .classification)
        project = try ws.createProject(name: "p", type: .classification, datasetID: dataset.id)
        task = try ws.createTask(projectID: project.id, name: "shapes run")
    }

    var taskFolder: URL { ws.taskFolder(task.id) }

    /// Writes checkpoints/<name>/ with model.bin (aiarts-train's magic), optimizer.bin and state.json.
    @discardableResult
    func checkpoint(_ name: String, epoch: Int) throws -> URL {
        let dir = taskFolder.appendingPathComponent("checkpoints/\(name)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("AIARTSNN".utf8 + [UInt8](repeating: UInt8(epoch), count: 64)).write(to: dir.appendingPathComponent("model.bin"))
        try Data("AIARTSOP".utf8 + [UInt8](repeating: 7, count: 32)).write(to: dir.appendingPathComponent("optimizer.bin"))
        try Data("{\"epoch\":\(epoch)}".utf8).write(to: dir.appendingPathComponent("state.json"))
        return dir
    }

    func metrics(_ lines: [String]) throws {
        try FileManager.default.createDirectory(at: taskFolder, withIntermediateDirectories: true)
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: taskFolder.appendingPathComponent("metrics.jsonl"))
    }

    /// Three epochs; the second is the best (acc1 0.9), the third is worse (0.8).
    func trainedThreeEpochs() throws {
        for epoch in 1...3 { try checkpoint("epoch_\(epoch)", epoch: epoch) }
        try metrics([
            #"{"type":"train","epoch":1,"epochs":3,"step":10,"steps":30,"loss":0.9}"#,
            #"{"type":"eval","epoch":1,"acc1":0.5,"acc5":1,"val_loss":0.7}"#,
            #"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#,
            #"{"type":"eval","epoch":2,"acc1":0.9,"acc5":1,"val_loss":0.3}"#,
            #"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2","best":true}"#,
            #"{"type":"eval","epoch":3,"acc1":0.8,"acc5":1,"val_loss":0.4}"#,
            #"{"type":"checkpoint","epoch":3,"path":"checkpoints/epoch_3","best":false}"#,
        ])
    }

    /// What is in models/, hidden staging and trash folders included.
    func modelsFolderContents() -> [String] {
        let root = ws.root.appendingPathComponent("models")
        return ((try? FileManager.default.subpathsOfDirectory(atPath: root.path)) ?? []).sorted()
    }

    func rowCounts() throws -> (models: Int, versions: Int) {
        try ws.store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM model") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM modelVersion") ?? -1)
        }
    }
}

/// Every regular file under `root`, by relative path, with its bytes.
func fileContents(under root: URL) -> [String: Data] {
    var out: [String: Data] = [:]
    let fm = FileManager.default
    for relative in (try? fm.subpathsOfDirectory(atPath: root.path)) ?? [] {
        let url = root.appendingPathComponent(relative)
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue {
            out[relative] = fm.contents(atPath: url.path)
        }
    }
    return out
}

struct InjectedFailure: Error {}

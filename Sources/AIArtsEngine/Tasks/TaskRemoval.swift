import Foundation
import GRDB

/// What `deleteTask` removed (or, refused, would have): for `aiarts task rm` to list.
public struct TaskRemoval: Codable, Equatable, Sendable {
    public var id: String
    public var folder: String
    /// Checkpoints in the folder, as paths relative to it (checkpoints/epoch_3, checkpoints.1/epoch_1 ...).
    public var checkpoints: [String]
    /// Exported models (export/epoch_N ...), relative to the folder.
    public var exports: [String]
    /// Bytes of the folder.
    public var bytes: Int64
    /// Registered model versions made from the task ("M0002 v1"): the registry holds its own
    /// copy of the files, so they are kept and only their source names a task that is gone.
    public var keptModels: [String]
    /// Whether the task was stopped first (`--force`).
    public var stopped: Bool
}

extension Workspace {
    /// Deletes a task: its row and its folder. A task that may have a process (starting, running,
    /// stopping, waiting for a GPU) is refused unless `force`, which stops it first (SIGTERM, then
    /// SIGKILL after `grace`). Refused, whatever `force` says, while another task that may still
    /// start reads its weights (`--from`): deleting them would break that task's start.
    @discardableResult
    public func deleteTask(_ id: String, force: Bool = false, grace: Duration = .seconds(10)) throws -> TaskRemoval {
        try requireWritable("deleting \(id) removes its folder and record")
        try refreshTasks()
        var record = try task(id)
        let folder = taskFolder(id)
        let dependants = try tasks().filter { other in
            guard other.id != id, let status = other.taskStatus, [.created, .waitingGPU, .starting, .failed, .stopped].contains(status),
                  let pretrained = TaskParams.decode(other.params)["pretrained"] else { return false }
            return pretrained.hasPrefix(folder.path + "/")
        }
        if !dependants.isEmpty {
            throw AIArtsError(.conflict, "\(dependants.map { "\($0.id) (\($0.status))" }.joined(separator: ", ")) start from \(id)'s weights; delete \(dependants.count == 1 ? "it" : "them") first (`aiarts task rm`), or keep \(id)")
        }
        var stopped = false
        switch record.taskStatus {
        case .starting?:
            throw AIArtsError(.conflict, "\(id) is being started; delete it again in a moment")
        case .running?, .paused?, .stopping?, .waitingGPU?, .pending?:
            guard force else {
                throw AIArtsError(.conflict, "\(id) is \(record.status); pass --force to stop it and delete it")
            }
            record = try stopTask(id, grace: grace)
            stopped = true
        default: break
        }
        let removal = TaskRemoval(id: id, folder: folder.path, checkpoints: Self.checkpointNames(in: folder),
                                  exports: Self.children(of: folder.appendingPathComponent("export")).map { "export/" + $0 },
                                  bytes: FileSystem.treeSize(folder), keptModels: try store.pool.read { db in
                                      try Row.fetchAll(db, sql: "SELECT modelId, version FROM modelVersion WHERE sourceTaskId = ? ORDER BY modelId, version",
                                                       arguments: [id]).map { "\($0["modelId"] as String) v\($0["version"] as Int)" }
                                  }, stopped: stopped)
        // The folder is moved aside inside the transaction that deletes the row, so a crash leaves
        // either both or a hidden leftover that no listing shows, never a row without its folder.
        let trash = tasksFolder.appendingPathComponent(".deleting-\(id)-\(UUID().uuidString)")
        var moved = false
        try store.pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard let current = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
                guard current.taskStatus?.hasProcess != true, current.taskStatus != .starting, current.taskStatus != .waitingGPU else {
                    throw AIArtsError(.conflict, "\(id) was started again meanwhile (\(current.status)); nothing was deleted")
                }
                try current.delete(db)
                if FileManager.default.fileExists(atPath: folder.path) {
                    guard rename(folder.path, trash.path) == 0 else {
                        throw AIArtsError(.io, "cannot delete \(folder.path): \(String(cString: strerror(errno)))")
                    }
                    moved = true
                }
                return .commit
            }
        }
        if moved { try? FileManager.default.removeItem(at: trash) }
        return removal
    }

    /// checkpoints/NAME and each earlier run's checkpoints.K/NAME, relative to the task folder.
    static func checkpointNames(in folder: URL) -> [String] {
        let runs = children(of: folder).filter { $0 == "checkpoints" || ($0.hasPrefix("checkpoints.") && Int($0.dropFirst("checkpoints.".count)) != nil) }
        return runs.flatMap { run in children(of: folder.appendingPathComponent(run)).filter { !$0.hasPrefix(".") }.map { "\(run)/\($0)" } }
    }

    static func children(of folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted {
            $0.compare($1, options: .numeric) == .orderedAscending
        }
    }
}

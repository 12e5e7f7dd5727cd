import Foundation
import GRDB

extension Workspace {
    /// Creates a project of a dataset type, optionally bound to a dataset of the same type.
    @discardableResult
    public func createProject(name: String, type: DatasetType, datasetID: String? = nil, description: String = "") throws -> ProjectRecord {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AIArtsError(.invalidArgument, "a project needs a name") }
        return try store.pool.write { db in
            if let datasetID {
                guard let dataset = try DatasetRecord.fetchOne(db, key: datasetID) else { throw AIArtsError.notFound(datasetID) }
                guard dataset.type == type else {
                    throw AIArtsError(.invalidArgument, "\(datasetID) is a \(dataset.type.rawValue) dataset; a \(type.rawValue) project needs a \(type.rawValue) dataset")
                }
            }
            let record = ProjectRecord(id: try db.nextID(.project), name: trimmed, description: description, type: type,
                                       datasetId: datasetID, status: "created", statusMessage: "", createdAt: Date())
            try record.insert(db)
            return record
        }
    }

    public func projects() throws -> [ProjectRecord] {
        try store.pool.read { try ProjectRecord.order(Column("id")).fetchAll($0) }
    }

    public func project(_ id: String) throws -> ProjectRecord {
        guard let record = try store.pool.read({ try ProjectRecord.fetchOne($0, key: id) }) else {
            throw AIArtsError.notFoundTask(id)
        }
        return record
    }

    /// A project with its task count, as `project list/show --json` prints it.
    public func projectInfo(_ record: ProjectRecord) throws -> ProjectInfo {
        let count = try store.pool.read { try TaskRecord.filter(Column("projectId") == record.id).fetchCount($0) }
        return ProjectInfo(id: record.id, name: record.name, description: record.description, type: record.type.rawValue,
                           dataset: record.datasetId, tasks: count, createdAt: record.createdAt.timeIntervalSince1970)
    }

    /// Binds a project to another dataset of its type. Refused while a task of the project may
    /// have a process (starting, running, stopping, waiting for a GPU). Tasks that have run keep
    /// the dataset they ran on (`dataset_id`, recorded when a task is created): their checkpoints,
    /// resume, eval and export need it. Tasks never run take the new one.
    @discardableResult
    public func setProjectDataset(_ id: String, datasetID: String) throws -> ProjectRecord {
        try requireWritable("changing \(id)'s dataset")
        try refreshTasks()
        return try store.pool.write { db in
            guard var project = try ProjectRecord.fetchOne(db, key: id) else { throw AIArtsError(.notFound, "\(id) does not exist in this workspace (see `aiarts project list`)") }
            guard let dataset = try DatasetRecord.fetchOne(db, key: datasetID) else { throw AIArtsError.notFound(datasetID) }
            guard dataset.type == project.type else {
                throw AIArtsError(.invalidArgument, "\(datasetID) is a \(dataset.type.rawValue) dataset; \(id) is a \(project.type.rawValue) project and needs a \(project.type.rawValue) dataset")
            }
            let tasks = try TaskRecord.filter(Column("projectId") == id).fetchAll(db)
            let active = tasks.filter { [.starting, .running, .paused, .stopping, .waitingGPU].contains($0.taskStatus) }
            guard active.isEmpty else {
                throw AIArtsError(.conflict, "\(active.map { "\($0.id) (\($0.status))" }.joined(separator: ", ")) of \(id) \(active.count == 1 ? "is" : "are") running; stop \(active.count == 1 ? "it" : "them") or let \(active.count == 1 ? "it" : "them") end before changing the dataset")
            }
            project.datasetId = datasetID
            try project.update(db)
            for var task in tasks where task.startedAt == nil && [.created, .failed, .stopped].contains(task.taskStatus) {
                var params = TaskParams.decode(task.params)
                params["dataset_id"] = datasetID
                task.params = try TaskParams.encode(params)
                try task.update(db)
            }
            return project
        }
    }

    /// What deleting a project removes: its tasks and their folders (checkpoints, exports, logs).
    public func projectContents(_ id: String) throws -> ProjectDeletion {
        _ = try project(id)
        let fm = FileManager.default
        var deletion = ProjectDeletion(project: id)
        for task in try tasks(projectID: id) {
            deletion.tasks.append(task.id)
            let folder = taskFolder(task.id)
            deletion.checkpoints += ((try? fm.contentsOfDirectory(atPath: folder.appendingPathComponent("checkpoints").path)) ?? []).count
            deletion.exports += ((try? fm.contentsOfDirectory(atPath: folder.appendingPathComponent("export").path)) ?? []).count
            deletion.bytes += FileSystem.treeSize(folder)
        }
        return deletion
    }

    /// Deletes a project and its tasks with their folders. A project with tasks is deleted only with
    /// `force` (the refusal lists what would go); running tasks are then stopped first (SIGTERM,
    /// SIGKILL after `grace`). Returns what was deleted.
    @discardableResult
    public func deleteProject(_ id: String, force: Bool, grace: Duration = .seconds(10)) throws -> ProjectDeletion {
        try refreshTasks()
        let contents = try projectContents(id)
        if !contents.tasks.isEmpty && !force {
            throw AIArtsError(.conflict, "\(id) has \(contents.summary); `aiarts project rm \(id) --force` deletes them (running tasks are stopped first)")
        }
        for task in try tasks(projectID: id) {
            switch task.taskStatus {
            case .running?, .paused?, .stopping?, .waitingGPU?, .pending?: try stopTask(task.id, grace: grace)
            case .starting?: throw AIArtsError(.conflict, "\(task.id) is being started; delete the project again in a moment")
            // An ended task's processes may still run (docs/runner.md): not into a deleted folder.
            default: terminateTaskProcesses(task.id, grace: grace)
            }
        }
        let ids = try store.pool.write { db -> [String] in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM task WHERE projectId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM task WHERE projectId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM project WHERE id = ?", arguments: [id])
            return ids
        }
        for task in ids { try? FileManager.default.removeItem(at: taskFolder(task)) }
        return contents
    }
}

/// What `project rm` deletes (or, refused, would delete).
public struct ProjectDeletion: Codable, Equatable, Sendable {
    public var project: String
    public var tasks: [String] = []
    /// Checkpoint folders and exports in those tasks' folders.
    public var checkpoints = 0
    public var exports = 0
    /// Bytes in the tasks' folders.
    public var bytes: Int64 = 0

    public var summary: String {
        guard !tasks.isEmpty else { return "no tasks" }
        let shown = tasks.prefix(8).joined(separator: ", ") + (tasks.count > 8 ? ", …" : "")
        return "\(tasks.count) task\(tasks.count == 1 ? "" : "s") (\(shown)) with \(checkpoints) checkpoint\(checkpoints == 1 ? "" : "s") and \(exports) export\(exports == 1 ? "" : "s")"
            + (bytes > 0 ? ", \(ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file))" : "")
    }
}

/// A project as the CLI prints it (`dataset` is the bound dataset's id).
public struct ProjectInfo: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var type: String
    public var dataset: String?
    public var tasks: Int
    public var createdAt: Double

    enum CodingKeys: String, CodingKey {
        case id, name, description, type, dataset, tasks, createdAt = "created_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(type, forKey: .type)
        try c.encode(dataset, forKey: .dataset)  // null when unbound, not absent
        try c.encode(tasks, forKey: .tasks)
        try c.encode(Date(timeIntervalSince1970: createdAt), forKey: .createdAt)
    }
}

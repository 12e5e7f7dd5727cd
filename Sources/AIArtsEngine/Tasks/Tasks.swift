import Foundation
import GRDB

/// Training tasks: create, parameters, list (docs/tasks.md). Starting, stopping and reconciling
/// with the process table are in TaskLifecycle.swift.
extension Workspace {
    var tasksFolder: URL { root.appendingPathComponent("tasks") }

    /// The folder of a task's files: params.json, command.txt, train.log, metrics.jsonl ...
    public func taskFolder(_ id: String) -> URL { tasksFolder.appendingPathComponent(id) }

    /// Creates a task in a project, in state `created`. `params` overrides the trainer's defaults; each value
    /// is checked now so a typo is refused before anything runs.
    @discardableResult
    public func createTask(projectID: String, name: String? = nil, trainer: TaskTrainer = .aiartsTrain,
                           params: [String: String] = [:], description: String = "", parentID: String? = nil) throws -> TaskRecord {
        let owner = try project(projectID)
        let type = owner.type
        // A trainer that cannot train this project is refused now, not minutes later at start.
        switch trainer {
        case .aiartsTrain where type != .classification:
            throw AIArtsError(.invalidArgument, "the built-in trainer trains classification only; \(projectID) is a \(type.rawValue) project: use --trainer torch (or command)")
        case .torch where TorchTrainer.models(for: type).isEmpty:
            throw AIArtsError(.invalidArgument, "the torch trainer has no model for \(type.rawValue); use --trainer command")
        case .aiartsTrain, .torch:
            guard owner.datasetId != nil else {
                throw AIArtsError(.invalidArgument, "\(projectID) has no dataset, and the \(trainer == .torch ? "torch" : "built-in") trainer needs one: `aiarts project set \(projectID) --dataset D0001`")
            }
        case .command: break
        }
        var merged = TaskParams.defaults(for: trainer, type: type)
        for (key, value) in params.sorted(by: { $0.key < $1.key }) {
            try TaskParams.validate(key, value, trainer: trainer, type: type)
            merged[key] = value
        }
        if let dataset = owner.datasetId { merged["dataset_id"] = dataset }
        let encoded = try TaskParams.encode(merged)
        return try store.pool.write { db in
            let id = try db.nextID(.task)
            let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let record = TaskRecord(
                id: id, projectId: projectID, name: trimmed.isEmpty ? id : trimmed, description: description,
                status: TaskStatus.created.rawValue, statusMessage: "not started", createdAt: Date(),
                trainer: trainer.rawValue, params: encoded, parentId: parentID, pid: nil, startTime: nil,
                exitCode: nil, exitSignal: nil, stopRequested: false, startedAt: nil, finishedAt: nil, launchedAt: nil)
            try record.insert(db)
            return record
        }
    }

    /// A task derived from another (PaddleX's derived tasks): same project and trainer, the parent's
    /// parameters with `params` laid over them, starting from the weights the parent saved at
    /// `epoch` (default: its best) as `pretrained` (torch: `--pretrained`; a command: `{pretrained}`).
    /// The parent is recorded as `parent`. aiarts-train gets `--init-from` (the weights, a fresh
    /// optimizer, epoch 1). A parent still running is refused: the checkpoint named now could be
    /// pruned (`keep_checkpoints`) before the run ends.
    @discardableResult
    public func createDerivedTask(from parentID: String, epoch: Int? = nil, name: String? = nil,
                                  params overrides: [String: String] = [:], description: String? = nil) throws -> TaskRecord {
        let parent = try task(parentID)
        guard let trainer = TaskTrainer(rawValue: parent.trainer) else {
            throw AIArtsError(.badInput, "\(parentID) has an unknown trainer '\(parent.trainer)'")
        }
        if let status = parent.taskStatus, status.hasProcess || status == .starting {
            throw AIArtsError(.conflict, "\(parentID) is \(parent.status); derive from it once it has ended (its older checkpoints may be pruned until then)")
        }
        let checkpoint = try taskCheckpoint(parentID, epoch: epoch)
        var weights = checkpoint.url
        if trainer == .torch, FileManager.default.isDirectory(weights) { weights = weights.appendingPathComponent("model.pt") }
        let parentParams = TaskParams.decode(parent.params)
        var params = parentParams
        for key in TaskParams.engineKeys { params[key] = nil }
        // A parent whose batch_size=auto was resolved at start asks again for auto (and its
        // unscaled learning rate); an explicit batch_size is kept.
        if trainer == .torch, parentParams["asked_batch_size"] == "auto" {
            if overrides["batch_size"] == nil { params["batch_size"] = "auto" }
            if overrides["learning_rate"] == nil, let asked = parentParams["asked_learning_rate"] {
                params["learning_rate"] = asked.isEmpty ? nil : asked
            }
        }
        params["pretrained"] = weights.path
        params.merge(overrides) { $1 }
        let label = checkpoint.epoch.map { " from \(parentID) epoch \($0)" } ?? " from \(parentID)"
        return try createTask(projectID: parent.projectId, name: name ?? (parent.name + label), trainer: trainer, params: params,
                              description: description ?? ("derived" + label), parentID: parentID)
    }

    /// The task as stored now, without reconciling it with the process table (see `refreshTasks`).
    public func task(_ id: String) throws -> TaskRecord {
        guard let record = try store.pool.read({ try TaskRecord.fetchOne($0, key: id) }) else {
            throw AIArtsError.notFoundTask(id)
        }
        return record
    }

    /// Tasks, oldest first; of one project when `projectID` is given.
    public func tasks(projectID: String? = nil) throws -> [TaskRecord] {
        try store.pool.read { db in
            var request = TaskRecord.order(Column("id"))
            if let projectID { request = request.filter(Column("projectId") == projectID) }
            return try request.fetchAll(db)
        }
    }

    public func taskDetail(_ id: String) throws -> TaskDetail {
        taskDetail(try task(id))
    }

    /// The detail of a record in hand (a list of tasks: no read per task).
    public func taskDetail(_ record: TaskRecord) -> TaskDetail {
        TaskDetail(task: record, params: TaskParams.decode(record.params), folder: taskFolder(record.id).path)
    }

    /// The dataset a task trains on: the one recorded when it was created, else (a task from
    /// before that was recorded, or a command task made while the project had none) the project's.
    public func taskDatasetID(_ record: TaskRecord) throws -> String? {
        if let recorded = TaskParams.decode(record.params)["dataset_id"], !recorded.isEmpty { return recorded }
        return try project(record.projectId).datasetId
    }

    public func taskParams(_ id: String) throws -> [String: String] {
        TaskParams.decode(try task(id).params)
    }

    /// Sets one parameter. Refused once the task has been started: what ran must stay what the
    /// record says (params.json and command.txt are written at start).
    public func setTaskParam(_ id: String, key: String, value: String) throws {
        try setTaskParams(id, [key: value])
    }

    /// Sets several parameters at once: all of them, or none when one is refused.
    public func setTaskParams(_ id: String, _ values: [String: String]) throws {
        try store.pool.write { db in
            guard var record = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
            // Never run: created, or failed/stopped before anything was launched (startedAt is
            // cleared when a start fails, so what a run used stays what its record says).
            let neverRan = [TaskStatus.created, .failed, .stopped].map(\.rawValue).contains(record.status) && record.startedAt == nil
            guard neverRan else {
                throw AIArtsError(.conflict, "\(id) has already been started (\(record.status)); its parameters are what it ran with. Create a new task to change them")
            }
            guard let trainer = TaskTrainer(rawValue: record.trainer) else {
                throw AIArtsError(.badInput, "\(id) has an unknown trainer '\(record.trainer)'")
            }
            let type = try ProjectRecord.fetchOne(db, key: record.projectId)?.type
            var params = TaskParams.decode(record.params)
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                try TaskParams.validate(key, value, trainer: trainer, type: type)
                params[key] = value
            }
            record.params = try TaskParams.encode(params)
            try record.update(db)
        }
    }
}

extension AIArtsError {
    static func notFoundTask(_ id: String) -> AIArtsError {
        let list = id.hasPrefix("P") ? "aiarts project list" : "aiarts task list"
        return .init(.notFound, "\(id) does not exist in this workspace (see `\(list)`)")
    }
}

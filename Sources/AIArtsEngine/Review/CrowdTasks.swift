import Foundation
import GRDB

/// What a crowd task asks of the people who apply (the crowd annotation API, docs/api.md).
public enum CrowdTaskType: Int, Codable, Sendable, CaseIterable {
    /// Annotate the pictures of a batch handed out from the task's dataset.
    case annotation = 0
    /// Upload pictures into the task's dataset.
    case collection = 1
}

/// A crowd task: an annotation task (`annotationTask`) with the crowd API's integer id, its type
/// and the user who created it. Collection tasks use the same task and batch records: applying opens
/// an empty batch, and committing pictures fills and commits it.
public struct CrowdTask: Equatable, Sendable {
    public var id: Int64
    public var type: CrowdTaskType
    public var creator: String
    public var task: AnnotationTaskRecord
}

struct CrowdTaskRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "crowdTask"
    var id: Int64?
    var taskId: String
    var type: Int
    var creator: String

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A picture a collection commit added to its task's dataset.
public struct CollectedPicture: Equatable, Sendable {
    public var sampleId: Int64
    /// Relative to the dataset's folder.
    public var path: String
}

/// The changes `updateCrowdTask` makes; nil fields stay as they are.
public struct CrowdTaskUpdate: Sendable {
    public var name: String?
    public var description: String?
    public var size: Int?
    public var startAt: Date?
    public var deadline: Date?

    public init(name: String? = nil, description: String? = nil, size: Int? = nil, startAt: Date? = nil, deadline: Date? = nil) {
        self.name = name; self.description = description; self.size = size; self.startAt = startAt; self.deadline = deadline
    }
}

extension Workspace {
    /// The most pictures one collection commit may add.
    public static let maxCollectedPicturesPerCommit = 1000

    /// Creates a crowd task over a dataset. An annotation task needs a formatter and a dataset with
    /// data (`createAnnotationTask`'s rules); a collection task takes an empty dataset as well, and no formatter.
    public func createCrowdTask(type: CrowdTaskType, creator: String, datasetId: String, name: String, description: String = "",
                                formatter: AnnotationFormatter?, size: Int, startAt: Date = Date(), deadline: Date? = nil) throws -> CrowdTask {
        try Self.checkUser(creator)
        switch type {
        case .annotation:
            guard let formatter else {
                throw AIArtsError(.invalidArgument, "an annotation task needs a formatter: the tags annotators assign, e.g. {\"tags\": [{\"name\": \"cat\"}]}")
            }
            let task = try createAnnotationTask(datasetId: datasetId, name: name, description: description, formatter: formatter,
                                                size: size, startAt: startAt, deadline: deadline)
            do {
                return try store.pool.write { db in
                    var row = CrowdTaskRow(id: nil, taskId: task.id, type: type.rawValue, creator: creator)
                    try row.insert(db)
                    return CrowdTask(id: row.id ?? 0, type: type, creator: creator, task: task)
                }
            } catch {
                try? deleteAnnotationTask(task.id)
                throw error
            }
        case .collection:
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw AIArtsError(.invalidArgument, "a collection task needs a name") }
            try AnnotationFormatter.checkText(trimmed, what: "the task name", allowNewlines: false)
            try AnnotationFormatter.checkText(description, what: "the description", allowNewlines: true)
            try formatter?.validate()
            try Self.checkCrowdSize(size)
            if let deadline, deadline <= startAt {
                throw AIArtsError(.invalidArgument, "the deadline (\(Self.iso(deadline))) must come after the start (\(Self.iso(startAt)))")
            }
            let noTags = try JSONDecoder().decode(AnnotationFormatter.self, from: Data("[]".utf8))
            return try store.pool.write { db in
                guard let dataset = try DatasetRecord.fetchOne(db, key: datasetId) else { throw AIArtsError.notFound(datasetId) }
                guard !dataset.inPlace else {
                    throw AIArtsError(.conflict, "\(datasetId) is registered in place (its files are not the workspace's to add to); collect into a dataset imported with copies, or a new empty one")
                }
                let record = AnnotationTaskRecord(
                    id: try db.nextID(.annotationTask), datasetId: datasetId, name: trimmed, description: description,
                    formatter: formatter ?? noTags, size: size, label: nil, split: nil, startAt: startAt, deadline: deadline, createdAt: Date())
                try record.insert(db)
                var row = CrowdTaskRow(id: nil, taskId: record.id, type: type.rawValue, creator: creator)
                try row.insert(db)
                let stored = try AnnotationTaskRecord.fetchOne(db, key: record.id) ?? record
                return CrowdTask(id: row.id ?? 0, type: type, creator: creator, task: stored)
            }
        }
    }

    /// Crowd tasks by id, oldest first: `limit` of them after skipping `offset`.
    public func crowdTasks(offset: Int = 0, limit: Int = 100) throws -> [CrowdTask] {
        guard offset >= 0, limit >= 1 else { throw AIArtsError(.invalidArgument, "the page must start at 0 or later and hold at least one task") }
        return try store.pool.read { db in
            try CrowdTaskRow.order(Column("id")).limit(limit, offset: offset).fetchAll(db).map { try Self.crowdTask($0, db) }
        }
    }

    public func crowdTask(_ id: Int64) throws -> CrowdTask {
        try store.pool.read { db in try Self.crowdTask(Self.crowdTaskRow(id, db), db) }
    }

    /// The crowd ids of annotation tasks (A0001 → 1), for those that have one.
    public func crowdTaskIDs() throws -> [String: Int64] {
        try store.pool.read { db in
            Dictionary(try CrowdTaskRow.fetchAll(db).map { ($0.taskId, $0.id ?? 0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Changes the name, description, batch size, start or deadline; checked as on creation.
    public func updateCrowdTask(_ id: Int64, _ update: CrowdTaskUpdate) throws -> CrowdTask {
        if let name = update.name {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw AIArtsError(.invalidArgument, "a task needs a name") }
            try AnnotationFormatter.checkText(trimmed, what: "the task name", allowNewlines: false)
        }
        if let description = update.description { try AnnotationFormatter.checkText(description, what: "the description", allowNewlines: true) }
        if let size = update.size { try Self.checkCrowdSize(size) }
        return try store.pool.write { db in
            let row = try Self.crowdTaskRow(id, db)
            var task = try Self.annotationTaskRecord(row.taskId, db)
            if let name = update.name { task.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let description = update.description { task.description = description }
            if let size = update.size { task.size = size }
            if let startAt = update.startAt { task.startAt = startAt }
            if let deadline = update.deadline { task.deadline = deadline }
            if let deadline = task.deadline, deadline <= task.startAt {
                throw AIArtsError(.invalidArgument, "the deadline (\(Self.iso(deadline))) must come after the start (\(Self.iso(task.startAt)))")
            }
            try task.update(db)
            return try Self.crowdTask(row, db)
        }
    }

    /// Up to `limit` samples of a task, for previews: those of its scope for an annotation task,
    /// those collected so far for a collection task.
    public func crowdTaskPictures(_ id: Int64, limit: Int = 10) throws -> [AnnotationBatch.Sample] {
        try store.pool.read { db in
            let row = try Self.crowdTaskRow(id, db)
            let task = try Self.annotationTaskRecord(row.taskId, db)
            if row.type == CrowdTaskType.collection.rawValue {
                return try Row.fetchAll(db, sql: """
                    SELECT s.id, s.path FROM annotationBatchSample bs JOIN sample s ON s.id = bs.sampleId
                    WHERE bs.taskId = ? ORDER BY s.id LIMIT ?
                    """, arguments: [task.id, limit]).map { AnnotationBatch.Sample(id: $0["id"], path: $0["path"]) }
            }
            let scope = Self.scope(of: task)
            return try Row.fetchAll(db, sql: "SELECT s.id, s.path FROM sample s WHERE \(scope.sql) ORDER BY s.id LIMIT ?",
                                    arguments: StatementArguments(scope.arguments + [limit]))
                .map { AnnotationBatch.Sample(id: $0["id"], path: $0["path"]) }
        }
    }

    /// The file of a picture of a task: a sample of its scope (annotation) or one it collected
    /// (collection), resolved under the dataset's folder (never outside it).
    public func crowdPictureFile(task id: Int64, sampleId: Int64) throws -> URL {
        let (path, folder): (String, String?) = try store.pool.read { db in
            let row = try Self.crowdTaskRow(id, db)
            let task = try Self.annotationTaskRecord(row.taskId, db)
            let scope = Self.scope(of: task)
            let inTask: Bool
            if row.type == CrowdTaskType.collection.rawValue {
                inTask = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM annotationBatchSample WHERE taskId = ? AND sampleId = ?)",
                                           arguments: [task.id, sampleId]) ?? false
            } else {
                inTask = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sample s WHERE \(scope.sql) AND s.id = ?)",
                                           arguments: StatementArguments(scope.arguments + [sampleId])) ?? false
            }
            guard inTask, let path = try String.fetchOne(db, sql: "SELECT path FROM sample WHERE id = ?", arguments: [sampleId]) else {
                throw AIArtsError(.notFound, "task \(id) has no picture \(sampleId)")
            }
            let folder = try String.fetchOne(db, sql: "SELECT folder FROM dataset WHERE id = ?", arguments: [task.datasetId])
            return (path, folder)
        }
        guard let folder else { throw AIArtsError(.notFound, "task \(id) has no picture \(sampleId)") }
        let root = resolveFolder(folder)
        do {
            let resolved = try SafePath.resolve(path, under: root, literal: true)
            guard FileManager.default.fileExists(atPath: resolved.url.path) else {
                throw AIArtsError(.notFound, "the file of picture \(sampleId) is missing from the dataset folder")
            }
            return resolved.url
        } catch let escape as SafePath.Escape {
            throw AIArtsError(.notFound, "picture \(sampleId) is not inside its dataset folder (\(escape.reason))")
        }
    }

    /// Opens an empty batch of a collection task for `user`, under the apply rules (the start, the
    /// deadline, one open batch per user per task). The pictures come with `commitCollectedPictures`.
    public func applyCollectionBatch(task id: Int64, user: String, now: Date = Date()) throws -> AnnotationBatchRecord {
        try Self.checkUser(user)
        return try immediateWrite { db in
            let row = try Self.crowdTaskRow(id, db)
            guard row.type == CrowdTaskType.collection.rawValue else {
                throw AIArtsError(.invalidArgument, "task \(id) is an annotation task; apply for a batch of its pictures instead")
            }
            let task = try Self.annotationTaskRecord(row.taskId, db)
            try Self.checkOpenForApply(task, now: now)
            if let open = try Self.openBatchRecord(taskId: task.id, user: user, db) {
                throw AIArtsError(.conflict, "you have an unfinished batch \(open.id ?? 0) of task \(id); commit it first")
            }
            var batch = AnnotationBatchRecord(id: nil, taskId: task.id, user: user, status: .open, createdAt: now, committedAt: nil)
            try batch.insert(db)
            return try AnnotationBatchRecord.fetchOne(db, key: batch.id) ?? batch
        }
    }

    /// Commits an open collection batch of `user` with pictures: every file is decoded as an import
    /// checks images (a truncated, corrupt or unknown file refuses the whole commit), then the files
    /// move into the dataset's folder (`collected/b<batch>/`) and become samples, in one transaction:
    /// all or nothing. `files` are (file, the client's name); the files are moved, not copied.
    public func commitCollectedPictures(batch batchId: Int64, user: String, files: [(url: URL, name: String)],
                                        now: Date = Date()) throws -> [CollectedPicture] {
        guard !files.isEmpty else { throw AIArtsError(.invalidArgument, "a collection commit needs at least one picture") }
        guard files.count <= Self.maxCollectedPicturesPerCommit else {
            throw AIArtsError(.invalidArgument, "a collection commit takes at most \(Self.maxCollectedPicturesPerCommit) pictures; got \(files.count)")
        }
        // Names first: each picture keeps its last path component, made unique within the commit.
        var names: [String] = []
        for (i, file) in files.enumerated() {
            let base = (file.name as NSString).lastPathComponent
            guard FormatListFiles.isImage(base) else {
                throw AIArtsError(.badInput, "\(base.isEmpty ? "picture \(i + 1)" : base) is not an image name (.jpg, .png, .bmp, .webp, .tif or .gif); nothing was added")
            }
            let name: String
            do { name = try SafePath.normalize(base, literal: true) } catch {
                throw AIArtsError(.badInput, "picture \(i + 1) has no usable name (\(error.reason)); nothing was added")
            }
            names.append(String(format: "%03d-", i + 1) + name)
        }
        // Decoded outside the write lock: every file, fully, as an import does by default.
        var sizes: [ImageSize] = []
        for (i, file) in files.enumerated() {
            do {
                sizes.append(try ImageProbe.probe(file.url, verification: .full).display)
            } catch {
                throw AIArtsError(.badInput, "\(names[i].dropFirst(4)) is not a readable image (\(error)); nothing was added")
            }
        }
        let fm = FileManager.default
        return try immediateWrite { db in
            guard let batch = try AnnotationBatchRecord.fetchOne(db, key: batchId) else {
                throw AIArtsError(.notFound, "there is no commit \(batchId)")
            }
            guard batch.user == user else { throw AIArtsError(.notFound, "commit \(batchId) is not one of \(user)'s") }
            guard batch.status == .open else { throw AIArtsError(.conflict, "commit \(batchId) is already committed; apply for a new one") }
            guard let row = try CrowdTaskRow.filter(Column("taskId") == batch.taskId).fetchOne(db),
                  row.type == CrowdTaskType.collection.rawValue else {
                throw AIArtsError(.invalidArgument, "commit \(batchId) belongs to an annotation task; send its results, not pictures")
            }
            let task = try Self.annotationTaskRecord(batch.taskId, db)
            guard files.count <= task.size else {
                throw AIArtsError(.invalidArgument, "task \(row.id ?? 0) collects \(task.size) pictures per commit; got \(files.count)")
            }
            guard let dataset = try DatasetRecord.fetchOne(db, key: task.datasetId) else { throw AIArtsError.notFound(task.datasetId) }
            guard !dataset.inPlace else {
                throw AIArtsError(.conflict, "\(dataset.id) is registered in place; pictures cannot be added to it")
            }
            guard !Self.importingStatuses.contains(dataset.status) else {
                throw AIArtsError(.conflict, "an import into \(dataset.id) is running; commit the pictures once it is done (its files are being replaced)")
            }
            let storedFolder = dataset.folder ?? "datasets/\(dataset.id)"
            let root = resolveFolder(storedFolder)
            let relativeFolder = "collected/b\(batchId)"
            let target = root.appendingPathComponent(relativeFolder)
            guard !fm.fileExists(atPath: target.path) else {
                throw AIArtsError(.conflict, "\(target.path) already exists; commit \(batchId) cannot add pictures there")
            }
            var pictures: [CollectedPicture] = []
            let insertLink = try db.makeStatement(sql: "INSERT INTO annotationBatchSample(batchId, taskId, sampleId, position) VALUES (?, ?, ?, ?)")
            for (i, name) in names.enumerated() {
                let path = "\(relativeFolder)/\(name)"
                var sample = SampleRecord(id: nil, datasetId: dataset.id, path: path, width: sizes[i].width, height: sizes[i].height,
                                          split: nil, maskPath: nil)
                try sample.insert(db)
                try insertLink.execute(arguments: [batchId, task.id, sample.id, i])
                pictures.append(CollectedPicture(sampleId: sample.id ?? 0, path: path))
            }
            var committed = batch
            committed.status = .committed
            committed.committedAt = now
            try committed.update(db)
            if dataset.folder == nil {
                try db.execute(sql: "UPDATE dataset SET folder = ?, status = ?, statusMessage = ?, progress = 1 WHERE id = ?",
                               arguments: [storedFolder, DatasetStatus.copied.rawValue, "collected pictures (crowd task \(row.id ?? 0))", dataset.id])
            }
            // Files move last, inside the transaction: if a move fails, the records roll back with it.
            do {
                try fm.createDirectory(at: target, withIntermediateDirectories: true)
                for (i, file) in files.enumerated() {
                    try fm.moveItem(at: file.url, to: target.appendingPathComponent(names[i]))
                }
            } catch {
                for (i, file) in files.enumerated() {
                    try? fm.moveItem(at: target.appendingPathComponent(names[i]), to: file.url)
                }
                try? fm.removeItem(at: target)
                throw AIArtsError(.io, "cannot move the pictures into \(target.path): \(error.localizedDescription); nothing was added")
            }
            return pictures
        }
    }

    /// Commits `user`'s open batch of an annotation task with what they sent for each picture
    /// (`results`: sample id → annotation text, stored as sent). Pictures of the batch without a
    /// result go back to the pool, for the next to apply; a result for a picture not in the batch
    /// refuses the commit.
    public func commitCrowdAnnotations(batch batchId: Int64, user: String, results: [Int64: String], now: Date = Date()) throws -> AnnotationCommit {
        for text in results.values where text.utf8.count > 1 << 20 {
            throw AIArtsError(.invalidArgument, "an annotation_json is larger than 1 MiB; \(text.utf8.count) bytes")
        }
        return try immediateWrite { db in
            guard var batch = try AnnotationBatchRecord.fetchOne(db, key: batchId) else {
                throw AIArtsError(.notFound, "there is no commit \(batchId)")
            }
            guard batch.user == user else { throw AIArtsError(.notFound, "commit \(batchId) is not one of \(user)'s") }
            guard batch.status == .open else { throw AIArtsError(.conflict, "commit \(batchId) is already committed; apply for a new one") }
            if let row = try CrowdTaskRow.filter(Column("taskId") == batch.taskId).fetchOne(db), row.type == CrowdTaskType.collection.rawValue {
                throw AIArtsError(.invalidArgument, "commit \(batchId) belongs to a collection task; upload its pictures instead")
            }
            let inBatch = Set(try Int64.fetchAll(db, sql: "SELECT sampleId FROM annotationBatchSample WHERE batchId = ?", arguments: [batchId]))
            if let stray = results.keys.sorted().first(where: { !inBatch.contains($0) }) {
                throw AIArtsError(.invalidArgument, "picture \(stray) is not in commit \(batchId); send results only for the pictures apply handed out")
            }
            let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO crowdResult(batchId, sampleId, annotation) VALUES (?, ?, ?)")
            for (sampleId, text) in results { try insert.execute(arguments: [batchId, sampleId, text]) }
            return try Self.commitBatch(&batch, returning: inBatch.subtracting(results.keys), at: now, db)
        }
    }

    /// Committed batches of crowd tasks, newest first, of one user and/or one crowd task when given:
    /// `limit` of them after `offset`, with the total over all pages and each commit's crowd task id.
    public func crowdCommits(user: String? = nil, task: Int64? = nil, offset: Int = 0, limit: Int = 10) throws
        -> (total: Int, items: [(commit: AnnotationCommit, task: Int64)]) {
        guard offset >= 0, limit >= 1, limit <= 1000 else {
            throw AIArtsError(.invalidArgument, "the page must start at 0 or later and hold 1 to 1000 commits")
        }
        return try store.pool.read { db in
            var conditions = ["b.taskId IN (SELECT taskId FROM crowdTask)"]
            var arguments: [any DatabaseValueConvertible] = []
            if let user { conditions.append("b.user = ?"); arguments.append(user) }
            if let task {
                conditions.append("b.taskId = ?")
                arguments.append(try Self.crowdTaskRow(task, db).taskId)
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM annotationBatch b WHERE b.status = 'committed' AND \(filter)",
                                         arguments: StatementArguments(arguments)) ?? 0
            let items = offset >= total ? [] : try Self.commits(where: filter, arguments, limit: limit, offset: offset, db)
            let ids = Dictionary(try CrowdTaskRow.fetchAll(db).map { ($0.taskId, $0.id ?? 0) }, uniquingKeysWith: { a, _ in a })
            return (total, items.map { ($0, ids[$0.taskId] ?? 0) })
        }
    }

    /// What a crowd commit sent for each of its pictures: sample id → annotation text.
    public func crowdResults(batch batchId: Int64) throws -> [Int64: String] {
        try store.pool.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT sampleId, annotation FROM crowdResult WHERE batchId = ?", arguments: [batchId])
                .map { ($0["sampleId"] as Int64, $0["annotation"] as String) }, uniquingKeysWith: { a, _ in a })
        }
    }

    // MARK: - Helpers

    static func checkCrowdSize(_ size: Int) throws {
        guard size >= 1, size <= maxAnnotationBatchSize else {
            throw AIArtsError(.invalidArgument, "the size must be between 1 and \(maxAnnotationBatchSize); got \(size)")
        }
    }

    static func checkOpenForApply(_ task: AnnotationTaskRecord, now: Date) throws {
        if now < task.startAt {
            throw AIArtsError(.conflict, "\(task.id) starts at \(iso(task.startAt)); apply for a batch then")
        }
        if let deadline = task.deadline, now > deadline {
            throw AIArtsError(.conflict, "the deadline of \(task.id) (\(iso(deadline))) has passed; no more batches are handed out")
        }
    }

    static func crowdTaskRow(_ id: Int64, _ db: Database) throws -> CrowdTaskRow {
        guard let row = try CrowdTaskRow.fetchOne(db, key: id) else { throw AIArtsError(.notFound, "No such task: \(id)") }
        return row
    }

    static func crowdTask(_ row: CrowdTaskRow, _ db: Database) throws -> CrowdTask {
        CrowdTask(id: row.id ?? 0, type: CrowdTaskType(rawValue: row.type) ?? .annotation, creator: row.creator,
                  task: try annotationTaskRecord(row.taskId, db))
    }
}

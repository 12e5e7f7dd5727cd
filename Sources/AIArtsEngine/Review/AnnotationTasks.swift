import Foundation
import GRDB

/// Crowd annotation tasks (docs/annotation.md): a task hands out batches of its dataset's samples,
/// each sample to one reviewer only, who reviews them and commits the batch.
extension Workspace {
    /// The most samples a batch may hold.
    public static let maxAnnotationBatchSize = 10_000

    /// Creates a task. Tags that are not yet labels of the dataset become labels (with no
    /// annotations), so that reviewers can assign them.
    @discardableResult
    public func createAnnotationTask(datasetId: String, name: String, description: String = "", formatter: AnnotationFormatter,
                                     size: Int, label: String? = nil, split: Split? = nil,
                                     startAt: Date = Date(), deadline: Date? = nil) throws -> AnnotationTaskRecord {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AIArtsError(.invalidArgument, "an annotation task needs a name") }
        try AnnotationFormatter.checkText(trimmed, what: "the task name", allowNewlines: false)
        try AnnotationFormatter.checkText(description, what: "the description", allowNewlines: true)
        try formatter.validate()
        guard size >= 1, size <= Self.maxAnnotationBatchSize else {
            throw AIArtsError(.invalidArgument, "the batch size must be between 1 and \(Self.maxAnnotationBatchSize); got \(size)")
        }
        if let deadline, deadline <= startAt {
            throw AIArtsError(.invalidArgument, "the deadline (\(Self.iso(deadline))) must come after the start (\(Self.iso(startAt)))")
        }
        return try store.pool.write { db in
            guard let dataset = try DatasetRecord.fetchOne(db, key: datasetId) else { throw AIArtsError.notFound(datasetId) }
            guard dataset.folder != nil else {
                throw AIArtsError(.conflict, "\(datasetId) has no data yet; import some with `aiarts dataset import \(datasetId) PATH --format ...`")
            }
            let labels = try String.fetchAll(db, sql: "SELECT name FROM label WHERE datasetId = ? ORDER BY idx", arguments: [datasetId])
            if let label, !labels.contains(label) {
                throw AIArtsError(.invalidArgument, "\(datasetId) has no label '\(label)'; its labels: \(labels.joined(separator: ", "))")
            }
            var next = (try Int.fetchOne(db, sql: "SELECT MAX(idx) FROM label WHERE datasetId = ?", arguments: [datasetId]) ?? -1) + 1
            for tag in formatter.tags where !labels.contains(tag.name) {
                try LabelRecord(datasetId: datasetId, idx: next, name: tag.name, count: 0).insert(db)
                next += 1
            }
            let record = AnnotationTaskRecord(
                id: try db.nextID(.annotationTask), datasetId: datasetId, name: trimmed, description: description,
                formatter: formatter, size: size, label: label, split: split, startAt: startAt, deadline: deadline, createdAt: Date())
            try record.insert(db)
            // As stored (times to the millisecond), so that it equals what later reads return.
            return try AnnotationTaskRecord.fetchOne(db, key: record.id) ?? record
        }
    }

    /// Tasks, oldest first; only those over one dataset when `datasetId` is given.
    public func annotationTasks(datasetId: String? = nil) throws -> [AnnotationTaskRecord] {
        try store.pool.read { db in
            var request = AnnotationTaskRecord.order(Column("id"))
            if let datasetId { request = request.filter(Column("datasetId") == datasetId) }
            return try request.fetchAll(db)
        }
    }

    public func annotationTask(_ id: String) throws -> AnnotationTaskDetail {
        try store.pool.read { db in
            let task = try Self.annotationTaskRecord(id, db)
            let scope = Self.scope(of: task)
            let samples = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample s WHERE \(scope.sql)", arguments: StatementArguments(scope.arguments)) ?? 0
            let remaining = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM sample s WHERE \(scope.sql) AND \(Self.notHandedOut)",
                arguments: StatementArguments(scope.arguments + [id])) ?? 0
            var handedOut = 0, committed = 0, committedBatches = 0
            var open: [AnnotationTaskDetail.OpenBatch] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT b.id, b.user, b.status, b.createdAt, COUNT(bs.sampleId) AS n
                FROM annotationBatch b LEFT JOIN annotationBatchSample bs ON bs.batchId = b.id
                WHERE b.taskId = ? GROUP BY b.id ORDER BY b.user, b.id
                """, arguments: [id]) {
                let n: Int = row["n"]
                handedOut += n
                if row["status"] as String == AnnotationBatchStatus.committed.rawValue {
                    committed += n
                    committedBatches += 1
                } else {
                    open.append(.init(id: row["id"], user: row["user"], samples: n, createdAt: row["createdAt"]))
                }
            }
            return AnnotationTaskDetail(task: task, samples: samples, handedOut: handedOut, committed: committed, remaining: remaining,
                                        committedBatches: committedBatches, openBatches: open)
        }
    }

    /// Deletes a task with its batches; labels it added and attributes set under it stay.
    public func deleteAnnotationTask(_ id: String) throws {
        try store.pool.write { db in
            guard try AnnotationTaskRecord.deleteOne(db, key: id) else { throw Self.annotationTaskNotFound(id) }
        }
    }

    /// Hands `user` a batch: up to `size` samples of the task's scope that no batch of this task
    /// holds, in dataset order. One IMMEDIATE transaction, so two reviewers applying at the same
    /// moment (in one process or two) never get the same sample.
    public func applyAnnotationBatch(taskId: String, user: String, now: Date = Date()) throws -> AnnotationBatch {
        try Self.checkUser(user)
        return try immediateWrite { db in
            let task = try Self.annotationTaskRecord(taskId, db)
            if now < task.startAt {
                throw AIArtsError(.conflict, "\(taskId) starts at \(Self.iso(task.startAt)); apply for a batch then")
            }
            if let deadline = task.deadline, now > deadline {
                throw AIArtsError(.conflict, "the deadline of \(taskId) (\(Self.iso(deadline))) has passed; no more batches are handed out")
            }
            if let open = try Self.openBatchRecord(taskId: taskId, user: user, db) {
                throw AIArtsError(.conflict, "you have an unfinished batch \(open.id ?? 0) of \(taskId); commit it first (`aiarts annotate commit \(taskId)`)")
            }
            let scope = Self.scope(of: task)
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, s.path FROM sample s WHERE \(scope.sql) AND \(Self.notHandedOut) ORDER BY s.id LIMIT ?
                """, arguments: StatementArguments(scope.arguments + [taskId, task.size]))
            guard !rows.isEmpty else {
                throw AIArtsError(.conflict, "every sample of \(taskId) has been handed out")
            }
            var batch = AnnotationBatchRecord(id: nil, taskId: taskId, user: user, status: .open, createdAt: now, committedAt: nil)
            try batch.insert(db)
            batch = try AnnotationBatchRecord.fetchOne(db, key: batch.id) ?? batch
            let samples = rows.map { AnnotationBatch.Sample(id: $0["id"], path: $0["path"]) }
            let statement = try db.makeStatement(sql: "INSERT INTO annotationBatchSample(batchId, taskId, sampleId, position) VALUES (?, ?, ?, ?)")
            for (position, sample) in samples.enumerated() {
                try statement.execute(arguments: [batch.id, taskId, sample.id, position])
            }
            return try batchValue(batch, task: task, samples: samples, db)
        }
    }

    /// The user's open batch of a task, if any.
    public func openAnnotationBatch(taskId: String, user: String) throws -> AnnotationBatch? {
        try store.pool.read { db in
            let task = try Self.annotationTaskRecord(taskId, db)
            guard let batch = try Self.openBatchRecord(taskId: taskId, user: user, db) else { return nil }
            return try batchValue(batch, task: task, samples: Self.batchSamples(batch.id ?? 0, db), db)
        }
    }

    /// Commits the user's open batch. A sample is undecided when it has no review state, or one
    /// decided before the batch was handed out; with undecided samples the commit is refused,
    /// unless `force`, which returns them to the pool for others.
    public func commitAnnotationBatch(taskId: String, user: String, force: Bool = false, now: Date = Date()) throws -> AnnotationCommit {
        try immediateWrite { db in
            _ = try Self.annotationTaskRecord(taskId, db)  // a missing task says so, not "no open batch"
            guard var batch = try Self.openBatchRecord(taskId: taskId, user: user, db), let batchId = batch.id else {
                throw AIArtsError(.conflict, "\(user) has no open batch of \(taskId); apply for one with `aiarts annotate apply \(taskId)`")
            }
            var undecided: [Int64] = []
            var total = 0
            for row in try Row.fetchAll(db, sql: """
                SELECT bs.sampleId, r.decidedAt FROM annotationBatchSample bs LEFT JOIN reviewState r ON r.sampleId = bs.sampleId
                WHERE bs.batchId = ? ORDER BY bs.position
                """, arguments: [batchId]) {
                total += 1
                let decidedAt: Date? = row["decidedAt"]
                if decidedAt.map({ $0 < batch.createdAt }) ?? true { undecided.append(row["sampleId"]) }
            }
            if !undecided.isEmpty {
                guard force else {
                    throw AIArtsError(.conflict, "batch \(batchId) of \(taskId) has \(undecided.count) undecided sample\(undecided.count == 1 ? "" : "s") of \(total); review \(undecided.count == 1 ? "it" : "them") first, or pass --force to commit the decided ones and return the rest to the pool")
                }
            }
            return try Self.commitBatch(&batch, returning: undecided, at: now, db)
        }
    }

    /// Commits an open batch: `returned` samples go back to the pool, the rest stay in it as its
    /// commit. Runs inside the caller's write transaction (the CLI's and the crowd dialect's commits).
    static func commitBatch(_ batch: inout AnnotationBatchRecord, returning returned: some Collection<Int64>, at now: Date,
                      _ db: Database) throws -> AnnotationCommit {
        guard let batchId = batch.id else { throw AIArtsError(.io, "a batch without an id cannot be committed") }
        let remove = try db.makeStatement(sql: "DELETE FROM annotationBatchSample WHERE batchId = ? AND sampleId = ?")
        for sampleId in returned { try remove.execute(arguments: [batchId, sampleId]) }
        batch.status = .committed
        batch.committedAt = now
        try batch.update(db)
        guard var commit = try commits(where: "b.id = ?", [batchId], limit: 1, offset: 0, db).first else {
            throw AIArtsError(.io, "batch \(batchId) of \(batch.taskId) vanished while committing it")
        }
        commit.returned = returned.count
        return commit
    }

    /// Committed batches, newest first, of one user and/or one task when given.
    public func annotationCommits(user: String? = nil, taskId: String? = nil, pageNum: Int = 1, pageSize: Int = 20) throws -> AnnotationCommitPage {
        guard pageNum >= 1 else { throw AIArtsError(.invalidArgument, "the page number starts at 1; got \(pageNum)") }
        guard pageSize >= 1, pageSize <= 1000 else { throw AIArtsError(.invalidArgument, "the page size must be between 1 and 1000; got \(pageSize)") }
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let user { conditions.append("b.user = ?"); arguments.append(user) }
        if let taskId { conditions.append("b.taskId = ?"); arguments.append(taskId) }
        let filter = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        return try store.pool.read { db in
            if let taskId, try !AnnotationTaskRecord.exists(db, key: taskId) { throw Self.annotationTaskNotFound(taskId) }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM annotationBatch b WHERE b.status = 'committed' AND \(filter)",
                                         arguments: StatementArguments(arguments)) ?? 0
            let (offset, overflow) = (pageNum - 1).multipliedReportingOverflow(by: pageSize)
            let items = overflow || offset >= total ? [] : try Self.commits(where: filter, arguments, limit: pageSize, offset: offset, db)
            return AnnotationCommitPage(pageNum: pageNum, pageSize: pageSize, total: total, items: items)
        }
    }

    /// Sets an attribute of a sample, checked against the task's formatter: one of the allowed
    /// values, or any text without control characters for a free-text attribute. An empty value
    /// removes the attribute.
    public func setSampleAttribute(taskId: String, sampleId: Int64, tag: String, name: String, value: String,
                                   reviewer: String, at: Date = Date()) throws {
        try setSampleAttributes(taskId: taskId, sampleId: sampleId, [(tag, name, value)], reviewer: reviewer, at: at)
    }

    /// Sets several attributes of a sample at once (the review screen's form): all of them, or none
    /// when one is refused.
    public func setSampleAttributes(taskId: String, sampleId: Int64, _ values: [(tag: String, name: String, value: String)],
                                    reviewer: String, at: Date = Date()) throws {
        try Self.checkUser(reviewer)
        try store.pool.write { db in
            let task = try Self.annotationTaskRecord(taskId, db)
            guard let datasetId = try String.fetchOne(db, sql: "SELECT datasetId FROM sample WHERE id = ?", arguments: [sampleId]),
                  datasetId == task.datasetId else {
                throw AIArtsError(.notFound, "sample \(sampleId) is not in \(task.datasetId), the dataset of \(taskId)")
            }
            for (tag, name, value) in values {
                if value.isEmpty {
                    _ = try task.formatter.attribute(tag: tag, name: name)
                    try db.execute(sql: "DELETE FROM sampleAttribute WHERE sampleId = ? AND tag = ? AND name = ?", arguments: [sampleId, tag, name])
                    continue
                }
                try task.formatter.check(tag: tag, attribute: name, value: value)
                try SampleAttribute(sampleId: sampleId, datasetId: datasetId, tag: tag, name: name, value: value, reviewer: reviewer, at: at)
                    .upsert(db)
            }
        }
    }

    /// The annotation task an annotation batch belongs to.
    public func annotationBatchTask(_ batchId: Int64) throws -> AnnotationTaskRecord {
        try store.pool.read { db in
            guard let batch = try AnnotationBatchRecord.fetchOne(db, key: batchId) else {
                throw AIArtsError(.notFound, "there is no annotation batch \(batchId) (`aiarts annotate apply AID` hands one out)")
            }
            return try Self.annotationTaskRecord(batch.taskId, db)
        }
    }

    /// A sample's attributes, by tag and name.
    public func sampleAttributes(sampleId: Int64) throws -> [SampleAttribute] {
        try store.pool.read { db in
            try SampleAttribute.filter(Column("sampleId") == sampleId).order(Column("tag"), Column("name")).fetchAll(db)
        }
    }

    /// The sample of a task's dataset named by its id or its path (relative to the dataset folder).
    public func annotationSample(taskId: String, _ reference: String) throws -> Int64 {
        try store.pool.read { db in
            let task = try Self.annotationTaskRecord(taskId, db)
            if let id = Int64(reference),
               try Int.fetchOne(db, sql: "SELECT 1 FROM sample WHERE id = ? AND datasetId = ?", arguments: [id, task.datasetId]) != nil {
                return id
            }
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM sample WHERE datasetId = ? AND path = ?", arguments: [task.datasetId, reference]) {
                return id
            }
            throw AIArtsError(.notFound, "\(task.datasetId) has no sample '\(reference)' (give a sample id from `aiarts annotate apply` or a path)")
        }
    }

    // MARK: - Helpers

    /// Runs `body` in one IMMEDIATE transaction: the write lock is taken before anything is read.
    func immediateWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try store.pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { throw AIArtsError(.io, "a transaction ended without a result") }
            return result
        }
    }

    static func annotationTaskNotFound(_ id: String) -> AIArtsError {
        AIArtsError(.notFound, "\(id) does not exist in this workspace (see `aiarts annotate task list`)")
    }

    static func annotationTaskRecord(_ id: String, _ db: Database) throws -> AnnotationTaskRecord {
        guard let task = try AnnotationTaskRecord.fetchOne(db, key: id) else { throw annotationTaskNotFound(id) }
        return task
    }

    static func openBatchRecord(taskId: String, user: String, _ db: Database) throws -> AnnotationBatchRecord? {
        try AnnotationBatchRecord
            .filter(Column("taskId") == taskId && Column("user") == user && Column("status") == AnnotationBatchStatus.open.rawValue)
            .fetchOne(db)
    }

    static func batchSamples(_ batchId: Int64, _ db: Database) throws -> [AnnotationBatch.Sample] {
        try Row.fetchAll(db, sql: """
            SELECT s.id, s.path FROM annotationBatchSample bs JOIN sample s ON s.id = bs.sampleId
            WHERE bs.batchId = ? ORDER BY bs.position
            """, arguments: [batchId]).map { AnnotationBatch.Sample(id: $0["id"], path: $0["path"]) }
    }

    func batchValue(_ batch: AnnotationBatchRecord, task: AnnotationTaskRecord, samples: [AnnotationBatch.Sample], _ db: Database) throws -> AnnotationBatch {
        let folder = try String.fetchOne(db, sql: "SELECT folder FROM dataset WHERE id = ?", arguments: [task.datasetId])
        return AnnotationBatch(record: batch, datasetId: task.datasetId, folder: folder.map { resolveFolder($0).path }, samples: samples)
    }

    /// The samples (alias `s`) a task covers, as a WHERE clause and its arguments.
    static func scope(of task: AnnotationTaskRecord) -> (sql: String, arguments: [any DatabaseValueConvertible]) {
        var sql = "s.datasetId = ?"
        var arguments: [any DatabaseValueConvertible] = [task.datasetId]
        if let split = task.split {
            sql += " AND s.split = ?"
            arguments.append(split.rawValue)
        }
        if let label = task.label {
            sql += """
                 AND EXISTS (SELECT 1 FROM annotation a JOIN label l ON l.datasetId = a.datasetId AND l.idx = a.labelIdx
                             WHERE a.sampleId = s.id AND l.name = ?)
                """
            arguments.append(label)
        }
        return (sql, arguments)
    }

    /// Sample `s` is in no batch of the task given as the next argument.
    static let notHandedOut = "NOT EXISTS (SELECT 1 FROM annotationBatchSample bs WHERE bs.taskId = ? AND bs.sampleId = s.id)"

    static func commits(where filter: String, _ arguments: [any DatabaseValueConvertible], limit: Int, offset: Int, _ db: Database) throws -> [AnnotationCommit] {
        try Row.fetchAll(db, sql: """
            SELECT b.id, b.taskId, t.datasetId, b.user, b.createdAt, b.committedAt,
                   COUNT(bs.sampleId) AS samples,
                   COALESCE(SUM(r.status = 'reviewed'), 0) AS reviewed,
                   COALESCE(SUM(r.status = 'flagged'), 0) AS flagged,
                   COALESCE(SUM(r.status = 'bad'), 0) AS bad,
                   COALESCE(SUM(r.changed), 0) AS changed
            FROM annotationBatch b
            JOIN annotationTask t ON t.id = b.taskId
            LEFT JOIN annotationBatchSample bs ON bs.batchId = b.id
            LEFT JOIN reviewState r ON r.sampleId = bs.sampleId
            WHERE b.status = 'committed' AND \(filter)
            GROUP BY b.id
            ORDER BY b.committedAt DESC, b.id DESC
            LIMIT ? OFFSET ?
            """, arguments: StatementArguments(arguments + [limit, offset])).map { row in
            let createdAt: Date = row["createdAt"]
            return AnnotationCommit(
                batchId: row["id"], taskId: row["taskId"], datasetId: row["datasetId"], user: row["user"],
                createdAt: createdAt, committedAt: row["committedAt"] ?? createdAt,
                samples: row["samples"], reviewed: row["reviewed"], flagged: row["flagged"], bad: row["bad"],
                changed: row["changed"], returned: 0)
        }
    }

    static func checkUser(_ user: String) throws {
        guard !user.trimmingCharacters(in: .whitespaces).isEmpty else { throw AIArtsError(.invalidArgument, "the user name is empty") }
        guard user.utf8.count <= 200 else { throw AIArtsError(.invalidArgument, "the user name is longer than 200 bytes") }
        try AnnotationFormatter.checkText(user, what: "the user name", allowNewlines: false)
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}

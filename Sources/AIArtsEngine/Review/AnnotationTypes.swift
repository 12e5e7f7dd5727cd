import Foundation
import GRDB

/// A crowd annotation task over a dataset (docs/annotation.md): reviewers apply for batches of
/// `size` samples of its scope between `startAt` and `deadline`, and commit them.
public struct AnnotationTaskRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "annotationTask"
    /// A0001, A0002, ...
    public var id: String
    public var datasetId: String
    public var name: String
    public var description: String
    public var formatter: AnnotationFormatter
    /// Samples per batch.
    public var size: Int
    /// Only samples carrying this label, when set.
    public var label: String?
    /// Only samples of this split, when set.
    public var split: Split?
    public var startAt: Date
    /// No batch is handed out after it; nil for none.
    public var deadline: Date?
    public var createdAt: Date
}

public enum AnnotationBatchStatus: String, Codable, Sendable, CaseIterable {
    case open, committed
}

public struct AnnotationBatchRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "annotationBatch"
    public var id: Int64?
    public var taskId: String
    public var user: String
    public var status: AnnotationBatchStatus
    public var createdAt: Date
    public var committedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A batch with its samples in the order they were handed out. As JSON: the batch's fields
/// (`id`, `taskId`, `datasetId`, `user`, `status`, `createdAt`, `committedAt`), `folder` (the
/// dataset's files, absolute) and `samples` ([{id, path}], paths relative to `folder`).
public struct AnnotationBatch: Encodable, Equatable, Sendable {
    public struct Sample: Codable, Equatable, Sendable {
        public var id: Int64
        public var path: String
    }
    public var record: AnnotationBatchRecord
    public var datasetId: String
    public var folder: String?
    public var samples: [Sample]

    public var id: Int64 { record.id ?? 0 }
    public var sampleIds: [Int64] { samples.map(\.id) }
    public var paths: [String] { samples.map(\.path) }

    enum CodingKeys: String, CodingKey {
        case id, taskId = "task_id", datasetId = "dataset_id", user, status, createdAt = "created_at", committedAt = "committed_at", folder, samples
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(record.taskId, forKey: .taskId)
        try c.encode(datasetId, forKey: .datasetId)
        try c.encode(record.user, forKey: .user)
        try c.encode(record.status, forKey: .status)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.committedAt, forKey: .committedAt)
        try c.encode(folder, forKey: .folder)
        try c.encode(samples, forKey: .samples)
    }
}

/// A committed batch and where review stands for its samples (counted from their review state).
public struct AnnotationCommit: Encodable, Equatable, Sendable {
    public var batchId: Int64
    public var taskId: String
    public var datasetId: String
    public var user: String
    public var createdAt: Date
    public var committedAt: Date
    /// Samples in the batch (those returned to the pool by a forced commit not counted).
    public var samples: Int
    public var reviewed: Int
    public var flagged: Int
    public var bad: Int
    /// Samples whose labels now differ from the imported ones.
    public var changed: Int
    /// Samples a forced commit returned to the pool (0 in listings).
    public var returned: Int

    enum CodingKeys: String, CodingKey {
        case batchId = "batch_id", taskId = "task_id", datasetId = "dataset_id", user, createdAt = "created_at"
        case committedAt = "committed_at", samples, reviewed, flagged, bad, changed, returned
    }
}

/// One page of commits, newest first. As JSON: pageNum, pageSize, total, items.
public struct AnnotationCommitPage: Encodable, Equatable, Sendable {
    public var pageNum: Int
    public var pageSize: Int
    /// Commits matching the filter, over all pages.
    public var total: Int
    public var items: [AnnotationCommit]
}

/// A task with its formatter and how far it has got. As JSON: the task's fields followed by the counts.
public struct AnnotationTaskDetail: Encodable, Equatable, Sendable {
    public struct OpenBatch: Codable, Equatable, Sendable {
        public var id: Int64
        public var user: String
        public var samples: Int
        public var createdAt: Date

        enum CodingKeys: String, CodingKey { case id, user, samples, createdAt = "created_at" }
    }
    public var task: AnnotationTaskRecord
    public var formatter: AnnotationFormatter { task.formatter }
    /// Samples in the task's scope (dataset, label, split) now.
    public var samples: Int
    /// Samples in a batch, open or committed.
    public var handedOut: Int
    /// Samples in committed batches.
    public var committed: Int
    /// Samples in scope not yet handed out.
    public var remaining: Int
    public var committedBatches: Int
    /// Open batches, by user.
    public var openBatches: [OpenBatch]

    enum CodingKeys: String, CodingKey {
        case id, datasetId = "dataset_id", name, description, formatter, size, label, split, startAt = "start_at", deadline
        case createdAt = "created_at", samples, handedOut = "handed_out", committed, remaining
        case committedBatches = "committed_batches", openBatches = "open_batches"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task.id, forKey: .id)
        try c.encode(task.datasetId, forKey: .datasetId)
        try c.encode(task.name, forKey: .name)
        try c.encode(task.description, forKey: .description)
        try c.encode(task.formatter, forKey: .formatter)
        try c.encode(task.size, forKey: .size)
        try c.encode(task.label, forKey: .label)
        try c.encode(task.split, forKey: .split)
        try c.encode(task.startAt, forKey: .startAt)
        try c.encode(task.deadline, forKey: .deadline)
        try c.encode(task.createdAt, forKey: .createdAt)
        try c.encode(samples, forKey: .samples)
        try c.encode(handedOut, forKey: .handedOut)
        try c.encode(committed, forKey: .committed)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(committedBatches, forKey: .committedBatches)
        try c.encode(openBatches, forKey: .openBatches)
    }
}

/// An attribute value set on a sample under a task's formatter.
public struct SampleAttribute: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sampleAttribute"
    public var sampleId: Int64
    public var datasetId: String
    public var tag: String
    public var name: String
    public var value: String
    public var reviewer: String
    public var at: Date
}

import Foundation
import GRDB

/// Status strings, as PaddleX reports a dataset's import.
public enum DatasetStatus: String, Codable, Sendable {
    case empty
    case checking
    case checked
    case checkFailed = "check_failed"
    case copying
    case copied
    /// Imported with --register: the files stay where they are, the dataset refers to them.
    case registered
    case cancelled
}

public struct DatasetRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dataset"
    public var id: String
    public var name: String
    public var description: String
    public var type: DatasetType
    public var status: String
    public var statusMessage: String
    /// 0...1 while an import runs.
    public var progress: Double
    public var createdAt: Date
    /// Absolute folder holding the files (inside the workspace, or the source for a registered dataset).
    public var folder: String?
    public var inPlace: Bool
    public var sourcePath: String?
    public var format: DatasetFormat?
    /// Set by any process to ask a running import to stop.
    public var cancelRequested: Bool
    /// "imported" when the split came with the data, "random" after `split`; nil before import.
    public var splitSource: String?
    public var splitSeed: Int64?
    public var valRatio: Double?
    public var testRatio: Double?
}

public struct LabelRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "label"
    public var datasetId: String
    public var idx: Int
    public var name: String
    public var count: Int
}

public struct SampleRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sample"
    public var id: Int64?
    public var datasetId: String
    public var path: String
    public var width: Int
    public var height: Int
    public var split: Split?
    public var maskPath: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct AnnotationRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "annotation"
    public var id: Int64?
    public var sampleId: Int64
    public var datasetId: String
    public var labelIdx: Int
    public var x: Double?
    public var y: Double?
    public var w: Double?
    public var h: Double?
    public var isCrowd: Bool
    /// Segmentation as a compact blob (SegmentationCoding).
    public var segmentation: Data?
    public var sourceId: Int64?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var box: Box? {
        guard let x, let y, let w, let h else { return nil }
        return Box(x: x, y: y, width: w, height: h)
    }
}

public struct FailedFileRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "failedFile"
    public var datasetId: String
    public var path: String
    public var line: Int?
    public var reason: String
}

public struct ProjectRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "project"
    public var id: String
    public var name: String
    public var description: String
    public var type: DatasetType
    public var datasetId: String?
    public var status: String
    public var statusMessage: String
    public var createdAt: Date
}

public struct TaskRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "task"
    public var id: String
    public var projectId: String
    public var name: String
    public var description: String
    public var status: String
    public var statusMessage: String
    public var createdAt: Date
    /// "aiarts-train" or "command" (`TaskTrainer`).
    public var trainer: String
    /// The task's parameters as a JSON object of strings; see `Workspace.taskParams`.
    public var params: String
    /// The task this one was derived from (a resume or a copy), if any.
    public var parentId: String?
    /// The launched process (the supervisor), named by pid and start time together.
    public var pid: Int32?
    public var startTime: Int64?
    public var exitCode: Int32?
    public var exitSignal: Int32?
    public var stopRequested: Bool
    /// When `task start` (or resume) took it: a task that waits for GPU memory keeps this time.
    public var startedAt: Date?
    public var finishedAt: Date?
    /// When its process was launched (the time it left waiting_gpu); nil before it first ran.
    public var launchedAt: Date?
}

/// A model in the registry (docs/models.md); its files are in versions (`ModelVersionRecord`).
public struct ModelRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "model"
    public var id: String
    public var name: String
    public var description: String
    public var status: String
    public var statusMessage: String
    public var createdAt: Date
    /// "pretrained", "exported" or "uploaded" (`ModelKind`).
    public var kind: String
    /// The dataset type it was trained for, when known.
    public var type: DatasetType?
    /// "aiarts-train", "torch" or "command", when it came from a task (or is recognisably aiarts-train's).
    public var trainer: String?
    /// The task and epoch of the newest version that came from a task.
    public var sourceTaskId: String?
    public var sourceEpoch: Int?
    /// Evaluation results of the newest version that has them (stored as a JSON object).
    public var evaluation: [String: Double]?
    /// The highest version number given so far; numbers of deleted versions are not given again.
    public var lastVersion: Int
}

/// One version of a model: the files in models/<id>/v<version>/.
public struct ModelVersionRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "modelVersion"
    public var modelId: String
    /// 1, 2, ... (shown as v1, v2).
    public var version: Int
    /// Bytes and regular files in the version folder, the manifest model.json not counted.
    public var size: Int64
    public var fileCount: Int
    /// What the files are: "aiarts-train checkpoint", "pytorch state_dict", "torchscript", "onnx" ...
    public var format: String
    public var sourceTaskId: String?
    public var sourceEpoch: Int?
    /// The path it was uploaded from.
    public var sourcePath: String?
    public var evaluation: [String: Double]?
    public var createdAt: Date
}

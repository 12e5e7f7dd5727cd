import Foundation

/// Where a model came from (PaddleX's pretrained and exported models, plus files a person brings).
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// A task's training checkpoint, kept to fine-tune from or to evaluate later.
    case pretrained
    /// An inference model written by a task's export (TorchScript, ONNX, the aiarts-train checkpoint).
    case exported
    /// Files uploaded from a path.
    case uploaded
}

/// What to do with symbolic links found in a folder being copied into the registry.
public enum SymlinkPolicy: String, Codable, Sendable, CaseIterable {
    /// Refuse the whole copy and name the links (the default: a link may point anywhere).
    case refuse
    /// Copy what a link to a regular file points to, as a plain file; links to folders are still refused.
    case copyTarget = "copy-target"
}

/// A version as `model show` presents it.
public struct ModelVersion: Codable, Equatable, Sendable {
    /// "v1", "v2", ...
    public var name: String
    public var version: Int
    /// The version folder (absolute).
    public var folder: String
    public var size: Int64
    public var fileCount: Int
    public var format: String
    public var sourceTaskId: String?
    public var sourceEpoch: Int?
    public var sourcePath: String?
    public var evaluation: [String: Double]?
    public var createdAt: Date

    init(_ record: ModelVersionRecord, folder: URL) {
        name = "v\(record.version)"
        version = record.version
        self.folder = folder.path
        size = record.size
        fileCount = record.fileCount
        format = record.format
        sourceTaskId = record.sourceTaskId
        sourceEpoch = record.sourceEpoch
        sourcePath = record.sourcePath
        evaluation = record.evaluation
        createdAt = record.createdAt
    }
}

/// A model with its versions, oldest first.
public struct ModelDetail: Codable, Equatable, Sendable {
    public var model: ModelRecord
    /// models/<id> (absolute).
    public var folder: String
    public var versions: [ModelVersion]
    /// Bytes over all versions.
    public var size: Int64
}

/// A model in a listing: the record, how many versions and the newest one's name, total size.
public struct ModelSummary: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var kind: String
    public var type: DatasetType?
    public var trainer: String?
    public var sourceTaskId: String?
    public var sourceEpoch: Int?
    public var evaluation: [String: Double]?
    public var versions: Int
    public var latest: String?
    public var size: Int64
    public var createdAt: Date
}

/// What a registration or upload made: the model as it is now and the version just added.
public struct RegisteredVersion: Codable, Equatable, Sendable {
    public var model: ModelRecord
    public var version: ModelVersion
}

/// The manifest written as model.json in every version folder, so a downloaded copy says what it is.
struct ModelManifest: Codable, Equatable {
    struct Source: Codable, Equatable {
        var task: String?
        var epoch: Int?
        var path: String?
    }

    struct File: Codable, Equatable {
        var path: String
        var size: Int64
    }

    var aiartsModel = 1
    var id: String
    var version: String
    /// The model's name when this version was made.
    var name: String
    var kind: String
    var type: String?
    var trainer: String?
    var format: String
    var source: Source
    var evaluation: [String: Double]?
    var createdAt: Date
    var size: Int64
    var files: [File]

    static let fileName = "model.json"

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}

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

/// A version as `model show` presents it. As JSON (like tasks and projects): snake_case keys,
/// null rather than absent, times in Unix seconds.
public struct ModelVersion: Encodable, Equatable, Sendable {
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

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelJSONKey.self)
        try c.encode(name, forKey: .name)
        try c.encode(version, forKey: .version)
        try c.encode(folder, forKey: .folder)
        try c.encode(size, forKey: .size)
        try c.encode(fileCount, forKey: .fileCount)
        try c.encode(format, forKey: .format)
        try c.encode(sourceTaskId, forKey: .task)
        try c.encode(sourceEpoch, forKey: .epoch)
        try c.encode(sourcePath, forKey: .sourcePath)
        try c.encode(evaluation, forKey: .evaluation)
        try c.encode(createdAt.timeIntervalSince1970, forKey: .createdAt)
    }
}

/// A model with its versions, oldest first. As JSON: the model's fields, `folder`, `size` and `versions`.
public struct ModelDetail: Encodable, Equatable, Sendable {
    public var model: ModelRecord
    /// models/<id> (absolute).
    public var folder: String
    public var versions: [ModelVersion]
    /// Bytes over all versions.
    public var size: Int64

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelJSONKey.self)
        try encodeModel(model, into: &c)
        try c.encode(folder, forKey: .folder)
        try c.encode(size, forKey: .size)
        try c.encode(versions, forKey: .versions)
    }
}

/// A model in a listing: the record, how many versions, the newest one's name, total size. As
/// JSON: the model's fields, `versions` (a count), `latest` and `size`.
public struct ModelSummary: Encodable, Equatable, Sendable {
    public var model: ModelRecord
    public var versions: Int
    public var latest: String?
    public var size: Int64

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelJSONKey.self)
        try encodeModel(model, into: &c)
        try c.encode(versions, forKey: .versions)
        try c.encode(latest, forKey: .latest)
        try c.encode(size, forKey: .size)
    }
}

/// What a registration or upload made: the model as it is now and the version just added. As
/// JSON: the model's fields and `version`, the new version's object.
public struct RegisteredVersion: Encodable, Equatable, Sendable {
    public var model: ModelRecord
    public var version: ModelVersion
    /// True when nothing was registered because this version already held the same files.
    public var existing = false

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelJSONKey.self)
        try encodeModel(model, into: &c)
        try c.encode(version, forKey: .version)
        try c.encode(existing, forKey: .existing)
    }
}

enum ModelJSONKey: String, CodingKey {
    case id, name, description, kind, type, trainer, task, epoch, evaluation, createdAt = "created_at"
    case folder, size, versions, latest, version, existing, fileCount = "file_count", format, sourcePath = "source_path"
}

/// The fields every model JSON object starts with. `task` and `epoch` are those of the newest
/// version that came from a task.
private func encodeModel(_ m: ModelRecord, into c: inout KeyedEncodingContainer<ModelJSONKey>) throws {
    try c.encode(m.id, forKey: .id)
    try c.encode(m.name, forKey: .name)
    try c.encode(m.description, forKey: .description)
    try c.encode(m.kind, forKey: .kind)
    try c.encode(m.type?.rawValue, forKey: .type)
    try c.encode(m.trainer, forKey: .trainer)
    try c.encode(m.sourceTaskId, forKey: .task)
    try c.encode(m.sourceEpoch, forKey: .epoch)
    try c.encode(m.evaluation, forKey: .evaluation)
    try c.encode(m.createdAt.timeIntervalSince1970, forKey: .createdAt)
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

    enum CodingKeys: String, CodingKey {
        case aiartsModel = "aiarts_model", id, version, name, kind, type, trainer, format, source, evaluation
        case createdAt = "created_at", size, files
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}

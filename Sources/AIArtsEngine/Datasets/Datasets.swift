import Foundation
import GRDB

/// Counts of a dataset, as `aiarts dataset show --json` prints them.
public struct DatasetSummary: Codable, Equatable, Sendable {
    public struct LabelCount: Codable, Equatable, Sendable {
        public var name: String
        public var count: Int
    }
    public struct Failure: Codable, Equatable, Sendable {
        public var path: String
        public var line: Int?
        public var reason: String
    }
    public var id: String
    public var name: String
    public var description: String
    public var type: DatasetType
    public var status: String
    public var statusMessage: String
    public var progress: Double
    public var createdAt: Date
    public var format: DatasetFormat?
    public var folder: String?
    public var inPlace: Bool
    public var images: Int
    public var annotations: Int
    public var labels: [LabelCount]
    public var splits: [String: Int]
    public var failed: [Failure]

    /// snake_case, as every --json (docs/cli-json.md).
    enum CodingKeys: String, CodingKey {
        case id, name, description, type, status, statusMessage = "status_message", progress, createdAt = "created_at"
        case format, folder, inPlace = "in_place", images, annotations, labels, splits, failed
    }
}

extension Workspace {
    @discardableResult
    public func createDataset(name: String, type: DatasetType, description: String = "") throws -> DatasetRecord {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AIArtsError(.invalidArgument, "a dataset needs a name") }
        return try store.pool.write { db in
            let record = DatasetRecord(
                id: try db.nextID(.dataset), name: trimmed, description: description, type: type,
                status: DatasetStatus.empty.rawValue, statusMessage: "created; import data with `aiarts dataset import`",
                progress: 0, createdAt: Date(), folder: nil, inPlace: false, sourcePath: nil, format: nil,
                cancelRequested: false, splitSource: nil, splitSeed: nil, valRatio: nil, testRatio: nil)
            try record.insert(db)
            return record
        }
    }

    public func dataset(_ id: String) throws -> DatasetRecord {
        guard let record = try store.pool.read({ try DatasetRecord.fetchOne($0, key: id) }) else {
            throw AIArtsError.notFound(id)
        }
        return record
    }

    public func datasets() throws -> [DatasetRecord] {
        try store.pool.read { try DatasetRecord.order(Column("id")).fetchAll($0) }
    }

    public func summaries() throws -> [DatasetSummary] {
        try recoverInterruptedImports()
        return try store.pool.read { db in try DatasetRecord.order(Column("id")).fetchAll(db).map { try Self.summary(of: $0, db) } }
    }

    public func summary(_ id: String) throws -> DatasetSummary {
        try recoverInterruptedImports()
        return try store.pool.read { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
            return try Self.summary(of: record, db)
        }
    }

    static func summary(of record: DatasetRecord, _ db: Database) throws -> DatasetSummary {
        let id = record.id
        let images = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE datasetId = ?", arguments: [id]) ?? 0
        let labelRows = try Row.fetchAll(db, sql: "SELECT name, count FROM label WHERE datasetId = ? ORDER BY idx", arguments: [id])
        // Every annotation carries exactly one label.
        let annotations = labelRows.reduce(0) { $0 + ($1["count"] as Int) }
        var splits = ["train": 0, "val": 0, "test": 0]
        for row in try Row.fetchAll(db, sql: "SELECT split, COUNT(*) AS n FROM sample WHERE datasetId = ? AND split IS NOT NULL GROUP BY split", arguments: [id]) {
            splits[row["split"]] = row["n"]
        }
        let failed = try FailedFileRecord.filter(Column("datasetId") == id).fetchAll(db)
        return DatasetSummary(
            id: id, name: record.name, description: record.description, type: record.type, status: record.status,
            statusMessage: record.statusMessage, progress: record.progress, createdAt: record.createdAt,
            format: record.format, folder: record.folder, inPlace: record.inPlace, images: images, annotations: annotations,
            labels: labelRows.map { .init(name: $0["name"], count: $0["count"]) }, splits: splits,
            failed: failed.map { .init(path: $0.path, line: $0.line, reason: $0.reason) })
    }

    /// Deletes a dataset, its records and (when it was copied in) its files. A dataset that a
    /// project uses is kept unless `force`, which also unbinds those projects.
    public func deleteDataset(_ id: String, force: Bool = false) throws {
        let folder: URL? = try store.pool.write { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
            let users = try String.fetchAll(db, sql: "SELECT id FROM project WHERE datasetId = ? ORDER BY id", arguments: [id])
            if !users.isEmpty {
                guard force else {
                    throw AIArtsError(.conflict, "\(id) is used by \(users.joined(separator: ", ")); delete those projects first, or pass --force to unbind them")
                }
                try db.execute(sql: "UPDATE project SET datasetId = NULL WHERE datasetId = ?", arguments: [id])
            }
            if [DatasetStatus.checking.rawValue, DatasetStatus.copying.rawValue].contains(record.status), !force {
                throw AIArtsError(.conflict, "\(id) is being imported; cancel it with `aiarts dataset cancel \(id)` first, or pass --force")
            }
            try record.delete(db)
            guard let folder = record.folder, !record.inPlace else { return nil }
            return resolveFolder(folder)
        }
        // Registered datasets are the user's own files: never deleted.
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }
}

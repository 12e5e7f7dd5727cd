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
}

import Foundation
import GRDB

/// Reading and changing the fields of a dataset, project or task by id (PaddleX /workspace).
extension Workspace {
    /// Fields a person may change; the rest are the engine's to keep.
    static let writableFields: [RecordKind: Set<String>] = [
        .dataset: ["name", "description"],
        .project: ["name", "description"],
        .task: ["name", "description"],
        .model: ["name", "description"],
        .annotationTask: ["name", "description"],
    ]

    static func table(_ kind: RecordKind) -> String {
        switch kind {
        case .dataset: DatasetRecord.databaseTableName
        case .project: ProjectRecord.databaseTableName
        case .task: TaskRecord.databaseTableName
        case .model: ModelRecord.databaseTableName
        case .annotationTask: "annotationTask"
        }
    }

    /// Every field of the record with this id, as text.
    public func attributes(of id: String) throws -> [(String, String)] {
        guard let kind = RecordKind.of(id: id) else {
            throw AIArtsError(.invalidArgument, "'\(id)' is not an id; ids look like D0001, P0001, T0001 or M0001")
        }
        return try store.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \(Self.table(kind)) WHERE id = ?", arguments: [id]) else {
                throw AIArtsError.notFound(id)
            }
            return row.columnNames.map { name in
                let value: DatabaseValue = row[name]
                switch value.storage {
                case .null: return (name, "")
                case .int64(let v): return (name, String(v))
                case .double(let v): return (name, String(v))
                case .string(let s): return (name, s)
                case .blob(let d): return (name, "<\(d.count) bytes>")
                }
            }
        }
    }

    public func attribute(_ field: String, of id: String) throws -> String {
        let all = try attributes(of: id)
        guard let value = all.first(where: { $0.0 == field })?.1 else {
            throw AIArtsError(.invalidArgument, "\(id) has no field '\(field)'; it has: \(all.map(\.0).joined(separator: ", "))")
        }
        return value
    }

    public func setAttribute(_ field: String, of id: String, to value: String) throws {
        guard let kind = RecordKind.of(id: id) else {
            throw AIArtsError(.invalidArgument, "'\(id)' is not an id; ids look like D0001, P0001, T0001 or M0001")
        }
        let writable = Self.writableFields[kind] ?? []
        guard writable.contains(field) else {
            throw AIArtsError(.invalidArgument, "'\(field)' of \(id) cannot be set; settable fields: \(writable.sorted().joined(separator: ", "))")
        }
        if field == "name", value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw AIArtsError(.invalidArgument, "a name cannot be empty")
        }
        try store.pool.write { db in
            try db.execute(sql: "UPDATE \(Self.table(kind)) SET \(field) = ? WHERE id = ?", arguments: [value, id])
            if db.changesCount == 0 { throw AIArtsError.notFound(id) }
        }
    }
}

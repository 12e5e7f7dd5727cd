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
        case .inferenceService: "inferenceService"
        }
    }

    /// Every field of the record with this id, typed as --json prints it: snake_case names,
    /// booleans as booleans, times in RFC 3339 UTC, JSON columns (params, evaluation, formatter)
    /// as nested values.
    public func fields(of id: String) throws -> [(name: String, value: JSONValue)] {
        guard let kind = RecordKind.of(id: id) else {
            throw AIArtsError(.invalidArgument, "'\(id)' is not an id; ids look like D0001, P0001, T0001 or M0001")
        }
        let table = Self.table(kind)
        return try store.pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [id]) else {
                throw AIArtsError.notFound(id)
            }
            let declared = Dictionary(try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [table])
                .map { ($0["name"] as String, ($0["type"] as String).uppercased()) }, uniquingKeysWith: { a, _ in a })
            return row.columnNames.map { name in
                (Self.snakeCase(name), Self.fieldValue(row[name], declared: declared[name] ?? "", column: name))
            }
        }
    }

    /// One field, by its snake_case name or its column name.
    public func field(_ name: String, of id: String) throws -> JSONValue {
        let all = try fields(of: id)
        guard let value = all.first(where: { $0.name == name || $0.name == Self.snakeCase(name) })?.value else {
            throw AIArtsError(.invalidArgument, "\(id) has no field '\(name)'; it has: \(all.map(\.name).joined(separator: ", "))")
        }
        return value
    }

    /// One field as text: strings as they are, anything else as compact JSON.
    public func attribute(_ name: String, of id: String) throws -> String {
        try field(name, of: id).text
    }

    static let jsonColumns: Set<String> = ["params", "evaluation", "formatter"]

    static func fieldValue(_ value: DatabaseValue, declared: String, column: String) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let v): return declared == "BOOLEAN" ? .bool(v != 0) : .number(Double(v))
        case .double(let v): return .number(v)
        case .blob(let d): return .string("<\(d.count) bytes>")
        case .string(let s):
            if declared == "DATETIME", let date = Date.fromDatabaseValue(value) { return .string(RFC3339.string(date)) }
            if jsonColumns.contains(column), let parsed = try? JSONValue.parse(s) { return parsed }
            return .string(s)
        }
    }

    static func snakeCase(_ name: String) -> String {
        var out = ""
        for c in name {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
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

import Foundation
import GRDB
import GRDBSQLite

/// Inserts many rows into one table through SQLite's C API, several rows per statement.
///
/// Imports store hundreds of thousands of rows. Building GRDB's StatementArguments for each cost
/// more than SQLite's own work, and so did running a one-row statement per row (SQLite opens and
/// closes its cursors and resets the program every time): rows are collected and written
/// `rowsPerStatement` at a time with `INSERT ... VALUES (...), (...), ...`. Call `finish()` to
/// write the last, partial batch.
struct BulkInsert {
    private let database: Database
    private let table: String
    private let columns: [String]
    private let rowsPerStatement: Int
    private var full: Statement?
    /// Values of the rows not yet written, row after row.
    private var pending: [Value] = []
    private var pendingRows = 0

    enum Value {
        case null
        case int(Int64)
        case double(Double)
        case text(String)
        /// A C string that outlives the insert (not copied until the batch runs).
        case cString(UnsafePointer<CChar>)
        /// Bytes that outlive the insert (not copied until the batch runs).
        case blob(UnsafeRawBufferPointer)
    }

    init(_ db: Database, table: String, columns: [String], rowsPerStatement: Int = 64) {
        database = db
        self.table = table
        self.columns = columns
        self.rowsPerStatement = max(1, rowsPerStatement)
        pending.reserveCapacity(columns.count * self.rowsPerStatement)
    }

    /// Adds one row; its values are given in column order by `bind`.
    mutating func row(_ bind: (inout Row) -> Void) throws {
        var row = Row(values: pending)
        pending = []
        bind(&row)
        pending = row.values
        precondition(pending.count == (pendingRows + 1) * columns.count, "BulkInsert row with the wrong number of values")
        pendingRows += 1
        if pendingRows == rowsPerStatement {
            if full == nil { full = try statement(rows: rowsPerStatement) }
            try run(full!)
        }
    }

    /// Writes the rows still pending.
    mutating func finish() throws {
        guard pendingRows > 0 else { return }
        try run(statement(rows: pendingRows))
    }

    private func statement(rows: Int) throws -> Statement {
        let one = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let values = Array(repeating: one, count: rows).joined(separator: ", ")
        return try database.makeStatement(sql: "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES \(values)")
    }

    private mutating func run(_ statement: Statement) throws {
        let raw = statement.sqliteStatement
        sqlite3_reset(raw)
        // SQLITE_TRANSIENT for Swift strings: SQLite copies them before the string goes away.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, value) in pending.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .null: sqlite3_bind_null(raw, index)
            case .int(let v): sqlite3_bind_int64(raw, index, v)
            case .double(let v): sqlite3_bind_double(raw, index, v)
            case .text(let v): sqlite3_bind_text(raw, index, v, -1, transient)
            case .cString(let v): sqlite3_bind_text(raw, index, v, -1, nil)
            case .blob(let v):
                if let base = v.baseAddress { sqlite3_bind_blob(raw, index, base, Int32(v.count), nil) } else { sqlite3_bind_zeroblob(raw, index, 0) }
            }
        }
        let code = sqlite3_step(raw)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(raw))), sql: statement.sql)
        }
        pending.removeAll(keepingCapacity: true)
        pendingRows = 0
    }

    /// One row's values, in column order.
    struct Row {
        fileprivate var values: [Value]

        mutating func int(_ value: Int64?) { values.append(value.map(Value.int) ?? .null) }
        mutating func double(_ value: Double?) { values.append(value.map(Value.double) ?? .null) }
        mutating func text(_ value: String?) { values.append(value.map(Value.text) ?? .null) }
        /// A C string that stays valid until `finish()` (SQLite does not copy it).
        mutating func cString(_ value: UnsafePointer<CChar>) { values.append(.cString(value)) }
        /// Bytes that stay valid until `finish()` (SQLite does not copy them); nil is NULL.
        mutating func blob(_ bytes: UnsafeBufferPointer<UInt8>?) { values.append(bytes.map { .blob(UnsafeRawBufferPointer($0)) } ?? .null) }
    }
}

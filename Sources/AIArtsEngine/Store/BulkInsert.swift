import Foundation
import GRDB
import GRDBSQLite

/// A prepared INSERT bound column by column through SQLite's C API. Imports store hundreds of
/// thousands of rows; building GRDB's StatementArguments for each cost more than SQLite's own work.
struct BulkInsert {
    private let statement: Statement
    private let database: Database

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        database = db
    }

    /// Binds one row's values in column order, then runs the statement.
    func row(_ bind: (inout Row) -> Void) throws {
        let raw = statement.sqliteStatement
        sqlite3_reset(raw)
        var row = Row(raw: raw)
        bind(&row)
        let code = sqlite3_step(raw)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(raw))), sql: statement.sql)
        }
    }

    struct Row {
        let raw: OpaquePointer
        var index: Int32 = 1

        init(raw: OpaquePointer) { self.raw = raw }

        mutating func int(_ value: Int64?) {
            if let value { sqlite3_bind_int64(raw, index, value) } else { sqlite3_bind_null(raw, index) }
            index += 1
        }

        mutating func double(_ value: Double?) {
            if let value { sqlite3_bind_double(raw, index, value) } else { sqlite3_bind_null(raw, index) }
            index += 1
        }

        mutating func text(_ value: String?) {
            // SQLITE_TRANSIENT: SQLite copies the bytes before the Swift string goes away.
            if let value { sqlite3_bind_text(raw, index, value, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self)) } else { sqlite3_bind_null(raw, index) }
            index += 1
        }

        mutating func blob(_ bytes: [UInt8]?) {
            if let bytes {
                bytes.withUnsafeBytes { buffer in
                    _ = sqlite3_bind_blob(raw, index, buffer.baseAddress, Int32(buffer.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
            } else {
                sqlite3_bind_null(raw, index)
            }
            index += 1
        }
    }
}

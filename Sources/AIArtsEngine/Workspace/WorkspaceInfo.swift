import Foundation
import GRDB

public struct WorkspaceInfo: Codable, Sendable, Equatable {
    public var path: String
    public var datasets: Int
    public var projects: Int
    public var tasks: Int
    public var models: Int
}

extension Workspace {
    public func info() throws -> WorkspaceInfo {
        try store.pool.read { db in
            func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            return WorkspaceInfo(path: root.path, datasets: try count("dataset"), projects: try count("project"),
                                 tasks: try count("task"), models: try count("model"))
        }
    }
}

import Foundation
import GRDB

/// A named place tasks run other than this machine: a Slurm partition (with an account, a QOS and a
/// node constraint). Stored in the `executor` table (migration v17-executors); docs/slurm.md.
public struct ExecutorRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "executor"
    public var name: String
    /// "slurm" (`ExecutorKind`).
    public var kind: String
    public var partition: String?
    public var account: String?
    public var qos: String?
    public var constraint: String?
    public var createdAt: Date

    public init(name: String, kind: ExecutorKind = .slurm, partition: String? = nil, account: String? = nil,
                qos: String? = nil, constraint: String? = nil, createdAt: Date = Date()) {
        self.name = name; self.kind = kind.rawValue
        self.partition = partition; self.account = account; self.qos = qos; self.constraint = constraint
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, partition, account, qos, constraint, createdAt
    }

    /// The sbatch options it adds to every job: `--partition`, `--account`, `--qos`, `--constraint`.
    var sbatchOptions: [String] {
        var out: [String] = []
        if let partition, !partition.isEmpty { out.append("--partition=\(partition)") }
        if let account, !account.isEmpty { out.append("--account=\(account)") }
        if let qos, !qos.isEmpty { out.append("--qos=\(qos)") }
        if let constraint, !constraint.isEmpty { out.append("--constraint=\(constraint)") }
        return out
    }
}

public enum ExecutorKind: String, Codable, Sendable, CaseIterable {
    case slurm
}

extension Workspace {
    /// Adds an executor. Refuses a bad or taken name, and values Slurm would not take, in one line.
    @discardableResult
    public func addExecutor(_ executor: ExecutorRecord) throws -> ExecutorRecord {
        try Self.checkExecutorName(executor.name)
        guard ExecutorKind(rawValue: executor.kind) != nil else {
            throw AIArtsError(.invalidArgument, "unknown executor kind '\(executor.kind)'; aiarts knows slurm")
        }
        for (option, value) in [("partition", executor.partition), ("account", executor.account), ("qos", executor.qos),
                                ("constraint", executor.constraint)] {
            guard let value else { continue }
            try Self.checkSlurmValue(option, value)
        }
        return try store.pool.write { db in
            if try ExecutorRecord.fetchOne(db, key: executor.name) != nil {
                throw AIArtsError(.conflict, "an executor named \(executor.name) exists already (`aiarts executor list`); remove it first or pick another name")
            }
            var record = executor
            for key in [\ExecutorRecord.partition, \.account, \.qos, \.constraint] where record[keyPath: key]?.isEmpty == true {
                record[keyPath: key] = nil
            }
            try record.insert(db)
            return record
        }
    }

    /// Every executor, by name.
    public func executors() throws -> [ExecutorRecord] {
        try store.pool.read { db in try ExecutorRecord.order(Column("name")).fetchAll(db) }
    }

    public func executor(named name: String) throws -> ExecutorRecord {
        guard let record = try store.pool.read({ db in try ExecutorRecord.fetchOne(db, key: name) }) else {
            throw AIArtsError(.notFound, "no executor named \(name) (see `aiarts executor list`; `aiarts executor add \(name) --slurm` adds one)")
        }
        return record
    }

    /// Removes an executor. Refused while tasks are queued or run on it (named), unless `force`;
    /// projects whose default it was fall back to this machine.
    public func removeExecutor(named name: String, force: Bool = false) throws {
        _ = try? refreshTasks()
        try store.pool.write { db in
            guard try ExecutorRecord.fetchOne(db, key: name) != nil else {
                throw AIArtsError(.notFound, "no executor named \(name) (see `aiarts executor list`)")
            }
            let live = try String.fetchAll(db, sql: """
                SELECT id FROM task WHERE executor = ? AND status IN (?, ?, ?, ?, ?) ORDER BY id
                """, arguments: [name, TaskStatus.starting.rawValue, TaskStatus.pending.rawValue, TaskStatus.running.rawValue,
                                 TaskStatus.paused.rawValue, TaskStatus.stopping.rawValue])
            if !live.isEmpty && !force {
                throw AIArtsError(.conflict, "\(live.joined(separator: ", ")) \(live.count == 1 ? "runs" : "run") on \(name); stop \(live.count == 1 ? "it" : "them") first (`aiarts task stop`), or remove with --force")
            }
            try db.execute(sql: "UPDATE project SET defaultExecutor = NULL WHERE defaultExecutor = ?", arguments: [name])
            _ = try ExecutorRecord.deleteOne(db, key: name)
        }
    }

    /// Sets the executor a project's tasks start on when `task start` names none; nil: this machine.
    public func setDefaultExecutor(project: String, name: String?) throws {
        if let name { _ = try executor(named: name) }
        try store.pool.write { db in
            guard try ProjectRecord.fetchOne(db, key: project) != nil else {
                throw AIArtsError(.notFound, "\(project) does not exist in this workspace (see `aiarts project list`)")
            }
            try db.execute(sql: "UPDATE project SET defaultExecutor = ? WHERE id = ?", arguments: [name, project])
        }
    }

    /// The executor a project's tasks start on by default (nil: this machine).
    public func defaultExecutor(project: String) throws -> String? {
        try store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT defaultExecutor FROM project WHERE id = ?", arguments: [project])
        }
    }

    static func checkExecutorName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 64,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == ".") }),
              name.first != "-", name != "local" else {
            throw AIArtsError(.invalidArgument, "'\(TerminalText.finalRedraw(name))' is not an executor name: use up to 64 letters, digits, '-', '_' or '.' (not 'local', which means this machine)")
        }
    }

    /// A partition, account, QOS or constraint goes to sbatch as one `--key=value` word: no spaces,
    /// quotes or controls.
    static func checkSlurmValue(_ option: String, _ value: String) throws {
        guard value.count <= 200, value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 && !"'\"\\`$;".unicodeScalars.contains($0) }) else {
            throw AIArtsError(.invalidArgument, "--\(option) '\(TerminalText.finalRedraw(value))' is not a Slurm name: no spaces, quotes or control characters")
        }
    }
}

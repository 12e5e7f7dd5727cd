import Foundation
import GRDB

/// Who is importing into a dataset: the process (pid and start time, so a reused pid is never
/// taken for it) and when it began.
public struct ImportOwner: Equatable, Sendable {
    public var identity: ProcessIdentity
    public var startedAt: Date

    public var isAlive: Bool { identity.isAlive }
}

/// What `dataset cancel` did.
public enum ImportCancel: Equatable, Sendable {
    /// A live import was asked to stop; it restores the dataset itself within a moment.
    case requested(ImportOwner)
    /// The import's process had already ended (SIGKILL, a crash, a power cut); the dataset was
    /// restored at once.
    case recovered(pid: Int32, status: String)
    /// No import is running.
    case notImporting
}

/// One import at a time per dataset, and recovery from an import whose process died
/// (docs/datasets.md, "Killed imports").
///
/// The claim is a row update in a write transaction: `importPid`/`importStartTime` name the
/// process, and the status the dataset had before is kept beside them, so whoever finds the
/// process dead can put it back. Staging folders are named after their process too
/// (`.staging/<id>-<pid>-<start>-<random>`), so leftovers of a dead import are told from a
/// running one's without asking the database.
extension Workspace {
    /// This process, as claims name it.
    static let ownIdentity: ProcessIdentity = ProcessIdentity.current(pid: getpid()) ?? ProcessIdentity(pid: getpid(), startTime: 0)

    /// Statuses only an import in progress sets.
    static let importingStatuses = [DatasetStatus.checking, .checked, .copying].map(\.rawValue)

    /// A dataset's claim and what it was before, as `claimImport` and recovery read it.
    static let claimStateSQL = """
        SELECT status, statusMessage, progress, inPlace, importPid, importStartTime, importStartedAt,
               importPreviousStatus, importPreviousMessage, importPreviousProgress,
               EXISTS(SELECT 1 FROM sample WHERE datasetId = dataset.id) AS hasSamples
        FROM dataset WHERE id = ?
        """

    /// Claims `id` for an import by this process, atomically: refused with `.conflict`, naming the
    /// running import, while another live import holds it; taken over when its holder is dead.
    func claimImport(_ id: String) throws {
        let me = Self.ownIdentity
        try store.pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard let row = try Row.fetchOne(db, sql: Self.claimStateSQL, arguments: [id]) else { throw AIArtsError.notFound(id) }
                let holder = Self.owner(row)
                if let holder, holder.isAlive {
                    throw AIArtsError(.conflict, "\(id) is already being imported by \(Self.describe(holder)); wait for it to finish, or stop it with `aiarts dataset cancel \(id)`")
                }
                // What to restore if this import dies too: the status before any import touched it.
                let previous = Self.statusBeforeImport(row)
                let oldPID: Int64? = row["importPid"], oldStart: Int64? = row["importStartTime"]
                try db.execute(sql: """
                    UPDATE dataset SET importPid = ?, importStartTime = ?, importStartedAt = ?,
                      importPreviousStatus = ?, importPreviousMessage = ?, importPreviousProgress = ?,
                      status = ?, statusMessage = ?, progress = 0, cancelRequested = 0
                    WHERE id = ? AND importPid IS ? AND importStartTime IS ?
                    """, arguments: [me.pid, Int64(clamping: me.startTime), Date(), previous.status, previous.message, previous.progress,
                                     DatasetStatus.checking.rawValue, "import starting", id, oldPID, oldStart])
                // The transaction already excludes other writers; the WHERE makes the claim safe on its own.
                guard db.changesCount == 1 else {
                    throw AIArtsError(.conflict, "\(id) was claimed by another import at the same moment; look at `aiarts dataset show \(id)`")
                }
                return .commit
            }
        }
    }

    /// SQL that ends this process's claim, for the UPDATE that writes an import's final status.
    static let releaseClaimSQL = """
        importPid = NULL, importStartTime = NULL, importStartedAt = NULL,
        importPreviousStatus = NULL, importPreviousMessage = NULL, importPreviousProgress = NULL
        """

    /// The running import of `id`, if any (its process may have died: see `isAlive`).
    public func importOwner(_ id: String) throws -> ImportOwner? {
        try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT importPid, importStartTime, importStartedAt FROM dataset WHERE id = ?", arguments: [id])
                .flatMap(Self.owner)
        }
    }

    /// Puts back every dataset whose import's process has ended without finishing (SIGKILL, a
    /// crash): its status before the import, with a note saying so; then removes staging folders
    /// no live process owns. Cheap when nothing needs it (one query); the workspace runs it when
    /// it opens, `dataset list`/`show` and `dataset cancel` too. Returns the ids restored.
    @discardableResult
    public func recoverInterruptedImports() throws -> [String] {
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, status, importPid, importStartTime, importStartedAt FROM dataset WHERE importPid IS NOT NULL OR status IN (?, ?, ?)",
                             arguments: StatementArguments(Self.importingStatuses))
        }
        // A live import is left alone without taking the write lock; the rest is checked again inside it.
        let candidates: [String] = rows.filter { Self.owner($0).map { !$0.isAlive } ?? true }.map { $0["id"] }
        let recovered = try candidates.filter { try recoverInterruptedImport($0) != nil }
        if !recovered.isEmpty { cleanImportStaging() }
        return recovered
    }

    /// Restores `id` when its import's process is dead; returns that pid (0 when the import left
    /// no owner: a workspace from before claims) and the restored status, nil when nothing to do.
    func recoverInterruptedImport(_ id: String) throws -> (pid: Int32, status: String)? {
        try store.pool.writeWithoutTransaction { db in
            var result: (pid: Int32, status: String)?
            try db.inTransaction(.immediate) {
                guard let row = try Row.fetchOne(db, sql: Self.claimStateSQL, arguments: [id]) else { return .commit }
                let holder = Self.owner(row)
                let status: String = row["status"]
                guard holder.map({ !$0.isAlive }) ?? Self.importingStatuses.contains(status) else { return .commit }
                let previous = Self.statusBeforeImport(row)
                let pid = holder?.identity.pid ?? 0
                let note = holder == nil ? "an earlier import was interrupted" : "the import was interrupted (process \(pid) ended)"
                try db.execute(sql: """
                    UPDATE dataset SET status = ?, statusMessage = ?, progress = ?, cancelRequested = 0, \(Self.releaseClaimSQL)
                    WHERE id = ?
                    """, arguments: [previous.status, "\(note); the dataset keeps what it had before", previous.progress, id])
                // Inside the transaction, so a concurrent recovery waits for the files too.
                if let holder { restoreSetAsideFiles(id, of: holder.identity) }
                result = (pid, previous.status)
                return .commit
            }
            if let result { recoveredImports.add(id, result) }
            return result
        }
    }

    /// The commit moves the dataset's files aside (`-old-`), moves the new ones in, then commits
    /// the records, releasing the claim in the same transaction. A claim still held by a dead
    /// process therefore means the records are the old ones: if its `-old-` folder is there, those
    /// are the files the records describe, and they go back into place (the new files are set
    /// aside as staging, which is then removed).
    func restoreSetAsideFiles(_ id: String, of dead: ProcessIdentity) {
        let fm = FileManager.default
        let staging = datasetsFolder.appendingPathComponent(".staging")
        let prefix = "\(id)-\(dead.pid)-\(dead.startTime)-old-"
        guard let names = try? fm.contentsOfDirectory(atPath: staging.path),
              let aside = names.first(where: { $0.hasPrefix(prefix) }) else { return }
        let folder = datasetsFolder.appendingPathComponent(id)
        do {
            if fm.fileExists(atPath: folder.path) {
                try fm.moveItem(at: folder, to: staging.appendingPathComponent("\(id)-\(dead.pid)-\(dead.startTime)-new-\(UUID().uuidString.prefix(8))"))
            }
            try fm.moveItem(at: staging.appendingPathComponent(aside), to: folder)
        } catch {
            log.warning("cannot put \(id)'s files back from \(aside): \(error)")
        }
    }

    /// Removes `datasets/.staging` entries whose process is gone: partial copies of killed
    /// imports. A dead import's `-old-` folder (the dataset's previous files, moved aside inside
    /// the commit) goes back into place if the dataset folder is missing, never deleted then.
    /// Failures are only logged.
    func cleanImportStaging() {
        let fm = FileManager.default
        let staging = datasetsFolder.appendingPathComponent(".staging")
        guard let names = try? fm.contentsOfDirectory(atPath: staging.path) else { return }
        for name in names {
            if let owner = Self.stagingOwner(name), owner.isAlive { continue }
            let url = staging.appendingPathComponent(name)
            let datasetID = String(name.prefix { $0 != "-" })
            let folder = datasetsFolder.appendingPathComponent(datasetID)
            do {
                if name.contains("-old-"), !datasetID.isEmpty, !fm.fileExists(atPath: folder.path) {
                    try fm.moveItem(at: url, to: folder)
                } else {
                    try fm.removeItem(at: url)
                }
            } catch {
                log.warning("cannot clean \(url.path): \(error)")
            }
        }
    }

    /// `<id>-<pid>-<start>-...` → the owner; nil for names without one (made before owners were
    /// recorded: no live import can own those, since every import now names itself).
    static func stagingOwner(_ name: String) -> ProcessIdentity? {
        let parts = name.split(separator: "-", maxSplits: 3)
        guard parts.count >= 3, let pid = Int32(parts[1]), let start = UInt64(parts[2]) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    /// A staging folder name for this process's import into `id`.
    static func stagingName(_ id: String, kind: String = "") -> String {
        let me = ownIdentity
        return "\(id)-\(me.pid)-\(me.startTime)-\(kind)\(UUID().uuidString.prefix(8))"
    }

    private static func owner(_ row: Row) -> ImportOwner? {
        guard let pid: Int64 = row["importPid"], let start: Int64 = row["importStartTime"],
              let pid32 = Int32(exactly: pid), start >= 0 else { return nil }
        return ImportOwner(identity: ProcessIdentity(pid: pid32, startTime: UInt64(start)),
                           startedAt: row["importStartedAt"] ?? Date(timeIntervalSince1970: 0))
    }

    /// The status to restore: the one kept by the claim; for an import status with no claim (a
    /// workspace from before claims), `copied` (`registered` in place) when it holds samples, else `empty`.
    private static func statusBeforeImport(_ row: Row) -> (status: String, message: String, progress: Double) {
        if let status: String = row["importPreviousStatus"] {
            return (status, row["importPreviousMessage"] ?? "", row["importPreviousProgress"] ?? 0)
        }
        let status: String = row["status"]
        if importingStatuses.contains(status) {
            let has: Bool = row["hasSamples"], inPlace: Bool = row["inPlace"]
            let imported: DatasetStatus = inPlace ? .registered : .copied
            return has ? (imported.rawValue, "", 1) : (DatasetStatus.empty.rawValue, "", 0)
        }
        return (status, row["statusMessage"], row["progress"])
    }

    static func describe(_ owner: ImportOwner) -> String {
        let mine = owner.identity == ownIdentity ? ", this process" : ""
        return "pid \(owner.identity.pid)\(mine), started \(owner.startedAt.formatted(.iso8601))"
    }
}

/// Imports this workspace object restored, so that a `dataset cancel` right after the open that
/// restored one can still say what happened to it.
final class RecoveredImports: @unchecked Sendable {
    private let lock = NSLock()
    private var byID: [String: (pid: Int32, status: String)] = [:]

    func add(_ id: String, _ what: (pid: Int32, status: String)) { lock.withLock { byID[id] = what } }

    /// What was restored for `id`, once.
    func take(_ id: String) -> (pid: Int32, status: String)? { lock.withLock { byID.removeValue(forKey: id) } }
}

import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// An import killed at any moment, and two imports at once (docs/datasets.md, "Killed imports").
/// The killed import is the state `aiarts dataset import` leaves when SIGKILLed mid-copy (claim
/// rows and a staging folder named after a process that is gone); e2e/cli.sh kills a real one.
@Suite struct ImportKillTests {
    /// A process that has ended and been reaped: its identity names nobody any more.
    static func deadIdentity() throws -> ProcessIdentity {
        let folder = TempFolder("aiarts-dead")
        let p = try DetachedProcess.launch(executable: "/bin/true", arguments: [], environment: ["PATH": "/usr/bin:/bin"],
                                           workingDirectory: folder.url, logFile: folder.path("log"))
        #expect(ExitWatcher.waitForExit(p.identity, timeout: .seconds(5)) == .exited(code: 0))
        #expect(!p.identity.isAlive)
        return p.identity
    }

    /// Writes what a killed import leaves: its claim, an import status, and a partial staging copy.
    static func simulateKilledImport(_ ws: Workspace, _ id: String, by dead: ProcessIdentity, previous: String,
                                     status: DatasetStatus = .copying) throws -> URL {
        try ws.store.pool.write { db in
            try db.execute(sql: """
                UPDATE dataset SET importPid = ?, importStartTime = ?, importStartedAt = ?, importPreviousStatus = ?,
                  importPreviousMessage = 'before', importPreviousProgress = ?, status = ?, statusMessage = 'copying 3/500', progress = 0.3
                WHERE id = ?
                """, arguments: [dead.pid, Int64(dead.startTime), Date(), previous, previous == "copied" ? 1.0 : 0.0, status.rawValue, id])
        }
        let staging = ws.root.appendingPathComponent("datasets/.staging/\(id)-\(dead.pid)-\(dead.startTime)-1a2b3c4d")
        try FileManager.default.createDirectory(at: staging.appendingPathComponent("content/cat"), withIntermediateDirectories: true)
        try Fixtures.jpeg().write(to: staging.appendingPathComponent("content/cat/0.jpg"))
        return staging
    }

    static func stagingEntries(_ ws: Workspace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: ws.root.appendingPathComponent("datasets/.staging").path)) ?? []).sorted()
    }

    @Test func killedImportIsRestoredWhenTheWorkspaceOpens() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let id = try ws.createDataset(name: "d", type: .classification).id
        let dead = try Self.deadIdentity()
        let partial = try Self.simulateKilledImport(ws, id, by: dead, previous: "empty")
        // A live import's staging folder (this process's) is kept; a nameless old one is not.
        let live = ws.root.appendingPathComponent("datasets/.staging/\(Workspace.stagingName("D0099"))")
        let legacy = ws.root.appendingPathComponent("datasets/.staging/\(id)-deadbeef")
        for folder in [live, legacy] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

        let reopened = try Workspace(root: ws.root)
        let record = try reopened.dataset(id)
        #expect(record.status == "empty")
        #expect(record.statusMessage.contains("the import was interrupted (process \(dead.pid) ended)"), "\(record.statusMessage)")
        #expect(record.progress == 0)
        #expect(try reopened.importOwner(id) == nil)
        #expect(!FileManager.default.fileExists(atPath: partial.path))
        #expect(Self.stagingEntries(reopened) == [live.lastPathComponent])
        // `dataset cancel` opens the workspace first; it still says what happened, once.
        #expect(try reopened.requestCancel(id) == .recovered(pid: dead.pid, status: "empty"))
        #expect(try reopened.requestCancel(id) == .notImporting)
        _ = _folder
    }

    /// `dataset cancel` on a dead import puts it back at once, and `dataset show` (summary) finds
    /// one on its own; a dataset that had images before keeps them.
    @Test func cancelAndShowRestoreADeadImport() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        for i in 0..<3 { src.write("cat/\(i).jpg", Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "d", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        let dead = try Self.deadIdentity()

        let partial = try Self.simulateKilledImport(ws, id, by: dead, previous: "copied")
        #expect(try ws.requestCancel(id) == .recovered(pid: dead.pid, status: "copied"))
        var summary = try ws.summary(id)
        #expect(summary.status == "copied" && summary.images == 3 && summary.progress == 1)
        #expect(!FileManager.default.fileExists(atPath: partial.path))
        #expect(try ws.requestCancel(id) == .notImporting)

        _ = try Self.simulateKilledImport(ws, id, by: dead, previous: "copied", status: .checking)
        summary = try ws.summary(id)
        #expect(summary.status == "copied" && summary.statusMessage.contains("interrupted"))
        #expect(Self.stagingEntries(ws).isEmpty)
        _ = _folder
    }

    /// Killed inside the final swap: the dataset's files were moved aside and the new ones moved
    /// in, but the records were not committed (the claim is still held). The records are the old
    /// ones, so the old files go back; nothing of the dataset is deleted.
    @Test func killedCommitPutsTheMatchingFilesBack() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        for i in 0..<2 { src.write("cat/\(i).jpg", Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "d", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        let dead = try Self.deadIdentity()
        _ = try Self.simulateKilledImport(ws, id, by: dead, previous: "copied")
        let fm = FileManager.default
        let folder = ws.root.appendingPathComponent("datasets/\(id)")
        try fm.moveItem(at: folder, to: ws.root.appendingPathComponent("datasets/.staging/\(id)-\(dead.pid)-\(dead.startTime)-old-0badf00d"))
        try fm.createDirectory(at: folder.appendingPathComponent("dog"), withIntermediateDirectories: true)
        try Fixtures.jpeg().write(to: folder.appendingPathComponent("dog/9.jpg"))

        let reopened = try Workspace(root: ws.root)
        let summary = try reopened.summary(id)
        #expect(summary.status == "copied" && summary.images == 2)
        #expect(fm.fileExists(atPath: folder.appendingPathComponent("cat/0.jpg").path))
        #expect(fm.fileExists(atPath: folder.appendingPathComponent("cat/1.jpg").path))
        #expect(!fm.fileExists(atPath: folder.appendingPathComponent("dog/9.jpg").path))
        #expect(Self.stagingEntries(reopened).isEmpty)
        _ = _folder
    }

    /// Two imports into one dataset: the second is refused at once, naming the first (pid and
    /// start time), and the first completes untouched. Once it ends, imports are allowed again.
    @Test func secondImportIsRefusedNamingTheRunningOne() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let other = try Workspace(root: ws.root)  // its own connections, as another process has
        let first = TempFolder(), second = TempFolder()
        for i in 0..<20 { first.write("cat/\(i).jpg", Fixtures.jpeg()) }
        for i in 0..<5 { second.write("dog/\(i).jpg", Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "d", type: .classification).id

        let checking = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)
        let once = ErrorBox()
        let job = ws.startImport(id, from: first.url, format: .imagenet, onProgress: { p in
            guard p.phase == .checking, once.count == 0 else { return }
            once.add(CancellationError())
            checking.signal()
            proceed.wait()  // holds the first import mid-check
        })
        #expect(checking.wait(timeout: .now() + 10) == .success)
        let owner = try #require(try other.importOwner(id))
        #expect(owner.identity == Workspace.ownIdentity)

        let refused = #expect(throws: AIArtsError.self) { try other.importDataset(id, from: second.url, format: .imagenet) }
        #expect(refused?.kind == .conflict)
        #expect(refused?.message.contains("pid \(getpid())") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("started") == true)
        #expect(try other.dataset(id).status == "checking", "the refused import must not touch the running one's status")

        proceed.signal()
        let result = try job.wait()
        #expect(result.images == 20)
        #expect(try ws.summary(id).labels.map(\.name) == ["cat"])
        #expect(try ws.importOwner(id) == nil)
        #expect(try other.importDataset(id, from: second.url, format: .imagenet).images == 5)
        _ = _folder
    }

    /// Many imports racing for one dataset from separate connections: exactly one runs, every
    /// other is refused, and the dataset ends with that one's images.
    @Test func concurrentClaimsLetExactlyOneThrough() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let id = try ws.createDataset(name: "d", type: .classification).id
        let workspaces = try (0..<6).map { _ in try Workspace(root: ws.root) }
        let wins = ErrorBox(), refusals = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: workspaces.count) { i in
            do { try workspaces[i].claimImport(id); wins.add(CancellationError()) } catch { refusals.add(error) }
        }
        #expect(wins.count == 1 && refusals.count == workspaces.count - 1)
        _ = _folder
    }

    /// A claim left by a dead process does not block a new import: it is taken over, and what the
    /// dataset was before the dead import is still what a later failure would restore.
    @Test func deadClaimIsTakenOver() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        for i in 0..<4 { src.write("cat/\(i).jpg", Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "d", type: .classification).id
        let dead = try Self.deadIdentity()
        _ = try Self.simulateKilledImport(ws, id, by: dead, previous: "empty")
        try ws.claimImport(id)
        let row = try #require(try ws.store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT importPid, importPreviousStatus FROM dataset WHERE id = ?", arguments: [id])
        })
        #expect(row["importPid"] == Int64(getpid()))
        #expect(row["importPreviousStatus"] == "empty")
        try ws.store.pool.write { db in
            try db.execute(sql: "UPDATE dataset SET \(Workspace.releaseClaimSQL), status = 'empty' WHERE id = ?", arguments: [id])
        }
        #expect(try ws.importDataset(id, from: src.url, format: .imagenet).images == 4)
        _ = _folder
    }
}

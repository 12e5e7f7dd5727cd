import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// Work is never deleted without a word: re-imports over review work, project deletion, a
/// mistyped workspace folder, a read-only workspace.
@Suite struct WorkDeletedTests {
    @Test func reimportOverReviewDecisionsIsRefusedWithoutReplace() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, src) = try ReviewFixtures.classification(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img0.jpg"])
        try ws.reviewDecide(sample, .setClass(try ReviewFixtures.labelIndex(ws, id, "dog")), reviewer: "alice")

        let error = #expect(throws: AIArtsError.self) { try ws.importDataset(id, from: src.url, format: .imagenet) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("1 review decision") == true)
        #expect(error?.message.contains("--replace") == true)
        // Refused before anything changed: the decision and the corrected label stand.
        #expect(try ReviewFixtures.contentLabels(ws, id)["img0.jpg"] == ["dog"])
        #expect(try ws.reviewItem(sample).state?.reviewer == "alice")

        let result = try ws.importDataset(id, from: src.url, format: .imagenet, replace: true)
        #expect(result.message.contains("dropped 1 review decision"))
        #expect(try ReviewFixtures.contentLabels(ws, id)["img0.jpg"] == ["cat"])
        _ = _folder
    }

    @Test func reimportMakesASplitMadeHereAgainAndSaysSo() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, src) = try ReviewFixtures.classification(ws)
        let first = try ws.split(id, val: 0.34, test: 0, seed: 7)
        let result = try ws.importDataset(id, from: src.url, format: .imagenet)
        #expect(result.message.contains("split again with seed 7"))
        #expect(try ws.summary(id).splits == first)
        _ = _folder
    }

    @Test func projectWithTasksIsDeletedOnlyWithForceAndTheDeletionIsListed() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let dataset = try ws.createDataset(name: "d", type: .classification).id
        let project = try ws.createProject(name: "p", type: .classification, datasetID: dataset).id
        let task = try ws.createTask(projectID: project, trainer: .command, params: ["command": "true"]).id
        let checkpoint = ws.taskFolder(task).appendingPathComponent("checkpoints/epoch_1")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try Data(count: 1000).write(to: checkpoint.appendingPathComponent("model.bin"))

        let error = #expect(throws: AIArtsError.self) { try ws.deleteProject(project, force: false) }
        #expect(error?.message.contains("1 task (\(task)) with 1 checkpoint") == true)
        #expect(FileManager.default.fileExists(atPath: checkpoint.path))
        #expect(try ws.project(project).id == project)

        let deleted = try ws.deleteProject(project, force: true)
        #expect(deleted.tasks == [task])
        #expect(deleted.checkpoints == 1)
        #expect(deleted.bytes >= 1000)
        #expect(!FileManager.default.fileExists(atPath: ws.taskFolder(task).path))
        // A project without tasks needs no flag.
        let empty = try ws.createProject(name: "q", type: .classification, datasetID: dataset).id
        #expect(try ws.deleteProject(empty, force: false).tasks.isEmpty)
        _ = _folder
    }

    @Test func aWorkspaceIsMadeOnlyInAMissingOrEmptyFolder() throws {
        let folder = TempFolder()
        #expect(WorkspaceFolder.inspect(folder.path("missing")) == .new)
        #expect(try WorkspaceFolder.check(folder.path("missing")))
        try FileManager.default.createDirectory(at: folder.path("empty"), withIntermediateDirectories: true)
        #expect(try WorkspaceFolder.check(folder.path("empty")))
        folder.write("photos/a.jpg", "x")
        folder.write("photos/b.jpg", "y")
        let error = #expect(throws: AIArtsError.self) { try WorkspaceFolder.check(folder.path("photos")) }
        #expect(error?.message.contains("not an aiarts workspace") == true)
        #expect(error?.message.contains("2 entries") == true)
        _ = try Workspace(root: folder.path("empty"))
        #expect(WorkspaceFolder.inspect(folder.path("empty")) == .workspace(readOnly: false))
        #expect(try WorkspaceFolder.check(folder.path("empty")) == false)
    }

    @Test func aReadOnlyStoreReadsAndRefusesWritesInPlainWords() throws {
        let (ws, folder) = try Fixtures.workspace()
        let id = try ws.createDataset(name: "kept", type: .classification).id
        let path = ws.root.appendingPathComponent("aiarts.sqlite").path
        let store = try Store(path: path, readOnly: true)
        #expect(try store.pool.read { try String.fetchOne($0, sql: "SELECT name FROM dataset WHERE id = ?", arguments: [id]) } == "kept")
        do {
            try store.pool.write { try $0.execute(sql: "UPDATE dataset SET name = 'x'") }
            Issue.record("a write to a read-only store went through")
        } catch {
            let plain = try #require(AIArtsError.plain(error) as? AIArtsError)
            #expect(plain.message.contains("read-only"))
            #expect(!plain.message.contains("SQLite error"))
        }
        _ = folder
    }

    @Test func cancellationReadsAsCancelled() {
        let plain = AIArtsError.plain(CancellationError()) as? AIArtsError
        #expect(plain == AIArtsError(.cancelled, "cancelled"))
    }
}

import Foundation
import Testing
@testable import AIArtsEngine

/// Undo and redo of review decisions: per reviewer, persistent, refused on a sample changed since.
@Suite struct ReviewUndoTests {
    @Test func undoAndRedoRestoreLabelsStateAndCounts() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.detection(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img0.jpg"])
        let original = try ws.reviewItem(sample)
        let counts = try ReviewFixtures.labelCounts(ws, id)
        let box = try #require(original.boxes.first)

        try ws.reviewDecide(sample, .deleteBox(annotationId: box.annotationId), reviewer: "alice")
        let afterDelete = try ws.reviewItem(sample)
        try ws.reviewDecide(sample, .flag, reviewer: "alice")

        #expect(try ws.reviewUndo(datasetId: id, reviewer: "alice") == sample)
        #expect(try ws.reviewItem(sample).state?.status == .reviewed)
        #expect(try ws.reviewItem(sample).boxes == afterDelete.boxes)
        #expect(try ws.reviewUndo(datasetId: id, reviewer: "alice") == sample)
        let restored = try ws.reviewItem(sample)
        #expect(restored.boxes == original.boxes)  // the same annotation ids come back
        #expect(restored.state == nil)
        #expect(try ReviewFixtures.labelCounts(ws, id) == counts)
        #expect(try ws.reviewUndo(datasetId: id, reviewer: "alice") == nil)

        #expect(try ws.reviewRedo(datasetId: id, reviewer: "alice") == sample)
        #expect(try ws.reviewItem(sample).boxes == afterDelete.boxes)
        #expect(try ws.reviewRedo(datasetId: id, reviewer: "alice") == sample)
        #expect(try ws.reviewItem(sample).state?.status == .flagged)
        #expect(try ws.reviewRedo(datasetId: id, reviewer: "alice") == nil)
        #expect(try ws.reviewSummary(id).reviewers.first?.decisions == 2)
        _ = (_folder, _src)
    }

    @Test func aNewDecisionClearsTheRedoHistory() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let a = try #require(ids["img0.jpg"]), b = try #require(ids["img1.jpg"]), c = try #require(ids["img2.jpg"])
        try ws.reviewDecide(a, .accept, reviewer: "alice")
        try ws.reviewDecide(b, .flag, reviewer: "alice")
        #expect(try ws.reviewUndo(datasetId: id, reviewer: "alice") == b)
        try ws.reviewDecide(c, .markBad, reviewer: "alice")
        #expect(try ws.reviewRedo(datasetId: id, reviewer: "alice") == nil)
        #expect(try ws.reviewUndo(datasetId: id, reviewer: "alice") == c)
        // The redo is the undone decision on c, never the one on b dropped before it.
        #expect(try ws.reviewRedo(datasetId: id, reviewer: "alice") == c)
        #expect(try ws.reviewItem(b).state == nil)
        _ = (_folder, _src)
    }

    @Test func undoWorksInAnotherWorkspaceInstanceAndPerReviewer() throws {
        let (ws, folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let a = try #require(ids["img0.jpg"]), b = try #require(ids["img1.jpg"])
        let bird = try ReviewFixtures.labelIndex(ws, id, "bird")
        try ws.reviewDecide(a, .setClass(bird), reviewer: "alice")
        try ws.reviewDecide(b, .accept, reviewer: "bob")

        // As after a restart: a fresh instance on the same folder.
        let later = try Workspace(root: folder.url)
        #expect(try later.reviewUndo(datasetId: id, reviewer: "alice") == a)
        #expect(try later.reviewItem(a).state == nil)
        #expect(try ReviewFixtures.contentLabels(later, id)["img0.jpg"] == ["cat"])
        #expect(try later.reviewItem(b).state?.reviewer == "bob")  // bob's decision stands

        let again = try Workspace(root: folder.url)
        #expect(try again.reviewRedo(datasetId: id, reviewer: "alice") == a)
        #expect(try ReviewFixtures.contentLabels(again, id)["img0.jpg"] == ["bird"])
        #expect(try again.reviewItem(a).state?.changed == true)
        _ = _src
    }

    @Test func undoIsRefusedWhenSomeoneElseChangedTheSampleSince() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img0.jpg"])
        let bird = try ReviewFixtures.labelIndex(ws, id, "bird"), dog = try ReviewFixtures.labelIndex(ws, id, "dog")
        try ws.reviewDecide(sample, .setClass(bird), reviewer: "alice")
        try ws.reviewDecide(sample, .setClass(dog), reviewer: "bob")
        do {
            _ = try ws.reviewUndo(datasetId: id, reviewer: "alice")
            Issue.record("undo over bob's change went through")
        } catch let error as AIArtsError {
            #expect(error.kind == .conflict)
            #expect(error.message.contains("bob"))
        }
        #expect(try ReviewFixtures.contentLabels(ws, id)["img0.jpg"] == ["dog"])
        // Once bob undoes his, alice's undo goes through.
        #expect(try ws.reviewUndo(datasetId: id, reviewer: "bob") == sample)
        #expect(try ws.reviewUndo(datasetId: id, reviewer: "alice") == sample)
        #expect(try ReviewFixtures.contentLabels(ws, id)["img0.jpg"] == ["cat"])
        _ = (_folder, _src)
    }

    @Test func reviewEventsAreIndexedBySample() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let indexes = try ws.store.pool.read { db in try db.indexes(on: "reviewEvent").map(\.name) }
        #expect(indexes.contains("reviewEvent_sample"))
        _ = _folder
    }
}

import Foundation
import Synchronization
import Testing
@testable import AIArtsEngine

/// Review decisions: labels edited in place, review state, label counts, exports and bad samples.
@Suite struct ReviewDecisionTests {
    @Test func settingAClassChangesTheLabelEverywhere() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img0.jpg"])
        let dog = try ReviewFixtures.labelIndex(ws, id, "dog")
        #expect(try ReviewFixtures.labelCounts(ws, id) == ["bird": 2, "cat": 2, "dog": 2])

        let item = try ws.reviewDecide(sample, .setClass(dog), reviewer: "alice")
        #expect(item.boxes.map(\.labelIndex) == [dog])
        #expect(item.state?.status == .reviewed)
        #expect(item.state?.changed == true)
        #expect(item.state?.reviewer == "alice")
        #expect(try ReviewFixtures.labelCounts(ws, id) == ["bird": 2, "cat": 1, "dog": 3])
        #expect(try ReviewFixtures.contentLabels(ws, id)["img0.jpg"] == ["dog"])
        #expect(try ws.details(id).labelFiles["dog"]?.contains { $0.hasSuffix("img0.jpg") } == true)

        // Every export carries the corrected label.
        let out = TempFolder()
        try ws.exportDataset(id, format: .imagenet, to: out.path("export"))
        #expect(FileManager.default.fileExists(atPath: out.path("export/dog/img0.jpg").path))
        #expect(!FileManager.default.fileExists(atPath: out.path("export/cat/img0.jpg").path))
        // And so does the training manifest (which lists split samples).
        try ws.split(id, val: 0.34, test: 0, seed: 1)
        let manifest = try ws.writeTrainingManifest(dataset: id, to: out.path("dataset.json"))
        let entry = try #require(manifest.splits.values.joined().first { $0.file.hasSuffix("img0.jpg") })
        #expect(entry.label == dog)

        // Setting it back: the labels are the imported ones again, so no longer changed.
        let cat = try ReviewFixtures.labelIndex(ws, id, "cat")
        #expect(try ws.reviewDecide(sample, .setClass(cat), reviewer: "alice").state?.changed == false)
        #expect(try ReviewFixtures.labelCounts(ws, id) == ["bird": 2, "cat": 2, "dog": 2])
        _ = (_folder, _src)
    }

    @Test func acceptFlagAndNoteKeepTheLabels() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let a = try #require(ids["img1.jpg"]), b = try #require(ids["img2.jpg"]), c = try #require(ids["img3.jpg"])
        #expect(try ws.reviewDecide(a, .accept, reviewer: "alice").state?.status == .reviewed)
        #expect(try ws.reviewDecide(b, .flag, reviewer: "alice").state?.status == .flagged)
        let noted = try ws.reviewDecide(b, .note("  blurry, ask again  "), reviewer: "alice")
        #expect(noted.state?.note == "blurry, ask again")
        #expect(noted.state?.status == .flagged)
        #expect(try ws.reviewDecide(c, .note("looked"), reviewer: "alice").state?.status == .reviewed)
        #expect(try ReviewFixtures.labelCounts(ws, id) == ["bird": 2, "cat": 2, "dog": 2])
        #expect(try ws.reviewItem(a).state?.changed == false)
        _ = (_folder, _src)
    }

    @Test func boxEditsAreClampedCountedAndExported() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.detection(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img0.jpg"])
        let bird = try ReviewFixtures.labelIndex(ws, id, "bird"), cat = try ReviewFixtures.labelIndex(ws, id, "cat")
        let dog = try ReviewFixtures.labelIndex(ws, id, "dog")
        let item = try ws.reviewItem(sample)
        #expect(item.size == ImageSize(width: 120, height: 90))
        #expect(item.boxes.count == 2)
        let catBox = try #require(item.boxes.first { $0.labelIndex == cat })
        let birdBox = try #require(item.boxes.first { $0.labelIndex == bird })

        // Moving past the image's edges clamps the box to it.
        let moved = try ws.reviewDecide(sample, .moveBox(annotationId: catBox.annotationId, Box(x: -10, y: 50, width: 60, height: 60)), reviewer: "alice")
        #expect(moved.boxes.first { $0.annotationId == catBox.annotationId }?.box == Box(x: 0, y: 50, width: 50, height: 40))
        #expect(moved.state?.changed == true)

        // A box with less than a pixel left is refused, and nothing is saved.
        #expect(throws: AIArtsError.self) {
            try ws.reviewDecide(sample, .moveBox(annotationId: catBox.annotationId, Box(x: 119.5, y: 10, width: 30, height: 30)), reviewer: "alice")
        }
        #expect(throws: AIArtsError.self) {
            try ws.reviewDecide(sample, .addBox(labelIndex: dog, Box(x: 10, y: 10, width: 0.5, height: 30)), reviewer: "alice")
        }
        #expect(try ws.reviewItem(sample).boxes == moved.boxes)

        let relabelled = try ws.reviewDecide(sample, .setBoxClass(annotationId: catBox.annotationId, labelIndex: dog), reviewer: "alice")
        #expect(relabelled.boxes.first { $0.annotationId == catBox.annotationId }?.labelIndex == dog)
        let deleted = try ws.reviewDecide(sample, .deleteBox(annotationId: birdBox.annotationId), reviewer: "alice")
        #expect(deleted.boxes.map(\.annotationId) == [catBox.annotationId])
        let added = try ws.reviewDecide(sample, .addBox(labelIndex: cat, Box(x: 100, y: 60, width: 40, height: 40)), reviewer: "alice")
        #expect(added.boxes.count == 2)
        #expect(added.boxes.last?.box == Box(x: 100, y: 60, width: 20, height: 30))
        #expect(added.boxes.last?.labelIndex == cat)

        // Was cat 2, dog 2, bird 4: the cat box became a dog, a bird went, a cat came.
        #expect(try ReviewFixtures.labelCounts(ws, id) == ["bird": 3, "cat": 2, "dog": 3])
        #expect(try ws.summary(id).annotations == 8)

        // A VOC export carries the corrected boxes.
        let out = TempFolder()
        try ws.exportDataset(id, format: .voc, to: out.path("export"))
        let copy = try ws.createDataset(name: "copy", type: .detection).id
        try ws.importDataset(copy, from: out.path("export"), format: .voc)
        let (content, _) = try ws.content(copy)
        let exported = try #require(content.samples.first { $0.path.hasSuffix("img0.jpg") })
        let objects = exported.annotations.map { "\(content.labels[$0.labelIndex]) \($0.box.map { [$0.x, $0.y, $0.width, $0.height] } ?? [])" }.sorted()
        #expect(objects == ["cat [100.0, 60.0, 20.0, 30.0]", "dog [0.0, 50.0, 50.0, 40.0]"])
        _ = (_folder, _src)
    }

    @Test func wrongDecisionsGiveClearErrors() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (det, _src) = try ReviewFixtures.detection(ws)
        let (cls, _src2) = try ReviewFixtures.classification(ws)
        let box = try #require(try ReviewFixtures.samples(ws, det)["img1.jpg"])
        let image = try #require(try ReviewFixtures.samples(ws, cls)["img1.jpg"])
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let error as AIArtsError { return error.message } catch { return "\(error)" }
        }
        #expect(message { try ws.reviewDecide(999_999, .accept) }.contains("does not exist"))
        #expect(message { try ws.reviewDecide(box, .setClass(0)) }.contains("detection dataset"))
        #expect(message { try ws.reviewDecide(image, .deleteBox(annotationId: 1)) }.contains("classification dataset"))
        #expect(message { try ws.reviewDecide(box, .deleteBox(annotationId: 999_999)) }.contains("annotation 999999"))
        #expect(message { try ws.reviewDecide(image, .setClass(7)) }.contains("out of range"))
        #expect(message { try ws.reviewDecide(box, .addBox(labelIndex: 0, Box(x: .nan, y: 0, width: 10, height: 10))) }.contains("not a number"))
        #expect(try ws.reviewSummary(det).reviewers.isEmpty)
        _ = (_folder, _src, _src2)
    }

    @Test func badSamplesAreLeftOutOfTrainingAndExports() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img2.jpg"])
        try ws.reviewDecide(sample, .markBad, reviewer: "alice")
        #expect(try ws.content(id).0.samples.count == 5)
        #expect(try ws.content(id, includingBad: true).0.samples.count == 6)
        #expect(try ReviewFixtures.contentLabels(ws, id)["img2.jpg"] == nil)
        let out = TempFolder()
        try ws.exportDataset(id, format: .imagenet, to: out.path("export"))
        #expect(!FileManager.default.fileExists(atPath: out.path("export/bird/img2.jpg").path))
        #expect(FileManager.default.fileExists(atPath: out.path("export/bird/img5.jpg").path))
        try ws.split(id, val: 0.34, test: 0, seed: 1)
        let manifest = try ws.writeTrainingManifest(dataset: id, to: out.path("dataset.json"))
        #expect(manifest.splits.values.joined().count == 5)
        #expect(!manifest.splits.values.joined().contains { $0.file.hasSuffix("img2.jpg") })
        // It stays in the review, where it can be set right again.
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id, status: .bad), order: .dataset) == [sample])
        try ws.reviewDecide(sample, .accept, reviewer: "alice")
        #expect(try ws.content(id).0.samples.count == 6)
        _ = (_folder, _src)
    }

    @Test func decisionsAreSavedForAnotherWorkspaceInstance() throws {
        let (ws, folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.detection(ws)
        let sample = try #require(try ReviewFixtures.samples(ws, id)["img2.jpg"])
        let first = try #require(try ws.reviewItem(sample).boxes.first)
        try ws.reviewDecide(sample, .deleteBox(annotationId: first.annotationId), reviewer: "alice")
        try ws.reviewDecide(sample, .note("one box was a shadow"), reviewer: "alice")

        let other = try Workspace(root: folder.url)
        let item = try other.reviewItem(sample)
        #expect(item.boxes.count == 1)
        #expect(item.state?.note == "one box was a shadow")
        #expect(item.state?.changed == true)
        #expect(try other.reviewSummary(id).reviewed == 1)
        _ = _src
    }

    @Test func theSummaryCountsByReviewer() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let dog = try ReviewFixtures.labelIndex(ws, id, "dog")
        try ws.reviewDecide(try #require(ids["img0.jpg"]), .setClass(dog), reviewer: "alice")
        try ws.reviewDecide(try #require(ids["img1.jpg"]), .accept, reviewer: "alice")
        try ws.reviewDecide(try #require(ids["img2.jpg"]), .flag, reviewer: "bob")
        try ws.reviewDecide(try #require(ids["img3.jpg"]), .markBad, reviewer: "bob")
        try ws.reviewDecide(try #require(ids["img3.jpg"]), .note("dark"), reviewer: "bob")
        let s = try ws.reviewSummary(id)
        #expect(s.samples == 6)
        #expect(s.reviewed == 2)
        #expect(s.changed == 1)
        #expect(s.flagged == 1)
        #expect(s.bad == 1)
        #expect(s.unreviewed == 2)
        #expect(s.reviewers.map(\.reviewer) == ["alice", "bob"])
        let alice = s.reviewers[0], bob = s.reviewers[1]
        #expect((alice.reviewed, alice.changed, alice.flagged, alice.bad, alice.decisions) == (2, 1, 0, 0, 2))
        #expect((bob.reviewed, bob.changed, bob.flagged, bob.bad, bob.decisions) == (0, 0, 1, 1, 3))
        #expect(bob.lastAt != nil)
        _ = (_folder, _src)
    }

    @Test func queuesNarrowByLabelSplitStatusAndSavedFilter() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        try ws.split(id, val: 0.5, test: 0, seed: 3)
        let ids = try ReviewFixtures.samples(ws, id)
        let all = try ws.reviewQueue(ReviewScope(datasetId: id), order: .dataset)
        #expect(all.count == 6)
        #expect(try all.map { try ws.reviewItem($0).path } == all.map { try ws.reviewItem($0).path }.sorted())
        let cats = try ws.reviewQueue(ReviewScope(datasetId: id, label: "cat"), order: .dataset)
        #expect(Set(cats) == [ids["img0.jpg"], ids["img3.jpg"]])
        let val = try ws.reviewQueue(ReviewScope(datasetId: id, split: .val), order: .dataset)
        #expect(val.count == 3)
        #expect(try val.allSatisfy { try ws.reviewItem($0).split == .val })

        let sample = try #require(ids["img0.jpg"])
        try ws.reviewDecide(sample, .flag, reviewer: "alice")
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id, status: .flagged), order: .dataset) == [sample])
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id, status: .unreviewed), order: .dataset).count == 5)
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id, status: .changed), order: .dataset).isEmpty)

        try ws.saveReviewFilter(name: "flagged cats", scope: ReviewScope(datasetId: id, label: "cat", status: .flagged))
        try ws.saveReviewFilter(name: "val", scope: ReviewScope(datasetId: id, split: .val))
        #expect(try ws.reviewFilters(datasetId: id) == ["flagged cats", "val"])
        let saved = try ws.reviewFilter(name: "flagged cats", datasetId: id)
        #expect(saved == ReviewScope(datasetId: id, label: "cat", status: .flagged))
        #expect(try ws.reviewQueue(saved, order: .dataset) == [sample])
        #expect(throws: AIArtsError.self) { try ws.reviewFilter(name: "missing", datasetId: id) }
        #expect(throws: AIArtsError.self) { try ws.saveReviewFilter(name: "x", scope: ReviewScope(datasetId: id, label: "horse")) }
        #expect(throws: AIArtsError.self) { try ws.reviewQueue(ReviewScope(datasetId: id, label: "horse"), order: .dataset) }
        _ = (_folder, _src)
    }

    @Test func twoProcessesDecidingAtOnceLoseNothing() throws {
        let (ws, folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.detection(ws)
        let samples = try ws.reviewQueue(ReviewScope(datasetId: id), order: .dataset)
        let cat = try ReviewFixtures.labelIndex(ws, id, "cat")
        let other = try Workspace(root: folder.url)
        let failures = Mutex(0)
        // Two workspace instances (as two processes would) add boxes to the same samples at once.
        DispatchQueue.concurrentPerform(iterations: 2) { n in
            let workspace = n == 0 ? ws : other
            for round in 0..<10 {
                for sample in samples {
                    do {
                        try workspace.reviewDecide(sample, .addBox(labelIndex: cat, Box(x: Double(round), y: Double(n * 20), width: 10, height: 10)),
                                                   reviewer: n == 0 ? "alice" : "bob")
                    } catch {
                        failures.withLock { $0 += 1 }
                    }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        // Every sample had 2 boxes and got 20 more; the counts kept up.
        for sample in samples { #expect(try ws.reviewItem(sample).boxes.count == 22) }
        #expect(try ReviewFixtures.labelCounts(ws, id)["cat"] == 2 + 80)
        let summary = try other.reviewSummary(id)
        #expect(summary.reviewers.map(\.decisions) == [40, 40])
        _ = _src
    }

    @Test func manyItemsAtOnceMatchOneByOne() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        for i in 0..<120 { src.write("\(["cat", "dog"][i % 2])/img\(i).jpg", Fixtures.jpeg(width: 16, height: 12)) }
        let id = try ws.createDataset(name: "many", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        let queue = try ws.reviewQueue(ReviewScope(datasetId: id), order: .dataset)
        try ws.reviewDecide(queue[5], .flag, reviewer: "alice")
        let reversed = Array(queue.reversed())
        #expect(try ws.reviewItems(reversed) == reversed.map { try ws.reviewItem($0) })
        #expect(throws: AIArtsError.self) { try ws.reviewItems(queue + [999_999]) }
        _ = (_folder, src)
    }

    @Test func anAnnotationBatchIsReviewedInItsOwnOrder() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let picked = [ids["img4.jpg"], ids["img0.jpg"], ids["img2.jpg"]].compactMap { $0 }
        try ws.store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO annotationTask(id, datasetId, name, formatter, size, startAt, createdAt) VALUES ('A0001', ?, 'check', '[]', 3, ?, ?)
                """, arguments: [id, Date(), Date()])
            try db.execute(sql: "INSERT INTO annotationBatch(id, taskId, user, status, createdAt) VALUES (7, 'A0001', 'alice', 'open', ?)", arguments: [Date()])
            for (n, sample) in picked.enumerated() {
                try db.execute(sql: "INSERT INTO annotationBatchSample(batchId, taskId, sampleId, position) VALUES (7, 'A0001', ?, ?)", arguments: [sample, n])
            }
        }
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id, batchId: 7), order: .dataset) == picked)
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id, label: "cat", batchId: 7), order: .dataset) == [ids["img0.jpg"]])
        #expect(throws: AIArtsError.self) { try ws.reviewQueue(ReviewScope(datasetId: id, batchId: 8), order: .dataset) }
        _ = (_folder, _src)
    }
}

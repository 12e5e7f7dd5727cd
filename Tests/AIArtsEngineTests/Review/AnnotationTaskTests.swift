import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// Datasets and decisions written straight into the store, for annotation task tests.
enum AnnotationFixtures {
    static let formatter = try! AnnotationFormatter.parse("""
        [{"name": "cat", "description": "a cat", "attributes": [{"name": "pose", "values": ["sitting", "standing"]}, {"name": "note"}]},
         {"name": "fox", "description": "new class"}]
        """)
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A detection dataset of `count` samples: s000.jpg ... with labels cat (even) and dog (odd);
    /// every third sample is in val, the rest in train.
    @discardableResult
    static func dataset(_ ws: Workspace, count: Int) throws -> String {
        let id = try ws.createDataset(name: "pets", type: .detection).id
        try ws.store.pool.write { db in
            try db.execute(sql: "UPDATE dataset SET folder = ?, status = 'copied' WHERE id = ?", arguments: ["datasets/\(id)", id])
            try LabelRecord(datasetId: id, idx: 0, name: "cat", count: (count + 1) / 2).insert(db)
            try LabelRecord(datasetId: id, idx: 1, name: "dog", count: count / 2).insert(db)
            for i in 0..<count {
                var sample = SampleRecord(id: nil, datasetId: id, path: String(format: "s%03d.jpg", i), width: 64, height: 48,
                                          split: i % 3 == 2 ? .val : .train, maskPath: nil)
                try sample.insert(db)
                var a = AnnotationRecord(id: nil, sampleId: sample.id!, datasetId: id, labelIdx: i % 2, x: 1, y: 1, w: 10, h: 10,
                                         isCrowd: false, segmentation: nil, sourceId: nil)
                try a.insert(db)
            }
        }
        return id
    }

    /// Stands for a reviewer's decision (the review engine writes these rows).
    static func decide(_ ws: Workspace, _ sampleIds: [Int64], status: ReviewStatus = .reviewed, changed: Bool = false,
                       reviewer: String = "ann", at: Date) throws {
        try ws.store.pool.write { db in
            for id in sampleIds {
                let datasetId = try String.fetchOne(db, sql: "SELECT datasetId FROM sample WHERE id = ?", arguments: [id])!
                try ReviewStateRecord(sampleId: id, datasetId: datasetId, status: status, changed: changed, note: nil,
                                      reviewer: reviewer, decidedAt: at).save(db)
            }
        }
    }

    static func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as AIArtsError { return error.message } catch { return "\(error)" }
        return nil
    }
}

@Suite struct AnnotationTaskTests {
    @Test func createAddsMissingTagsAsLabelsAndChecksItsArguments() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 6)
        let task = try ws.createAnnotationTask(datasetId: d, name: "  pets pass 1 ", formatter: AnnotationFixtures.formatter, size: 2,
                                               startAt: AnnotationFixtures.t0, deadline: AnnotationFixtures.t0 + 3600)
        #expect(task.id == "A0001")
        #expect(task.name == "pets pass 1")
        let labels = try ws.summary(d).labels
        #expect(labels.map(\.name) == ["cat", "dog", "fox"])
        #expect(labels.last?.count == 0)
        // Stored and read back whole.
        #expect(try ws.annotationTask("A0001").task == task)
        #expect(try ws.annotationTasks(datasetId: d).map(\.id) == ["A0001"])
        #expect(try ws.annotationTasks(datasetId: "D0042").isEmpty)

        let f = AnnotationFixtures.formatter
        #expect(AnnotationFixtures.message { try ws.createAnnotationTask(datasetId: d, name: "x", formatter: f, size: 0) }?.contains("between 1 and") == true)
        #expect(AnnotationFixtures.message { try ws.createAnnotationTask(datasetId: d, name: " ", formatter: f, size: 1) }?.contains("needs a name") == true)
        #expect(AnnotationFixtures.message {
            try ws.createAnnotationTask(datasetId: d, name: "x", formatter: f, size: 1, startAt: AnnotationFixtures.t0, deadline: AnnotationFixtures.t0)
        }?.contains("must come after the start") == true)
        #expect(AnnotationFixtures.message { try ws.createAnnotationTask(datasetId: d, name: "x", formatter: f, size: 1, label: "cow") }?.contains("no label 'cow'") == true)
        #expect(AnnotationFixtures.message { try ws.createAnnotationTask(datasetId: "D0042", name: "x", formatter: f, size: 1) }?.contains("D0042 does not exist") == true)
        let empty = try ws.createDataset(name: "empty", type: .detection).id
        #expect(AnnotationFixtures.message { try ws.createAnnotationTask(datasetId: empty, name: "x", formatter: f, size: 1) }?.contains("no data yet") == true)
        // A second task does not add the labels again.
        try ws.createAnnotationTask(datasetId: d, name: "again", formatter: f, size: 1)
        #expect(try ws.summary(d).labels.map(\.name) == ["cat", "dog", "fox"])
    }

    @Test func applyHandsOutDisjointBatchesInDatasetOrder() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 7)
        let task = try ws.createAnnotationTask(datasetId: d, name: "t", formatter: AnnotationFixtures.formatter, size: 3, startAt: AnnotationFixtures.t0)
        let now = AnnotationFixtures.t0 + 10
        let a = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: now)
        let b = try ws.applyAnnotationBatch(taskId: task.id, user: "bob", now: now)
        let c = try ws.applyAnnotationBatch(taskId: task.id, user: "cy", now: now)
        #expect(a.paths == ["s000.jpg", "s001.jpg", "s002.jpg"])
        #expect(b.paths == ["s003.jpg", "s004.jpg", "s005.jpg"])
        #expect(c.paths == ["s006.jpg"])
        #expect(a.folder == ws.root.appendingPathComponent("datasets/\(d)").path)
        #expect(a.record.status == .open && a.record.user == "ann" && a.datasetId == d)
        #expect(try ws.openAnnotationBatch(taskId: task.id, user: "bob") == b)
        #expect(try ws.openAnnotationBatch(taskId: task.id, user: "dee") == nil)

        let unfinished = AnnotationFixtures.message { _ = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: now) }
        #expect(unfinished == "you have an unfinished batch \(a.id) of A0001; commit it first (`aiarts annotate commit A0001`)")
        let exhausted = AnnotationFixtures.message { _ = try ws.applyAnnotationBatch(taskId: task.id, user: "dee", now: now) }
        #expect(exhausted == "every sample of A0001 has been handed out")

        let detail = try ws.annotationTask(task.id)
        #expect(detail.samples == 7 && detail.handedOut == 7 && detail.remaining == 0 && detail.committed == 0)
        #expect(detail.openBatches.map(\.user) == ["ann", "bob", "cy"])
        #expect(detail.openBatches.map(\.samples) == [3, 3, 1])
    }

    @Test func applyKeepsToTheTasksLabelAndSplit() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 12)
        let task = try ws.createAnnotationTask(datasetId: d, name: "dogs in train", formatter: AnnotationFixtures.formatter, size: 10,
                                               label: "dog", split: .train, startAt: AnnotationFixtures.t0)
        let batch = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: AnnotationFixtures.t0)
        // Odd samples carry dog; every third (index 2, 5, 8, 11) is val.
        #expect(batch.paths == ["s001.jpg", "s003.jpg", "s007.jpg", "s009.jpg"])
        #expect(try ws.annotationTask(task.id).samples == 4)
    }

    @Test func applyRespectsTheStartAndTheDeadline() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 4)
        let t0 = AnnotationFixtures.t0
        let task = try ws.createAnnotationTask(datasetId: d, name: "t", formatter: AnnotationFixtures.formatter, size: 1,
                                               startAt: t0, deadline: t0 + 3600)
        let early = AnnotationFixtures.message { _ = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: t0 - 1) }
        #expect(early?.hasPrefix("A0001 starts at 2027-01-15T08:00:00Z") == true)
        let late = AnnotationFixtures.message { _ = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 3601) }
        #expect(late == "the deadline of A0001 (2027-01-15T09:00:00Z) has passed; no more batches are handed out")
        #expect(try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 3600).samples.count == 1)
        #expect(AnnotationFixtures.message { _ = try ws.applyAnnotationBatch(taskId: "A0042", user: "ann") }?.contains("A0042 does not exist") == true)
        #expect(AnnotationFixtures.message { _ = try ws.applyAnnotationBatch(taskId: task.id, user: "a\u{1b}b", now: t0) }?.contains("control character") == true)
    }

    @Test func deletingATaskRemovesItsBatches() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 4)
        let task = try ws.createAnnotationTask(datasetId: d, name: "t", formatter: AnnotationFixtures.formatter, size: 2, startAt: AnnotationFixtures.t0)
        _ = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: AnnotationFixtures.t0)
        try ws.deleteAnnotationTask(task.id)
        #expect(try ws.annotationTasks().isEmpty)
        let left = try ws.store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM annotationBatch) + (SELECT COUNT(*) FROM annotationBatchSample)")
        }
        #expect(left == 0)
        #expect(AnnotationFixtures.message { try ws.deleteAnnotationTask(task.id) }?.contains("does not exist") == true)
        // The next task gets a new id.
        #expect(try ws.createAnnotationTask(datasetId: d, name: "t2", formatter: AnnotationFixtures.formatter, size: 1).id == "A0002")
    }

    @Test func attributesAreCheckedAgainstTheFormatter() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 2)
        let other = try AnnotationFixtures.dataset(ws, count: 1)
        let task = try ws.createAnnotationTask(datasetId: d, name: "t", formatter: AnnotationFixtures.formatter, size: 2)
        let sample = try ws.annotationSample(taskId: task.id, "s001.jpg")
        #expect(try ws.annotationSample(taskId: task.id, String(sample)) == sample)
        try ws.setSampleAttribute(taskId: task.id, sampleId: sample, tag: "cat", name: "pose", value: "sitting", reviewer: "ann")
        try ws.setSampleAttribute(taskId: task.id, sampleId: sample, tag: "cat", name: "note", value: "behind the sofa, 在沙发后面", reviewer: "ann")
        try ws.setSampleAttribute(taskId: task.id, sampleId: sample, tag: "cat", name: "pose", value: "standing", reviewer: "bob")
        let attributes = try ws.sampleAttributes(sampleId: sample)
        #expect(attributes.map { [$0.tag, $0.name, $0.value, $0.reviewer] } == [
            ["cat", "note", "behind the sofa, 在沙发后面", "ann"], ["cat", "pose", "standing", "bob"]])

        func refusal(_ tag: String, _ name: String, _ value: String, sample id: Int64? = nil) -> String? {
            AnnotationFixtures.message { try ws.setSampleAttribute(taskId: task.id, sampleId: id ?? sample, tag: tag, name: name, value: value, reviewer: "ann") }
        }
        #expect(refusal("cat", "pose", "lying")?.contains("allowed: sitting, standing") == true)
        #expect(refusal("dog", "pose", "sitting")?.contains("no tag 'dog'") == true)
        #expect(refusal("fox", "pose", "sitting")?.contains("it has none") == true)
        #expect(refusal("cat", "note", "\u{1b}]0;pwned\u{7}")?.contains("control character") == true)
        let foreign = try ws.store.pool.read { try Int64.fetchOne($0, sql: "SELECT id FROM sample WHERE datasetId = ?", arguments: [other])! }
        #expect(refusal("cat", "pose", "sitting", sample: foreign)?.contains("is not in \(d)") == true)
        #expect(throws: AIArtsError.self) { try ws.annotationSample(taskId: task.id, "nope.jpg") }
        #expect(throws: AIArtsError.self) { try ws.annotationSample(taskId: task.id, String(foreign)) }

        // An empty value removes the attribute.
        try ws.setSampleAttribute(taskId: task.id, sampleId: sample, tag: "cat", name: "note", value: "", reviewer: "ann")
        #expect(try ws.sampleAttributes(sampleId: sample).map(\.name) == ["pose"])
        // Several at once (the review screen's form): all of them, or none when one is refused.
        #expect(throws: AIArtsError.self) {
            try ws.setSampleAttributes(taskId: task.id, sampleId: sample, [("cat", "note", "kept?"), ("cat", "pose", "lying")], reviewer: "ann")
        }
        #expect(try ws.sampleAttributes(sampleId: sample).map(\.value) == ["standing"])
        try ws.setSampleAttributes(taskId: task.id, sampleId: sample, [("cat", "note", "two"), ("cat", "pose", "sitting")], reviewer: "cy")
        #expect(try ws.sampleAttributes(sampleId: sample).map { [$0.value, $0.reviewer] } == [["two", "cy"], ["sitting", "cy"]])
        // A batch knows its task.
        let batch = try ws.applyAnnotationBatch(taskId: task.id, user: "ann")
        #expect(try ws.annotationBatchTask(batch.id).id == task.id)
        #expect(throws: AIArtsError.self) { try ws.annotationBatchTask(999) }
    }
}

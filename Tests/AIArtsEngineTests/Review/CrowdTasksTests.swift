import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// Crowd tasks (Review/CrowdTasks.swift): collection commits all or nothing, annotation commits with results.
@Suite struct CrowdTasksTests {
    func files(_ folder: URL, _ items: [(String, Data)]) throws -> [(url: URL, name: String)] {
        try items.map { name, data in
            let url = folder.appendingPathComponent(UUID().uuidString)
            try data.write(to: url)
            return (url, name)
        }
    }

    @Test func aCollectionCommitAddsDecodedPicturesAsSamplesAndCommitsTheBatch() throws {
        let (ws, folder) = try Fixtures.workspace()
        let dataset = try ws.createDataset(name: "cats", type: .classification).id
        let task = try ws.createCrowdTask(type: .collection, creator: "alice", datasetId: dataset, name: "cat photos",
                                          formatter: nil, size: 3, startAt: AnnotationFixtures.t0)
        #expect(task.id == 1 && task.type == .collection && task.creator == "alice")
        let batch = try ws.applyCollectionBatch(task: task.id, user: "bob", now: AnnotationFixtures.t0.addingTimeInterval(1))
        // One open batch per user per task.
        #expect(throws: AIArtsError.self) { try ws.applyCollectionBatch(task: task.id, user: "bob", now: AnnotationFixtures.t0.addingTimeInterval(2)) }
        let sent = try files(folder.url, [("a.jpg", Fixtures.jpeg(width: 30, height: 20)), ("../b.png", Fixtures.png())])
        let pictures = try ws.commitCollectedPictures(batch: batch.id!, user: "bob", files: sent)
        #expect(pictures.map(\.path) == ["collected/b\(batch.id!)/001-a.jpg", "collected/b\(batch.id!)/002-b.png"])
        let samples = try ws.store.pool.read { try SampleRecord.filter(Column("datasetId") == dataset).order(Column("id")).fetchAll($0) }
        #expect(samples.map(\.width) == [30, 64])
        let root = ws.root.appendingPathComponent("datasets/\(dataset)")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(pictures[0].path).path))
        #expect(try ws.crowdPictureFile(task: task.id, sampleId: pictures[1].sampleId).lastPathComponent == "002-b.png")
        let page = try ws.annotationCommits(user: "bob")
        #expect(page.total == 1 && page.items.first?.samples == 2)
        #expect(try ws.crowdTaskPictures(task.id).count == 2)
        // Committed: no second upload to it.
        #expect(throws: AIArtsError.self) { try ws.commitCollectedPictures(batch: batch.id!, user: "bob", files: try files(folder.url, [("c.jpg", Fixtures.jpeg())])) }
    }

    @Test func aCorruptPictureRefusesTheWholeCommitAndLeavesNothing() throws {
        let (ws, folder) = try Fixtures.workspace()
        let dataset = try ws.createDataset(name: "cats", type: .classification).id
        let task = try ws.createCrowdTask(type: .collection, creator: "alice", datasetId: dataset, name: "c", formatter: nil, size: 5)
        let batch = try ws.applyCollectionBatch(task: task.id, user: "bob")
        var truncated = Fixtures.jpeg()
        truncated.removeLast(truncated.count / 2)
        for bad in [("bad.jpg", truncated), ("notes.txt", Data("hello".utf8))] {
            let sent = try files(folder.url, [("good.jpg", Fixtures.jpeg()), bad])
            let message = AnnotationFixtures.message { _ = try ws.commitCollectedPictures(batch: batch.id!, user: "bob", files: sent) }
            #expect(message?.contains("nothing was added") == true, "\(message ?? "")")
            #expect(FileManager.default.fileExists(atPath: sent[0].url.path))
        }
        #expect(try ws.store.pool.read { try SampleRecord.fetchCount($0) } == 0)
        #expect(!FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("datasets/\(dataset)/collected").path))
        // Another user's batch is not theirs to fill; too many pictures are refused.
        #expect(throws: AIArtsError.self) { try ws.commitCollectedPictures(batch: batch.id!, user: "eve", files: try files(folder.url, [("a.jpg", Fixtures.jpeg())])) }
        // Not while an import replaces the dataset's files.
        try ws.store.pool.write { try $0.execute(sql: "UPDATE dataset SET status = 'copying' WHERE id = ?", arguments: [dataset]) }
        let during = AnnotationFixtures.message { _ = try ws.commitCollectedPictures(batch: batch.id!, user: "bob", files: try files(folder.url, [("a.jpg", Fixtures.jpeg())])) }
        #expect(during?.contains("import") == true)
        try ws.store.pool.write { try $0.execute(sql: "UPDATE dataset SET status = 'empty' WHERE id = ?", arguments: [dataset]) }
        let many = try files(folder.url, (0..<6).map { ("p\($0).jpg", Fixtures.jpeg()) })
        #expect(throws: AIArtsError.self) { try ws.commitCollectedPictures(batch: batch.id!, user: "bob", files: many) }
    }

    @Test func anAnnotationCommitStoresResultsAndReturnsPicturesWithoutOne() throws {
        let (ws, _) = try Fixtures.workspace()
        let dataset = try AnnotationFixtures.dataset(ws, count: 6)
        let task = try ws.createCrowdTask(type: .annotation, creator: "alice", datasetId: dataset, name: "pets",
                                          formatter: AnnotationFixtures.formatter, size: 3)
        #expect(throws: AIArtsError.self) {
            try ws.createCrowdTask(type: .annotation, creator: "alice", datasetId: dataset, name: "x", formatter: nil, size: 3)
        }
        let batch = try ws.applyAnnotationBatch(taskId: task.task.id, user: "bob")
        #expect(throws: AIArtsError.self) { try ws.commitCrowdAnnotations(batch: batch.id, user: "bob", results: [999_999: "{}"]) }
        let commit = try ws.commitCrowdAnnotations(batch: batch.id, user: "bob", results: [batch.sampleIds[0]: #"{"tags": []}"#])
        #expect(commit.samples == 1 && commit.returned == 2)
        #expect(try ws.crowdResults(batch: batch.id) == [batch.sampleIds[0]: #"{"tags": []}"#])
        // A task made without the crowd API has no crowd id, and its commits are not crowd commits.
        let plain = try ws.createAnnotationTask(datasetId: dataset, name: "cli", formatter: AnnotationFixtures.formatter, size: 1)
        _ = try ws.applyAnnotationBatch(taskId: plain.id, user: "bob")
        _ = try ws.commitAnnotationBatch(taskId: plain.id, user: "bob", force: true)
        let listed = try ws.crowdCommits(user: "bob")
        #expect(listed.total == 1 && listed.items.map(\.task) == [task.id] && listed.items.first?.commit.batchId == batch.id)
        #expect(try ws.crowdCommits(task: task.id, offset: 1).items.isEmpty)
        let next = try ws.applyAnnotationBatch(taskId: task.task.id, user: "carol")
        #expect(Array(next.sampleIds.prefix(2)) == Array(batch.sampleIds[1...2]))  // returned to the pool first
        let updated = try ws.updateCrowdTask(task.id, CrowdTaskUpdate(name: "pets 2", size: 4))
        #expect(updated.task.name == "pets 2" && updated.task.size == 4 && updated.task.description == "")
        #expect(try ws.crowdTasks().map(\.id) == [task.id])
    }

    @Test func aPictureIsServedOnlyFromInsideItsDatasetFolder() throws {
        let (ws, folder) = try Fixtures.workspace()
        let dataset = try AnnotationFixtures.dataset(ws, count: 3)
        let task = try ws.createCrowdTask(type: .annotation, creator: "alice", datasetId: dataset, name: "pets",
                                          formatter: AnnotationFixtures.formatter, size: 3)
        let root = ws.root.appendingPathComponent("datasets/\(dataset)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Fixtures.jpeg().write(to: root.appendingPathComponent("s000.jpg"))
        let outside = folder.url.appendingPathComponent("secret.jpg")
        try Fixtures.jpeg().write(to: outside)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("s001.jpg"), withDestinationURL: outside)
        let ids = try ws.crowdTaskPictures(task.id).map(\.id)
        #expect(ids.count == 3)
        #expect(try ws.crowdPictureFile(task: task.id, sampleId: ids[0]).lastPathComponent == "s000.jpg")
        #expect(throws: AIArtsError.self) { try ws.crowdPictureFile(task: task.id, sampleId: ids[1]) }  // a link out
        #expect(throws: AIArtsError.self) { try ws.crowdPictureFile(task: task.id, sampleId: ids[2]) }  // missing
        #expect(throws: AIArtsError.self) { try ws.crowdPictureFile(task: task.id + 1, sampleId: ids[0]) }  // no such task
    }
}

import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

@Suite struct AnnotationCommitTests {
    @Test func commitRefusesUndecidedSamplesAndCountsDecisions() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 8)
        let t0 = AnnotationFixtures.t0
        let task = try ws.createAnnotationTask(datasetId: d, name: "t", formatter: AnnotationFixtures.formatter, size: 4, startAt: t0)
        let batch = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 100)
        let ids = batch.sampleIds
        // A decision made before the batch was handed out does not count for it.
        try AnnotationFixtures.decide(ws, [ids[3]], at: t0 + 50)
        try AnnotationFixtures.decide(ws, [ids[0]], at: t0 + 200)
        let refused = AnnotationFixtures.message { _ = try ws.commitAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 300) }
        #expect(refused?.hasPrefix("batch \(batch.id) of A0001 has 3 undecided samples of 4") == true)
        #expect(try ws.openAnnotationBatch(taskId: task.id, user: "ann") == batch)

        try AnnotationFixtures.decide(ws, [ids[1]], status: .flagged, at: t0 + 201)
        try AnnotationFixtures.decide(ws, [ids[2]], status: .bad, at: t0 + 202)
        try AnnotationFixtures.decide(ws, [ids[3]], changed: true, at: t0 + 203)
        let commit = try ws.commitAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 300)
        #expect(commit == AnnotationCommit(batchId: batch.id, taskId: task.id, datasetId: d, user: "ann", createdAt: t0 + 100,
                                           committedAt: t0 + 300, samples: 4, reviewed: 2, flagged: 1, bad: 1, changed: 1, returned: 0))
        #expect(try ws.openAnnotationBatch(taskId: task.id, user: "ann") == nil)
        let again = AnnotationFixtures.message { _ = try ws.commitAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 301) }
        #expect(again?.contains("ann has no open batch of A0001") == true)
        // After committing, the same user may apply again and gets the next samples.
        #expect(try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: t0 + 400).paths == ["s004.jpg", "s005.jpg", "s006.jpg", "s007.jpg"])
        let detail = try ws.annotationTask(task.id)
        #expect(detail.committed == 4 && detail.committedBatches == 1 && detail.handedOut == 8)
    }

    @Test func forcedCommitReturnsUndecidedSamplesToThePool() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 6)
        let t0 = AnnotationFixtures.t0
        let task = try ws.createAnnotationTask(datasetId: d, name: "t", formatter: AnnotationFixtures.formatter, size: 3, startAt: t0)
        let batch = try ws.applyAnnotationBatch(taskId: task.id, user: "ann", now: t0)
        _ = try ws.applyAnnotationBatch(taskId: task.id, user: "bob", now: t0)
        try AnnotationFixtures.decide(ws, [batch.sampleIds[1]], at: t0 + 1)
        let commit = try ws.commitAnnotationBatch(taskId: task.id, user: "ann", force: true, now: t0 + 2)
        #expect(commit.samples == 1 && commit.reviewed == 1 && commit.returned == 2)
        #expect(try ws.annotationTask(task.id).remaining == 2)
        // The returned samples go to the next reviewer who applies.
        #expect(try ws.applyAnnotationBatch(taskId: task.id, user: "cy", now: t0 + 3).paths == ["s000.jpg", "s002.jpg"])
        #expect(try ws.annotationCommits(taskId: task.id).items.map(\.samples) == [1])
    }

    @Test func commitsArePagedNewestFirstAndFilteredByUserAndTask() throws {
        let (ws, folder) = try Fixtures.workspace()
        _ = folder
        let d = try AnnotationFixtures.dataset(ws, count: 30)
        let t0 = AnnotationFixtures.t0
        let first = try ws.createAnnotationTask(datasetId: d, name: "one", formatter: AnnotationFixtures.formatter, size: 2, startAt: t0)
        let second = try ws.createAnnotationTask(datasetId: d, name: "two", formatter: AnnotationFixtures.formatter, size: 2, startAt: t0)
        var clock = t0
        // ann commits 3 batches of the first task, bob 2 of the first and 2 of the second, interleaved.
        for (task, user) in [(first, "ann"), (first, "bob"), (second, "bob"), (first, "ann"), (second, "bob"), (first, "bob"), (first, "ann")] {
            clock += 10
            let batch = try ws.applyAnnotationBatch(taskId: task.id, user: user, now: clock)
            try AnnotationFixtures.decide(ws, batch.sampleIds, at: clock + 1)
            _ = try ws.commitAnnotationBatch(taskId: task.id, user: user, now: clock + 2)
        }
        // A batch still open is no commit.
        _ = try ws.applyAnnotationBatch(taskId: first.id, user: "cy", now: clock + 10)

        let all = try ws.annotationCommits(pageNum: 1, pageSize: 20)
        #expect(all.total == 7 && all.items.count == 7)
        #expect(all.items.map(\.committedAt) == all.items.map(\.committedAt).sorted(by: >))
        #expect(all.items.map(\.user) == ["ann", "bob", "bob", "ann", "bob", "bob", "ann"])

        let page2 = try ws.annotationCommits(pageNum: 2, pageSize: 3)
        #expect(page2.pageNum == 2 && page2.pageSize == 3 && page2.total == 7)
        #expect(page2.items.map(\.batchId) == Array(all.items[3..<6]).map(\.batchId))
        #expect(try ws.annotationCommits(pageNum: 3, pageSize: 3).items.count == 1)
        #expect(try ws.annotationCommits(pageNum: 4, pageSize: 3).items.isEmpty)
        #expect(try ws.annotationCommits(pageNum: Int.max, pageSize: 1000).items.isEmpty)

        #expect(try ws.annotationCommits(user: "ann").items.count == 3)
        #expect(try ws.annotationCommits(user: "bob", taskId: first.id).total == 2)
        #expect(try ws.annotationCommits(taskId: second.id).items.allSatisfy { $0.user == "bob" && $0.taskId == second.id })
        #expect(try ws.annotationCommits(user: "nobody").total == 0)

        #expect(AnnotationFixtures.message { _ = try ws.annotationCommits(pageNum: 0) }?.contains("starts at 1") == true)
        #expect(AnnotationFixtures.message { _ = try ws.annotationCommits(pageSize: 0) }?.contains("between 1 and 1000") == true)
        #expect(AnnotationFixtures.message { _ = try ws.annotationCommits(pageSize: 1001) }?.contains("between 1 and 1000") == true)
        #expect(AnnotationFixtures.message { _ = try ws.annotationCommits(taskId: "A0099") }?.contains("A0099 does not exist") == true)
    }

    /// Two workspaces on one file stand for two aiarts processes: reviewers apply from both at
    /// the same moment, and no sample ever lands in two batches.
    @Test func twoReviewersApplyingAtTheSameMomentNeverShareASample() throws {
        let folder = TempFolder()
        let first = try Workspace(root: folder.url)
        let second = try Workspace(root: folder.url)
        let d = try AnnotationFixtures.dataset(first, count: 301)
        let task = try first.createAnnotationTask(datasetId: d, name: "race", formatter: AnnotationFixtures.formatter, size: 4,
                                                  startAt: AnnotationFixtures.t0)
        let errors = ErrorBox()
        let exhausted = AnnotationCounter()
        let batches = AnnotationBatchBox()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let ws = worker == 0 ? first : second
            for i in 0..<60 {
                do {
                    batches.add(try ws.applyAnnotationBatch(taskId: task.id, user: "w\(worker)-\(i)", now: AnnotationFixtures.t0 + 1))
                } catch let error as AIArtsError where error.message == "every sample of \(task.id) has been handed out" {
                    exhausted.increment()
                } catch {
                    errors.add(error)
                }
            }
        }
        #expect(errors.count == 0)
        let all = batches.all
        // 301 samples in batches of 4: 75 full batches, one of 1, then nothing left for the other 44 tries.
        #expect(all.count == 76 && exhausted.value == 44)
        let handed = all.flatMap(\.sampleIds)
        #expect(handed.count == 301 && Set(handed).count == 301)
        #expect(all.filter { $0.samples.count != 4 }.count == 1)
        #expect(all.max { $0.id < $1.id }?.samples.count == 1)
        // As stored: every open batch's samples, none twice.
        let stored = try second.store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT sampleId FROM annotationBatchSample bs JOIN annotationBatch b ON b.id = bs.batchId WHERE b.status = 'open'")
        }
        #expect(stored.count == 301 && Set(stored).count == 301)
    }

    /// The same user applying from two processes at once gets one batch; the other is told it has one.
    @Test func oneUserApplyingTwiceAtOnceGetsOneBatch() throws {
        let folder = TempFolder()
        let first = try Workspace(root: folder.url)
        let second = try Workspace(root: folder.url)
        let d = try AnnotationFixtures.dataset(first, count: 100)
        let task = try first.createAnnotationTask(datasetId: d, name: "race", formatter: AnnotationFixtures.formatter, size: 5,
                                                  startAt: AnnotationFixtures.t0)
        let batches = AnnotationBatchBox()
        let unfinished = AnnotationCounter()
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let ws = worker == 0 ? first : second
            for _ in 0..<20 {
                do {
                    batches.add(try ws.applyAnnotationBatch(taskId: task.id, user: "same", now: AnnotationFixtures.t0))
                } catch let error as AIArtsError where error.message.hasPrefix("you have an unfinished batch") {
                    unfinished.increment()
                } catch {
                    errors.add(error)
                }
            }
        }
        #expect(errors.count == 0)
        #expect(batches.all.count == 1 && unfinished.value == 39)
    }
}

final class AnnotationBatchBox: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [AnnotationBatch] = []
    func add(_ batch: AnnotationBatch) { lock.withLock { batches.append(batch) } }
    var all: [AnnotationBatch] { lock.withLock { batches } }
}

final class AnnotationCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

/// The live feed: inotify wake-ups deliver appended points, rewrites and late files.
@Suite struct MetricsFeedMetricsTests {
    /// Collects updates delivered on the feed's thread.
    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var updates: [MetricsFeedUpdate] = []

        func add(_ update: MetricsFeedUpdate) { lock.withLock { updates.append(update) } }
        var all: [MetricsFeedUpdate] { lock.withLock { updates } }

        /// Waits (generously: this is about delivery, not speed) until `condition` holds.
        func wait(timeout: Double = 10, _ condition: ([MetricsFeedUpdate]) -> Bool) -> Bool {
            waitUntil(timeout: timeout) { condition(all) }
        }

        func values(_ series: String) -> [Double] {
            all.flatMap { $0.series.filter { $0.name == series }.flatMap { $0.points.map(\.value) } }
        }
    }

    private func append(_ url: URL, _ text: String) throws {
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func appendedLinesReachTheSubscriber() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", #"{"type":"train","step":1,"loss":1.0}"# + "\n")
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        feed.subscribe(inbox.add)
        try feed.start()
        defer { feed.stop() }
        #expect(feed.snapshot()["train/loss"]?.values == [1.0])
        try append(url, #"{"type":"train","step":2,"loss":0.5}"# + "\n" + #"{"type":"eval","step":2,"acc1":0.8}"# + "\n")
        #expect(inbox.wait { _ in inbox.values("train/loss") == [0.5] && inbox.values("eval/acc1") == [0.8] })
        let update = inbox.all.first { $0.series.contains { $0.name == "train/loss" } }
        #expect(update?.series.first { $0.name == "train/loss" }?.from == 1)
        #expect(update?.reset == false)
        // A half-written line waits for its end.
        try append(url, #"{"type":"train","step":3,"#)
        try append(url, #""loss":0.25}"# + "\n")
        #expect(inbox.wait { _ in inbox.values("train/loss") == [0.5, 0.25] })
        #expect(feed.snapshot()["train/loss"]?.values == [1.0, 0.5, 0.25])
    }

    @Test func asyncStreamDeliversToo() async throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", "")
        let feed = MetricsFeed(folder: folder.url.path)
        try feed.start()
        defer { feed.stop() }
        let stream = feed.updates()
        try append(url, #"{"type":"train","step":1,"loss":2.0}"# + "\n")
        var got: MetricsFeedUpdate?
        for await update in stream {
            got = update
            break
        }
        #expect(got?.series.first?.points.map(\.value) == [2.0])
    }

    @Test func truncationStartsTheSourceOver() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", #"{"type":"train","step":1,"loss":1.0}"# + "\n" + #"{"type":"train","step":2,"loss":0.9}"# + "\n")
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        feed.subscribe(inbox.add)
        try feed.start()
        defer { feed.stop() }
        try Data((#"{"type":"train","step":1,"loss":7.0}"# + "\n").utf8).write(to: url)  // truncated, rewritten shorter
        // The truncation may be seen before the new line: a reset, then the line (or both at once).
        #expect(inbox.wait { updates in
            guard let reset = updates.lastIndex(where: \.reset) else { return false }
            return updates[reset...].flatMap { $0.series.flatMap { $0.points.map(\.value) } } == [7.0]
        })
        #expect(feed.snapshot()["train/loss"]?.values == [7.0])
    }

    @Test func aFileCreatedLaterIsPickedUp() throws {
        let folder = TempFolder()
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        feed.subscribe(inbox.add)
        try feed.start()
        defer { feed.stop() }
        #expect(feed.snapshot().pointCount == 0)
        // A console log first, then an event file in a subfolder created after the start.
        try append(folder.path("train.log"), "2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/2, Step=1/10, loss=2.5, lr=0.1, time_each_step=0.3s, eta=0:00:10\n")
        #expect(inbox.wait { _ in inbox.values("train/loss") == [2.5] })
        // No pause here: the new folder's watch is added on its IN_CREATE and the folder is then searched,
        // so an event file written before the watch is there is found all the same.
        try FileManager.default.createDirectory(at: folder.path("runs/exp1"), withIntermediateDirectories: true)
        let event = TFEventsTestEncoder.event(wallTime: 1.5, step: 3, values: [TFEventsTestEncoder.simpleValue("Loss/train", 0.75)])
        try append(folder.path("runs/exp1/events.out.tfevents.1.host"), "")
        let handle = try FileHandle(forWritingTo: folder.path("runs/exp1/events.out.tfevents.1.host"))
        try handle.write(contentsOf: Data(TFEventsTestEncoder.frame(event)))
        try handle.close()
        #expect(inbox.wait { _ in inbox.values("Loss/train") == [0.75] })
        // metrics.jsonl supersedes the console log.
        try append(folder.path("metrics.jsonl"), #"{"type":"train","step":5,"loss":0.1}"# + "\n")
        #expect(inbox.wait { updates in updates.contains { $0.rank == 2 && $0.reset } })
        let snapshot = feed.snapshot()
        #expect(snapshot["train/loss"]?.values == [0.1])
        #expect(snapshot["train/lr"] == nil)
        #expect(snapshot["Loss/train"]?.values == [0.75])
    }

    @Test func stopReleasesTheThread() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", "")
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        feed.subscribe(inbox.add)
        try feed.start()
        #expect(feed.isRunning)
        feed.stop()  // returns only once the thread has left
        #expect(!feed.isRunning)
        // A witness on the same folder gets the line: the stopped feed would have had it by then too.
        let witness = MetricsFeed(folder: folder.url.path)
        let witnessed = Inbox()
        witness.subscribe(witnessed.add)
        try witness.start()
        defer { witness.stop() }
        try append(url, #"{"type":"train","step":1,"loss":1.0}"# + "\n")
        #expect(witnessed.wait { _ in witnessed.values("train/loss") == [1.0] })
        #expect(inbox.all.isEmpty)
        feed.stop()  // a second stop is harmless
    }

    @Test func aFolderThatDoesNotExistIsAnError() {
        let feed = MetricsFeed(folder: "/nonexistent-\(UUID().uuidString)")
        #expect(throws: MetricsError.self) { try feed.start() }
        #expect(!feed.isRunning)
    }
}

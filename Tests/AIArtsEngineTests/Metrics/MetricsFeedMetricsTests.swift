import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

/// The live feed: inotify wake-ups deliver appended points, rewrites and late files.
@Suite struct MetricsFeedMetricsTests {
    /// Collects deltas delivered on the feed's thread.
    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var updates: [MetricsDelta] = []

        func add(_ update: MetricsDelta) { lock.withLock { updates.append(update) } }
        var all: [MetricsDelta] { lock.withLock { updates } }

        /// Waits (generously: this is about delivery, not speed) until `condition` holds.
        func wait(timeout: Double = 10, _ condition: ([MetricsDelta]) -> Bool) -> Bool {
            waitUntil(timeout: timeout) { condition(all) }
        }

        /// The points of `series` the deltas brought, in order.
        func values(_ series: String) -> [Double] {
            all.flatMap { $0.series.filter { $0.name == series }.flatMap(\.values) }
        }
    }

    /// What a subscriber holds after applying deltas: series name → values, steps.
    struct Applied: Equatable {
        var values: [String: [Double]] = [:]
        var steps: [String: [Int]] = [:]

        mutating func apply(_ delta: MetricsDelta) {
            if delta.replace { values = [:]; steps = [:] }
            for s in delta.series {
                let keep = min(values[s.name]?.count ?? 0, s.from)
                values[s.name] = Array((values[s.name] ?? []).prefix(keep)) + s.values
                steps[s.name] = Array((steps[s.name] ?? []).prefix(keep)) + s.steps
            }
        }

        init() {}
        init(_ table: MetricTable) {
            for column in table.columns { values[column.name] = column.values; steps[column.name] = column.steps }
        }
    }


    @Test func appendedLinesReachTheSubscriber() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", #"{"type":"train","step":1,"loss":1.0}"# + "\n")
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        try feed.start()
        defer { feed.stop() }
        let first = feed.subscribe(inbox.add).first
        #expect(first.replace && first.series.map(\.name) == ["train/loss"] && first.series[0].values == [1.0])
        #expect(feed.snapshot()["train/loss"]?.values == [1.0])
        try append(url, #"{"type":"train","step":2,"loss":0.5}"# + "\n" + #"{"type":"eval","step":2,"acc1":0.8}"# + "\n")
        #expect(inbox.wait { _ in inbox.values("train/loss") == [0.5] && inbox.values("eval/acc1") == [0.8] })
        let update = inbox.all.first { $0.series.contains { $0.name == "train/loss" } }
        #expect(update?.series.first { $0.name == "train/loss" }?.from == 1)
        #expect(update?.replace == false)
        #expect(update?.progress.step == 2)
        // A new series says where it goes among the others.
        #expect(inbox.all.last { $0.order != nil }?.order == ["train/loss", "eval/acc1"])
        // A half-written line waits for its end.
        try append(url, #"{"type":"train","step":3,"#)
        try append(url, #""loss":0.25}"# + "\n")
        #expect(inbox.wait { _ in inbox.values("train/loss") == [0.5, 0.25] })
        #expect(feed.snapshot()["train/loss"]?.values == [1.0, 0.5, 0.25])
    }

    /// A resumed run writes earlier steps again: the delta cuts the series back (`from` below
    /// what was delivered) rather than replacing everything.
    @Test func aStepGoingBackwardsCutsTheSeriesBack() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", (1...5).map { #"{"type":"train","step":\#($0),"loss":\#($0)}"# + "\n" }.joined())
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        try feed.start()
        defer { feed.stop() }
        var applied = Applied()
        applied.apply(feed.subscribe(inbox.add).first)
        try append(url, #"{"type":"train","step":3,"loss":30}"# + "\n")
        #expect(inbox.wait { $0.contains { $0.series.contains { $0.name == "train/loss" } } })
        let cut = inbox.all.first { $0.series.contains { $0.name == "train/loss" } }
        #expect(cut?.replace == false)
        #expect(cut?.series.first?.from == 2)
        for delta in inbox.all { applied.apply(delta) }
        #expect(applied.values["train/loss"] == [1, 2, 30])
        #expect(applied == Applied(feed.snapshot()))
    }

    @Test func truncationIsAReplaceDelta() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", #"{"type":"train","step":1,"loss":1.0}"# + "\n" + #"{"type":"train","step":2,"loss":0.9}"# + "\n")
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        try feed.start()
        defer { feed.stop() }
        var applied = Applied()
        applied.apply(feed.subscribe(inbox.add).first)
        try Data((#"{"type":"train","step":1,"loss":7.0}"# + "\n").utf8).write(to: url)  // truncated, rewritten shorter
        // The truncation may be seen before the new line: a replace, then the line (or both at once).
        #expect(inbox.wait { updates in
            guard let replace = updates.lastIndex(where: \.replace) else { return false }
            var after = Applied()
            for delta in updates[replace...] { after.apply(delta) }
            return after.values["train/loss"] == [7.0]
        })
        for delta in inbox.all { applied.apply(delta) }
        #expect(applied.values["train/loss"] == [7.0])
        #expect(feed.snapshot()["train/loss"]?.values == [7.0])
    }

    @Test func aFileCreatedLaterIsPickedUp() throws {
        let folder = TempFolder()
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        try feed.start()
        defer { feed.stop() }
        var applied = Applied()
        applied.apply(feed.subscribe(inbox.add).first)
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
        // metrics.jsonl supersedes the console log: what the log gave is void, a replace.
        try append(folder.path("metrics.jsonl"), #"{"type":"train","step":5,"loss":0.1}"# + "\n")
        #expect(inbox.wait { updates in updates.contains { $0.replace } })
        for delta in inbox.all { applied.apply(delta) }
        let snapshot = feed.snapshot()
        #expect(snapshot["train/loss"]?.values == [0.1])
        #expect(snapshot["train/lr"] == nil)
        #expect(snapshot["Loss/train"]?.values == [0.75])
        #expect(applied == Applied(snapshot))
    }

    /// Random writes (appends in pieces, restarts, new series, an occasional rewrite): the
    /// deltas applied in order always rebuild the snapshot.
    @Test func deltasRebuildTheSnapshot() throws {
        for seed in 1...3 {
            var dice = MetricTableMetricsTests.Dice(state: UInt64(seed))
            let folder = TempFolder()
            let url = folder.write("metrics.jsonl", "")
            let feed = MetricsFeed(folder: folder.url.path)
            let inbox = Inbox()
            try feed.start()
            defer { feed.stop() }
            var applied = Applied()
            applied.apply(feed.subscribe(inbox.add).first)
            var step = 0
            for round in 0..<30 {
                var text = ""
                for _ in 0..<(1 + dice.below(20)) {
                    step = dice.below(12) == 0 ? max(0, step - dice.below(10)) : step + 1
                    text += #"{"type":"train","step":\#(step),"loss":\#(Double(dice.below(1000)) / 7)}"# + "\n"
                    if dice.below(5) == 0 { text += #"{"type":"eval","epoch":\#(step / 10),"acc1":\#(dice.below(100))}"# + "\n" }
                }
                if round == 17 {
                    try Data(text.utf8).write(to: url)  // rewritten from the start
                } else {
                    try append(url, text)
                }
                if dice.below(3) == 0 { usleep(20_000) }
            }
            try append(url, #"{"type":"train","step":1000000,"done":1}"# + "\n")
            #expect(inbox.wait { _ in !inbox.values("train/done").isEmpty }, "seed \(seed)")
            for delta in inbox.all { applied.apply(delta) }
            #expect(applied == Applied(feed.snapshot()), "seed \(seed)")
        }
    }

    @Test func stopReleasesTheThread() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.jsonl", "")
        let feed = MetricsFeed(folder: folder.url.path)
        let inbox = Inbox()
        try feed.start()
        feed.subscribe(inbox.add)
        #expect(feed.isRunning)
        feed.stop()  // returns only once the thread has left
        #expect(!feed.isRunning)
        // A witness on the same folder gets the line: the stopped feed would have had it by then too.
        let witness = MetricsFeed(folder: folder.url.path)
        let witnessed = Inbox()
        try witness.start()
        defer { witness.stop() }
        witness.subscribe(witnessed.add)
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

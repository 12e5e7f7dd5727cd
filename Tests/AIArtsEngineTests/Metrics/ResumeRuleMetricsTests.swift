import Foundation
import Testing
@testable import AIArtsEngine

/// A `resume` record in metrics.jsonl discards the earlier run's points and checkpoints after its
/// epoch, so the resumed run's points replace them (docs/metrics-protocol.md, "Resumes").
@Suite struct ResumeRuleMetricsTests {
    /// A 4-epoch run of 2 steps per epoch, resumed from epoch 3: the discarded run's epoch-4 eval
    /// was the best (0.9); the resumed run's epoch 4 reaches only 0.7.
    static let lines: [String] = {
        var lines: [String] = []
        func epoch(_ e: Int, acc: Double, best: Bool, loss: Double) {
            for s in 1...2 { lines.append(#"{"type":"train","epoch":\#(e),"epochs":4,"step":\#((e - 1) * 2 + s),"steps":8,"loss":\#(loss)}"#) }
            lines.append(#"{"type":"eval","epoch":\#(e),"step":\#(e * 2),"acc1":\#(acc),"loss":\#(1 - acc)}"#)
            lines.append(#"{"type":"checkpoint","epoch":\#(e),"step":\#(e * 2),"path":"checkpoints/epoch_\#(e)","best":\#(best)}"#)
        }
        epoch(1, acc: 0.5, best: true, loss: 2)
        epoch(2, acc: 0.6, best: true, loss: 1.5)
        epoch(3, acc: 0.65, best: true, loss: 1.2)
        epoch(4, acc: 0.9, best: true, loss: 1.0)
        lines.append(#"{"type":"resume","epoch":3,"from":"checkpoints/epoch_3","epochs":4,"epochs_before":4,"time":1763890000}"#)
        epoch(4, acc: 0.7, best: true, loss: 1.1)
        return lines
    }()

    static func table(_ lines: [String]) -> MetricTable {
        var parser = MetricsProtocolParser()
        var table = MetricTable()
        for line in lines { if let r = parser.parse(line) { table.append(r) } }
        return table
    }

    @Test func theResumedRunReplacesTheDiscardedOne() throws {
        let table = Self.table(Self.lines)
        let eval = try #require(table["eval/acc1"]).points
        #expect(eval.map(\.epoch) == [1, 2, 3, 4])
        #expect(eval.map(\.value) == [0.5, 0.6, 0.65, 0.7])
        #expect(try #require(table["train/loss"]).points.map(\.step) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try #require(table["train/loss"]).points.last?.value == 1.1)
        #expect(table.checkpoints.map(\.path) == ["checkpoints/epoch_1", "checkpoints/epoch_2", "checkpoints/epoch_3", "checkpoints/epoch_4"])
        // The resume record's own numbers are not a series.
        #expect(!table.names.contains { $0.hasPrefix("resume/") })
        let summary = Workspace.summarize("T0001", table: table, lines: Self.lines.count, skipped: "")
        let best = try #require(summary.best.first { $0.name == "eval/acc1" })
        #expect(best.value == 0.7 && best.epoch == 4)
        #expect(summary.checkpoints.filter { $0.path == "checkpoints/epoch_4" }.count == 1)
    }

    @Test func aResumeBeforeAnyNewPointLeavesTheKeptEpochs() throws {
        let upToResume = Array(Self.lines.prefix { !$0.contains(#""resume""#) }) + [Self.lines.first { $0.contains(#""resume""#) }!]
        let table = Self.table(upToResume)
        #expect(try #require(table["eval/acc1"]).points.map(\.epoch) == [1, 2, 3])
        #expect(try #require(table["train/loss"]).points.count == 6)
        #expect(table.checkpoints.count == 3)
    }

    @Test func aFileReadInTwoHalvesGivesTheSameTable() throws {
        // The resume falls in the second half: its cut reaches back into the first half's points.
        let split = Self.lines.firstIndex { $0.contains(#""resume""#) }! - 2
        var first = Self.table(Array(Self.lines[..<split]))
        first.append(continuation: Self.table(Array(Self.lines[split...])))
        let whole = Self.table(Self.lines)
        #expect(first.names == whole.names)
        for name in whole.names {
            #expect(first[name]?.points == whole[name]?.points, "\(name)")
        }
        #expect(first.checkpoints == whole.checkpoints)
    }

    @Test func aTaskFolderIsReadWithTheRule() throws {
        let (ws, folder) = try Fixtures.workspace()
        let project = try ws.createProject(name: "p", type: .classification)
        let task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        try FileManager.default.createDirectory(at: ws.taskFolder(task.id), withIntermediateDirectories: true)
        try (Self.lines.joined(separator: "\n") + "\n").write(to: ws.taskFolder(task.id).appendingPathComponent("metrics.jsonl"),
                                                              atomically: true, encoding: .utf8)
        _ = folder
        let metrics = try ws.taskMetrics(task.id)
        #expect(metrics.best.first { $0.name == "eval/acc1" }?.value == 0.7)
        #expect(metrics.series.first { $0.name == "eval/acc1" }?.points == 4)
        #expect(metrics.checkpoints.count == 4)
    }
}

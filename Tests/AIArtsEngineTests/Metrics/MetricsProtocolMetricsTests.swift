import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct MetricsProtocolMetricsTests {
    @Test func trainEvalAndCheckpointLines() throws {
        var parser = MetricsProtocolParser()
        let trainLine = parser.parse(#"{"type":"train","epoch":2,"epochs":10,"step":120,"steps":1000,"loss":0.31,"lr":0.01,"time":1763890000.1}"#)
        let train = try #require(trainLine)
        #expect(train.kind == .train)
        #expect(train.step == 120 && train.steps == 1000 && train.epoch == 2 && train.epochs == 10)
        #expect(train.wallTime == 1763890000.1)
        #expect(train.values.map(\.name) == ["train/loss", "train/lr"])
        #expect(train.points.first == MetricPoint(series: "train/loss", value: 0.31, step: 120, epoch: 2, wallTime: 1763890000.1))

        let evalLine = parser.parse(#"{"type":"eval","epoch":2,"acc1":0.91,"acc5":0.99,"note":"ok","best":true}"#)
        let eval = try #require(evalLine)
        #expect(eval.kind == .eval)
        #expect(eval["eval/acc1"] == 0.91 && eval["eval/acc5"] == 0.99 && eval.values.count == 2)

        let checkpointLine = parser.parse(#"{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2","best":true}"#)
        let checkpoint = try #require(checkpointLine)
        #expect(checkpoint.checkpoint == MetricCheckpoint(epoch: 2, path: "checkpoints/epoch_2", best: true))
        #expect(checkpoint.values.isEmpty)

        let otherLine = parser.parse(#"{"type":"gpu","mem_gb":3.5}"#)
        let other = try #require(otherLine)
        #expect(other.kind == .other("gpu") && other["gpu/mem_gb"] == 3.5)
        #expect(parser.accepted == 4 && parser.skipped.total == 0)
    }

    @Test func pythonNonFiniteNumbersAreRead() throws {
        var parser = MetricsProtocolParser()
        let rLine = parser.parse(#"{"type":"train","step":3,"loss":NaN,"grad":Infinity,"x":-Infinity,"s":"NaN inside"}"#)
        let r = try #require(rLine)
        #expect(r["train/loss"]?.isNaN == true)
        #expect(r["train/grad"] == .infinity && r["train/x"] == -.infinity)
        #expect(r.values.count == 3)  // the string field is a note, not a value
    }

    @Test func badLinesAreCountedNotFatal() {
        var parser = MetricsProtocolParser()
        let lines = [
            "not json", "[1,2]", #"{"loss":0.3}"#, #"{"type":"train","step":1.5,"loss":1}"#,
            #"{"type":"train","step":-1}"#, #"{"type":"train","epoch":"two"}"#, "", #"{"type":"train","step":1,"loss":2}"#,
        ]
        let records = lines.enumerated().compactMap { parser.parse($0.element, at: $0.offset + 1) }
        #expect(records.count == 1)
        #expect(parser.skipped.counts[.notJSON] == 1)
        #expect(parser.skipped.counts[.notAnObject] == 1)
        #expect(parser.skipped.counts[.missingType] == 1)
        #expect(parser.skipped.counts[.badField("step")] == 2)
        #expect(parser.skipped.counts[.badField("epoch")] == 1)
        #expect(parser.skipped.firstAt[.notJSON] == 1)
        #expect(parser.skipped.total == 6)
        #expect(parser.skipped.summary.hasPrefix("6 skipped: 2 field \"step\" has the wrong type (first at 4)"))
    }
}

import Foundation
import Testing
@testable import AIArtsEngine

/// A step that goes backwards (`RestartRule`), as the table applies it, and the progress it keeps.
@Suite struct RestartRuleMetricsTests {
    private func point(_ step: Int, _ value: Double, _ series: String = "train/loss") -> MetricPoint {
        MetricPoint(series: series, value: value, step: step)
    }

    @Test func appendsBySeriesInFirstSeenOrder() {
        var store = MetricTable()
        store.append(point(1, 0.9))
        store.append(point(1, 0.1, "train/lr"))
        store.append(point(2, 0.8))
        #expect(store.names == ["train/loss", "train/lr"])
        #expect(store["train/loss"]?.values == [0.9, 0.8])
        #expect(store.pointCount == 3)
    }

    @Test func stepGoingBackwardsDiscardsPointsAtOrAfterIt() {
        var store = MetricTable()
        for s in 1...10 { store.append(point(s * 10, Double(s))) }
        store.append(point(5, 0.5, "train/lr"))
        // Restart from step 70: 70, 80, 90, 100 go; the other series is untouched.
        store.append(point(70, 7.5))
        #expect(store["train/loss"]?.points.map(\.step) == [10, 20, 30, 40, 50, 60, 70])
        #expect(store["train/loss"]?.values.last == 7.5)
        #expect(store["train/lr"]?.count == 1)
        #expect(store["train/loss"]?.discardedByRestart == 4)
    }

    @Test func equalStepAppendsAndEpochOnlySeriesRestartByEpoch() {
        var store = MetricTable()
        store.append(point(5, 1))
        store.append(point(5, 2))
        #expect(store["train/loss"]?.values == [1, 2])
        #expect(store["train/loss"]?.discardedByRestart == 0)
        for e in 1...4 { store.append(MetricPoint(series: "eval/acc", value: Double(e), epoch: Double(e))) }
        store.append(MetricPoint(series: "eval/acc", value: 9, epoch: 3))
        #expect(store["eval/acc"]?.values == [1, 2, 9])
        #expect(store["eval/acc"]?.discardedByRestart == 2)
    }

    @Test func theRuleItself() {
        #expect(RestartRule.isRestart(last: 5, next: 4))
        #expect(!RestartRule.isRestart(last: 5, next: 5))
        #expect(!RestartRule.isRestart(last: nil, next: 1) && !RestartRule.isRestart(last: 1, next: nil))
        let keys: [Double?] = [1, 2, nil, 3, 4, 5]
        #expect(RestartRule.kept(count: 6, next: 4) { keys[$0] } == 4)  // 4 and 5 go
        #expect(RestartRule.kept(count: 6, next: 1) { keys[$0] } == 3)  // the keyless point stops the walk back
        #expect(RestartRule.kept(count: 6, next: 6) { keys[$0] } == 6)
    }

    @Test func progressFromStepsAndTime() throws {
        var store = MetricTable()
        for i in 0...10 {
            store.append(MetricRecord(kind: .train, step: 100 + i * 10, steps: 1000, epoch: 2, epochs: 10,
                                      wallTime: 1000 + Double(i) * 2, values: [("train/loss", 1)]))
        }
        let p = store.progress.current  // the table's tracker
        #expect(p.step == 200)
        #expect(p.stepsPerSecond == 5)  // 100 steps over 20 s
        #expect(p.fraction == 0.2)
        #expect(p.eta == 160)  // 800 steps left at 5/s
        #expect(p.epochs == 10)
    }

    @Test func progressFallsBackToSecondsPerStepThenReportedETA() {
        var tracker = ProgressTracker()
        tracker.observe(MetricRecord(kind: .train, step: 2, steps: 500, secondsPerStep: 0.5, reportedETA: 151))
        #expect(tracker.current.stepsPerSecond == 2)
        #expect(tracker.current.eta == 249)
        var bare = ProgressTracker()
        bare.observe(MetricRecord(kind: .train, step: 2, reportedETA: 151))
        #expect(bare.current.eta == 151)
        #expect(bare.current.fraction == nil)
    }

    @Test func restartClearsTheRateWindow() {
        var tracker = ProgressTracker()
        tracker.observe(MetricRecord(kind: .train, step: 100, wallTime: 0))
        tracker.observe(MetricRecord(kind: .train, step: 200, wallTime: 10))
        tracker.observe(MetricRecord(kind: .train, step: 50, wallTime: 1000))
        tracker.observe(MetricRecord(kind: .train, step: 70, wallTime: 1010))
        #expect(tracker.current.stepsPerSecond == 2)
    }
}

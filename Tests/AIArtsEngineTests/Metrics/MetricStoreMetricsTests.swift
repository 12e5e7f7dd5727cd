import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct MetricStoreMetricsTests {
    private func point(_ step: Int, _ value: Double, _ series: String = "train/loss") -> MetricPoint {
        MetricPoint(series: series, value: value, step: step)
    }

    @Test func appendsBySeriesInFirstSeenOrder() {
        var store = MetricStore()
        store.append(point(1, 0.9))
        store.append(point(1, 0.1, "train/lr"))
        store.append(point(2, 0.8))
        #expect(store.names == ["train/loss", "train/lr"])
        #expect(store["train/loss"]?.values == [0.9, 0.8])
        #expect(store.pointCount == 3)
    }

    @Test func stepGoingBackwardsDiscardsPointsAtOrAfterIt() {
        var store = MetricStore()
        for s in 1...10 { store.append(point(s * 10, Double(s))) }
        store.append(point(5, 0.5, "train/lr"))
        // Restart from step 70: 70, 80, 90, 100 go; the other series is untouched.
        #expect(store.append(point(70, 7.5)) == 4)
        #expect(store["train/loss"]?.points.map(\.step) == [10, 20, 30, 40, 50, 60, 70])
        #expect(store["train/loss"]?.last?.value == 7.5)
        #expect(store["train/lr"]?.points.count == 1)
        #expect(store.discardedByRestart == 4)
    }

    @Test func equalStepAppendsAndEpochOnlySeriesRestartByEpoch() {
        var store = MetricStore()
        store.append(point(5, 1))
        #expect(store.append(point(5, 2)) == 0)
        #expect(store["train/loss"]?.values == [1, 2])
        for e in 1...4 { store.append(MetricPoint(series: "eval/acc", value: Double(e), epoch: Double(e))) }
        #expect(store.append(MetricPoint(series: "eval/acc", value: 9, epoch: 3)) == 2)
        #expect(store["eval/acc"]?.values == [1, 2, 9])
    }

    @Test func progressFromStepsAndTime() throws {
        var store = MetricStore()
        for i in 0...10 {
            store.append(MetricRecord(kind: .train, step: 100 + i * 10, steps: 1000, epoch: 2, epochs: 10,
                                      wallTime: 1000 + Double(i) * 2, values: [("train/loss", 1)]))
        }
        let p = store.progress.current
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

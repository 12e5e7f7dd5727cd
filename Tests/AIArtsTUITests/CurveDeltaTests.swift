import AIArtsEngine
import AIArtsRender
import Foundation
import Testing
import TestSupport
@testable import AIArtsTUI

/// The curves pane's one metrics path: the feed's deltas applied to `CurveData`, with the
/// smoothed lines kept between frames.
@Suite struct CurveDeltaTests {
    /// splitmix64, so a failure names its seed.
    struct Dice {
        var state: UInt64
        mutating func below(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
    }

    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var deltas: [MetricsDelta] = []
        func add(_ delta: MetricsDelta) { lock.withLock { deltas.append(delta) } }
        func take() -> [MetricsDelta] { lock.withLock { defer { deltas = [] }; return deltas } }
    }


    /// Equal curves, NaN (no epoch, no time) equal to NaN.
    private func same(_ a: CurveData, _ b: CurveData) -> Bool {
        func bits(_ xs: [Double]) -> [UInt64] { xs.map(\.bitPattern) }
        return a.taskID == b.taskID && a.curves.count == b.curves.count && zip(a.curves, b.curves).allSatisfy { x, y in
            x.name == y.name && bits(x.steps) == bits(y.steps) && bits(x.epochs) == bits(y.epochs) && bits(x.times) == bits(y.times)
                && bits(x.values) == bits(y.values) && x.givenSteps == y.givenSteps
        }
    }

    /// The kept lines are what a chart would compute from the curves themselves.
    private func expectLinesMatch(_ data: CurveData, _ context: String) {
        for (i, curve) in data.curves.enumerated() {
            let (xs, ys) = CurvesPane.points(curve, axis: data.lines.axis)
            let kept = data.line(i, axis: data.lines.axis, smoothing: data.lines.weight)
            #expect(kept.xs == xs && kept.ys.elementsEqual(ys) { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(context) \(curve.name)")
            let full = ChartSmoothing.ema(ys, weight: data.lines.weight)
            #expect(kept.smoothed.map { $0.elementsEqual(full) { $0 == $1 || ($0.isNaN && $1.isNaN) } } == true, "\(context) \(curve.name) smoothed")
        }
    }

    /// Random writes to a live metrics.jsonl (pieces of lines, restarts, epoch-only eval points,
    /// totals that change the steps per epoch, a rewrite), the deltas applied as they come, some
    /// merged first as the watch merges them: always the curves of the snapshot, and lines equal
    /// to a full EMA.
    @Test func appliedDeltasEqualTheSnapshot() throws {
        for seed in 1...3 {
            var dice = Dice(state: UInt64(seed))
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-curves-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let url = folder.appendingPathComponent("metrics.jsonl")
            try append(url, "")
            let feed = MetricsFeed(folder: folder.path)
            try feed.start()
            defer { feed.stop() }
            let inbox = Inbox()
            var data = CurveData(taskID: "T0001", curves: [])
            data.apply(feed.subscribe(inbox.add).first)
            var step = 0, total = 100
            for round in 0..<25 {
                var text = ""
                for _ in 0..<(1 + dice.below(15)) {
                    step = dice.below(15) == 0 ? max(0, step - dice.below(8)) : step + 1
                    if dice.below(20) == 0 { total += 50 }
                    let loss = dice.below(10) == 0 ? "1.5" : String(Double(dice.below(1000)) / 7)
                    text += #"{"type":"train","epoch":\#(step / 10),"epochs":10,"step":\#(step),"steps":\#(total),"loss":\#(loss),"time":\#(1000 + step)}"# + "\n"
                    if dice.below(4) == 0 { text += #"{"type":"eval","epoch":\#(step / 10),"acc1":\#(dice.below(100))}"# + "\n" }
                }
                if round == 13 { try Data(text.utf8).write(to: url) } else { try append(url, text) }
                usleep(UInt32(dice.below(3)) * 15_000)
                var pending: MetricsDelta?
                for delta in inbox.take() {
                    if dice.below(2) == 0 { pending = pending.map { $0.followed(by: delta) } ?? delta } else {
                        if let p = pending { data.apply(p); pending = nil }
                        data.apply(delta)
                    }
                }
                if let pending { data.apply(pending) }
                expectLinesMatch(data, "seed \(seed) round \(round)")
            }
            try append(url, #"{"type":"train","step":1000000,"done":1}"# + "\n")
            let deadline = Date().addingTimeInterval(10)
            while !data.curves.contains(where: { $0.name == "train/done" }), Date() < deadline {
                for delta in inbox.take() { data.apply(delta) }
                usleep(10_000)
            }
            let snapshot = CurveData(taskID: "T0001", table: feed.snapshot())
            #expect(same(data, snapshot), "seed \(seed)")
            #expect(data.curves.map(\.name) == snapshot.curves.map(\.name))
            data.prepare(axis: .time, smoothing: 0.9)
            expectLinesMatch(data, "seed \(seed) on time")
        }
    }

    /// The kept smoothing follows appends, cuts (a step back), a constant start that stops
    /// being constant, NaN values and a weight change, always equal to the full EMA.
    @Test func keptSmoothingEqualsAFullEMA() {
        var dice = Dice(state: 7)
        var data = CurveData(taskID: "T0001", curves: [])
        var steps: [Int] = []
        var values: [Double] = []
        func delta(from: Int) -> MetricsDelta {
            let n = steps.count - from
            return MetricsDelta(replace: false, series: [MetricSeriesDelta(
                name: "train/loss", from: from, steps: Array(steps[from...]), epochs: Array(repeating: .nan, count: n),
                times: steps[from...].map { 1000 + Double($0) }, values: Array(values[from...]))], progress: TrainingProgress())
        }
        var step = 0
        for round in 0..<200 {
            var from = steps.count
            if round % 37 == 36, steps.count > 5 {  // a restart: the feed cuts back and resends
                let cut = steps.count - 1 - dice.below(5)
                steps.removeLast(steps.count - cut); values.removeLast(values.count - cut)
                step = steps.last ?? 0
                data.apply(delta(from: cut))
                from = cut
            }
            for _ in 0..<(1 + dice.below(4)) {
                step += 1
                steps.append(step)
                values.append(round < 20 ? 2 : (dice.below(30) == 0 ? .nan : Double(dice.below(100))))
            }
            data.apply(delta(from: from))
            expectLinesMatch(data, "round \(round)")
            if round == 120 { data.prepare(axis: .step, smoothing: 0.3) }
            if round == 150 { data.prepare(axis: .epoch, smoothing: 0.3) }  // no epochs: no points on this axis
            if round == 160 { data.prepare(axis: .step, smoothing: 0) }
        }
        #expect(data.curves.first?.values.count == values.count)
    }

    /// Epoch-only evaluation points are placed at the step where their epoch ended; when the
    /// totals change, placed again.
    @Test func epochOnlyPointsFollowTheStepsPerEpoch() {
        var data = CurveData(taskID: "T0001", curves: [])
        func progress(_ steps: Int) -> TrainingProgress { TrainingProgress(step: 10, steps: steps, epochs: 10) }
        data.apply(MetricsDelta(replace: true, series: [
            MetricSeriesDelta(name: "eval/acc1", from: 0, steps: [Int.min, Int.min], epochs: [1, 2], times: [.nan, .nan], values: [0.5, 0.6]),
        ], progress: progress(100)))
        #expect(data.curves.first?.steps == [10, 20])
        data.apply(MetricsDelta(replace: false, series: [], progress: progress(200)))
        #expect(data.curves.first?.steps == [20, 40])
        // TensorBoard's own tags are not drawn, as before.
        data.apply(MetricsDelta(replace: false, series: [
            MetricSeriesDelta(name: "Loss/train", raw: true, from: 0, steps: [1], epochs: [.nan], times: [.nan], values: [1]),
        ], progress: progress(200)))
        #expect(data.curves.count == 1)
    }
}

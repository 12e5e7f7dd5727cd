import Foundation
import Testing
@testable import AIArtsEngine

/// The columnar table: a record's step, epoch and time stored once and shared by its values,
/// with `RestartRule` and merges that keep every point's keys, checked against `ReferenceStore`.
@Suite struct MetricTableMetricsTests {
    /// A small deterministic generator, so a failure names the seed that found it.
    struct Dice: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {  // splitmix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    private func expectSame(_ table: MetricTable, _ store: ReferenceStore, _ context: String) {
        #expect(table.names == store.names, "\(context)")
        for name in store.names {
            let want = store[name]!.points, got = table[name]!.points
            #expect(got.count == want.count, "\(context) \(name)")
            for (p, q) in zip(got, want) {
                #expect(p.step == q.step && p.epoch == q.epoch && p.wallTime == q.wallTime && p.value == q.value, "\(context) \(name)")
            }
            // Random access agrees with the walk.
            let column = table[name]!
            for i in stride(from: 0, to: column.count, by: max(1, column.count / 7)) {
                #expect(column.point(at: i) == got[i], "\(context) \(name) at \(i)")
            }
            #expect(column.steps == got.map { $0.step ?? Int.min }, "\(context) \(name)")
            #expect(column.times.map { $0.isNaN ? nil : $0 } == got.map(\.wallTime), "\(context) \(name)")
        }
    }

    @Test func valuesOfOneRecordShareItsStepEpochAndTime() {
        var table = MetricTable()
        table.append(MetricRecord(kind: .train, step: 10, epoch: 1, wallTime: 100, values: [("train/loss", 0.5), ("train/lr", 0.1)]))
        table.append(MetricRecord(kind: .eval, epoch: 1, values: [("eval/acc1", 0.7)]))
        table.append(MetricRecord(kind: .train, step: 20, epoch: 2, wallTime: 200, values: [("train/loss", 0.4), ("train/lr", 0.1)]))
        #expect(table.pointCount == 5)
        #expect(table["train/loss"]?.points == [MetricPoint(series: "train/loss", value: 0.5, step: 10, epoch: 1, wallTime: 100),
                                                MetricPoint(series: "train/loss", value: 0.4, step: 20, epoch: 2, wallTime: 200)])
        #expect(table["train/lr"]?.steps == [10, 20])
        #expect(table["eval/acc1"]?.point(at: 0) == MetricPoint(series: "eval/acc1", value: 0.7, epoch: 1))
        #expect(table["eval/acc1"]?.steps == [Int.min])
        #expect(table["eval/acc1"]?.times.first?.isNaN == true)
    }

    @Test func tagsWrittenInTurnKeepTheirOwnSteps() {
        // An event file's shape: one scalar per event, four tags in turn.
        var table = MetricTable(), store = ReferenceStore()
        let tags = ["a", "b", "c", "d"]
        for i in 0..<400 {
            let point = MetricPoint(series: tags[i % 4], value: Double(i), step: i / 4, wallTime: 1000 + Double(i))
            table.append(point, raw: true)
            store.append(point)
        }
        expectSame(table, store, "in turn")
        #expect(table["c"]?.steps == Array(0..<100))
        #expect(table["c"]?.values.first == 2)
    }

    @Test func restartsDropWhatTheReferenceDrops() {
        var table = MetricTable()
        for step in [1, 2, 3, 4, 5, 6, 3, 4, 1] {
            table.append(MetricRecord(kind: .train, step: step, values: [("train/loss", Double(step))]))
        }
        #expect(table["train/loss"]?.steps == [1])
        #expect(table["train/loss"]?.discardedByRestart == 8)
        // Epoch-only points restart by epoch; a point without step or epoch ends the walk back.
        var epochs = MetricTable()
        for epoch in [1.0, 2, 3] { epochs.append(MetricPoint(series: "x", value: epoch, epoch: epoch)) }
        epochs.append(MetricPoint(series: "x", value: 0))
        epochs.append(MetricPoint(series: "x", value: 9, epoch: 4))
        epochs.append(MetricPoint(series: "x", value: 2, epoch: 2))
        #expect(epochs["x"]?.values == [1, 2, 3, 0, 2])
    }

    @Test func randomRecordsEqualReferenceStore() {
        for seed in 1...40 {
            var dice = Dice(state: UInt64(seed))
            var table = MetricTable(), store = ReferenceStore()
            var step = 0
            for _ in 0..<(50 + dice.below(400)) {
                switch dice.below(20) {
                case 0: step = max(0, step - dice.below(30))  // a restart
                case 1: step += 0
                default: step += 1 + dice.below(3)
                }
                let names = ["train/loss", "train/lr", "eval/acc1", "eval/loss"].filter { _ in dice.below(3) > 0 }
                let hasStep = dice.below(10) > 0, hasEpoch = dice.below(4) > 0, hasTime = dice.below(5) > 0
                let record = MetricRecord(kind: .train, step: hasStep ? step : nil, epoch: hasEpoch ? Double(step / 10) : nil,
                                          wallTime: hasTime ? 1e9 + Double(step) : nil,
                                          values: names.map { ($0, Double(dice.below(1000)) / 7) })
                table.append(record)
                store.append(record)
                if dice.below(3) == 0 {
                    let fast = table.columnIndex("train/fast")
                    let r = table.addKey(MetricKey(step: step, epoch: .nan, time: .nan))
                    table.appendFast(column: fast, value: 1, record: r, step: step)
                    store.append(MetricPoint(series: "train/fast", value: 1, step: step))
                }
            }
            expectSame(table, store, "seed \(seed)")
        }
    }

    /// Random records with restarts, steps and epochs missing now and then, and checkpoints.
    static func records(seed: Int, count: Int) -> [MetricRecord] {
        var dice = Dice(state: UInt64(seed))
        var step = 0
        var out: [MetricRecord] = []
        for _ in 0..<count {
            switch dice.below(12) {
            case 0: step = max(0, step - dice.below(40))  // a restart
            case 1: break
            default: step += 1 + dice.below(3)
            }
            let names = ["train/loss", "train/lr", "eval/acc1"].filter { _ in dice.below(3) > 0 }
            let hasStep = dice.below(8) > 0
            out.append(MetricRecord(kind: dice.below(5) == 0 ? .eval : .train, step: hasStep ? step : nil, steps: 1000,
                                    epoch: dice.below(4) > 0 ? Double(step / 10) : nil, epochs: 100,
                                    wallTime: dice.below(5) > 0 ? 1e9 + Double(step) : nil,
                                    secondsPerStep: dice.below(2) == 0 ? 0.5 : nil,
                                    values: names.map { ($0, Double(dice.below(1000)) / 7) },
                                    checkpoint: dice.below(40) == 0 ? MetricCheckpoint(step: step) : nil))
        }
        return out
    }

    @Test func aContinuationReadApartJoinsToTheSameTable() {
        for seed in 1...60 {
            let records = Self.records(seed: seed, count: 20 + seed * 5)
            var whole = MetricTable()
            whole.append(contentsOf: records)
            var dice = Dice(state: UInt64(seed) &* 31)
            let cut = dice.below(records.count + 1)
            var first = MetricTable(), second = MetricTable()
            second.progressLog = []
            first.append(contentsOf: records[..<cut])
            second.append(contentsOf: records[cut...])
            first.append(continuation: second)
            #expect(first.names == whole.names, "seed \(seed) cut \(cut)")
            for name in whole.names {
                #expect(first[name]!.points == whole[name]!.points, "seed \(seed) cut \(cut) \(name)")
                #expect(first[name]!.discardedByRestart == whole[name]!.discardedByRestart, "seed \(seed) cut \(cut) \(name)")
            }
            #expect(first.checkpoints == whole.checkpoints)
            #expect(first.progress == whole.progress, "seed \(seed) cut \(cut)")
            // Appending goes on as in the whole table.
            let more = MetricRecord(kind: .train, step: 5, wallTime: 1, values: [("train/loss", 1)])
            first.append(more); whole.append(more)
            #expect(first["train/loss"]?.points == whole["train/loss"]?.points)
        }
    }

    @Test func mergesKeepEachPointsKeys() {
        var a = MetricTable(), b = MetricTable()
        a.append(MetricRecord(kind: .train, step: 1, wallTime: 10, values: [("loss", 1)]))
        a.append(MetricRecord(kind: .train, step: 2, wallTime: 20, values: [("loss", 2)]))
        b.append(MetricRecord(kind: .train, step: 3, wallTime: 30, values: [("loss", 3), ("acc", 0.3)]))
        b.append(MetricRecord(kind: .train, step: 1, wallTime: 40, values: [("acc", 0.1)]))  // acc restarts
        var same = a
        same.merge(sameRank: b)
        #expect(same["loss"]?.steps == [1, 2, 3] && same["loss"]?.times == [10, 20, 30])
        #expect(same["acc"]?.steps == [1] && same["acc"]?.times == [40])
        var lower = a
        lower.merge(lowerPrecedence: b)
        #expect(lower["loss"]?.values == [1, 2])  // this table's own series wins
        #expect(lower["acc"]?.steps == [1] && lower["acc"]?.times == [40] && lower["acc"]?.discardedByRestart == 1)
        // Records appended after a merge still land on their own keys.
        lower.append(MetricRecord(kind: .train, step: 5, wallTime: 50, values: [("acc", 0.5)]))
        #expect(lower["acc"]?.points.map(\.wallTime) == [40, 50])
    }

    @Test func deliveredMarkFollowsRestarts() {
        var table = MetricTable()
        for step in 1...5 { table.append(MetricRecord(kind: .train, step: step, values: [("loss", Double(step))])) }
        table.markDelivered()
        #expect(table["loss"]?.mark == 5)
        table.append(MetricRecord(kind: .train, step: 3, values: [("loss", 0)]))
        #expect(table["loss"]?.mark == 2)
        #expect(table["loss"]?.points(from: 2).map(\.step) == [3])
    }
}

/// The restart rule written the plain way, a point struct per value in a dictionary of arrays:
/// the specification the columnar table is checked against.
struct ReferenceStore {
    private(set) var series: [String: [MetricPoint]] = [:]
    private(set) var names: [String] = []

    subscript(name: String) -> (points: [MetricPoint], Void)? { series[name].map { ($0, ()) } }

    mutating func append(_ point: MetricPoint) {
        if series[point.series] == nil { series[point.series] = []; names.append(point.series) }
        if let key = point.orderKey, let lastKey = series[point.series]!.last?.orderKey, lastKey > key {
            // Only a strictly earlier key is a restart; the points at or after it go, from the end.
            while let last = series[point.series]!.last?.orderKey, last >= key { series[point.series]!.removeLast() }
        }
        series[point.series]!.append(point)
    }

    mutating func append(_ record: MetricRecord) {
        for point in record.points { append(point) }
    }
}

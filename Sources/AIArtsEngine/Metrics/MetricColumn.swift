import Foundation

/// The step, epoch and time that every value of one record shares (a log line, an event).
/// A table keeps one per record rather than one per value: a PaddleX train line carries five
/// values, so this is a fifth of what per-point keys cost.
struct MetricKey: Sendable {
    /// `Int.min` where the record has no step.
    var step: Int
    /// NaN where the record has no epoch.
    var epoch: Double
    /// Unix seconds; NaN where unknown.
    var time: Double

    init(step: Int?, epoch: Double?, time: Double?) {
        self.step = step ?? Int.min; self.epoch = epoch ?? .nan; self.time = time ?? .nan
    }

    init(step: Int, epoch: Double, time: Double) { self.step = step; self.epoch = epoch; self.time = time }

    /// What orders the points of a series: the step, else the epoch; nil without either.
    var order: Double? { step != Int.min ? Double(step) : (epoch.isNaN ? nil : epoch) }
}

/// Which record each point of a series came from, as arithmetic runs: the points from
/// `point` up to the next run's belong to records `record`, `record + stride`, … The train
/// lines of a log give a series one run per stretch between other lines; the four tags of an
/// event file written in turn give each tag one run of stride 4.
struct RecordRun: Sendable {
    var point: Int
    var record: Int
    var stride: Int
}

/// Walks the runs of one series for points visited in increasing order (JSON, curves, feeds).
struct RecordCursor {
    private var run = 0

    init() {}

    /// A cursor for a walk that starts at point `i` (the run holding it found by binary search).
    init(at i: Int, in runs: [RecordRun]) {
        var lo = 0, hi = max(0, runs.count - 1)
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if runs[mid].point <= i { lo = mid } else { hi = mid - 1 }
        }
        run = lo
    }

    @inline(__always)
    mutating func record(at i: Int, in runs: [RecordRun]) -> Int {
        while run + 1 < runs.count, runs[run + 1].point <= i { run += 1 }
        let r = runs[run]
        return r.record + (i - r.point) * r.stride
    }
}

/// One series as a table stores it: its values and, through runs, the record of each.
struct SeriesStorage: Sendable {
    var name: String
    var raw: Bool
    var values: [Double] = []
    var runs: [RecordRun] = []
    var discardedByRestart = 0
    var mark = 0
    /// The step of the last point (`Int.min` when none): the fast path's restart check.
    var lastStep = Int.min
    /// The lowest order key of the restarts that dropped every stored point: had points come
    /// before (a table read before this one, `MetricTable.append(continuation:)`), the
    /// restart would have gone on dropping theirs at or after it.
    var floor: Double?

    init(name: String, raw: Bool) { self.name = name; self.raw = raw }

    var count: Int { values.count }

    /// The record of point `i` (a binary search over the runs).
    func record(at i: Int) -> Int {
        var lo = 0, hi = runs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if runs[mid].point <= i { lo = mid } else { hi = mid - 1 }
        }
        let r = runs[lo]
        return r.record + (i - r.point) * r.stride
    }

    /// Adds a value of record `record` (records only grow, so strides are never negative).
    @inline(__always)
    mutating func push(_ value: Double, record: Int, step: Int) {
        let n = values.count
        values.append(value)
        lastStep = step
        if let last = runs.last {
            let inRun = n - last.point
            if inRun == 1 { runs[runs.count - 1].stride = record - last.record; return }
            if record == last.record + inRun * last.stride { return }
        }
        runs.append(RecordRun(point: n, record: record, stride: 0))
    }

    /// Drops the last `n` points (a restart), counting them.
    mutating func removeLast(_ n: Int) {
        guard n > 0 else { return }
        values.removeLast(n)
        while let last = runs.last, last.point >= values.count { runs.removeLast() }
        discardedByRestart += n
        if values.count < mark { mark = values.count }
    }

    /// Appends `other`'s points, whose records are `recordOffset` higher in this table.
    mutating func append(contentsOf other: SeriesStorage, recordOffset: Int) {
        let pointOffset = values.count
        values.append(contentsOf: other.values)
        runs.reserveCapacity(runs.count + other.runs.count)
        for r in other.runs { runs.append(RecordRun(point: r.point + pointOffset, record: r.record + recordOffset, stride: r.stride)) }
        discardedByRestart += other.discardedByRestart
        if !other.values.isEmpty { lastStep = other.lastStep }
    }

    /// The same series with its records moved up by `offset` (the other table's records were
    /// appended after this table's).
    func shifted(by offset: Int) -> SeriesStorage {
        var out = self
        for r in out.runs.indices { out.runs[r].record += offset }
        return out
    }
}

/// One series of a table, as callers read it: the values, and the step, epoch and time of each
/// point from the record it came from. A snapshot; the table is not changed through it.
public struct MetricColumn: Sendable {
    let storage: SeriesStorage
    let keys: [MetricKey]

    init(_ storage: SeriesStorage, keys: [MetricKey]) { self.storage = storage; self.keys = keys }

    public var name: String { storage.name }
    /// True when the name is a writer's own tag (TensorBoard), exported as it is.
    public var raw: Bool { storage.raw }
    public var values: [Double] { storage.values }
    public var count: Int { storage.count }
    /// Points dropped because a step went backwards (a restart).
    public var discardedByRestart: Int { storage.discardedByRestart }
    /// Points already handed to subscribers and still stored (a restart lowers it): what a
    /// live feed delivers next is `mark..<count`.
    public var mark: Int { storage.mark }

    /// Each point's step, `Int.min` where it has none.
    public var steps: [Int] { gather { $0.step } }
    /// Each point's epoch, NaN where it has none.
    public var epochs: [Double] { gather { $0.epoch } }
    /// Each point's Unix time, NaN where unknown.
    public var times: [Double] { gather { $0.time } }

    public func step(at i: Int) -> Int? { let s = key(at: i).step; return s == Int.min ? nil : s }
    public func epoch(at i: Int) -> Double? { let e = key(at: i).epoch; return e.isNaN ? nil : e }
    public func time(at i: Int) -> Double? { let t = key(at: i).time; return t.isNaN ? nil : t }

    public func point(at i: Int) -> MetricPoint { point(i, key(at: i)) }

    public var points: [MetricPoint] { points(from: 0) }

    /// The points from `start` on, in one walk over the runs.
    public func points(from start: Int) -> [MetricPoint] {
        guard start < count else { return [] }
        var cursor = RecordCursor()
        return (start..<count).map { point($0, keys[cursor.record(at: $0, in: storage.runs)]) }
    }

    func key(at i: Int) -> MetricKey { keys[storage.record(at: i)] }

    private func point(_ i: Int, _ k: MetricKey) -> MetricPoint {
        MetricPoint(series: storage.name, value: storage.values[i], step: k.step == Int.min ? nil : k.step,
                    epoch: k.epoch.isNaN ? nil : k.epoch, wallTime: k.time.isNaN ? nil : k.time)
    }

    private func gather<T>(_ field: (MetricKey) -> T) -> [T] {
        var cursor = RecordCursor()
        return (0..<count).map { field(keys[cursor.record(at: $0, in: storage.runs)]) }
    }
}

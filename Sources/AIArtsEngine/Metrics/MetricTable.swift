import Foundation

/// One series stored as columns: what large logs are read into. A million points cost four
/// flat arrays rather than a million structs each holding its series name.
public struct MetricColumn: Sendable {
    public var name: String
    /// True when the name is a writer's own tag (TensorBoard), exported as it is.
    public var raw: Bool
    public private(set) var values: [Double] = []
    /// `Int.min` where the point has no step.
    public private(set) var steps: [Int] = []
    /// NaN where the point has no epoch.
    public private(set) var epochs: [Double] = []
    /// Unix seconds; NaN where unknown.
    public private(set) var times: [Double] = []
    /// Points dropped because a step went backwards (a restart).
    public private(set) var discardedByRestart = 0
    /// Points already handed to subscribers and still stored (a restart lowers it): what a
    /// live feed delivers next is `mark..<count`.
    public internal(set) var mark = 0

    public init(name: String, raw: Bool = false) { self.name = name; self.raw = raw }

    public var count: Int { values.count }

    public func step(at i: Int) -> Int? { steps[i] == Int.min ? nil : steps[i] }
    public func epoch(at i: Int) -> Double? { epochs[i].isNaN ? nil : epochs[i] }
    public func time(at i: Int) -> Double? { times[i].isNaN ? nil : times[i] }

    public func point(at i: Int) -> MetricPoint {
        MetricPoint(series: name, value: values[i], step: step(at: i), epoch: epoch(at: i), wallTime: time(at: i))
    }

    public var points: [MetricPoint] { (0..<count).map(point(at:)) }

    private func key(at i: Int) -> Double? {
        steps[i] != Int.min ? Double(steps[i]) : (epochs[i].isNaN ? nil : epochs[i])
    }

    /// Appends a point with the restart rule of `MetricStore`: a step (else epoch) strictly
    /// lower than the last one drops the stored points at or after it first.
    public mutating func append(value: Double, step: Int?, epoch: Double?, time: Double?) {
        let s = step ?? Int.min, e = epoch ?? .nan, t = time ?? .nan
        let key: Double? = step.map(Double.init) ?? epoch
        if let key, let n = values.indices.last, let last = self.key(at: n), last > key {
            var keep = n
            while keep >= 0, let k = self.key(at: keep), k >= key { keep -= 1 }
            let drop = count - (keep + 1)
            values.removeLast(drop); steps.removeLast(drop); epochs.removeLast(drop); times.removeLast(drop)
            discardedByRestart += drop
            if values.count < mark { mark = values.count }
        }
        values.append(value); steps.append(s); epochs.append(e); times.append(t)
    }

    /// The fast path for parsers that know the order is fine (no restart check needed when
    /// `step` is not below the last one); falls back to `append` otherwise.
    @inline(__always)
    mutating func appendFast(value: Double, step: Int, epoch: Double, time: Double) {
        if let last = steps.last, last != Int.min, last > step {
            append(value: value, step: step, epoch: epoch.isNaN ? nil : epoch, time: time.isNaN ? nil : time)
            return
        }
        values.append(value); steps.append(step); epochs.append(epoch); times.append(time)
    }

    mutating func reserve(_ n: Int) {
        values.reserveCapacity(n); steps.reserveCapacity(n); epochs.reserveCapacity(n); times.reserveCapacity(n)
    }
}

/// A task's or a file's series by name, with its checkpoints and progress.
public struct MetricTable: Sendable {
    public private(set) var columns: [MetricColumn] = []
    private var index: [String: Int] = [:]
    public private(set) var checkpoints: [MetricCheckpoint] = []
    public private(set) var progress = ProgressTracker()

    public init() {}

    /// Series names in table order: what every front end shows and prints, and the keys of
    /// `--json` (docs/metrics-protocol.md, "Series names"): the ecosystem's own names,
    /// `train/loss`, `eval/acc1`, `test/acc1`, `train_epoch/loss`, TensorBoard tags as written.
    public var names: [String] { columns.map(\.name) }
    public var pointCount: Int { columns.reduce(0) { $0 + $1.count } }
    public subscript(name: String) -> MetricColumn? { index[name].map { columns[$0] } }

    /// The column for `name`, created empty when new.
    public mutating func columnIndex(_ name: String, raw: Bool = false) -> Int {
        if let i = index[name] { return i }
        columns.append(MetricColumn(name: name, raw: raw))
        index[name] = columns.count - 1
        return columns.count - 1
    }

    public mutating func append(_ point: MetricPoint, raw: Bool = false) {
        let i = columnIndex(point.series, raw: raw)
        columns[i].append(value: point.value, step: point.step, epoch: point.epoch, time: point.wallTime)
    }

    public mutating func append(_ record: MetricRecord) {
        for (name, value) in record.values {
            let i = columnIndex(name)
            columns[i].append(value: value, step: record.step, epoch: record.epoch, time: record.wallTime)
        }
        if let checkpoint = record.checkpoint { checkpoints.append(checkpoint) }
        progress.observe(record)
    }

    public mutating func append<S: Sequence>(contentsOf records: S) where S.Element == MetricRecord {
        for record in records { append(record) }
    }

    @inline(__always)
    mutating func appendFast(column: Int, value: Double, step: Int, epoch: Double, time: Double) {
        columns[column].appendFast(value: value, step: step, epoch: epoch, time: time)
    }

    mutating func observe(_ record: MetricRecord) { progress.observe(record) }

    /// Reserves room for `factor` times each column's points (a long file read in blocks,
    /// after its first block), so the columns are not copied as they grow.
    mutating func reserve(factor: Double) {
        guard factor > 1, factor.isFinite else { return }
        for i in columns.indices { columns[i].reserve(Int(Double(columns[i].count) * factor) + 16) }
    }

    /// Marks every point as delivered (see `MetricColumn.mark`).
    public mutating func markDelivered() {
        for i in columns.indices { columns[i].mark = columns[i].count }
    }
    mutating func addCheckpoint(_ checkpoint: MetricCheckpoint) { checkpoints.append(checkpoint) }

    /// Adds the series of `other` whose names this table does not have yet (a source of lower
    /// precedence), and its checkpoints when this table has none.
    public mutating func merge(lowerPrecedence other: MetricTable) {
        for column in other.columns where index[column.name] == nil {
            columns.append(column)
            index[column.name] = columns.count - 1
        }
        if checkpoints.isEmpty { checkpoints = other.checkpoints }
        if progress.current == TrainingProgress() { progress = other.progress }
    }

    /// Appends the points of `other`'s series to this table's series of the same name (files
    /// of the same kind and rank: several event files of one run).
    public mutating func merge(sameRank other: MetricTable) {
        for column in other.columns {
            let i = columnIndex(column.name, raw: column.raw)
            for p in 0..<column.count {
                columns[i].append(value: column.values[p], step: column.step(at: p), epoch: column.epoch(at: p), time: column.time(at: p))
            }
        }
        checkpoints.append(contentsOf: other.checkpoints)
        if progress.current == TrainingProgress() { progress = other.progress }
    }

    /// Writes `{"SERIES": [{"epoch": E, "step": S, "value": V, "time": T}, ...], ...}` in
    /// pieces of about 1 MiB to `sink`, so a log of millions of points is never held as text.
    /// Unknown fields and non-finite values (JSON has no NaN) are written as null.
    public func writeJSON(_ sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var out = NumberTextBuffer()
        out.bytes.reserveCapacity(1 << 20 + 4096)
        out.ascii("{")
        for (c, column) in columns.enumerated() {
            if c > 0 { out.ascii(",") }
            out.ascii("\n  ")
            var keyWriter = JSONWriter()
            keyWriter.string(column.name)
            out.bytes.append(contentsOf: keyWriter.bytes)
            out.ascii(": [")
            for i in 0..<column.count {
                out.ascii(i == 0 ? "\n    {\"epoch\": " : ",\n    {\"epoch\": ")
                out.number(column.epochs[i])
                out.ascii(", \"step\": ")
                if column.steps[i] == Int.min { out.ascii("null") } else { out.integer(column.steps[i]) }
                out.ascii(", \"value\": ")
                out.number(column.values[i])
                out.ascii(", \"time\": ")
                out.number(column.times[i])
                out.ascii("}")
                if out.bytes.count >= 1 << 20 {
                    try out.bytes.withUnsafeBytes(sink)
                    out.bytes.removeAll(keepingCapacity: true)
                }
            }
            out.ascii(column.count == 0 ? "]" : "\n  ]")
        }
        out.ascii(columns.isEmpty ? "}\n" : "\n}\n")
        try out.bytes.withUnsafeBytes(sink)
    }
}

/// A byte buffer that formats numbers the way JSONWriter does, without a String per number
/// for integers (steps, epochs and whole-second times are most of a metrics export).
struct NumberTextBuffer {
    var bytes: [UInt8] = []

    @inline(__always)
    mutating func ascii(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func integer(_ v: Int) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 digits, reversed
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(ascii: "0") + UInt8(m % 10); m /= 10; n += 1 } while m > 0
            for k in stride(from: n - 1, through: 0, by: -1) { bytes.append(d[k]) }
        }
    }

    /// NaN and infinities as null; whole numbers below 1e15 without a fraction; the rest as
    /// the shortest text that reads back to the same Double.
    mutating func number(_ v: Double) {
        if !v.isFinite { ascii("null"); return }
        if v == v.rounded(), abs(v) < 1e15 { integer(Int(v)); return }
        var text = v.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }
}

import Foundation

/// A task's or a file's series by name, with its checkpoints and progress.
///
/// Stored as columns: each series keeps its values and, by runs, the record each came from;
/// the step, epoch and time live once per record (`MetricKey`). Sixteen million points of a
/// PaddleX log cost their values and a fifth as many keys, not a struct per point.
public struct MetricTable: Sendable {
    private var series: [SeriesStorage] = []
    private var keys: [MetricKey] = []
    private var index: [String: Int] = [:]
    public private(set) var checkpoints: [MetricCheckpoint] = []
    public private(set) var progress = ProgressTracker()
    /// When set, every record shown to `progress`, in order: a table read on another thread
    /// keeps them for `append(continuation:)` to show again after the earlier table's.
    var progressLog: [MetricRecord]?
    /// The lowest epoch of the `resume` records this table read (`ResumeRule`), so that
    /// `append(continuation:)` drops the earlier table's points after it too.
    private(set) var resumeCut: Double?

    public init() {}

    /// The series in the order they first appeared (snapshots: cheap, they share storage).
    public var columns: [MetricColumn] { series.map { MetricColumn($0, keys: keys) } }
    /// Series names in table order: what every front end shows and prints, and the keys of
    /// `--json` (docs/metrics-protocol.md, "Series names"): the ecosystem's own names,
    /// `train/loss`, `eval/acc1`, `test/acc1`, `train_epoch/loss`, TensorBoard tags as written.
    public var names: [String] { series.map(\.name) }
    public var pointCount: Int { series.reduce(0) { $0 + $1.count } }
    public subscript(name: String) -> MetricColumn? { index[name].map { MetricColumn(series[$0], keys: keys) } }

    /// The column for `name`, created empty when new.
    public mutating func columnIndex(_ name: String, raw: Bool = false) -> Int {
        if let i = index[name] { return i }
        series.append(SeriesStorage(name: name, raw: raw))
        index[name] = series.count - 1
        return series.count - 1
    }

    public mutating func append(_ point: MetricPoint, raw: Bool = false) {
        let i = columnIndex(point.series, raw: raw)
        append(point.value, column: i, record: addKey(MetricKey(step: point.step, epoch: point.epoch, time: point.wallTime)))
    }

    public mutating func append(_ record: MetricRecord) {
        if ResumeRule.isResume(record) {
            if let epoch = record.epoch { cutForResume(epoch: epoch) }
            observe(record)
            return
        }
        if !record.values.isEmpty {
            let r = addKey(MetricKey(step: record.step, epoch: record.epoch, time: record.wallTime))
            for (name, value) in record.values { append(value, column: columnIndex(name), record: r) }
        }
        if let checkpoint = record.checkpoint { checkpoints.append(checkpoint) }
        observe(record)
    }

    public mutating func append<S: Sequence>(contentsOf records: S) where S.Element == MetricRecord {
        for record in records { append(record) }
    }

    /// Adds a record's step, epoch and time; its values then refer to it by the number returned.
    @inline(__always)
    mutating func addKey(_ key: MetricKey) -> Int {
        keys.append(key)
        return keys.count - 1
    }

    /// Appends a value of record `r` with `RestartRule`: an order key (step, else epoch)
    /// strictly lower than the last one first drops the stored points at or after it.
    mutating func append(_ value: Double, column i: Int, record r: Int) {
        let key = keys[r].order
        let count = series[i].count
        let keep = RestartRule.kept(count: count, next: key) { keys[series[i].record(at: $0)].order }
        if keep < count {
            series[i].removeLast(count - keep)
            if keep == 0, let key { series[i].floor = min(series[i].floor ?? key, key) }
        }
        series[i].push(value, record: r, step: keys[r].step)
    }

    /// `append` for a record with a step: when the last point has a step and it is not above
    /// `step`, the restart rule has nothing to do and the value is just stored.
    @inline(__always)
    mutating func appendFast(column i: Int, value: Double, record r: Int, step: Int) {
        let last = series[i].lastStep
        if last == Int.min || last > step { append(value, column: i, record: r); return }
        series[i].push(value, record: r, step: step)
    }

    /// The values of one record at once (a PaddleX train line), with `appendFast`'s rule.
    @inline(__always)
    mutating func appendRow(record r: Int, step: Int, columns: UnsafePointer<Int>, values: UnsafePointer<Double>, count: Int) {
        let done = series.withUnsafeMutableBufferPointer { s -> Bool in
            for k in 0..<count {
                let last = s[columns[k]].lastStep
                if last == Int.min || last > step { return false }
            }
            for k in 0..<count { s[columns[k]].push(values[k], record: r, step: step) }
            return true
        }
        if !done {
            for k in 0..<count { appendFast(column: columns[k], value: values[k], record: r, step: step) }
        }
    }

    mutating func observe(_ record: MetricRecord) {
        progress.observe(record)
        progressLog?.append(record)
    }

    /// Reserves room for `factor` times each column's points and the records (a long file read
    /// in blocks, after its first block), so the arrays are not copied as they grow.
    mutating func reserve(factor: Double) {
        guard factor > 1, factor.isFinite else { return }
        keys.reserveCapacity(Int(Double(keys.count) * factor) + 16)
        LargePages.advise(&keys)
        for i in series.indices {
            series[i].values.reserveCapacity(Int(Double(series[i].count) * factor) + 16)
            LargePages.advise(&series[i].values)
        }
    }

    /// Marks every point as delivered (see `MetricColumn.mark`).
    public mutating func markDelivered() {
        for i in series.indices { series[i].mark = series[i].count }
    }
    mutating func addCheckpoint(_ checkpoint: MetricCheckpoint) { checkpoints.append(checkpoint) }

    /// Appends the table of the lines that follow this table's in the same source, read on
    /// their own (the second half of a file read on two cores), so that the result equals
    /// one table read from both in turn: series join by name (new ones after this table's),
    /// `other`'s first point and its restarts that emptied a series (`SeriesStorage.floor`)
    /// apply the restart rule to this table's points, and the progress `other` observed
    /// (`progressLog`) is observed again here.
    mutating func append(continuation other: MetricTable) {
        if let cut = other.resumeCut { cutForResume(epoch: cut) }
        let offset = keys.count
        keys.append(contentsOf: other.keys)
        for column in other.series {
            let i = columnIndex(column.name, raw: column.raw)
            if column.count > 0, let first = other.keys[column.record(at: 0)].order, let n = series[i].values.indices.last,
               RestartRule.isRestart(last: keys[series[i].record(at: n)].order, next: first) {
                dropTail(of: i, from: first)
            }
            if let floor = column.floor { dropTail(of: i, from: floor) }
            series[i].append(contentsOf: column, recordOffset: offset)
        }
        checkpoints.append(contentsOf: other.checkpoints)
        for record in other.progressLog ?? [] { observe(record) }
    }

    /// A `resume` record at `epoch` (`ResumeRule`): the points and checkpoints of the run it
    /// discards, those after `epoch`, go; the resumed run's take their place.
    mutating func cutForResume(epoch: Double) {
        resumeCut = min(resumeCut ?? epoch, epoch)
        for i in series.indices {
            var keep = series[i].count
            while keep > 0, ResumeRule.discards(epoch: keys[series[i].record(at: keep - 1)].epoch, resumedAt: epoch) { keep -= 1 }
            series[i].removeLast(series[i].count - keep)
        }
        checkpoints.removeAll { ResumeRule.discards(epoch: $0.epoch ?? .nan, resumedAt: epoch) }
    }

    /// Drops the last points of series `i` whose order key is `key` or more (a restart to `key`).
    private mutating func dropTail(of i: Int, from key: Double) {
        var keep = series[i].count
        while keep > 0, let k = keys[series[i].record(at: keep - 1)].order, k >= key { keep -= 1 }
        series[i].removeLast(series[i].count - keep)
    }

    /// Adds the series of `other` whose names this table does not have yet (a source of lower
    /// precedence), and its checkpoints when this table has none.
    public mutating func merge(lowerPrecedence other: MetricTable) {
        let offset = keys.count
        var keysCopied = false
        for column in other.series where index[column.name] == nil {
            if !keysCopied { keys.append(contentsOf: other.keys); keysCopied = true }
            series.append(column.shifted(by: offset))
            index[column.name] = series.count - 1
        }
        if checkpoints.isEmpty { checkpoints = other.checkpoints }
        if progress.current == TrainingProgress() { progress = other.progress }
    }

    /// Appends the points of `other`'s series to this table's series of the same name (files
    /// of the same kind and rank: several event files of one run).
    public mutating func merge(sameRank other: MetricTable) {
        let offset = keys.count
        keys.append(contentsOf: other.keys)
        for column in other.series {
            let i = columnIndex(column.name, raw: column.raw)
            var cursor = RecordCursor()
            for p in 0..<column.count {
                append(column.values[p], column: i, record: offset + cursor.record(at: p, in: column.runs))
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
        for (c, column) in series.enumerated() {
            if c > 0 { out.ascii(",") }
            out.ascii("\n  ")
            var keyWriter = JSONWriter()
            keyWriter.string(column.name)
            out.bytes.append(contentsOf: keyWriter.bytes)
            out.ascii(": [")
            var cursor = RecordCursor()
            for i in 0..<column.count {
                let key = self.keys[cursor.record(at: i, in: column.runs)]
                out.ascii(i == 0 ? "\n    {\"epoch\": " : ",\n    {\"epoch\": ")
                out.number(key.epoch)
                out.ascii(", \"step\": ")
                if key.step == Int.min { out.ascii("null") } else { out.integer(key.step) }
                out.ascii(", \"value\": ")
                out.number(column.values[i])
                out.ascii(", \"time\": ")
                out.number(key.time)
                out.ascii("}")
                if out.bytes.count >= 1 << 20 {
                    try out.bytes.withUnsafeBytes(sink)
                    out.bytes.removeAll(keepingCapacity: true)
                }
            }
            out.ascii(column.count == 0 ? "]" : "\n  ]")
        }
        out.ascii(series.isEmpty ? "}\n" : "\n}\n")
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

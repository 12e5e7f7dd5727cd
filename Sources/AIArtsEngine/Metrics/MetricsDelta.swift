import Foundation

/// Points of one series that a `MetricsDelta` brings: they replace the subscriber's points from
/// index `from` on. `from` is what was delivered before, or less after a restart dropped points
/// (`RestartRule`), or 0 for a series new to the subscriber. Parallel arrays, as the table keeps them.
public struct MetricSeriesDelta: Equatable, Sendable {
    public var name: String
    /// True when the name is a writer's own tag (TensorBoard), as `MetricColumn.raw`.
    public var raw: Bool
    public var from: Int
    /// `Int.min` where a point has no step.
    public var steps: [Int]
    /// NaN where a point has no epoch.
    public var epochs: [Double]
    /// Unix seconds; NaN where unknown.
    public var times: [Double]
    public var values: [Double]

    public init(name: String, raw: Bool = false, from: Int, steps: [Int], epochs: [Double], times: [Double], values: [Double]) {
        self.name = name; self.raw = raw; self.from = from; self.steps = steps; self.epochs = epochs; self.times = times; self.values = values
    }

    /// The points of `column` from index `from` on.
    init(_ column: MetricColumn, from: Int) {
        let start = min(max(0, from), column.count)
        var steps: [Int] = [], epochs: [Double] = [], times: [Double] = []
        let n = column.count - start
        steps.reserveCapacity(n); epochs.reserveCapacity(n); times.reserveCapacity(n)
        var cursor = RecordCursor(at: start, in: column.storage.runs)
        for i in start..<column.count {
            let key = column.keys[cursor.record(at: i, in: column.storage.runs)]
            steps.append(key.step); epochs.append(key.epoch); times.append(key.time)
        }
        self.init(name: column.name, raw: column.raw, from: start, steps: steps, epochs: epochs, times: times,
                  values: Array(column.storage.values[start...]))
    }

    public var count: Int { values.count }

    /// This delta followed by `next` of the same series, as one.
    func followed(by next: MetricSeriesDelta) -> MetricSeriesDelta {
        guard next.from >= from else { return next }
        var out = self
        let keep = min(count, next.from - from)
        out.steps.removeLast(count - keep); out.epochs.removeLast(count - keep)
        out.times.removeLast(count - keep); out.values.removeLast(count - keep)
        out.steps += next.steps; out.epochs += next.epochs; out.times += next.times; out.values += next.values
        return out
    }
}

/// What changed in a task's metrics since the last delta a `MetricsFeed` subscriber got
/// (docs/metrics-protocol.md, "Live updates"): the points appended to each series, merged by
/// rank as `MetricsFeed.snapshot()` merges them, and the progress as of now. Applying every
/// delta in order to what the first one gave yields the snapshot.
public struct MetricsDelta: Equatable, Sendable {
    /// True when everything delivered before is void and `series` holds every point now: the
    /// first delta of a subscription, and after a file was truncated or rewritten, the protocol
    /// took over from the console log, or a series came to be owned by another source.
    public var replace: Bool
    /// Series with new points, in the merged table's order.
    public var series: [MetricSeriesDelta]
    /// Every series name in the merged table's order, when a series was added (nil otherwise):
    /// a subscriber that keeps the order puts the new ones where the snapshot has them.
    public var order: [String]?
    public var progress: TrainingProgress

    public init(replace: Bool, series: [MetricSeriesDelta], order: [String]? = nil, progress: TrainingProgress) {
        self.replace = replace; self.series = series; self.order = order; self.progress = progress
    }

    /// The whole of `table` as a replacing delta.
    public init(replacingWith table: MetricTable) {
        let columns = table.columns
        self.init(replace: true, series: columns.map { MetricSeriesDelta($0, from: 0) }, order: columns.map(\.name),
                  progress: table.progress.current)
    }

    /// Nothing changed.
    public var isEmpty: Bool { !replace && series.isEmpty && order == nil }

    /// This delta followed by `next`, as one delta (a subscriber that applies them less often
    /// than they come merges them first).
    public func followed(by next: MetricsDelta) -> MetricsDelta {
        if next.replace { return next }
        var out = self
        out.progress = next.progress
        if let order = next.order { out.order = order }
        for delta in next.series {
            if let i = out.series.firstIndex(where: { $0.name == delta.name }) {
                out.series[i] = out.series[i].followed(by: delta)
            } else {
                out.series.append(delta)
            }
        }
        return out
    }
}

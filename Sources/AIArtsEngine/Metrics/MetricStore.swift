import Foundation

/// Accumulates one task's points in memory, series by series.
///
/// A step that goes backwards means the trainer restarted (preemption, resume from an older
/// checkpoint, or a rewritten CSV being read again): the points it will log again are dropped
/// first, so the chart shows one clean line instead of a zig-zag (RustBoard does the same).
public struct MetricStore: Sendable {
    /// Series by name.
    public private(set) var series: [String: MetricSeries] = [:]
    /// Series names in the order they first appeared (a stable legend and pane order).
    public private(set) var names: [String] = []
    public private(set) var checkpoints: [MetricCheckpoint] = []
    /// Points dropped by restarts, for a status line ("restarted at step 1200").
    public private(set) var discardedByRestart = 0
    public private(set) var progress = ProgressTracker()

    public init() {}

    public subscript(name: String) -> MetricSeries? { series[name] }

    public var pointCount: Int { series.values.reduce(0) { $0 + $1.points.count } }

    /// Appends one point; returns how many stored points the restart rule discarded.
    @discardableResult
    public mutating func append(_ point: MetricPoint) -> Int {
        var discarded = 0
        if series[point.series] == nil {
            series[point.series] = MetricSeries(name: point.series)
            names.append(point.series)
        }
        if let key = point.orderKey, let lastKey = series[point.series]!.points.last?.orderKey, lastKey > key {
            // Points of a series are kept in non-decreasing key order, so only a suffix can be
            // at or after the new key: drop it from the end. Equal keys append (an eval and a
            // train value may share a step); only a strictly earlier key is a restart.
            while let last = series[point.series]!.points.last?.orderKey, last >= key {
                series[point.series]!.points.removeLast()
                discarded += 1
            }
        }
        series[point.series]!.points.append(point)
        discardedByRestart += discarded
        return discarded
    }

    /// Appends a record's points, checkpoint and progress.
    public mutating func append(_ record: MetricRecord) {
        for point in record.points { append(point) }
        if let checkpoint = record.checkpoint { checkpoints.append(checkpoint) }
        progress.observe(record)
    }

    public mutating func append<S: Sequence>(contentsOf records: S) where S.Element == MetricRecord {
        for record in records { append(record) }
    }

    /// Forgets everything (a source was rewritten and will be read again from the start).
    public mutating func removeAll() { self = MetricStore() }
}

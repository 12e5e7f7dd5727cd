import Foundation

/// What one dot column of a chart shows.
public struct ColumnSummary: Equatable, Sendable {
    public var min: Double
    public var max: Double
    /// The value of the column's last point (by x): where the line continues from.
    public var last: Double
    public var count: Int
}

/// Reductions that make a million points draw as cheaply as a thousand without losing the
/// spikes a reservoir sample drops (TensorBoard issues #4042, #5133).
public enum ChartReduction {
    /// Min, max and last of the finite points in each of `columns` equal x bins over `xRange`
    /// (default: the points' own x range). Points outside the range are ignored; a column
    /// with no points is nil. `xs` must be in non-decreasing order for `last` to be the latest.
    public static func reduce(xs: [Double], ys: [Double], columns: Int, xRange: ClosedRange<Double>? = nil) -> [ColumnSummary?] {
        precondition(xs.count == ys.count, "xs and ys must have the same length")
        guard columns > 0 else { return [] }
        var out = [ColumnSummary?](repeating: nil, count: columns)
        let finite = xs.filter(\.isFinite)
        guard let range = xRange ?? finite.min().flatMap({ lo in finite.max().map { lo...$0 } }) else { return out }
        let width = range.upperBound - range.lowerBound
        for i in xs.indices {
            let x = xs[i], y = ys[i]
            guard x.isFinite, y.isFinite, range.contains(x) else { continue }
            // Halved when the span overflows (−1e308…1e308): inf/inf would be NaN, and Int(NaN) traps.
            let fraction = width.isFinite ? (x - range.lowerBound) / width : (x / 2 - range.lowerBound / 2) / (range.upperBound / 2 - range.lowerBound / 2)
            let column = width > 0 ? Swift.max(0, Swift.min(columns - 1, Int(fraction * Double(columns)))) : 0
            if var s = out[column] {
                s.min = Swift.min(s.min, y); s.max = Swift.max(s.max, y); s.last = y; s.count += 1
                out[column] = s
            } else {
                out[column] = ColumnSummary(min: y, max: y, last: y, count: 1)
            }
        }
        return out
    }

    /// `reduce` over points, with x taken by `x` (e.g. step, epoch or wall time).
    public static func reduce(_ points: [MetricPoint], columns: Int, x: (MetricPoint) -> Double?, xRange: ClosedRange<Double>? = nil) -> [ColumnSummary?] {
        reduce(xs: points.map { x($0) ?? .nan }, ys: points.map(\.value), columns: columns, xRange: xRange)
    }

    /// TensorBoard's outlier-robust y range: sort the finite values and take
    /// y[ceil((n − 1)·0.05)] to y[floor((n − 1)·0.95)], so one diverged step does not flatten
    /// the rest of the chart. nil when there are no finite values.
    public static func robustRange(_ ys: [Double], lower: Double = 0.05, upper: Double = 0.95) -> ClosedRange<Double>? {
        let sorted = ys.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        let n = Double(sorted.count - 1)
        let lo = sorted[Int((n * lower).rounded(.up))]
        let hi = sorted[Int((n * upper).rounded(.down))]
        return lo <= hi ? lo...hi : hi...lo
    }

    /// Min to max of the finite values (the range with outliers shown).
    public static func fullRange(_ ys: [Double]) -> ClosedRange<Double>? {
        let finite = ys.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return nil }
        return lo...hi
    }
}

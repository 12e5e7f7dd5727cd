import Foundation

/// What one dot column of a chart holds of a series: the lowest and highest value among its points,
/// and the first and last (by x), where the line enters and leaves the column.
public struct ChartColumn: Equatable, Sendable {
    public var lo: Double
    public var hi: Double
    public var first: Double
    public var last: Double
}

/// Reduces a series of any length to one `ChartColumn` per dot column, so a million points draw
/// as cheaply as a thousand and a single spike is never lost (every column keeps its extremes).
///
/// The x values must be sorted (non-decreasing): each column's points are found by binary search
/// and then scanned once, with no allocation per point. An unsorted series never crashes but its
/// points may land in the wrong columns. Only finite y are counted (and, for a log axis, only
/// positive ones); a column with none is nil.
public enum ChartReduction {
    /// Column c of `columns` covers x within half a column of x0 + c·(x1 − x0)/(columns − 1), so the
    /// first point sits on the left edge and the last on the right; points outside are skipped.
    /// With `positiveOnly` values ≤ 0 are skipped and the results are log10 of the values.
    public static func reduce(xs: [Double], ys: [Double], columns: Int, x0: Double, x1: Double,
                              positiveOnly: Bool = false) -> [ChartColumn?] {
        guard columns > 0 else { return [] }
        var out = [ChartColumn?](repeating: nil, count: columns)
        let count = min(xs.count, ys.count)
        guard count > 0, x0.isFinite, x1.isFinite, x1 >= x0 else { return out }
        let floor = positiveOnly ? 0.0 : -Double.infinity
        let d = columns > 1 ? (x1 - x0) / Double(columns - 1) : x1 - x0
        let centre0 = columns > 1 ? x0 : (x0 + x1) / 2
        xs.withUnsafeBufferPointer { xp in
            ys.withUnsafeBufferPointer { yp in
                var start = lowerBound(xp, count: count, from: 0, value: centre0 - 0.5 * d)
                for c in 0..<columns {
                    let boundary = centre0 + (Double(c) + 0.5) * d
                    // The last column keeps points on its far edge (x1 itself when there is one column).
                    let end = c == columns - 1 ? upperBound(xp, count: count, from: start, value: boundary)
                        : lowerBound(xp, count: count, from: start, value: boundary)
                    defer { start = end }
                    if start >= end { continue }
                    let (lo, hi) = extremes(yp, start, end, floor: floor)
                    guard lo < .infinity else { continue }
                    var first = lo, last = hi
                    for i in start..<end where yp[i] > floor && yp[i] < .infinity { first = yp[i]; break }
                    for i in stride(from: end - 1, through: start, by: -1) where yp[i] > floor && yp[i] < .infinity {
                        last = yp[i]; break
                    }
                    out[c] = positiveOnly
                        ? ChartColumn(lo: log10(lo), hi: log10(hi), first: log10(first), last: log10(last))
                        : ChartColumn(lo: lo, hi: hi, first: first, last: last)
                }
            }
        }
        return out
    }

    /// The lowest and highest y in start..<end that are above `floor` and below infinity (lo is
    /// infinity when there are none). This loop is the whole cost of drawing a long series, so it
    /// first runs without validity tests, on four independent minimums and maximums (a single
    /// chain would wait on each comparison); NaN fails every comparison and drops out by itself.
    /// Only when an infinity or a value at or below `floor` shows up is the column scanned again
    /// with the tests.
    @inline(__always)
    static func extremes(_ yp: UnsafeBufferPointer<Double>, _ start: Int, _ end: Int, floor: Double) -> (Double, Double) {
        var l0 = Double.infinity, l1 = l0, l2 = l0, l3 = l0
        var h0 = -Double.infinity, h1 = h0, h2 = h0, h3 = h0
        var i = start
        while i + 4 <= end {
            let a = yp[i], b = yp[i + 1], c = yp[i + 2], d = yp[i + 3]
            if a < l0 { l0 = a }; if b < l1 { l1 = b }; if c < l2 { l2 = c }; if d < l3 { l3 = d }
            if a > h0 { h0 = a }; if b > h1 { h1 = b }; if c > h2 { h2 = c }; if d > h3 { h3 = d }
            i += 4
        }
        while i < end {
            let y = yp[i]
            if y < l0 { l0 = y }
            if y > h0 { h0 = y }
            i += 1
        }
        let lo = min(min(l0, l1), min(l2, l3)), hi = max(max(h0, h1), max(h2, h3))
        if lo == .infinity || (lo > floor && hi < .infinity) { return (lo, hi) }
        var slo = Double.infinity, shi = floor
        for j in start..<end {
            let y = yp[j]
            if y > floor && y < slo { slo = y }
            if y > shi && y < .infinity { shi = y }
        }
        return (slo, shi)
    }

    /// The first index in from..<count whose x is not below `value` (count when none).
    @inline(__always)
    static func lowerBound(_ xs: UnsafeBufferPointer<Double>, count: Int, from: Int, value: Double) -> Int {
        var lo = from, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The first index in from..<count whose x is above `value` (count when none).
    @inline(__always)
    static func upperBound(_ xs: UnsafeBufferPointer<Double>, count: Int, from: Int, value: Double) -> Int {
        var lo = from, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The x range of a sorted series: its first and last finite x (nil when it has none).
    public static func xRange(_ xs: [Double]) -> ClosedRange<Double>? {
        guard let first = xs.first(where: \.isFinite), let last = xs.last(where: \.isFinite) else { return nil }
        return min(first, last)...max(first, last)
    }

    /// The y range to fit when outliers are ignored: the 1st to 99th percentile of every column's
    /// lowest and highest value (sorted, taking indices ceil((n − 1)·0.01) and floor((n − 1)·0.99)).
    /// A spike that fills one column out of a few hundred falls outside and is drawn clipped.
    public static func robustRange(_ columns: [[ChartColumn?]], lower: Double = 0.01, upper: Double = 0.99) -> ClosedRange<Double>? {
        var values: [Double] = []
        for series in columns {
            for case let column? in series { values.append(column.lo); values.append(column.hi) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        let n = Double(values.count - 1)
        let lo = values[Int((n * lower).rounded(.up))], hi = values[Int((n * upper).rounded(.down))]
        return min(lo, hi)...max(lo, hi)
    }

    /// Lowest `lo` to highest `hi` over every column (nil when all are empty).
    public static func fullRange(_ columns: [[ChartColumn?]]) -> ClosedRange<Double>? {
        var lo = Double.infinity, hi = -Double.infinity
        for series in columns {
            for case let column? in series { lo = min(lo, column.lo); hi = max(hi, column.hi) }
        }
        return lo <= hi ? lo...hi : nil
    }
}

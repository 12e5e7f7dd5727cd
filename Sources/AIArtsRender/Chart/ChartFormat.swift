import Foundation

/// Number formatting for axis ticks and legends: short enough for a narrow y gutter, precise
/// enough to tell neighbouring ticks apart.
public enum ChartFormat {
    /// `value` in at most `significant` significant digits, trailing zeros dropped: 0.001, 0.25, 12.5,
    /// 1.5k, 2M, 2e-5, 3.1e20. Thousands take k, M, G, T; below 1e-4 or from 1e15 on, an exponent.
    /// Non-finite values print as "nan", "inf", "-inf".
    public static func compact(_ value: Double, significant: Int = 3) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return "0" }
        let digits = min(15, max(1, significant))
        let sign = value < 0 ? "-" : ""
        let a = abs(value)
        if a >= 1e15 || a < 1e-4 { return sign + exponential(a, digits: digits) }
        if a >= 1000 {
            let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
            var index = units.firstIndex { a >= $0.0 } ?? units.count - 1
            var text = fixed(a / units[index].0, digits: digits)
            // 999_999 rounds to "1000k": move up a unit instead.
            if let v = Double(text), v >= 1000, index > 0 {
                index -= 1
                text = fixed(a / units[index].0, digits: digits)
            }
            return sign + text + units[index].1
        }
        let text = fixed(a, digits: digits)
        return text == "0" ? "0" : sign + text
    }

    /// `a` (positive, below 1e15) with `digits` significant digits in plain decimals, zeros trimmed.
    private static func fixed(_ a: Double, digits: Int) -> String {
        let magnitude = Int(floor(log10(a)))
        let decimals = max(0, digits - 1 - magnitude)
        return trimZeros(String(format: "%.\(decimals)f", a))
    }

    private static func exponential(_ a: Double, digits: Int) -> String {
        var exponent = Int(floor(log10(a)))
        var mantissa = a / pow(10, Double(exponent))
        var text = trimZeros(String(format: "%.\(digits - 1)f", mantissa))
        if let v = Double(text), v >= 10 {  // 9.99e-5 rounding up to 10e-5
            exponent += 1
            mantissa = a / pow(10, Double(exponent))
            text = trimZeros(String(format: "%.\(digits - 1)f", mantissa))
        }
        return "\(text)e\(exponent)"
    }

    private static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    /// Seconds as a short duration for a relative-time x axis: 45s, 1m30s, 12m, 1h30m, 2d3h.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return compact(seconds) }
        if seconds < 0 { return "-" + duration(-seconds) }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return (s % 3600) / 60 == 0 ? "\(s / 3600)h" : "\(s / 3600)h\((s % 3600) / 60)m" }
        return (s % 86400) / 3600 == 0 ? "\(s / 86400)d" : "\(s / 86400)d\((s % 86400) / 3600)h"
    }

    /// Labels for `ticks`, with as few significant digits (3 at least) as keeps them all distinct.
    public static func tickLabels(_ ticks: [Double], format: (Double, Int) -> String = { compact($0, significant: $1) }) -> [String] {
        var labels: [String] = []
        for digits in 3...8 {
            labels = ticks.map { format($0, digits) }
            if Set(labels).count == labels.count { break }
        }
        return labels
    }
}

/// Where axis ticks go: round numbers (1, 2, 2.5 or 5 times a power of ten) inside a range.
public enum ChartTicks {
    /// Multiples of the smallest round step that gives at most `maxCount` ticks in `lo...hi`
    /// (and no step below `minStep`). Empty when the range is empty or not finite.
    public static func nice(lo: Double, hi: Double, maxCount: Int, minStep: Double = 0) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo, maxCount >= 1, (hi - lo).isFinite else { return [] }
        let span = hi - lo
        let start = Int(floor(log10(span / Double(maxCount)))) - 1
        for exponent in start...(start + 3) {
            for mantissa in [1.0, 2.0, 2.5, 5.0] {
                let step = mantissa * pow(10, Double(exponent))
                if step < minStep { continue }
                // A little slack so 0.7 / 0.1 = 6.999… still counts 0.7 in.
                let first = ceil(lo / step - 1e-9), last = floor(hi / step + 1e-9)
                guard first <= last else { continue }
                if last - first + 1 <= Double(maxCount) {
                    return stride(from: first, through: last, by: 1).map { $0 == 0 ? 0 : $0 * step }
                }
            }
        }
        return [lo, hi]
    }

    /// Round durations in seconds (1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h;
    /// then days as round numbers) with at most `maxCount` ticks in `lo...hi`.
    public static func niceDuration(lo: Double, hi: Double, maxCount: Int) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo, maxCount >= 1 else { return [] }
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200]
        for step in steps {
            let first = ceil(lo / step - 1e-9), last = floor(hi / step + 1e-9)
            if first <= last, last - first + 1 <= Double(maxCount) {
                return stride(from: first, through: last, by: 1).map { $0 * step }
            }
        }
        return nice(lo: lo / 86400, hi: hi / 86400, maxCount: maxCount, minStep: 1).map { $0 * 86400 }
    }
}

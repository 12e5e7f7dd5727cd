import Foundation

/// Arithmetic on step and epoch numbers read from untrusted logs.
///
/// A log line may hold any integer ("Epoch=9223372036854775807/10") or a CSV cell any double
/// ("1e308"); plain `*`, `+` or `Int(double)` on those traps and takes the whole program with
/// it. Every step a parser computes goes through here: nil means "out of range", and the
/// parser skips the line and counts it (`MetricsSkipReason.numberOutOfRange`).
///
/// Steps are kept within ±2^53: every such integer is exact as a Double (charts, JSON and the
/// store convert steps), the difference of two never overflows, and `Int.min` stays free as
/// `MetricTable`'s "no step" marker.
public enum StepMath {
    public static let limit = 1 << 53

    /// `n` if it is within ±`limit`.
    @inline(__always)
    public static func bounded(_ n: Int) -> Int? { n >= -limit && n <= limit ? n : nil }

    /// a · b, or nil when it overflows or leaves the range.
    public static func product(_ a: Int, _ b: Int) -> Int? {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : bounded(p)
    }

    /// a + b, or nil when it overflows or leaves the range.
    public static func sum(_ a: Int, _ b: Int) -> Int? {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : bounded(s)
    }

    /// The global step of `step` within epoch `epoch`: (epoch − first) · perEpoch + step, where
    /// `first` is the number of the first epoch (1 for PaddleX and Keras, 0 for PaddleDetection).
    public static func global(epoch: Int, first: Int, perEpoch: Int, step: Int) -> Int? {
        let (e, overflow) = epoch.subtractingReportingOverflow(first)
        guard !overflow, let done = product(e, perEpoch) else { return nil }
        return sum(done, step)
    }

    /// A double as a step (truncated toward zero, as `Int(_:)` does), or nil when it is not
    /// finite or out of range.
    public static func integer(_ v: Double) -> Int? {
        guard v.isFinite, abs(v) <= Double(limit) else { return nil }
        return Int(v)
    }
}

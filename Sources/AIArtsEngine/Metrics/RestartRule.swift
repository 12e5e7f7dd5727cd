import Foundation

/// What a step that goes backwards means, in one place (docs/metrics-protocol.md, "Restarts").
///
/// Points of a series are kept in non-decreasing order of their key (the step, else the epoch).
/// A point whose key is strictly lower than the last one's means the trainer restarted (a
/// preemption, a resume from an older checkpoint): the points at or after the new key are stale
/// and are dropped from the end before it is stored. Equal keys in a row are kept (an eval and a
/// train value may share a step; epochs repeat within an epoch). The table (`MetricTable`), the
/// throughput window (`ProgressTracker`) and the curves' x axis in the UI all use this rule.
public enum RestartRule {
    /// True when `next` comes after `last` as a restart: strictly lower. Unknown keys never are.
    @inline(__always)
    public static func isRestart(last: Double?, next: Double?) -> Bool {
        guard let last, let next else { return false }
        return next < last
    }

    /// How many of `count` points to keep when a point with key `next` arrives: all of them
    /// unless it is a restart, else those before the trailing run whose keys are `next` or more
    /// (a point without a key ends the run). `key(i)` is the key of point i.
    @inline(__always)
    public static func kept(count: Int, next: Double?, key: (Int) -> Double?) -> Int {
        guard count > 0, isRestart(last: key(count - 1), next: next), let next else { return count }
        var keep = count - 1
        while keep >= 0, let k = key(keep), k >= next { keep -= 1 }
        return keep + 1
    }
}

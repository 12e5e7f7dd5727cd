import Foundation

/// Smoothing for chart lines. Smoothed values are drawn over the raw line, never stored.
public enum Smoothing {
    /// TensorBoard's (and VisualDL's) debiased exponential moving average.
    ///
    /// State starts at last = 0, n = 0; for each finite y: last = last·w + (1 − w)·y, n += 1,
    /// out = last / (1 − wⁿ) (or last when w = 1). The debias term keeps the start from being
    /// pulled towards zero. Non-finite points pass through and do not advance n; a constant
    /// series is returned unchanged (so rounding never wobbles a flat line); a non-finite
    /// weight counts as 0 and weights are clamped to 0...1.
    public static func ema(_ ys: [Double], weight: Double = 0.6) -> [Double] {
        guard let first = ys.first else { return [] }
        if ys.allSatisfy({ $0 == first }) { return ys }
        let w = weight.isFinite ? min(1, max(0, weight)) : 0
        var last = 0.0
        var n = 0.0
        return ys.map { y in
            guard y.isFinite else { return y }
            last = last * w + (1 - w) * y
            n += 1
            return w == 1 ? last : last / (1 - pow(w, n))
        }
    }

    /// A time-weighted EMA in the manner of Weights & Biases' default: the decay applied between
    /// two points grows with the x distance between them, so unevenly spaced points (a resumed
    /// run, eval every N steps) are smoothed as if evenly sampled.
    ///
    /// `weight` in 0...1 is the decay per 1/`resolution` of the x range (W&B uses 1000): when
    /// consecutive points lie exactly range/`resolution` apart this equals `ema` with the same
    /// weight; a gap twice as wide decays twice as much. The sum of weights is carried too, so the start is debiased.
    /// Non-finite y pass through and do not update the state.
    public static func timeWeightedEMA(xs: [Double], ys: [Double], weight: Double = 0.6, resolution: Double = 1000) -> [Double] {
        precondition(xs.count == ys.count, "xs and ys must have the same length")
        guard let first = ys.first else { return [] }
        if ys.allSatisfy({ $0 == first }) { return ys }
        let w = weight.isFinite ? min(1, max(0, weight)) : 0
        let finiteXs = xs.filter(\.isFinite)
        let span = (finiteXs.max() ?? 0) - (finiteXs.min() ?? 0)
        var sum = 0.0, norm = 0.0
        var lastX: Double?
        var out = ys
        for i in ys.indices {
            let y = ys[i], x = xs[i]
            guard y.isFinite, x.isFinite else { continue }
            // Decay by w once per 1/resolution of the span; the first point starts the state.
            let decay: Double
            if let lastX, span > 0 { decay = pow(w, max(0, x - lastX) / span * resolution) } else { decay = lastX == nil ? 0 : w }
            sum = sum * decay + y
            norm = norm * decay + 1
            out[i] = sum / norm
            lastX = x
        }
        return out
    }
}

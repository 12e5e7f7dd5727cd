/// TensorBoard's debiased exponential moving average, the smoothing the chart widget applies.
///
/// The same formula as the engine's `Smoothing.ema` (this library cannot import the engine); this is
/// the one copy on the render side. With weight w, for each finite y in order:
///
///     last = last·w + (1 − w)·y,   n += 1,   smoothed = last / (1 − wⁿ)
///
/// starting from last = 0, n = 0. Dividing by 1 − wⁿ undoes the pull towards the zero start.
/// Non-finite values pass through unchanged and do not advance n; a constant series comes back
/// unchanged; w is clamped to 0...0.99 (0 returns the series as it is).
public enum ChartSmoothing {
    public static let maxWeight = 0.99

    public static func ema(_ ys: [Double], weight: Double) -> [Double] {
        let w = weight.isFinite ? min(maxWeight, max(0, weight)) : 0
        guard w > 0, let first = ys.first else { return ys }
        if ys.allSatisfy({ $0 == first }) { return ys }
        var out = ys
        var last = 0.0
        var wn = 1.0  // wⁿ, kept as a running product: one multiply a point instead of pow
        out.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices {
                let y = buffer[i]
                guard y.isFinite else { continue }
                last = last * w + (1 - w) * y
                wn *= w
                buffer[i] = last / (1 - wn)
            }
        }
        return out
    }
}

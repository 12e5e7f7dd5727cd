import AIArtsEngine
import AIArtsRender
import Foundation

/// TensorBoard's debiased EMA (`ChartSmoothing.ema`) carried along a growing series: extending
/// it by new values costs those values only, and gives exactly what `ChartSmoothing.ema` gives
/// for the whole series (the same operations in the same order).
struct RunningEMA: Sendable {
    let weight: Double
    private var last = 0.0
    private var wn = 1.0
    private var first: Double?
    /// Every value so far equals the first (`ChartSmoothing.ema` returns such a series as it is).
    private var constant = true

    init(weight: Double) {
        self.weight = weight.isFinite ? min(ChartSmoothing.maxWeight, max(0, weight)) : 0
    }

    /// `smoothed` holds the EMA of `ys[..<start]`; extends it to all of `ys`.
    mutating func extend(_ ys: [Double], from start: Int, into smoothed: inout [Double]) {
        guard start < ys.count else { return }
        guard weight > 0 else { smoothed += ys[start...]; return }
        let wasConstant = constant
        var out: [Double] = []
        out.reserveCapacity(ys.count - start)
        let w = weight
        for i in start..<ys.count {
            let y = ys[i]
            if first == nil { first = y }
            constant = constant && y == first!
            if y.isFinite {
                last = last * w + (1 - w) * y
                wn *= w
                out.append(last / (1 - wn))
            } else {
                out.append(y)
            }
        }
        if constant {
            smoothed += ys[start...]
        } else if wasConstant {
            smoothed = ChartSmoothing.ema(ys, weight: w)  // the values so far were left as they were
        } else {
            smoothed += out
        }
    }
}

/// One curve as drawn on one axis: the points that have an x there (a resumed run's stale tail
/// dropped by `RestartRule`, so x stays sorted), and their smoothed y.
struct CurveLine: Sendable {
    var xs: [Double] = []
    var ys: [Double] = []
    var smoothed: [Double] = []
    /// Points of the curve looked at so far.
    private(set) var consumed = 0
    private var timeOrigin: Double?
    private var ema: RunningEMA

    init(weight: Double) { ema = RunningEMA(weight: weight) }

    /// The x values of a curve on an axis and their y; points with no x there are dropped.
    static func points(_ curve: Curve, axis: CurveAxis) -> (xs: [Double], ys: [Double]) {
        var line = CurveLine(weight: 0)
        line.extend(curve, axis: axis, smooth: false)
        return (line.xs, line.ys)
    }

    /// Takes in the points the curve gained since the last call.
    mutating func extend(_ curve: Curve, axis: CurveAxis, smooth: Bool = true) {
        guard consumed < curve.count else { return }
        let kept = ys.count
        var cut = false
        xs.reserveCapacity(curve.count); ys.reserveCapacity(curve.count)
        if axis == .time, timeOrigin == nil { timeOrigin = curve.times[consumed...].first(where: \.isFinite) }
        for i in consumed..<curve.count {
            let x: Double
            switch axis {
            case .step: x = curve.steps[i]
            case .epoch: x = curve.epochs[i]
            case .time: x = curve.times[i] - (timeOrigin ?? 0)
            }
            guard x.isFinite else { continue }
            // Equal x in a row is fine (epochs); a lower one drops the stale tail from x on.
            let keep = RestartRule.kept(count: xs.count, next: x) { xs[$0] }
            if keep < xs.count {
                xs.removeLast(xs.count - keep); ys.removeLast(ys.count - keep)
                cut = true
            }
            xs.append(x); ys.append(curve.values[i])
        }
        consumed = curve.count
        guard smooth else { return }
        if cut || smoothed.count > kept {
            var fresh = RunningEMA(weight: ema.weight)
            var all: [Double] = []
            fresh.extend(ys, from: 0, into: &all)
            ema = fresh; smoothed = all
        } else {
            ema.extend(ys, from: kept, into: &smoothed)
        }
    }
}

/// The lines of every curve for one axis and weight, by the engine's series name.
struct CurveLines: Sendable {
    var axis = CurveOptions().axis
    var weight = CurveOptions().smoothing
    var byName: [String: CurveLine] = [:]

    mutating func removeAll() { byName.removeAll() }

    mutating func rebuild(_ curves: [Curve], keys: [String]? = nil) {
        byName.removeAll()
        for (i, curve) in curves.enumerated() { update(curve, key: keys?[i] ?? curve.name, from: 0) }
    }

    /// The curve changed from point `from` on: extends its line, or makes it again when points
    /// it had taken in were replaced.
    mutating func update(_ curve: Curve, key: String, from: Int) {
        var line = byName[key] ?? CurveLine(weight: weight)
        if from < line.consumed { line = CurveLine(weight: weight) }
        line.extend(curve, axis: axis)
        byName[key] = line
    }
}

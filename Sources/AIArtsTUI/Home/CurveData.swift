import AIArtsEngine
import AIArtsRender
import Foundation

/// One metric series of a task, as the Curves pane draws it: parallel arrays, in the order written.
public struct Curve: Equatable, Sendable {
    public var name: String
    /// The step of each point; a point written with only an epoch gets the step where that
    /// epoch ended, when the run's steps per epoch are known (NaN otherwise).
    public var steps: [Double]
    /// NaN where the trainer gave no epoch.
    public var epochs: [Double]
    /// Unix seconds; NaN where unknown.
    public var times: [Double]
    public var values: [Double]
    /// The step each point was written with, `Int.min` where it had none (what `steps` fills in).
    var givenSteps: [Int]

    public init(name: String, steps: [Double], epochs: [Double], times: [Double], values: [Double]) {
        self.name = Sanitize.line(name); self.steps = steps; self.epochs = epochs; self.times = times; self.values = values
        givenSteps = steps.map { StepMath.integer($0) ?? Int.min }
    }

    /// Training losses go in the top chart; evaluation metrics (accuracy, mAP, mIoU) below.
    var isLoss: Bool { name.lowercased().contains("loss") }
    /// Learning rates get a chart of their own: their scale has nothing in common with the metrics'.
    var isLearningRate: Bool {
        let last = name.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
        return last == "lr" || last.hasSuffix("_lr") || last.hasPrefix("lr_") || last == "learning_rate"
    }

    var count: Int { values.count }

    static func step(given: Int, epoch: Double, stepsPerEpoch: Double?) -> Double {
        if given != Int.min { return Double(given) }
        guard let stepsPerEpoch, epoch.isFinite else { return .nan }
        return (epoch * stepsPerEpoch).rounded()
    }

    /// Keeps the points before `delta.from` and appends the delta's.
    mutating func replace(with delta: MetricSeriesDelta, stepsPerEpoch: Double?) {
        let n = count, keep = min(n, max(0, delta.from))
        if keep < n {
            steps.removeLast(n - keep); epochs.removeLast(n - keep); times.removeLast(n - keep)
            values.removeLast(n - keep); givenSteps.removeLast(n - keep)
        }
        givenSteps += delta.steps
        steps += zip(delta.steps, delta.epochs).map { Self.step(given: $0, epoch: $1, stepsPerEpoch: stepsPerEpoch) }
        epochs += delta.epochs; times += delta.times; values += delta.values
    }

    /// Fills the steps of epoch-only points again (the steps per epoch became known or changed).
    mutating func restep(_ stepsPerEpoch: Double?) {
        for i in givenSteps.indices where givenSteps[i] == Int.min {
            steps[i] = Self.step(given: Int.min, epoch: epochs[i], stepsPerEpoch: stepsPerEpoch)
        }
    }
}

/// The selected task's curves, kept up to date by the metrics feed's deltas (`apply`), with the
/// smoothed line of each curve kept between frames for one axis and weight (`CurveLines`).
public struct CurveData: Equatable, Sendable {
    public var taskID: String
    public var curves: [Curve]
    /// The engine's name of each curve (curves' names are sanitized), parallel to `curves`.
    var sourceNames: [String]
    /// Steps per epoch of the run, from its progress: what epoch-only points are placed by.
    var stepsPerEpoch: Double?
    /// The lines drawn for one axis and smoothing weight, kept between frames.
    var lines = CurveLines()

    public init(taskID: String, curves: [Curve]) {
        self.taskID = taskID; self.curves = curves; sourceNames = curves.map(\.name)
        lines.rebuild(curves)
    }

    /// Equal when they hold the same curves (the kept lines follow from them).
    public static func == (a: CurveData, b: CurveData) -> Bool { a.taskID == b.taskID && a.curves == b.curves }

    /// Every series of a metric table, named as `aiarts task metrics --json` names them.
    /// Evaluation points that carry only an epoch get the step where that epoch ended, so they
    /// share the step axis with the losses.
    public init(taskID: String, table: MetricTable) {
        self.init(taskID: taskID, curves: [])
        apply(MetricsDelta(replacingWith: table))
    }

    static func stepsPerEpoch(_ progress: TrainingProgress) -> Double? {
        guard let steps = progress.steps, let epochs = progress.epochs, epochs > 0 else { return nil }
        return Double(steps) / Double(epochs)
    }

    /// Applies what the metrics feed says changed (`MetricsDelta`): a replacing delta starts
    /// over, any other one cuts each series back to its `from` and appends. Applying a feed's
    /// deltas in order gives what `init(taskID:table:)` gives for its snapshot. Only the curves
    /// that changed have their kept lines extended (or, after a cut, made again).
    public mutating func apply(_ delta: MetricsDelta) {
        let spe = Self.stepsPerEpoch(delta.progress)
        if delta.replace { curves = []; sourceNames = []; lines.removeAll() }
        let restep = spe != stepsPerEpoch
        stepsPerEpoch = spe
        var index = Dictionary(sourceNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var changed: [Int: Int] = [:]  // curve → the first point that changed
        for series in delta.series where !series.raw {
            if let i = index[series.name] {
                changed[i] = min(changed[i] ?? Int.max, min(series.from, curves[i].count))
                curves[i].replace(with: series, stepsPerEpoch: spe)
            } else if series.count > 0 {
                var curve = Curve(name: series.name, steps: [], epochs: [], times: [], values: [])
                curve.replace(with: series, stepsPerEpoch: spe)
                curves.append(curve); sourceNames.append(series.name)
                index[series.name] = curves.count - 1
                changed[curves.count - 1] = 0
            }
        }
        if restep {
            for i in curves.indices where curves[i].givenSteps.contains(Int.min) {
                curves[i].restep(spe)
                changed[i] = 0
            }
        }
        var order = Array(curves.indices)
        if let names = delta.order {
            let rank = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            order.sort { (rank[sourceNames[$0]] ?? Int.max, $0) < (rank[sourceNames[$1]] ?? Int.max, $1) }
        }
        for (i, from) in changed { lines.update(curves[i], key: sourceNames[i], from: from) }
        if order != Array(curves.indices) {
            curves = order.map { curves[$0] }
            sourceNames = order.map { sourceNames[$0] }
        }
    }

    /// Keeps the lines for `axis` and `smoothing` from now on (made again for every curve when
    /// either changed). Call when the options change, so frames only read them.
    public mutating func prepare(axis: CurveAxis, smoothing: Double) {
        guard lines.axis != axis || lines.weight != smoothing else { return }
        lines.axis = axis; lines.weight = smoothing
        lines.rebuild(curves, keys: sourceNames)
    }

    /// What to draw of curve `index`: its x and y on the axis, and its smoothed y when kept for
    /// this axis and weight (nil: the chart smooths it).
    func line(_ index: Int, axis: CurveAxis, smoothing: Double) -> (xs: [Double], ys: [Double], smoothed: [Double]?) {
        if lines.axis == axis, lines.weight == smoothing, let line = lines.byName[sourceNames[index]] {
            return (line.xs, line.ys, line.smoothed)
        }
        let (xs, ys) = CurveLine.points(curves[index], axis: axis)
        return (xs, ys, nil)
    }
}

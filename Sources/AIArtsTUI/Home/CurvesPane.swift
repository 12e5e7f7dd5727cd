import AIArtsEngine
import AIArtsRender
import Foundation

/// One metric series of a task, as the Curves pane draws it: parallel arrays, in the order written.
public struct Curve: Equatable, Sendable {
    public var name: String
    public var steps: [Double]
    /// NaN where the trainer gave no epoch.
    public var epochs: [Double]
    /// Unix seconds; NaN where unknown.
    public var times: [Double]
    public var values: [Double]

    public init(name: String, steps: [Double], epochs: [Double], times: [Double], values: [Double]) {
        self.name = Sanitize.line(name); self.steps = steps; self.epochs = epochs; self.times = times; self.values = values
    }

    /// Training losses go in the top chart; evaluation metrics (accuracy, mAP, mIoU) below.
    var isLoss: Bool { name.lowercased().contains("loss") }
    /// Learning rates are not drawn: their scale has nothing in common with the metrics'.
    var isLearningRate: Bool { name == "lr" || name.hasSuffix("lr") }
}

/// The selected task's curves.
public struct CurveData: Equatable, Sendable {
    public var taskID: String
    public var curves: [Curve]

    public init(taskID: String, curves: [Curve]) { self.taskID = taskID; self.curves = curves }
}

/// What the x axis measures.
public enum CurveAxis: String, CaseIterable, Sendable {
    case step, epoch, time

    var next: CurveAxis { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}

/// How curves are drawn; keys change it.
public struct CurveOptions: Equatable, Sendable {
    public var axis: CurveAxis = .step
    /// TensorBoard's EMA weight, 0...0.99.
    public var smoothing = 0.6
    public var logScale = false
    /// Fit the y axis to the 1st–99th percentile, so one spike does not flatten the rest.
    public var ignoreOutliers = false

    public init() {}
}

/// The selected task's loss and evaluation curves: losses in the top chart, everything else below.
struct CurvesPane: Widget {
    var state: HomeState

    /// The x values of a curve on the chosen axis; points with no x there are dropped (with their y).
    static func points(_ curve: Curve, axis: CurveAxis) -> (xs: [Double], ys: [Double]) {
        let source: [Double]
        switch axis {
        case .step: source = curve.steps
        case .epoch: source = curve.epochs
        case .time:
            let start = curve.times.first(where: \.isFinite) ?? 0
            source = curve.times.map { $0 - start }
        }
        var xs: [Double] = [], ys: [Double] = []
        xs.reserveCapacity(source.count); ys.reserveCapacity(source.count)
        for (x, y) in zip(source, curve.values) where x.isFinite {
            // A resumed run writes earlier x again: keep x sorted, as the chart needs, by dropping the
            // stale tail from x on (the engine's restart rule; equal x in a row is fine, e.g. epochs).
            if let last = xs.last, last > x {
                while let l = xs.last, l >= x { xs.removeLast(); ys.removeLast() }
            }
            xs.append(x); ys.append(y)
        }
        return (xs, ys)
    }

    /// What the charts draw: with no task marked to compare, every series of the selected task,
    /// a colour each; with some, one loss and one evaluation metric (the selected task's first of
    /// each) for every task, a colour per task, named by task.
    static func groups(_ data: CurveData, compared: [CurveData], theme: Theme, axis: CurveAxis) -> [[ChartSeries]] {
        func style(_ i: Int) -> Style { theme.charts.isEmpty ? Style.plain : theme.charts[i % theme.charts.count] }
        func series(_ curve: Curve, name: String, style: Style) -> ChartSeries {
            let (xs, ys) = points(curve, axis: axis)
            return ChartSeries(name: name, xs: xs, ys: ys, style: style)
        }
        let losses = data.curves.filter(\.isLoss)
        let others = data.curves.filter { !$0.isLoss && !$0.isLearningRate }
        guard !compared.isEmpty else {
            return [losses, others].filter { !$0.isEmpty }.map { group in
                group.enumerated().map { i, curve in series(curve, name: curve.name, style: style(i)) }
            }
        }
        let tasks = [data] + compared
        return [losses.first, others.first].compactMap { $0?.name }.map { metric in
            tasks.enumerated().compactMap { i, task in
                task.curves.first { $0.name == metric }.map { series($0, name: "\(task.taskID) \(metric)", style: style(i)) }
            }
        }
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let task = state.selectedTask
        let compared = state.compared.filter { $0 != task?.id }.compactMap { state.comparedCurves[$0] }
        let title = task.map { "Curves \($0.id)" + (compared.isEmpty ? "" : " vs " + compared.map(\.taskID).joined(separator: " ")) } ?? "Curves"
        let block = theme.block(title, focused: false, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        guard let task else {
            buffer.set(x: inner.x, y: inner.y, string: "select a task", style: theme.muted, maxWidth: inner.width)
            return
        }
        guard let data = state.curves, data.taskID == task.id, !data.curves.isEmpty else {
            let text = state.curves?.taskID == task.id ? "no metrics yet" : "loading…"
            buffer.set(x: inner.x, y: inner.y, string: text, style: theme.muted, maxWidth: inner.width)
            return
        }
        let options = state.curveOptions
        let groups = Self.groups(data, compared: compared, theme: theme, axis: options.axis)
        let rows = inner.height >= 12 && groups.count == 2 ? inner.split(.vertical, [.fill(1), .fill(1)]) : [inner]
        for (series, rect) in zip(groups, rows) {
            let chart = LineChart(
                series: series, xLabel: options.axis.rawValue, yScale: options.logScale ? .log : .linear,
                smoothing: options.smoothing, ignoreOutliers: options.ignoreOutliers, ascii: state.ascii, xFormat: options.axis == .time ? .duration : .number,
                axisStyle: theme.muted, emptyText: "no points on this axis")
            buffer.render(chart, in: rect)
        }
        let footer = "x \(options.axis.rawValue) · smoothing \(String(format: "%.2f", options.smoothing))" + (options.logScale ? " · log" : "")
            + (options.ignoreOutliers ? " · robust y" : "")
        if area.width > DisplayWidth.of(footer) + 4 {
            buffer.set(x: area.maxX - DisplayWidth.of(footer) - 2, y: area.maxY - 1, string: footer, style: theme.muted)
        }
    }
}

extension CurveData {
    /// Every series of a metric table, named as `aiarts task metrics --json` names them.
    /// Evaluation points that carry only an epoch get the step where that epoch ended, so they
    /// share the step axis with the losses.
    public init(taskID: String, table: MetricTable) {
        let progress = table.progress.current
        let stepsPerEpoch: Double? = {
            guard let steps = progress.steps, let epochs = progress.epochs, epochs > 0 else { return nil }
            return Double(steps) / Double(epochs)
        }()
        var curves: [Curve] = []
        for column in table.columns where !column.raw && column.count > 0 {
            let steps = zip(column.steps, column.epochs).map { step, epoch -> Double in
                if step != Int.min { return Double(step) }
                guard let stepsPerEpoch, epoch.isFinite else { return .nan }
                return (epoch * stepsPerEpoch).rounded()
            }
            curves.append(Curve(name: column.name, steps: steps, epochs: column.epochs, times: column.times, values: column.values))
        }
        self.init(taskID: taskID, curves: curves)
    }

    /// Watches a task's folder with the engine's inotify feed and posts its curves: once at start,
    /// then after each write, at most ten times a second. The feed starts off the loop thread (its
    /// first pass reads every file). A task whose folder does not exist yet posts empty curves; the
    /// view watches again when the task's state changes. Returns what stops the watch.
    static func watch(taskID: String, workspace: Workspace,
                      post: @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void {
        let watch = CurveWatch()
        DispatchQueue.global(qos: .userInitiated).async {
            let feed = MetricsFeed(folder: workspace.taskFolder(taskID).path)
            do { try feed.start() } catch {
                post(.curvesLoaded(CurveData(taskID: taskID, curves: [])))
                return
            }
            guard watch.adopt(feed) else { return }
            post(.curvesLoaded(CurveData(taskID: taskID, table: feed.snapshot())))
            feed.subscribe { _ in
                guard watch.claimPost() else { return }
                DispatchQueue.global(qos: .userInitiated).asyncAfter(deadline: .now() + 0.1) {
                    watch.postDone()
                    post(.curvesLoaded(CurveData(taskID: taskID, table: feed.snapshot())))
                }
            }
        }
        return { watch.cancel() }
    }
}

/// One curves watch: its feed once started, whether it was cancelled, whether a post is on its way.
final class CurveWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var feed: MetricsFeed?
    private var cancelled = false
    private var posting = false

    /// Keeps the feed unless the watch was cancelled meanwhile (then stops it).
    func adopt(_ started: MetricsFeed) -> Bool {
        let keep = lock.withLock { () -> Bool in
            if !cancelled { feed = started }
            return !cancelled
        }
        if !keep { started.stop() }
        return keep
    }

    /// True for the first update since the last post: it schedules the next one.
    func claimPost() -> Bool { lock.withLock { defer { posting = true }; return !posting && !cancelled } }
    func postDone() { lock.withLock { posting = false } }

    func cancel() {
        let running = lock.withLock { () -> MetricsFeed? in
            cancelled = true
            defer { feed = nil }
            return feed
        }
        running?.stop()
    }
}

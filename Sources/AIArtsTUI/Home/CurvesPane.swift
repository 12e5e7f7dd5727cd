import AIArtsEngine
import AIArtsRender
import Foundation

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
        CurveLine.points(curve, axis: axis)
    }

    /// What the charts draw: with no task marked to compare, every series of the selected task,
    /// a colour each; with some, one loss and one evaluation metric (the selected task's first of
    /// each) for every task, a colour per task, named by task.
    /// Each curve's smoothed line comes from what `CurveData` keeps for the axis and weight
    /// (`CurveData.prepare`), else the chart smooths it.
    static func groups(_ data: CurveData, compared: [CurveData], theme: Theme, axis: CurveAxis,
                       smoothing: Double = CurveOptions().smoothing) -> [[ChartSeries]] {
        func style(_ i: Int) -> Style { theme.charts.isEmpty ? Style.plain : theme.charts[i % theme.charts.count] }
        func series(_ task: CurveData, _ index: Int, name: String, style: Style) -> ChartSeries {
            let (xs, ys, smoothed) = task.line(index, axis: axis, smoothing: smoothing)
            return ChartSeries(name: name, xs: xs, ys: ys, style: style, smoothed: smoothed)
        }
        let losses = data.curves.indices.filter { data.curves[$0].isLoss }
        let others = data.curves.indices.filter { !data.curves[$0].isLoss && !data.curves[$0].isLearningRate }
        guard !compared.isEmpty else {
            return [losses, others].filter { !$0.isEmpty }.map { group in
                group.enumerated().map { i, index in series(data, index, name: data.curves[index].name, style: style(i)) }
            }
        }
        let tasks = [data] + compared
        return [losses.first, others.first].compactMap { $0.map { data.curves[$0].name } }.map { metric in
            tasks.enumerated().compactMap { i, task in
                task.curves.firstIndex { $0.name == metric }.map { series(task, $0, name: "\(task.taskID) \(metric)", style: style(i)) }
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
        let groups = Self.groups(data, compared: compared, theme: theme, axis: options.axis, smoothing: options.smoothing)
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

/// What a curves watch hands on: the curves at first (and when the feed could not start), then
/// what changed (`CurveData.apply`).
public enum CurvesUpdate: Sendable {
    case loaded(CurveData)
    case delta(taskID: String, MetricsDelta)
}

extension CurveData {
    /// How long a delta waits for others before it is posted: what the curves lag behind the
    /// file at most, and what bounds the redraws they cause (four a second).
    static let postInterval = 0.25

    /// Watches a task's folder with the engine's inotify feed and posts its curves: once at
    /// start, then after each write, at most four times a second, as the deltas the feed hands
    /// out (merged while a post waits), so nothing is read again nor copied whole. The feed
    /// starts off the loop thread (its first pass reads every file). A task whose folder does not
    /// exist yet posts empty curves; the view watches again when the task's state changes.
    /// Returns what stops the watch.
    static func watchDeltas(taskID: String, workspace: Workspace,
                            post: @escaping @Sendable (CurvesUpdate) -> Void) -> @Sendable () -> Void {
        let watch = CurveWatch()
        DispatchQueue.global(qos: .userInitiated).async {
            let feed = MetricsFeed(folder: workspace.taskFolder(taskID).path)
            do { try feed.start() } catch {
                post(.loaded(CurveData(taskID: taskID, curves: [])))
                return
            }
            guard watch.adopt(feed) else { return }
            @Sendable func schedule() {
                DispatchQueue.global(qos: .userInitiated).asyncAfter(deadline: .now() + postInterval) {
                    if let pending = watch.takePending() { post(.delta(taskID: taskID, pending)) }
                }
            }
            let first = feed.subscribe { delta in
                if watch.add(delta) { schedule() }
            }.first
            var data = CurveData(taskID: taskID, curves: [])
            data.apply(first)
            post(.loaded(data))
            // Deltas that came meanwhile wait for the curves they build on.
            if watch.ready() { schedule() }
        }
        return { watch.cancel() }
    }

    /// `watchDeltas` for a loop that takes whole curves (`HomeMessage.curvesLoaded`): the deltas
    /// are applied here, to a copy kept for the watch, and the curves posted.
    static func watch(taskID: String, workspace: Workspace,
                      post: @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void {
        let kept = KeptCurves()
        return watchDeltas(taskID: taskID, workspace: workspace) { update in
            post(.curvesLoaded(kept.apply(update)))
        }
    }
}

/// The curves a `CurveData.watch` keeps up to date from the deltas.
final class KeptCurves: @unchecked Sendable {
    private let lock = NSLock()
    private var data: CurveData?

    func apply(_ update: CurvesUpdate) -> CurveData {
        lock.withLock {
            switch update {
            case .loaded(let loaded): data = loaded
            case .delta(let taskID, let delta):
                var current = data ?? CurveData(taskID: taskID, curves: [])
                data = nil  // uniquely referenced while it changes
                current.apply(delta)
                data = current
            }
            return data!
        }
    }
}

/// One curves watch: its feed once started, whether it was cancelled, and the deltas that came
/// since the last post (merged into one).
final class CurveWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var feed: MetricsFeed?
    private var cancelled = false
    private var pending: MetricsDelta?
    /// The first curves were posted: deltas may follow.
    private var isReady = false

    /// Keeps the feed unless the watch was cancelled meanwhile (then stops it).
    func adopt(_ started: MetricsFeed) -> Bool {
        let keep = lock.withLock { () -> Bool in
            if !cancelled { feed = started }
            return !cancelled
        }
        if !keep { started.stop() }
        return keep
    }

    /// Adds a delta to those waiting; true for the first since the last post once the first
    /// curves went out (it schedules the next post).
    func add(_ delta: MetricsDelta) -> Bool {
        lock.withLock {
            guard !cancelled else { return false }
            defer { pending = pending.map { $0.followed(by: delta) } ?? delta }
            return pending == nil && isReady
        }
    }

    /// The first curves were posted; true when deltas already wait (schedule a post).
    func ready() -> Bool {
        lock.withLock {
            isReady = true
            return pending != nil && !cancelled
        }
    }

    /// The deltas since the last post, as one; nil when cancelled.
    func takePending() -> MetricsDelta? {
        lock.withLock {
            defer { pending = nil }
            return cancelled ? nil : pending
        }
    }

    func cancel() {
        let running = lock.withLock { () -> MetricsFeed? in
            cancelled = true
            defer { feed = nil }
            return feed
        }
        running?.stop()
    }
}

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
    /// The part of the x range shown, as fractions of the whole (nil: all of it). Both charts share it.
    public var window: ClosedRange<Double>?
    /// Series hidden by name, and the series `[`/`]` select (for hiding).
    public var hidden: Set<String> = []
    public var selectedSeries: String?

    public init() {}

    /// The x range shown of a whole range `full`.
    func range(of full: ClosedRange<Double>) -> ClosedRange<Double> {
        guard let window else { return full }
        let width = full.upperBound - full.lowerBound
        return (full.lowerBound + window.lowerBound * width)...(full.lowerBound + window.upperBound * width)
    }

    /// Zooms in (factor < 1) or out around the window's middle; a window at the right end stays
    /// there, so a running task's newest points stay in view.
    mutating func zoom(_ factor: Double) {
        let w = window ?? 0...1
        let width = min(1, max(1.0 / 1024, (w.upperBound - w.lowerBound) * factor))
        let anchored = w.upperBound >= 1
        let middle = (w.lowerBound + w.upperBound) / 2
        var lo = anchored ? 1 - width : middle - width / 2
        lo = min(max(0, lo), 1 - width)
        window = width >= 1 ? nil : lo...(lo + width)
    }

    /// Moves the window by a quarter of its width (negative: left), kept inside the whole range.
    mutating func pan(_ direction: Double) {
        guard let w = window else { return }
        let width = w.upperBound - w.lowerBound
        let lo = min(max(0, w.lowerBound + direction * width / 4), 1 - width)
        window = lo...(lo + width)
    }
}

/// The selected task's curves: losses in the top chart, evaluation metrics below, the learning
/// rate under them where there is room.
struct CurvesPane: Widget {
    var state: HomeState
    /// Whether the pane has focus (its keys then zoom, pan and hide series).
    var focused = false

    /// The curves' keys, wherever curves show: the x axis, smoothing, y scale and fit; with the
    /// curves focused (or on the task screen) zoom, pan and hiding a series. True when `action` was one.
    static func update(_ action: Action, options: inout CurveOptions, curves: CurveData?) -> Bool {
        switch action {
        case .xAxis:
            options.axis = options.axis.next
            options.window = nil  // a window of steps means nothing in time
        case .smoothMore: options.smoothing = min(0.99, (options.smoothing * 100 + 10).rounded() / 100)
        case .smoothLess: options.smoothing = max(0, (options.smoothing * 100 - 10).rounded() / 100)
        case .logScale: options.logScale.toggle()
        case .outliers: options.ignoreOutliers.toggle()
        case .zoomIn: options.zoom(0.5)
        case .zoomOut: options.zoom(2)
        case .panLeft: options.pan(-1)
        case .panRight: options.pan(1)
        case .previousItem, .nextItem:
            let names = curves?.curves.map(\.name) ?? []
            guard !names.isEmpty else { return true }
            let current = options.selectedSeries.flatMap { names.firstIndex(of: $0) }
            let step = action == .nextItem ? 1 : -1
            let next = current.map { ($0 + step + names.count) % names.count } ?? (step > 0 ? 0 : names.count - 1)
            options.selectedSeries = names[next]
        case .hideSeries:
            guard let name = options.selectedSeries ?? curves?.curves.first?.name else { return true }
            options.selectedSeries = name
            if options.hidden.remove(name) == nil { options.hidden.insert(name) }
        default: return false
        }
        return true
    }

    /// The x values of a curve on the chosen axis; points with no x there are dropped (with their y).
    static func points(_ curve: Curve, axis: CurveAxis) -> (xs: [Double], ys: [Double]) {
        CurveLine.points(curve, axis: axis)
    }

    /// What the charts draw: with no task marked to compare, every series of the selected task,
    /// a colour each; with some, one loss and one evaluation metric (the selected task's first of
    /// each) for every task, a colour per task, named by task.
    /// Each curve's smoothed line comes from what `CurveData` keeps for the axis and weight
    /// (`CurveData.prepare`), else the chart smooths it. Hidden series are left out; each series
    /// has a marker, so they can be told apart without colour.
    static func groups(_ data: CurveData, compared: [CurveData], theme: Theme, axis: CurveAxis,
                       smoothing: Double = CurveOptions().smoothing, hidden: Set<String> = [], ascii: Bool = false) -> [[ChartSeries]] {
        func style(_ i: Int) -> Style { theme.charts.isEmpty ? Style.plain : theme.charts[i % theme.charts.count] }
        func series(_ task: CurveData, _ index: Int, name: String, position i: Int) -> ChartSeries {
            let (xs, ys, smoothed) = task.line(index, axis: axis, smoothing: smoothing)
            return ChartSeries(name: name, xs: xs, ys: ys, style: style(i), marker: ChartSeries.marker(i, ascii: ascii), smoothed: smoothed)
        }
        let shown = data.curves.indices.filter { !hidden.contains(data.curves[$0].name) }
        let losses = shown.filter { data.curves[$0].isLoss }
        let rates = shown.filter { data.curves[$0].isLearningRate && !data.curves[$0].isLoss }
        let others = shown.filter { !data.curves[$0].isLoss && !data.curves[$0].isLearningRate }
        guard !compared.isEmpty else {
            return [losses, others, rates].filter { !$0.isEmpty }.map { group in
                group.enumerated().map { i, index in series(data, index, name: data.curves[index].name, position: i) }
            }
        }
        let tasks = [data] + compared
        return [losses.first, others.first].compactMap { $0.map { data.curves[$0].name } }.map { metric in
            tasks.enumerated().compactMap { i, task in
                task.curves.firstIndex { $0.name == metric }.map { series(task, $0, name: "\(task.taskID) \(metric)", position: i) }
            }
        }
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let task = state.selectedTask
        let compared = state.home.compared.filter { $0 != task?.id }.compactMap { state.comparedCurves[$0] }
        let title = task.map { "Curves \($0.id)" + (compared.isEmpty ? "" : " vs " + compared.map(\.taskID).joined(separator: " ")) } ?? "Curves"
        let block = theme.block(title, focused: focused, ascii: state.ascii)
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
        let groups = Self.groups(data, compared: compared, theme: theme, axis: options.axis, smoothing: options.smoothing,
                                 hidden: options.hidden, ascii: state.ascii)
        // Every chart spans the same x range: all the points of every chart, then the zoom window.
        let full = groups.joined().compactMap { s -> ClosedRange<Double>? in
            guard let lo = s.xs.first, let hi = s.xs.last, lo.isFinite, hi.isFinite else { return nil }
            return lo...hi
        }.reduce(nil as ClosedRange<Double>?) { acc, r in acc.map { min($0.lowerBound, r.lowerBound)...max($0.upperBound, r.upperBound) } ?? r }
        let fit = inner.height >= 18 ? 3 : inner.height >= 12 ? 2 : 1
        let shown = Array(groups.prefix(fit))
        let rows = shown.count > 1 ? inner.split(.vertical, Array(repeating: .fill(1), count: shown.count)) : [inner]
        for (series, rect) in zip(shown, rows) {
            let chart = LineChart(
                series: series, xLabel: options.axis.rawValue, yLabel: Self.yTitle(series, compared: !compared.isEmpty),
                yScale: options.logScale ? .log : .linear, smoothing: options.smoothing, ignoreOutliers: options.ignoreOutliers,
                ascii: state.ascii, xRange: full.map(options.range(of:)), xFormat: options.axis == .time ? .duration : .number,
                axisStyle: theme.muted, emptyText: "no points on this axis")
            buffer.render(chart, in: rect)
        }
        var footer = "x \(options.axis.rawValue)"
        if let window = options.window { footer += String(format: " %.0f–%.0f%%", window.lowerBound * 100, window.upperBound * 100) }
        footer += " · smoothing \(String(format: "%.2f", options.smoothing))" + (options.logScale ? " · log" : "")
            + (options.ignoreOutliers ? " · robust y" : "")
        if groups.count > shown.count { footer += " · \(groups.count - shown.count) more chart\(groups.count - shown.count == 1 ? "" : "s") below" }
        if !options.hidden.isEmpty { footer += " · \(options.hidden.count) hidden" }
        if focused || state.top != nil, let selected = options.selectedSeries {
            footer = (options.hidden.contains(selected) ? "(hidden) " : "▸ ") + selected + " · " + footer
        }
        let text = DisplayWidth.truncate(footer, to: max(0, area.width - 4))
        if !text.isEmpty { buffer.set(x: area.maxX - DisplayWidth.of(text) - 2, y: area.maxY - 1, string: text, style: theme.muted) }
    }

    /// What a chart's y axis measures: "loss", "learning rate", or the metrics' common name.
    static func yTitle(_ series: [ChartSeries], compared: Bool) -> String {
        let names = series.map { compared ? String($0.name.split(separator: " ").last ?? "") : $0.name }
        let leaves = Set(names.map { String($0.split(separator: "/").last ?? "") })
        if names.allSatisfy({ $0.lowercased().contains("loss") }) { return "loss" }
        if names.allSatisfy({ Curve(name: $0, steps: [], epochs: [], times: [], values: []).isLearningRate }) { return "learning rate" }
        return leaves.count == 1 ? leaves.first! : "metric"
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
            let feed = workspace.metricsFeed(taskID)  // polls where inotify cannot see the writer (docs/slurm.md)
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

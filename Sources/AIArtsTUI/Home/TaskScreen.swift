import AIArtsEngine
import AIArtsRender
import Foundation

/// What the task screen shows besides the curves: parameters, checkpoints and the log's last lines.
/// Every string is sanitized on the way in (a trainer may print anything).
public struct TaskScreenData: Equatable, Sendable {
    public var taskID: String
    public var params: [(key: String, value: String)]
    public var checkpoints: [String]
    public var log: [String]

    public init(taskID: String, params: [String: String], checkpoints: [String], log: [String]) {
        self.taskID = taskID
        self.params = params.sorted { $0.key < $1.key }.map { (Sanitize.line($0.key), Sanitize.line($0.value)) }
        self.checkpoints = checkpoints.map(Sanitize.line)
        // Progress bars redraw with \r: a line shows its last state, as a terminal would.
        self.log = log.map { Sanitize.line($0.split(separator: "\r", omittingEmptySubsequences: true).last.map(String.init) ?? "") }
    }

    public static func == (a: TaskScreenData, b: TaskScreenData) -> Bool {
        a.taskID == b.taskID && a.params.map(\.key) == b.params.map(\.key) && a.params.map(\.value) == b.params.map(\.value)
            && a.checkpoints == b.checkpoints && a.log == b.log
    }

    /// How many lines of the log the screen keeps.
    static let logLines = 2000

    /// Reads a task's parameters, its checkpoints (the engine's list: best first, then newest) and
    /// the end of its train.log.
    public static func load(taskID: String, from workspace: Workspace) -> HomeMessage {
        do {
            let params = try workspace.taskParams(taskID)
            let checkpoints = try workspace.taskCheckpoints(taskID).map { $0.url.lastPathComponent + ($0.best ? " (best)" : "") }
            let log = try workspace.taskLog(taskID, lines: logLines)
            return .taskScreenLoaded(TaskScreenData(taskID: taskID, params: params, checkpoints: checkpoints, log: log))
        } catch {
            return .loadFailed("\(error)")
        }
    }
}

/// The log view's place: how far up from the end it is scrolled (0 follows the end), and the search.
public struct LogView: Equatable, Sendable {
    public var fromEnd = 0
    /// The search being typed (nil when not typing).
    public var typing: String?
    /// The last search made, highlighted and jumped to by next match.
    public var query: String?

    public init() {}
}

/// A task's screen: its state and parameters and checkpoints, its log (scroll, follow, search) and
/// its curves at full size.
struct TaskScreen: Widget {
    var state: HomeState

    /// The log lines that fit in `height` rows at the view's scroll position.
    static func visibleLog(_ log: [String], height: Int, fromEnd: Int) -> ArraySlice<String> {
        let end = max(0, log.count - fromEnd)
        return log[max(0, end - height)..<end]
    }

    /// The scroll position (lines from the end) that shows the next line containing `query` above
    /// the current view's last line, wrapping around to the end.
    static func nextMatch(_ log: [String], query: String, fromEnd: Int, height: Int) -> Int? {
        guard !query.isEmpty, !log.isEmpty else { return nil }
        let bottom = max(0, log.count - fromEnd) - 1
        let order = Array(stride(from: bottom - 1, through: 0, by: -1)) + Array(stride(from: log.count - 1, through: bottom, by: -1))
        guard let hit = order.first(where: { $0 >= 0 && log[$0].localizedCaseInsensitiveContains(query) }) else { return nil }
        return max(0, log.count - 1 - hit)
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        guard let task = state.screenTask else { return }
        let columns = area.split(.horizontal, [.percentage(55), .fill(1)])
        let left = columns[0].split(.vertical, [.fixed(min(12, max(6, columns[0].height / 3))), .fill(1)])

        // State, parameters, checkpoints.
        let info = theme.block("\(task.id) \(task.name)", focused: false, ascii: state.ascii)
        buffer.render(info, in: left[0])
        let inner = info.inner(left[0])
        var y = inner.y
        let epoch = TasksPane.progressText(task)
        let now = state.data?.readAt ?? Date()
        let elapsed = task.elapsed(now: now).map { "  elapsed \(TaskRow.duration($0))" } ?? ""
        let eta = task.state == "running" ? task.eta.map { "  ETA \(TaskRow.duration($0))" } ?? "" : ""
        buffer.set(x: inner.x, y: y, string: "\(task.state)" + (epoch.isEmpty ? "" : "  epoch \(epoch)") + elapsed + eta + "  \(task.trainer)  project \(task.project)",
                   style: task.state == "failed" ? theme.error : theme.good, maxWidth: inner.width)
        y += 1
        if y < inner.maxY, let note = task.pausedNote(gpus: state.gpus) {
            buffer.set(x: inner.x, y: y, string: note, style: theme.warning, maxWidth: inner.width)
            y += 1
        }
        if y < inner.maxY, !task.message.isEmpty, task.message != task.state {
            buffer.set(x: inner.x, y: y, string: task.message, style: theme.muted, maxWidth: inner.width)
            y += 1
        }
        let screen = state.taskScreen ?? TaskScreenState(taskID: task.id)
        let data = screen.data
        if y < inner.maxY, let data {
            let text = data.params.filter { !$0.value.isEmpty }.map { "\($0.key)=\($0.value)" }.joined(separator: "  ")
            for line in Paragraph.layout(text, width: max(1, inner.width)) where y < inner.maxY - 1 {
                buffer.set(x: inner.x, y: y, string: line, maxWidth: inner.width)
                y += 1
            }
            let saved = data.checkpoints.isEmpty ? "no checkpoints yet" : "checkpoints: " + data.checkpoints.joined(separator: " ")
            if y < inner.maxY { buffer.set(x: inner.x, y: y, string: saved, style: theme.muted, maxWidth: inner.width) }
        }

        // The log.
        let view = screen.log
        var title = "train.log"
        if view.fromEnd > 0 { title += " (\(view.fromEnd) lines up)" } else { title += " (following)" }
        let logBlock = theme.block(title, focused: true, ascii: state.ascii)
        buffer.render(logBlock, in: left[1])
        var logArea = logBlock.inner(left[1])
        if let typing = view.typing, logArea.height > 1 {
            buffer.set(x: logArea.x, y: logArea.maxY - 1, string: "/" + typing + "▏", style: theme.key, maxWidth: logArea.width)
            logArea.height -= 1
        }
        let lines = Self.visibleLog(data?.log ?? [], height: logArea.height, fromEnd: view.fromEnd)
        for (i, line) in lines.enumerated() {
            let hit = view.query.map { !$0.isEmpty && line.localizedCaseInsensitiveContains($0) } ?? false
            buffer.set(x: logArea.x, y: logArea.y + i, string: line, style: hit ? theme.selection : .plain, maxWidth: logArea.width)
        }
        if data?.log.isEmpty ?? true {
            buffer.set(x: logArea.x, y: logArea.y, string: data == nil ? "loading…" : "nothing logged yet", style: theme.muted, maxWidth: logArea.width)
        }

        if let evaluation = screen.evaluation, evaluation.taskID == task.id {
            let right = columns[1].split(.vertical, [.percentage(55), .fill(1)])
            buffer.render(CurvesPane(state: state, focused: true), in: right[0])
            buffer.render(EvaluationPanel(evaluation: evaluation, state: state), in: right[1])
        } else {
            buffer.render(CurvesPane(state: state, focused: true), in: columns[1])
        }
    }
}

import Foundation
import AIArtsEngine
import AIArtsRender

/// One dataset as the Home view shows it. Every string is sanitized on the way in: names, labels and
/// messages come from files a stranger may have written.
public struct DatasetRow: Equatable, Sendable {
    public struct Label: Equatable, Sendable {
        public var name: String
        public var count: Int
    }
    public var id: String
    public var name: String
    public var type: String
    public var status: String
    public var statusMessage: String
    public var progress: Double
    public var images: Int
    public var annotations: Int
    public var labels: [Label]
    public var train: Int, val: Int, test: Int
    public var failed: Int

    public init(id: String, name: String, type: String, status: String, statusMessage: String = "",
                progress: Double = 0, images: Int = 0, annotations: Int = 0, labels: [(String, Int)] = [],
                train: Int = 0, val: Int = 0, test: Int = 0, failed: Int = 0) {
        self.id = Sanitize.line(id); self.name = Sanitize.line(name); self.type = Sanitize.line(type)
        self.status = Sanitize.line(status); self.statusMessage = Sanitize.text(statusMessage)
        self.progress = progress; self.images = images; self.annotations = annotations
        self.labels = labels.map { Label(name: Sanitize.line($0.0), count: $0.1) }
        self.train = train; self.val = val; self.test = test; self.failed = failed
    }

    public init(_ s: DatasetSummary) {
        self.init(id: s.id, name: s.name, type: s.type.rawValue, status: s.status, statusMessage: s.statusMessage,
                  progress: s.progress, images: s.images, annotations: s.annotations,
                  labels: s.labels.map { ($0.name, $0.count) },
                  train: s.splits["train"] ?? 0, val: s.splits["val"] ?? 0, test: s.splits["test"] ?? 0,
                  failed: s.failed.count)
    }

    /// Whether the engine is still working on it (a progress bar is worth showing).
    public var isBusy: Bool { status == "checking" || status == "copying" }
}

public struct ProjectRow: Equatable, Sendable {
    public var id: String
    public var name: String
    public var type: String
    public var datasetId: String

    public init(id: String, name: String, type: String, datasetId: String?) {
        self.id = Sanitize.line(id); self.name = Sanitize.line(name); self.type = Sanitize.line(type)
        self.datasetId = Sanitize.line(datasetId ?? "-")
    }
}

/// One training task as the Tasks pane shows it.
public struct TaskRow: Equatable, Sendable {
    public var id: String
    public var name: String
    public var project: String
    public var trainer: String
    public var state: String
    public var message: String
    public var epoch: Double?
    public var epochs: Int?
    /// 0...1 when the trainer says how far it is.
    public var progress: Double?
    /// When it started and ended, and the seconds left while it runs.
    public var startedAt: Date?
    public var finishedAt: Date?
    public var eta: Double?
    /// Seconds this run spent paused (left out of elapsed time), and the GPUs it was given.
    public var pausedSeconds: Double?
    public var gpus: String?

    public init(id: String, name: String, project: String, trainer: String, state: String, message: String = "",
                epoch: Double? = nil, epochs: Int? = nil, progress: Double? = nil,
                startedAt: Date? = nil, finishedAt: Date? = nil, eta: Double? = nil) {
        self.id = Sanitize.line(id); self.name = Sanitize.line(name); self.project = Sanitize.line(project)
        self.trainer = Sanitize.line(trainer); self.state = Sanitize.line(state); self.message = Sanitize.line(message)
        self.epoch = epoch; self.epochs = epochs; self.progress = progress
        self.startedAt = startedAt; self.finishedAt = finishedAt; self.eta = eta
    }

    public init(_ s: TaskStatusReport) {
        self.init(id: s.id, name: s.name, project: s.project, trainer: s.trainer, state: s.state, message: s.message,
                  epoch: s.epoch, epochs: s.epochs, progress: s.progress, startedAt: s.startedAt, finishedAt: s.finishedAt,
                  eta: s.eta)
        pausedSeconds = s.pausedSeconds
        gpus = s.gpus
    }

    /// How long it ran (until `now` while it runs); nil before it started.
    public func elapsed(now: Date) -> Double? {
        guard let startedAt else { return nil }
        let end = isActive ? now : finishedAt ?? now
        return max(0, end.timeIntervalSince(startedAt) - (pausedSeconds ?? 0))
    }

    /// "12m +4m" while running (elapsed, then time left), "1h02m" once ended, "" before it started.
    public func timeText(now: Date) -> String {
        guard let elapsed = elapsed(now: now), state != "waiting_gpu", state != "pending", state != "created" else { return "" }
        let left = state == "running" ? eta.map { " +" + Self.duration($0) } ?? "" : ""
        return Self.duration(elapsed) + left
    }

    /// A duration in at most five characters: 42s, 12m, 1h02m, 14h, 4d.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 36_000 { return "\(s / 3600)h" + (s % 3600 < 600 ? "0" : "") + "\(s % 3600 / 60)m" }
        if s < 360_000 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    /// A process runs or is about to: the view refreshes while any task is like this.
    public var isActive: Bool { ["starting", "pending", "running", "paused", "stopping", "waiting_gpu"].contains(state) }
}

/// Everything the Home view shows, read from the engine in one go on a background queue.
public struct HomeData: Equatable, Sendable {
    public var path: String
    public var taskCount: Int
    public var modelCount: Int
    public var datasets: [DatasetRow]
    public var projects: [ProjectRow]
    public var tasks: [TaskRow]
    /// When it was read: running tasks' elapsed time is counted to here, so drawing stays a pure
    /// function of state (the view reads again each second while a task runs).
    public var readAt: Date
    /// The workspace's `aiarts serve`, when one runs: its address and requests served so far.
    public var server: ServerState?

    public init(path: String, taskCount: Int? = nil, modelCount: Int = 0, datasets: [DatasetRow], projects: [ProjectRow],
                tasks: [TaskRow] = [], readAt: Date = Date(timeIntervalSince1970: 0), server: ServerState? = nil) {
        self.path = Sanitize.line(path); self.taskCount = taskCount ?? tasks.count; self.modelCount = modelCount
        self.datasets = datasets; self.projects = projects; self.tasks = tasks; self.readAt = readAt; self.server = server
    }

    public static func load(from workspace: Workspace) throws -> HomeData {
        // Reconciles running tasks with the process table first (`taskStatuses` does): this is
        // also how the UI adopts tasks that outlived an earlier aiarts, and records the end of
        // those that finished.
        let tasks = try workspace.taskStatuses().map(TaskRow.init)
        let info = try workspace.info()
        // A read-only workspace says so where its path is shown: starting or importing would fail.
        return HomeData(path: info.path + (workspace.isReadOnly ? "  (read-only)" : ""), taskCount: info.tasks, modelCount: info.models,
                        datasets: try workspace.summaries().map(DatasetRow.init),
                        projects: try workspace.projects().map {
                            ProjectRow(id: $0.id, name: $0.name, type: $0.type.rawValue, datasetId: $0.datasetId)
                        },
                        // Ended tasks' progress comes from stored summaries; running ones' from
                        // readers the workspace keeps, which read only what was appended.
                        tasks: tasks, readAt: Date(), server: workspace.serverState())
    }
}

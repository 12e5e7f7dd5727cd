import Foundation

/// A task's metrics at a glance, from all its sources: what `task metrics` prints and --json emits.
public struct TaskMetrics: Codable, Equatable, Sendable {
    public struct Series: Codable, Equatable, Sendable {
        public var name: String
        public var points: Int
        public var last: Double
        public var lastStep: Int?
        public var lastEpoch: Double?
    }

    /// The best value an eval series reached, and where.
    public struct Best: Codable, Equatable, Sendable {
        public var name: String
        public var value: Double
        /// "max" or "min": losses and errors are better low, everything else high.
        public var goal: String
        public var step: Int?
        public var epoch: Double?
    }

    public struct Checkpoint: Codable, Equatable, Sendable {
        public var epoch: Double?
        public var step: Int?
        public var path: String?
        public var best: Bool
    }

    public var taskId: String
    public var series: [Series]
    public var best: [Best]
    public var progress: TrainingProgress
    public var checkpoints: [Checkpoint]
    /// Protocol lines that were read, and a summary of those skipped ("" when none).
    public var lines: Int
    public var skipped: String
}

extension Workspace {
    /// A task's series from all its sources (docs/metrics-protocol.md, "Where a task's metrics
    /// come from"): metrics.jsonl; else train.log through the detected log parser; plus event
    /// files, metrics.csv, results.csv and trainer_state.json under the task folder. Each file
    /// is read once, front to back by byte offset. A task that wrote nothing has no series.
    ///
    /// A long-lived viewer should keep a `MetricsFeed` instead, which reads only what is added.
    public func taskMetricTable(_ id: String) throws -> (table: MetricTable, lines: Int, skipped: String) {
        let readers = try readTaskMetrics(id)
        return (readers.table, readers.lines, readers.skipped)
    }

    /// Every source of the task read once, front to back (the log only when the protocol gave nothing).
    func readTaskMetrics(_ id: String) throws -> TaskMetricReaders {
        _ = try task(id)
        liveMetrics.countRead()
        var readers = TaskMetricReaders(folder: taskFolder(id).path)
        readers.discover()
        do {
            try readers.update { throw $0 }
        } catch {
            throw AIArtsError(.io, "cannot read the metrics of \(id): \(error)")
        }
        readers.finish()
        return readers
    }

    /// The human summary of `taskMetricTable`: last values, best eval values, progress,
    /// checkpoints. An ended task's is stored and read back while its files are unchanged
    /// (`TaskMetricSummaries.swift`); a running one's is read now.
    public func taskMetrics(_ id: String) throws -> TaskMetrics {
        let record = try task(id)
        if record.taskStatus?.isEnded == true { return try endedTaskMetrics(record, stored: storedMetricSummary(id)) }
        return Self.summarize(id, readers: try readTaskMetrics(id))
    }

    static func summarize(_ id: String, readers: TaskMetricReaders) -> TaskMetrics {
        summarize(id, table: readers.table, lines: readers.lines, skipped: readers.skipped)
    }

    static func summarize(_ id: String, table store: MetricTable, lines: Int, skipped: String) -> TaskMetrics {
        var series: [TaskMetrics.Series] = []
        var best: [TaskMetrics.Best] = []
        for name in store.names.sorted() {
            guard let s = store[name]?.points, let last = s.last else { continue }
            series.append(.init(name: name, points: s.count, last: last.value, lastStep: last.step, lastEpoch: last.epoch))
            guard name.hasPrefix("eval/") else { continue }
            let lowIsBetter = ["loss", "err", "error", "wer", "cer", "mae", "mse", "rmse"].contains { name.lowercased().contains($0) }
            let finite = s.filter { $0.value.isFinite }
            let top = lowIsBetter ? finite.min { $0.value < $1.value } : finite.max { $0.value < $1.value }
            if let top {
                best.append(.init(name: name, value: top.value, goal: lowIsBetter ? "min" : "max", step: top.step, epoch: top.epoch))
            }
        }
        return TaskMetrics(
            taskId: id, series: series, best: best, progress: store.progress.current,
            checkpoints: store.checkpoints.map { .init(epoch: $0.epoch, step: $0.step, path: $0.path, best: $0.best) },
            lines: lines, skipped: skipped)
    }
}

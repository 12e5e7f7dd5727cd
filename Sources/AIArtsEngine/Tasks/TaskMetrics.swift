import Foundation

/// A task's metrics at a glance, from its metrics.jsonl: what `task metrics` prints and --json emits.
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
    /// Reads the task's metrics.jsonl (docs/metrics-protocol.md). A missing file gives empty metrics:
    /// a task that has not written any yet, or a command that writes none.
    ///
    /// Reads the whole file on each call; that suits the CLI (one call per process). A long-lived
    /// viewer should keep its own `IncrementalReader` and `MetricStore` and read only what was added.
    public func taskMetrics(_ id: String) throws -> TaskMetrics {
        _ = try task(id)
        var reader = IncrementalReader(path: taskFolder(id).appendingPathComponent("metrics.jsonl").path)
        var parser = MetricsProtocolParser()
        var store = MetricStore()
        var lines = 0
        while true {
            let chunk: TailChunk
            do { chunk = try reader.read() } catch {
                throw AIArtsError(.io, "cannot read the metrics of \(id): \(error)")
            }
            for (line, offset) in zip(chunk.lines, chunk.lineOffsets) {
                lines += 1
                if let record = parser.parse(line: line, at: offset) { store.append(record) }
            }
            if !chunk.hasMore { break }
        }
        return Self.summarize(id, store: store, lines: lines, skipped: parser.skipped.summary)
    }

    static func summarize(_ id: String, store: MetricStore, lines: Int, skipped: String) -> TaskMetrics {
        var series: [TaskMetrics.Series] = []
        var best: [TaskMetrics.Best] = []
        for name in store.names.sorted() {
            guard let s = store[name], let last = s.last else { continue }
            series.append(.init(name: name, points: s.points.count, last: last.value, lastStep: last.step, lastEpoch: last.epoch))
            guard name.hasPrefix("eval/") else { continue }
            let lowIsBetter = ["loss", "err", "error", "wer", "cer", "mae", "mse", "rmse"].contains { name.lowercased().contains($0) }
            let finite = s.points.filter { $0.value.isFinite }
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

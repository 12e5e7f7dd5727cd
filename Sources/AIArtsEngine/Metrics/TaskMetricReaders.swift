import Foundation

/// The readers of one task folder's metric sources (`TaskMetricSources`), read by byte offset:
/// what a one-shot read (`Workspace.taskMetricTable`), a running task's progress
/// (`LiveTaskMetrics`) and a live feed (`MetricsFeed`) all go through, so the sources, their
/// ranks and the rule that the protocol hides the log are applied the same way everywhere.
public struct TaskMetricReaders: Sendable {
    public let folder: String
    public private(set) var readers: [(rank: Int, reader: MetricSourceReader)] = []

    public init(folder: String) { self.folder = folder }

    /// Adds a reader for each source file not known yet. Only the newest trainer_state.json
    /// counts: a newer one replaces the older one's reader. True when a reader was removed (what
    /// it gave is void).
    @discardableResult
    public mutating func discover() -> Bool {
        let known = Set(readers.map(\.reader.path))
        var removed = false
        for source in TaskMetricSources.discover(folder: folder) where !known.contains(source.path) {
            if source.kind == .trainerState, readers.contains(where: { $0.reader.kind == .trainerState }) {
                readers.removeAll { $0.reader.kind == .trainerState }
                removed = true
            }
            readers.append((source.rank, MetricSourceReader(path: source.path, kind: source.kind)))
        }
        return removed
    }

    /// Reads what was appended to every source, the log only while the protocol does not hide
    /// it (readers are in `discover` order: the protocol first). Returns the indices of the
    /// readers that started over (a truncated or rewritten file). A source that fails is passed
    /// to `failed` and the rest go on, unless `failed` throws.
    @discardableResult
    public mutating func update(failed: (MetricsError) throws -> Void) rethrows -> [Int] {
        var resets: [Int] = []
        for i in readers.indices {
            if readers[i].rank == TaskMetricSources.logRank, TaskMetricSources.protocolHidesLog(readers) { continue }
            do throws(MetricsError) {
                if try readers[i].reader.update() { resets.append(i) }
            } catch {
                try failed(error)
            }
        }
        return resets
    }

    /// Ends a one-shot read (`MetricSourceReader.finish`).
    public mutating func finish() {
        for i in readers.indices { readers[i].reader.finish() }
    }

    /// Marks every point as delivered (live feeds).
    mutating func markDelivered() {
        for i in readers.indices { readers[i].reader.markDelivered() }
    }

    /// The readers whose points count (`TaskMetricSources.visible`).
    public var visible: [(rank: Int, reader: MetricSourceReader)] { TaskMetricSources.visible(readers) }
    public var logHidden: Bool { TaskMetricSources.protocolHidesLog(readers) }
    /// Every series, merged by rank.
    public var table: MetricTable { TaskMetricSources.merge(readers) }
    /// The merged table's progress, without merging.
    public var progress: TrainingProgress { TaskMetricSources.progress(readers) }
    /// Protocol lines read.
    public var lines: Int { readers.first { $0.rank == 0 }?.reader.lines ?? 0 }
    /// What each source skipped, "metrics.jsonl: …; train.log: …" ("" when nothing).
    public var skipped: String {
        visible.compactMap { r in
            r.reader.skipped.isEmpty ? nil : (r.reader.path as NSString).lastPathComponent + ": " + r.reader.skipped
        }.joined(separator: "; ")
    }
}

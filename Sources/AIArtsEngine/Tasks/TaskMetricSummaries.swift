#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB

/// What a task's metric files were when its summary was made: each source's path (relative
/// to the task folder), size and modification time. A file that grew, shrank, was replaced or
/// appeared since (`task resume` appends to metrics.jsonl) gives another fingerprint.
struct MetricSourcesFingerprint: Codable, Equatable, Sendable {
    struct File: Codable, Equatable, Sendable {
        var path: String
        /// -1 when the file does not exist.
        var size: Int64
        /// Nanoseconds since 1970.
        var mtime: Int64
    }

    /// Raised when what a summary holds or how it is computed changes: older rows are then stale.
    static let version = 1
    var version = Self.version
    var files: [File]

    init(folder: String) {
        files = TaskMetricSources.discover(folder: folder).map { source in
            var info = stat()
            let relative = source.path.hasPrefix(folder + "/") ? String(source.path.dropFirst(folder.count + 1)) : source.path
            guard stat(source.path, &info) == 0 else { return File(path: relative, size: -1, mtime: 0) }
            return File(path: relative, size: Int64(info.st_size),
                        mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
    }

    /// The stored form: JSON with sorted keys, so equal fingerprints are equal text.
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// One row of `taskMetricSummary`: an ended task's `TaskMetrics` (JSON), its progress on its
/// own (JSON: what the task list needs, cheap to decode), and the fingerprint of the files
/// they were made from.
struct TaskMetricSummaryRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "taskMetricSummary"
    var taskId: String
    var fingerprint: String
    var progress: String
    var summary: String
    var storedAt: Date

    init(taskId: String, fingerprint: String, metrics: TaskMetrics, storedAt: Date = Date()) throws {
        self.taskId = taskId; self.fingerprint = fingerprint; self.storedAt = storedAt
        summary = try Self.encode(metrics)
        progress = try Self.encode(metrics.progress)
    }

    /// JSON has no NaN or infinity; a loss can be either.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try? decoder.decode(type, from: Data(text.utf8))
    }

    /// The summary, or nil when the row cannot be read back (it is then made again).
    var metrics: TaskMetrics? { Self.decode(TaskMetrics.self, summary) }
    /// The progress alone, the same way.
    var trainingProgress: TrainingProgress? { Self.decode(TrainingProgress.self, progress) }
}

/// The metric readers of tasks that have not ended, kept by a long-lived `Workspace` (the UI's)
/// so that each look at a running task reads only what was appended since the last.
///
/// It also remembers the summaries of ended tasks it has checked against their files, so that
/// the UI's reload, once a second while a task runs, does not look at every finished task's
/// files each time: an entry holds while the task's record is the same (a resume changes it)
/// and for `recheckAfter` seconds, after which the files are checked again.
final class LiveTaskMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [String: TaskMetricReaders] = [:]
    private var reads = 0
    private var checked: [String: (record: TaskRecord, at: Date, progress: TrainingProgress)] = [:]
    static let recheckAfter: TimeInterval = 60

    /// The progress checked for this very record less than `recheckAfter` ago.
    func checkedProgress(_ record: TaskRecord, now: Date = Date()) -> TrainingProgress? {
        lock.withLock {
            guard let entry = checked[record.id], entry.record == record, now.timeIntervalSince(entry.at) < Self.recheckAfter else { return nil }
            return entry.progress
        }
    }

    func noteChecked(_ record: TaskRecord, _ progress: TrainingProgress) {
        lock.withLock { checked[record.id] = (record, Date(), progress) }
    }

    /// The progress of a task that has not ended, reading only what its files gained.
    func progress(_ id: String, folder: String) -> TrainingProgress {
        lock.withLock {
            var readers = tasks[id] ?? TaskMetricReaders(folder: folder)
            readers.discover()
            readers.update { _ in }
            tasks[id] = readers
            return readers.progress
        }
    }

    /// Takes the readers of a task that ended (they are not kept any more).
    func take(_ id: String) -> TaskMetricReaders? { lock.withLock { tasks.removeValue(forKey: id) } }

    /// Forgets the readers of every task but these (ended or removed ones), and the checked
    /// summaries of tasks that are gone.
    func keep(only ids: Set<String>, existing: Set<String>) {
        lock.withLock {
            tasks = tasks.filter { ids.contains($0.key) }
            checked = checked.filter { existing.contains($0.key) }
        }
    }

    /// Counts reads of a task's metrics from byte 0 (tests check that a stored summary saves them).
    func countRead() { lock.withLock { reads += 1 } }
    var fullReads: Int { lock.withLock { reads } }
}

extension Workspace {
    /// The stored summary row of a task, if any.
    func storedMetricSummary(_ id: String) throws -> TaskMetricSummaryRecord? {
        try store.pool.read { try TaskMetricSummaryRecord.fetchOne($0, key: id) }
    }

    /// The stored summary rows of these tasks, by task id.
    func storedMetricSummaries(_ ids: [String]) throws -> [String: TaskMetricSummaryRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try store.pool.read { db in
            try ids.count > 500 ? TaskMetricSummaryRecord.fetchAll(db) : TaskMetricSummaryRecord.fetchAll(db, keys: ids)
        }
        return Dictionary(rows.map { ($0.taskId, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// An ended task's summary: the stored one while its files are as they were, else read now
    /// (from the readers kept while it ran, when this process kept some: only what they had not
    /// read yet) and stored, in one statement, so a killed process leaves the old row or the new.
    func endedTaskMetrics(_ record: TaskRecord, stored: TaskMetricSummaryRecord?, fingerprint known: String? = nil) throws -> TaskMetrics {
        // Taken before reading: a file changed meanwhile makes this row stale at the next look.
        let fingerprint = known ?? MetricSourcesFingerprint(folder: taskFolder(record.id).path).text
        if let stored, stored.fingerprint == fingerprint, let metrics = stored.metrics {
            _ = liveMetrics.take(record.id)
            liveMetrics.noteChecked(record, metrics.progress)
            return metrics
        }
        let readers: TaskMetricReaders
        if var live = liveMetrics.take(record.id) {
            live.discover()
            do { try live.update { throw $0 } } catch { throw AIArtsError(.io, "cannot read the metrics of \(record.id): \(error)") }
            live.finish()
            readers = live
        } else {
            readers = try readTaskMetrics(record.id)
        }
        let metrics = Self.summarize(record.id, readers: readers)
        if !isReadOnly {
            do {
                let row = try TaskMetricSummaryRecord(taskId: record.id, fingerprint: fingerprint, metrics: metrics)
                try store.pool.write { db in
                    // The task may have been removed meanwhile: its row would have nothing to belong to.
                    if try TaskRecord.exists(db, key: record.id) { try row.save(db) }
                }
            } catch {
                log.warning("cannot store the metrics summary of \(record.id): \(error)")
            }
        }
        liveMetrics.noteChecked(record, metrics.progress)
        return metrics
    }

    /// A task's progress: an ended one's from its stored summary, a running one's from the
    /// readers this workspace keeps for it. Nil when its metrics cannot be read.
    func taskProgress(_ record: TaskRecord, stored: TaskMetricSummaryRecord?) -> TrainingProgress? {
        if record.taskStatus?.isEnded == true {
            if let checked = liveMetrics.checkedProgress(record) { return checked }
            let fingerprint = MetricSourcesFingerprint(folder: taskFolder(record.id).path).text
            if let stored, stored.fingerprint == fingerprint, let progress = stored.trainingProgress {
                _ = liveMetrics.take(record.id)
                liveMetrics.noteChecked(record, progress)
                return progress
            }
            return (try? endedTaskMetrics(record, stored: stored, fingerprint: fingerprint))?.progress
        }
        return liveMetrics.progress(record.id, folder: taskFolder(record.id).path)
    }
}

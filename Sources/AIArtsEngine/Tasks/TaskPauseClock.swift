import Foundation

/// How long a task's run has been paused, so elapsed time can leave it out: `tasks/T/pause_time`,
/// a small JSON file written (atomically) each time the task is recorded paused or running again.
/// It names the run it belongs to (the record's `startedAt`), so a resumed task starts from zero.
public struct TaskPauseClock: Codable, Equatable, Sendable {
    /// The run's start (`TaskRecord.startedAt`, seconds since 1970).
    public var run: Double?
    /// When the current pause began; nil while not paused.
    public var pausedAt: Double?
    /// Seconds of the pauses that ended.
    public var pausedSeconds: Double

    enum CodingKeys: String, CodingKey { case run, pausedAt = "paused_at", pausedSeconds = "paused_seconds" }

    static let fileName = "pause_time"

    /// Seconds paused up to `now` (the current pause included), for the run that started at `run`.
    public func seconds(until now: Date, run: Date?) -> Double {
        guard self.run == run?.timeIntervalSince1970 else { return 0 }
        let current = pausedAt.map { max(0, now.timeIntervalSince1970 - $0) } ?? 0
        return max(0, pausedSeconds) + current
    }

    static func read(in folder: URL) -> TaskPauseClock? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(fileName)),
              let clock = try? JSONDecoder().decode(TaskPauseClock.self, from: data),
              clock.pausedSeconds.isFinite, clock.pausedAt?.isFinite ?? true else { return nil }
        return clock
    }

    /// Notes a pause starting (or ending) now for the run that started at `run`.
    static func record(paused: Bool, run: Date?, in folder: URL, now: Date = Date()) throws {
        let runKey = run?.timeIntervalSince1970
        var clock = read(in: folder).flatMap { $0.run == runKey ? $0 : nil } ?? TaskPauseClock(run: runKey, pausedAt: nil, pausedSeconds: 0)
        if paused {
            if clock.pausedAt == nil { clock.pausedAt = now.timeIntervalSince1970 }
        } else if let since = clock.pausedAt {
            clock.pausedSeconds += max(0, now.timeIntervalSince1970 - since)
            clock.pausedAt = nil
        }
        do {
            try JSONEncoder().encode(clock).write(to: folder.appendingPathComponent(fileName), options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write \(folder.appendingPathComponent(fileName).path): \(error.localizedDescription)")
        }
    }
}

extension Workspace {
    /// Seconds task `record`'s current run has been paused, up to its end (or now while it lasts).
    public func pausedSeconds(_ record: TaskRecord, now: Date = Date()) -> Double {
        guard record.startedAt != nil, let clock = TaskPauseClock.read(in: taskFolder(record.id)) else { return 0 }
        return clock.seconds(until: record.finishedAt ?? now, run: record.startedAt)
    }
}

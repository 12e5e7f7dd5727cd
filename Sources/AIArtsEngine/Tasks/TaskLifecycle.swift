import Foundation
import GRDB

/// Starting, stopping and reconciling tasks with the process table (docs/tasks.md).
///
/// The database is the only shared state: any aiarts process (a CLI call, a TUI, one started after
/// every other died) learns what runs from the stored pid and start time, and whichever process
/// first sees a task's process gone records how it ended.
extension Workspace {
    /// How long a task may sit in `starting` with no process before it is taken as abandoned (the
    /// aiarts that claimed it died between claiming and launching).
    static let abandonedStart: TimeInterval = 60

    /// Launches a queued task detached (it outlives aiarts), output to train.log, metrics to
    /// $AIARTS_METRICS. When it cannot be launched the task goes back to `queued` with the reason
    /// as its status message (nothing ran, so it may be started again) and the error is thrown.
    @discardableResult
    public func startTask(_ id: String) throws -> TaskRecord {
        let (record, datasetID) = try store.pool.write { db -> (TaskRecord, String?) in
            guard var record = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
            guard record.status == TaskStatus.queued.rawValue else {
                throw AIArtsError(.conflict, "\(id) is \(record.status), not queued; only a task that has not run can be started (create a new one to run again)")
            }
            // Claimed in the same transaction that checked it, so two starts cannot both launch.
            record.status = TaskStatus.starting.rawValue
            record.statusMessage = "starting"
            record.startedAt = Date()
            try record.update(db)
            return (record, try ProjectRecord.fetchOne(db, key: record.projectId)?.datasetId)
        }
        let folder = taskFolder(id)
        do {
            let params = TaskParams.decode(record.params)
            let plan = try TaskLaunchPlan.make(task: record, params: params, datasetID: datasetID, workspace: root,
                                               folder: folder, locateTrainer: { TaskLaunchPlan.locateBuiltInTrainer() })
            try writeLaunchFiles(plan, params: params, record: record, folder: folder)
            let environment = ProcessInfo.processInfo.environment.merging(plan.addedEnvironment) { $1 }
            let launched: LaunchedProcess
            do {
                launched = try DetachedProcess.launch(
                    executable: plan.executable, arguments: plan.arguments, environment: environment,
                    workingDirectory: folder, logFile: folder.appendingPathComponent("train.log"),
                    exitStatusFile: folder.appendingPathComponent("exit_status"))
            } catch {
                throw AIArtsError(.io, "\(id) could not be started: \(error)")
            }
            return try store.pool.write { db in
                guard var current = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
                current.pid = launched.pid
                current.startTime = Int64(clamping: launched.startTime)
                current.status = TaskStatus.running.rawValue
                current.statusMessage = "running"
                try current.update(db)
                return current
            }
        } catch {
            let message = (error as? AIArtsError)?.message ?? "\(id) could not be started: \(error)"
            try? store.pool.write { db in
                try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ?, startedAt = NULL WHERE id = ? AND status = ?",
                               arguments: [TaskStatus.queued.rawValue, message, id, TaskStatus.starting.rawValue])
            }
            throw error
        }
    }

    private func writeLaunchFiles(_ plan: TaskLaunchPlan, params: [String: String], record: TaskRecord, folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var document = params
            document["trainer"] = record.trainer
            try (encoder.encode(document) + Data("\n".utf8)).write(to: folder.appendingPathComponent("params.json"), options: .atomic)
            try Data(plan.commandText(taskID: record.id, folder: folder, startedAt: record.startedAt ?? Date()).utf8)
                .write(to: folder.appendingPathComponent("command.txt"), options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write the task folder \(folder.path): \(error.localizedDescription)")
        }
    }

    /// Reconciles every task that may have a process with the process table and records the end
    /// of those whose process is gone. Cheap (a /proc read per running task); `task list` and
    /// `task show` call it, which is also how a new aiarts adopts tasks after every aiarts died.
    /// Returns the ids whose record changed.
    @discardableResult
    public func refreshTasks() throws -> [String] {
        let candidates = try store.pool.read { db in
            try TaskRecord.filter([TaskStatus.running.rawValue, TaskStatus.stopping.rawValue, TaskStatus.starting.rawValue]
                .contains(Column("status"))).fetchAll(db)
        }
        var changed: [String] = []
        for record in candidates {
            if record.status == TaskStatus.starting.rawValue {
                if record.pid == nil, let started = record.startedAt, Date().timeIntervalSince(started) > Self.abandonedStart {
                    try store.pool.write { db in
                        try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ?, startedAt = NULL WHERE id = ? AND status = ? AND pid IS NULL",
                                       arguments: [TaskStatus.queued.rawValue, "the aiarts that was starting it stopped first; start it again",
                                                   record.id, TaskStatus.starting.rawValue])
                    }
                    changed.append(record.id)
                }
                continue
            }
            guard let identity = record.identity else {
                if try recordEnd(record.id, status: .unknown) { changed.append(record.id) }
                continue
            }
            if identity.isAlive { continue }
            // Reaps it when this process is its parent; the supervisor's file says how it ended.
            let status = ExitWatcher.status(afterExitOf: identity, exitStatusFile: exitStatusFile(record.id))
            if try recordEnd(record.id, status: status) { changed.append(record.id) }
        }
        return changed
    }

    /// Asks a running task to stop: SIGTERM, then SIGKILL after `grace`. Blocks until it ended.
    /// A queued task is simply marked stopped.
    @discardableResult
    public func stopTask(_ id: String, grace: Duration = .seconds(10)) throws -> TaskRecord {
        let identity = try store.pool.write { db -> ProcessIdentity? in
            guard var record = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
            guard let status = TaskStatus(rawValue: record.status) else {
                throw AIArtsError(.badInput, "\(id) has an unknown status '\(record.status)'")
            }
            switch status {
            case .queued:
                record.status = TaskStatus.stopped.rawValue
                record.statusMessage = "stopped before it started"
                record.stopRequested = true
                record.finishedAt = Date()
                try record.update(db)
                return nil
            case .starting:
                throw AIArtsError(.conflict, "\(id) is being started; stop it again in a moment")
            case .stopped, .finished, .failed:
                throw AIArtsError(.conflict, "\(id) has already ended (\(record.status))")
            case .running, .stopping:
                record.stopRequested = true
                record.status = TaskStatus.stopping.rawValue
                record.statusMessage = "stopping"
                try record.update(db)
                return record.identity
            }
        }
        guard let identity else {
            if try task(id).status == TaskStatus.stopping.rawValue { _ = try recordEnd(id, status: .unknown) }
            return try task(id)
        }
        let statusFile = exitStatusFile(id)
        let status: ExitStatus
        do {
            status = try DetachedProcess.stop(identity, grace: grace, exitStatusFile: statusFile).status
        } catch .notRunning {
            // It ended on its own meanwhile; record that end (a stop was asked for: stopped).
            status = ExitWatcher.status(afterExitOf: identity, exitStatusFile: statusFile)
        } catch {
            throw AIArtsError(.io, "could not stop \(id): \(error)")
        }
        _ = try recordEnd(id, status: status)
        return try task(id)
    }

    /// The last `lines` lines of train.log (all of it, up to 16 MiB, when nil). Raw: the caller
    /// sanitises before showing it, since a trainer may print anything.
    public func taskLog(_ id: String, lines: Int? = nil) throws -> [String] {
        _ = try task(id)
        let url = taskFolder(id).appendingPathComponent("train.log")
        return FileTail.lines(url, count: lines ?? Int.max, maxBytes: lines.map { max(256 << 10, $0 * 4096) } ?? (16 << 20))
    }

    func exitStatusFile(_ id: String) -> URL { taskFolder(id).appendingPathComponent("exit_status") }

    /// Records how a task's process ended, unless another aiarts already did (the update applies
    /// only while the task is still running or stopping). Returns whether it wrote.
    private func recordEnd(_ id: String, status: ExitStatus) throws -> Bool {
        let tail = FileTail.lines(taskFolder(id).appendingPathComponent("train.log"), count: 50)
        return try store.pool.write { db in
            guard var record = try TaskRecord.fetchOne(db, key: id),
                  TaskStatus(rawValue: record.status)?.hasProcess == true else { return false }
            switch status {
            case let .exited(code): record.exitCode = code
            case let .signaled(signal, _): record.exitSignal = signal
            case .unknown: break
            }
            record.finishedAt = Date()
            if record.stopRequested {
                record.status = TaskStatus.stopped.rawValue
                record.statusMessage = status == .unknown ? "stopped" : "stopped (\(status))"
            } else if status.isSuccess {
                record.status = TaskStatus.finished.rawValue
                record.statusMessage = "finished"
            } else {
                record.status = TaskStatus.failed.rawValue
                record.statusMessage = FailureClassifier.classify(logTail: tail, exit: status)?.message
                    ?? "ended without recording an exit status (its supervisor was killed, e.g. by the OOM killer or kill -9); see train.log"
            }
            try record.update(db)
            return true
        }
    }
}

extension TaskRecord {
    /// The launched process, when there is one: pid and start time together, so a reused pid is
    /// never mistaken for the task.
    public var identity: ProcessIdentity? {
        guard let pid, let startTime, startTime >= 0 else { return nil }
        return ProcessIdentity(pid: pid, startTime: UInt64(startTime))
    }

    public var taskStatus: TaskStatus? { TaskStatus(rawValue: status) }
}

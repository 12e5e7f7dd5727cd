import Foundation

/// Where a task stands, for `aiarts task status --json` and the UI's task list: the record and
/// its progress from the metrics, in one flat object.
public struct TaskStatusReport: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var project: String
    public var trainer: String
    public var parent: String?
    public var state: String
    public var message: String
    public var epoch: Double?
    public var epochs: Int?
    public var step: Int?
    public var steps: Int?
    /// 0...1 when the trainer says how far it is.
    public var progress: Double?
    /// Seconds left, from the pace of recent steps.
    public var eta: Double?
    public var pid: Int32?
    public var exitCode: Int32?
    public var signal: Int32?
    /// GPU ids the run got ("" on the CPU); nil before it started.
    public var gpus: String?
    public var startedAt: Date?
    /// When its process was launched: later than `startedAt` when it waited for GPU memory.
    public var launchedAt: Date?
    public var finishedAt: Date?
    /// Seconds this run has spent paused (`task pause`), up to its end or now; nil when never
    /// paused. Elapsed time is the time since `startedAt` less this.
    public var pausedSeconds: Double?
    /// The last lines of train.log when the task failed (raw: sanitise before showing them).
    public var logTail: [String]?

    enum CodingKeys: String, CodingKey {
        case id, name, project, trainer, parent, state, message, epoch, epochs, step, steps, progress, eta, pid
        case exitCode = "exit_code", signal, gpus, startedAt = "started_at", launchedAt = "launched_at", finishedAt = "finished_at",
             pausedSeconds = "paused_seconds", logTail = "log_tail"
    }

    public func encode(to encoder: any Encoder) throws {
        // Every key is always present (null when unknown), so scripts can rely on the shape.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(project, forKey: .project)
        try c.encode(trainer, forKey: .trainer)
        try c.encode(parent, forKey: .parent)
        try c.encode(state, forKey: .state)
        try c.encode(message, forKey: .message)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(step, forKey: .step)
        try c.encode(steps, forKey: .steps)
        try c.encode(progress, forKey: .progress)
        try c.encode(eta, forKey: .eta)
        try c.encode(pid, forKey: .pid)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(signal, forKey: .signal)
        try c.encode(gpus, forKey: .gpus)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(launchedAt, forKey: .launchedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(pausedSeconds, forKey: .pausedSeconds)
        try c.encode(logTail, forKey: .logTail)
    }
}

extension Workspace {
    /// The task's state and progress, after reconciling running tasks with the process table.
    /// An ended task's progress comes from its stored metrics summary; a running one's from the
    /// readers this workspace keeps for it (TaskMetricSummaries.swift).
    public func taskStatus(_ id: String) throws -> TaskStatusReport {
        try refreshTasks()
        let t = try task(id)
        return statusReport(t, progress: taskProgress(t, stored: try storedMetricSummary(id)))
    }

    /// `taskStatus` of every task (of one project when `projectID` is given), oldest first, with
    /// one reconciliation and one read of the stored summaries for them all.
    public func taskStatuses(projectID: String? = nil) throws -> [TaskStatusReport] {
        try refreshTasks()
        let records = try tasks(projectID: projectID)
        // Rows only for the ended tasks this workspace has not checked lately (a long-lived one's
        // reload reads none).
        let stored = try storedMetricSummaries(records.filter { $0.taskStatus?.isEnded == true && liveMetrics.checkedProgress($0) == nil }.map(\.id))
        if projectID == nil {
            liveMetrics.keep(only: Set(records.filter { $0.taskStatus?.isEnded != true }.map(\.id)), existing: Set(records.map(\.id)))
        }
        return records.map { statusReport($0, progress: taskProgress($0, stored: stored[$0.id])) }
    }

    private func statusReport(_ t: TaskRecord, progress: TrainingProgress?) -> TaskStatusReport {
        // The parameters are JSON; most tasks never got GPUs assigned, and a task list reads every
        // task's: decoded only when the key is there at all.
        let gpus = t.params.contains("assigned_gpus") ? TaskParams.decode(t.params)["assigned_gpus"] : nil
        let failed = t.status == TaskStatus.failed.rawValue
        let paused = pausedSeconds(t)
        return TaskStatusReport(
            id: t.id, name: t.name, project: t.projectId, trainer: t.trainer, parent: t.parentId, state: t.status,
            message: t.statusMessage, epoch: progress?.epoch, epochs: progress?.epochs, step: progress?.step,
            steps: progress?.steps, progress: progress?.fraction, eta: progress?.eta,
            pid: t.taskStatus?.hasProcess == true ? t.pid : nil, exitCode: t.exitCode, signal: t.exitSignal,
            gpus: gpus, startedAt: t.startedAt, launchedAt: t.launchedAt, finishedAt: t.finishedAt,
            pausedSeconds: paused > 0 || t.taskStatus == .paused ? paused : nil,
            logTail: failed ? FileTail.lines(taskFolder(t.id).appendingPathComponent("train.log"), count: 20) : nil)
    }

    /// Blocks until the task has ended (finished, failed or stopped) and returns its record. A
    /// running task is watched through its process (no busy loop); a waiting one is looked at
    /// every `interval`. A created task nobody started would never end: that is refused at once.
    public func waitForTask(_ id: String, interval: Duration = .seconds(1)) throws -> TaskRecord {
        while true {
            try refreshTasks()
            let record = try task(id)
            if record.taskStatus?.isEnded == true { return record }
            if record.taskStatus == .created, record.startedAt == nil {  // (a resume passes through created with startedAt kept)
                throw AIArtsError(.conflict, "\(id) has not been started, so it would never end; `aiarts task start \(id)` starts it")
            }
            if record.taskStatus?.hasProcess == true, let identity = record.identity {
                _ = ExitWatcher.waitUntilExited(identity, timeout: .seconds(5))
            } else {
                try? Task.checkCancellation()
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
            }
        }
    }

    /// Hands the last `lines` lines of train.log to `emit`, then each new line as it is written,
    /// until the task has ended and its log is read to the end. Lines are raw (sanitise them).
    public func followTaskLog(_ id: String, lines: Int, interval: Duration = .milliseconds(200), emit: (String) -> Void) throws {
        let url = taskFolder(id).appendingPathComponent("train.log")
        // The tail and the follow share one offset: a line written between reading the tail and
        // taking the file's size would otherwise be shown by neither.
        var offset = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64) ?? 0
        for line in FileTail.lines(url, count: lines, endingAt: offset) { emit(line) }
        var partial = Data()
        var ended = false
        while true {
            if let handle = try? FileHandle(forReadingFrom: url) {
                defer { try? handle.close() }
                let size = (try? handle.seekToEnd()) ?? 0
                if size < offset { offset = 0; partial.removeAll() }  // truncated: start over
                if size > offset, (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: Int(size - offset)) {
                    offset += UInt64(data.count)
                    partial.append(data)
                    while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                        emit(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
                        partial.removeSubrange(partial.startIndex...newline)
                    }
                }
            }
            if ended {
                if !partial.isEmpty { emit(String(decoding: partial, as: UTF8.self)) }
                return
            }
            try refreshTasks()
            // One more read after the end is seen, for what was written just before it.
            if try task(id).taskStatus?.isEnded == true { ended = true; continue }
            Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        }
    }

    /// Makes sure a queue worker runs while tasks wait for GPU memory: launches
    /// `EXECUTABLE --workspace ROOT task queue --run` detached (it outlives this process, as tasks
    /// do), output to logs/queue.log. A worker already running keeps the lock and the new one
    /// leaves at once.
    public func ensureQueueWorker(executable: String) throws {
        guard try !waitingTasks().isEmpty else { return }
        do {
            _ = try DetachedProcess.launch(
                executable: executable, arguments: ["--workspace", root.path, "task", "queue", "--run"],
                environment: ProcessInfo.processInfo.environment, workingDirectory: root,
                logFile: root.appendingPathComponent("logs/queue.log"))
        } catch {
            throw AIArtsError(.io, "cannot start the GPU queue worker: \(error)")
        }
    }
}

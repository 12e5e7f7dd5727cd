import Foundation
import GRDB

/// Pausing and continuing a running task (docs/tasks.md, "Pausing"): SIGSTOP / SIGCONT of the
/// task's process group. A paused task's processes stay alive and keep their memory, GPU memory
/// included, so the GPU queue counts it as holding its GPUs; it only gets no CPU (or GPU) time.
extension Workspace {
    /// Pauses running task `id` and returns its record (state `paused`). Refuses, in one line,
    /// any task that is not running.
    @discardableResult
    public func pauseTask(_ id: String) throws -> TaskRecord {
        try refreshTasks()
        let record = try task(id)
        try Self.checkCanPause(record)
        // Tasks on an executor (Slurm) are suspended by their scheduler: one `if` here.
        if let job = try liveSlurmJob(id) { return try suspendSlurmTask(record, job: job) }
        return try pauseLocalTask(record)
    }

    /// Continues paused task `id` and returns its record (state `running`). Refuses, in one line,
    /// any task that is not paused.
    @discardableResult
    public func continueTask(_ id: String) throws -> TaskRecord {
        try refreshTasks()
        let record = try task(id)
        try Self.checkCanContinue(record)
        // Tasks on an executor (Slurm) are resumed by their scheduler: one `if` here.
        if let job = try liveSlurmJob(id) { return try resumeSlurmTask(record, job: job) }
        return try continueLocalTask(record)
    }

    /// Why `record` cannot be paused, as an error; nothing when it can (it is running).
    static func checkCanPause(_ record: TaskRecord) throws {
        let id = record.id
        switch record.taskStatus {
        case .running?: return
        case .paused?: throw AIArtsError(.conflict, "\(id) is already paused; `aiarts task continue \(id)` continues it")
        case .starting?: throw AIArtsError(.conflict, "\(id) is being started; pause it again in a moment")
        case .stopping?: throw AIArtsError(.conflict, "\(id) is stopping; a stopping task cannot be paused")
        case .stopped?, .finished?, .failed?:
            throw AIArtsError(.conflict, "\(id) has ended (\(record.status)); only a running task can be paused")
        case nil: throw AIArtsError(.badInput, "\(id) has an unknown status '\(record.status)'")
        default:  // created, waiting for GPU memory, queued on an executor: nothing runs yet
            throw AIArtsError(.conflict, "\(id) is not running (\(record.status)); only a running task can be paused")
        }
    }

    /// Why `record` cannot be continued, as an error; nothing when it can (it is paused).
    static func checkCanContinue(_ record: TaskRecord) throws {
        let id = record.id
        switch record.taskStatus {
        case .paused?: return
        case .running?: throw AIArtsError(.conflict, "\(id) is not paused (running); `aiarts task pause \(id)` pauses it")
        case nil: throw AIArtsError(.badInput, "\(id) has an unknown status '\(record.status)'")
        case let status?:
            throw AIArtsError(.conflict, "\(id) is not paused (\(status.rawValue)); only a paused task can be continued")
        }
    }

    /// SIGSTOP of the task's group, then the record: the signal first, so a crash in between
    /// leaves a stopped process that the next `refreshTasks` records as paused.
    func pauseLocalTask(_ record: TaskRecord) throws -> TaskRecord {
        guard let identity = record.identity else {
            throw AIArtsError(.conflict, "\(record.id) has no recorded process to pause; see `aiarts task show \(record.id)`")
        }
        do {
            try DetachedProcess.pause(identity)
        } catch .notRunning {
            try refreshTasks()
            throw AIArtsError(.conflict, "\(record.id) ended before it could be paused (\(try task(record.id).status))")
        } catch {
            throw AIArtsError(.io, "could not pause \(record.id): \(error)")
        }
        try setPaused(record, paused: true, message: Self.pausedMessage, evenIfDone: true)
        return try task(record.id)
    }

    /// SIGCONT of the task's group, then the record.
    func continueLocalTask(_ record: TaskRecord) throws -> TaskRecord {
        guard let identity = record.identity else {
            throw AIArtsError(.conflict, "\(record.id) has no recorded process to continue; see `aiarts task show \(record.id)`")
        }
        do {
            try DetachedProcess.resume(identity)
        } catch .notRunning {
            try refreshTasks()
            throw AIArtsError(.conflict, "\(record.id) ended while paused (\(try task(record.id).status))")
        } catch {
            throw AIArtsError(.io, "could not continue \(record.id): \(error)")
        }
        try setPaused(record, paused: false, message: Self.continuedMessage, evenIfDone: true)
        return try task(record.id)
    }

    static let pausedMessage = "paused (aiarts task pause)"
    static let continuedMessage = "running (continued)"
    static let pausedOutsideMessage = "paused: its processes were stopped outside aiarts (kill -STOP); `aiarts task continue` continues it"
    static let continuedOutsideMessage = "running: its processes were continued outside aiarts (kill -CONT)"

    /// Moves the record between running and paused, only while it still names the same process
    /// and is in the other state (a stop or another aiarts may have changed it meanwhile). With
    /// `evenIfDone` (the aiarts that sent the signal) also when a reconciliation already recorded
    /// the new state in between, so the message is this call's. Returns whether it wrote.
    @discardableResult
    func setPaused(_ record: TaskRecord, paused: Bool, message: String, evenIfDone: Bool = false) throws -> Bool {
        let from = paused ? TaskStatus.running : .paused
        let to = paused ? TaskStatus.paused : .running
        let wrote = try store.pool.write { db -> Bool in
            try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ? WHERE id = ? AND status IN (?, ?) AND pid IS ? AND startTime IS ?",
                           arguments: [to.rawValue, message, record.id, from.rawValue, evenIfDone ? to.rawValue : from.rawValue,
                                       record.pid, record.startTime])
            return db.changesCount > 0
        }
        // Elapsed time leaves pauses out; a clock that cannot be written costs only that.
        if wrote {
            do { try TaskPauseClock.record(paused: paused, run: record.startedAt, in: taskFolder(record.id)) } catch { log.warning("\(record.id): \(error)") }
        }
        return wrote
    }

    /// Part of `refreshTasks` for a task whose process lives: a running task whose processes are
    /// stopped is recorded paused (paused by hand, or by an aiarts killed before it wrote), a
    /// paused one whose processes run again is recorded running. Returns whether it wrote.
    func reconcilePause(_ record: TaskRecord, identity: ProcessIdentity) throws -> Bool {
        guard let status = record.taskStatus, status == .running || status == .paused,
              let stopped = DetachedProcess.isStopped(identity) else { return false }
        if status == .running && stopped { return try setPaused(record, paused: true, message: Self.pausedOutsideMessage) }
        if status == .paused && !stopped { return try setPaused(record, paused: false, message: Self.continuedOutsideMessage) }
        return false
    }

    /// GPU memory the processes of task `id` hold in `snapshot`, per GPU (MiB, rounded up), for
    /// the GPUs whose driver says it; GPUs sorted by index.
    public func taskGPUMemory(_ id: String, in snapshot: GPUSnapshot) -> [(gpu: Int, mib: Int)] {
        snapshot.gpus.sorted { $0.index < $1.index }.compactMap { gpu in
            let mine = gpu.processes.filter { $0.task == id }
            let known = mine.compactMap(\.memory)
            guard !mine.isEmpty, !known.isEmpty else { return nil }
            let bytes = known.reduce(UInt64(0), +)
            return (gpu.index, Int((bytes + (1 << 20) - 1) >> 20))
        }
    }

    /// What a paused task holds, in one line for `task show` and the UI: "paused — GPU memory stays
    /// held (1234 MiB on GPU 0)" where the driver reports the task's processes; else the GPUs it
    /// was given; "paused — on the CPU, nothing held on a GPU" for a CPU task. nil unless paused.
    public func pausedNote(_ record: TaskRecord, snapshot: GPUSnapshot?) -> String? {
        guard record.taskStatus == .paused else { return nil }
        let held = snapshot.map { taskGPUMemory(record.id, in: $0) } ?? []
        let assigned = TaskParams.decode(record.params)["assigned_gpus"] ?? ""
        return Self.pausedNote(held: held, assignedGPUs: assigned)
    }

    /// `pausedNote(_:snapshot:)` with the GPUs read now (NVML, else nvidia-smi; the fixture in
    /// tests). Blocks for the read: call it off a UI thread. nil unless paused.
    public func pausedNote(_ record: TaskRecord) -> String? {
        guard record.taskStatus == .paused else { return nil }
        return pausedNote(record, snapshot: GPUMonitor(workspace: self).snapshot(includeHost: false))
    }

    public static func pausedNote(held: [(gpu: Int, mib: Int)], assignedGPUs: String) -> String {
        if !held.isEmpty {
            return "paused — GPU memory stays held (" + held.map { "\($0.mib) MiB on GPU \($0.gpu)" }.joined(separator: ", ") + ")"
        }
        let gpus = assignedGPUs.split(separator: ",").map(String.init)
        if gpus.isEmpty { return "paused — on the CPU, nothing held on a GPU" }
        return "paused — GPU memory stays held (on GPU \(gpus.joined(separator: ", ")))"
    }
}

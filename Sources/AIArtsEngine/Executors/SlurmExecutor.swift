import Foundation
import GRDB

/// A task's Slurm columns (migration v17-executors).
public struct SlurmTaskInfo: Equatable, Sendable {
    public var executor: String?
    public var jobId: String?
    /// What Slurm last said: PENDING, RUNNING, SUSPENDED, COMPLETED …
    public var state: String?
    public var reason: String?
    public var nodes: String?
    public var restarts: Int?
}

/// Tasks on a Slurm executor (docs/slurm.md): submitting (`startTask` calls `submitSlurmTask` for a
/// task with an executor), reconciling with one `squeue` call (`refreshTasks` calls
/// `reconcileSlurmTasks`), stopping by `scancel`, pausing by `scontrol suspend`/`resume`, and the
/// resume of a requeued job (`prepareSlurmRequeue`, run by the batch script).
extension Workspace {
    /// The Slurm client programs ($AIARTS_SLURM_BIN, else PATH; tests set `SlurmCommands.override`).
    var slurm: SlurmCommands { SlurmCommands.override(for: root) ?? SlurmCommands() }

    /// Starts a task on executor `executor` (`task start T --on NAME`; "local": this machine; nil: the
    /// executor it last ran on, else its project's default). Otherwise as `startTask(_:worker:)`.
    @discardableResult
    public func startTask(_ id: String, on executor: String?, worker: QueueWorker) throws -> TaskStart {
        guard let executor else { return try startTask(id, worker: worker) }
        try assignExecutor(id, name: executor)
        let start = TaskStart(try startTask(id))
        if case .waitingGPU = start { try ensureQueueWorker(executable: worker.executable) }
        return start
    }

    /// The task's Slurm columns.
    public func slurmInfo(_ id: String) throws -> SlurmTaskInfo? {
        try store.pool.read { db in try Self.slurmInfo(db, id) }
    }

    static func slurmInfo(_ db: Database, _ id: String) throws -> SlurmTaskInfo? {
        guard let row = try Row.fetchOne(db, sql: "SELECT executor, slurmJobId, slurmState, slurmReason, slurmNodes, slurmRestarts FROM task WHERE id = ?",
                                         arguments: [id]) else { return nil }
        return SlurmTaskInfo(executor: row["executor"], jobId: row["slurmJobId"], state: row["slurmState"], reason: row["slurmReason"],
                             nodes: row["slurmNodes"], restarts: row["slurmRestarts"])
    }

    /// Records which executor the next start uses. Refused while the task runs.
    func assignExecutor(_ id: String, name: String?) throws {
        if let name, name != "local" { _ = try executor(named: name) }
        try store.pool.write { db in
            guard let record = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
            let current = try Self.slurmInfo(db, id)?.executor
            let chosen: String?
            switch name {
            case "local"?: chosen = nil
            case let name?: chosen = name
            case nil:
                // A task that never ran takes its project's default; one that ran keeps where it ran.
                if current == nil, record.startedAt == nil {
                    chosen = try String.fetchOne(db, sql: "SELECT defaultExecutor FROM project WHERE id = ?", arguments: [record.projectId])
                } else {
                    chosen = current
                }
            }
            guard chosen != current else { return }
            if record.taskStatus?.hasProcess == true || record.taskStatus == .starting || record.taskStatus == .pending {
                throw AIArtsError(.conflict, "\(id) is \(record.status); stop it before starting it on another executor")
            }
            try db.execute(sql: "UPDATE task SET executor = ? WHERE id = ?", arguments: [chosen, id])
        }
    }

    /// The executor a task starts on, if any (nil: this machine).
    func taskExecutor(_ id: String) throws -> ExecutorRecord? {
        guard let name = try slurmInfo(id)?.executor else { return nil }
        return try executor(named: name)
    }

    /// The trainer command of a task on an executor, built by the same `TaskLaunchPlan` a local start
    /// uses; the GPUs are Slurm's to give (their count only decides the torch trainer's processes).
    func slurmLaunchPlan(record: TaskRecord, params: [String: String], dataset: DatasetRecord?, folder: URL,
                         gpus: Int, resumeFrom: String?) throws -> TaskLaunchPlan {
        let context = TaskLaunchPlan.Context(
            params: params, datasetID: dataset?.id, datasetFolder: dataset?.folder.map(resolveFolder),
            workspace: root, folder: folder, gpus: Array(0..<gpus), resumeFrom: resumeFrom,
            python: python(params: params).path)
        var plan = try TaskLaunchPlan.make(task: record, context: context, locateTrainer: { TaskLaunchPlan.locateBuiltInTrainer() })
        plan.addedEnvironment["AIARTS_TASK_ID"] = record.id
        return plan
    }

    /// Submits a claimed (`starting`) task to its Slurm executor: writes the batch script and the
    /// run script into its folder, `sbatch --parsable`, and records the job (state `pending`).
    /// Throws with the reason when it cannot be submitted (startTask then marks it failed).
    func submitSlurmTask(record claimed: TaskRecord, params startParams: [String: String], dataset: DatasetRecord?,
                         executor: ExecutorRecord, folder: URL) throws -> TaskRecord {
        var record = claimed
        var params = startParams
        let id = record.id
        let resources = try SlurmResources(params: params)
        let trainer = TaskTrainer(rawValue: record.trainer)
        if resources.nodes > 1, trainer != .torch {
            throw AIArtsError(.invalidArgument, "nodes=\(resources.nodes): only torch tasks run on several nodes (through torchrun); set nodes=1 for a \(record.trainer) task")
        }
        let slurm = self.slurm
        guard slurm.locate(.sbatch) != nil else { throw slurm.missing(.sbatch) }
        if trainer == .torch {
            if params["batch_size"] == "auto" {
                params["asked_batch_size"] = "auto"
                params["asked_learning_rate"] = params["learning_rate"] ?? ""
            }
            // The GPUs are on another node: the default batch (no free memory to size it from here).
            _ = Self.resolveBatchSize(&params, memory: nil, gpus: [], capacities: [], reserved: [:], type: dataset?.type ?? .classification)
            try prepareTorchFolder(folder, datasetID: dataset?.id, python: python(params: params).path)
            try Self.checkPretrained(params["pretrained"], taskID: id, folder: folder)
        }
        params["assigned_gpus"] = ""
        record.params = try TaskParams.encode(params)
        let plan = try slurmLaunchPlan(record: record, params: params, dataset: dataset, folder: folder,
                                       gpus: resources.gpus, resumeFrom: params["resume_from"])
        try writeLaunchFiles(plan, params: params, record: record, folder: folder)
        let script = SlurmBatchScript(taskID: id, folder: folder, workspace: root, aiarts: QueueWorker.thisExecutable.executable,
                                      executor: executor, resources: resources)
        try Self.writeScript(try SlurmBatchScript.run(plan: plan, taskID: id, nodes: resources.nodes, gpusPerNode: resources.gpus),
                             to: folder.appendingPathComponent(SlurmBatchScript.runFileName))
        try Self.writeScript(script.batch, to: folder.appendingPathComponent(SlurmBatchScript.batchFileName))
        unlink(exitStatusFile(id).path)
        let out = try slurm.run(.sbatch, ["--parsable"] + script.commandLineOptions + [folder.appendingPathComponent(SlurmBatchScript.batchFileName).path])
        guard let job = SlurmJobs.parseSubmitted(out) else {
            throw AIArtsError(.io, "sbatch printed no job id (\(SlurmJobs.clean(out.prefix(200)))); check the executor's partition with `sinfo`")
        }
        let written = try store.pool.write { db -> TaskRecord? in
            guard var current = try TaskRecord.fetchOne(db, key: id), current.status == TaskStatus.starting.rawValue else { return nil }
            current.params = record.params
            current.pid = nil
            current.startTime = nil
            current.status = TaskStatus.pending.rawValue
            current.statusMessage = "submitted to \(executor.name) as Slurm job \(job)"
            try current.update(db)
            try db.execute(sql: "UPDATE task SET slurmJobId = ?, slurmState = 'PENDING', slurmReason = NULL, slurmNodes = NULL, slurmRestarts = 0 WHERE id = ?",
                           arguments: [job, id])
            return current
        }
        guard let written else {
            // Stopped while it was being submitted: the job must not run.
            _ = try? slurm.run(.scancel, [job])
            return try task(id)
        }
        log.info("\(id): submitted to \(executor.name) as Slurm job \(job)")
        return written
    }

    static func writeScript(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
            chmod(url.path, 0o755)
        } catch {
            throw AIArtsError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    // MARK: Reconciliation

    /// The ids among `records` that have a Slurm job (reconciled here, not against the process table).
    func slurmTaskIDs(among records: [TaskRecord]) throws -> Set<String> {
        guard !records.isEmpty else { return [] }
        return try store.pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM task WHERE slurmJobId IS NOT NULL AND id IN (\(records.map { _ in "?" }.joined(separator: ",")))",
                                    arguments: StatementArguments(records.map(\.id))))
        }
    }

    /// Brings the records of tasks on Slurm up to date: one `squeue` for all their jobs; `scontrol
    /// show job` (then `sacct`) for a job squeue no longer lists. Returns the ids that changed. When
    /// Slurm cannot be asked, nothing changes (and the engine log says why).
    func reconcileSlurmTasks(_ records: [TaskRecord]) throws -> [String] {
        var jobs: [String: String] = [:]  // task → job
        for record in records { if let job = try slurmInfo(record.id)?.jobId { jobs[record.id] = job } }
        guard !jobs.isEmpty else { return [] }
        let listed: [String: SlurmJob]
        do {
            // A short limit: the UI and `task list` wait on this call.
            let out = try slurm.result(.squeue, ["-h", "--states=all", "-j", Set(jobs.values).sorted().joined(separator: ","), "-o", SlurmJobs.squeueFormat],
                                       timeout: 10)
            if out.code != 0 && !out.stderr.contains("Invalid job id") { throw SlurmCommands.failure(.squeue, out) }
            listed = out.code == 0 ? SlurmJobs.parseSqueue(out.stdout) : [:]
        } catch {
            log.warning("Slurm tasks not reconciled: \(error)")
            return []
        }
        var changed: [String] = []
        for record in records {
            guard let jobID = jobs[record.id] else { continue }
            var job = listed[jobID]
            if job == nil || job.map({ if case .ended = SlurmTaskState.of($0) { true } else { false } }) == true {
                // Ended or gone from squeue: scontrol has the exit code; sacct remembers longer. A job
                // neither knows is looked for once more a second later (a requeue in progress, a
                // controller under load) before the task is taken as gone; one Slurm cannot be asked
                // about stays as it is.
                do {
                    var found = try lookUpSlurmJob(jobID)
                    if found == nil, job == nil {
                        usleep(1_000_000)
                        found = try lookUpSlurmJob(jobID)
                    }
                    job = found ?? job
                } catch {
                    log.warning("\(record.id): Slurm job \(jobID) not reconciled: \(error)")
                    continue
                }
            }
            // A reused id (the cluster's state was reset) names someone else's job: ours is gone.
            if let found = job, !found.canBe(task: record.id) { job = nil }
            if try applySlurmState(record, jobID: jobID, job: job) { changed.append(record.id) }
        }
        return changed
    }

    /// `scontrol show job`, else `sacct`: nil when Slurm has forgotten the job (scontrol says the id
    /// is invalid and sacct has nothing); throws when Slurm cannot be asked.
    func lookUpSlurmJob(_ jobID: String) throws -> SlurmJob? {
        let out = try slurm.result(.scontrol, ["show", "job", "-o", jobID], timeout: 10)
        if out.code == 0, let job = SlurmJobs.parseScontrol(out.stdout) { return job }
        guard out.stderr.contains("Invalid job id") else { throw SlurmCommands.failure(.scontrol, out) }
        if let acct = try? slurm.result(.sacct, ["-n", "-P", "-X", "-j", jobID, "-o", "JobID,State,ExitCode,NodeList,Reason"], timeout: 10),
           acct.code == 0 {
            return SlurmJobs.parseSacct(acct.stdout, id: jobID)
        }
        return nil
    }

    /// Writes what `job` says into the record of the task that still has that job. Returns whether it wrote.
    func applySlurmState(_ record: TaskRecord, jobID: String, job: SlurmJob?) throws -> Bool {
        let id = record.id
        let exitRecord = ExitRecord.read(from: exitStatusFile(id))?.status
        let state: SlurmTaskState
        if let job {
            state = SlurmTaskState.of(job)
        } else if exitRecord != nil {
            state = .ended(SlurmJob(id: jobID, state: exitRecord!.isSuccess ? "COMPLETED" : "FAILED"))
        } else {
            state = .ended(SlurmJob(id: jobID, state: "UNKNOWN"))
        }
        // `task list` and the UI reconcile often: a job whose state and reason did not move costs no write.
        if let job, let info = try slurmInfo(id), Self.slurmUnchanged(record, info: info, job: job, state: state) { return false }
        let params = TaskParams.decode(record.params)
        var tail: [String] = []
        var downNode: String?
        if case let .ended(ended) = state {
            tail = FileTail.lines(taskFolder(id).appendingPathComponent("train.log"), count: 50)
            // A job that failed or was killed where a node went down: the node says why.
            if ["FAILED", "CANCELLED", "NODE_FAIL"].contains(ended.state), !ended.nodes.isEmpty, exitRecord?.isSuccess != true,
               let out = try? slurm.result(.sinfo, ["-h", "-N", "-n", ended.nodes, "-o", "%N|%T|%E"], timeout: 10), out.code == 0 {
                downNode = SlurmTaskState.downNode(sinfo: out.stdout)
            }
        }
        let wrote = try store.pool.write { db -> Bool in
            guard var current = try TaskRecord.fetchOne(db, key: id), let status = current.taskStatus,
                  status.hasProcess || status == .pending,
                  try Self.slurmInfo(db, id)?.jobId == jobID else { return false }
            let before = current
            var ended = false
            switch state {
            case let .pending(message):
                if status != .stopping { current.status = TaskStatus.pending.rawValue; current.statusMessage = message }
            case let .running(message):
                if status != .stopping {
                    let stored = try Self.slurmInfo(db, id)?.restarts
                    let restarts = job?.restarts ?? stored ?? 0
                    let resumed = restarts > 0 ? ", requeued \(restarts)×" + (params["resume_epoch"].map { ", resumed from epoch \($0)" } ?? "") : ""
                    current.status = TaskStatus.running.rawValue
                    current.statusMessage = message + resumed + "; metrics \(Self.pollingText(MetricsFeed.defaultPollInterval))"
                }
                if current.launchedAt == nil { current.launchedAt = Date() }
            case let .paused(message):
                if status != .stopping { current.status = TaskStatus.paused.rawValue; current.statusMessage = message }
            case let .ended(job):
                let (newStatus, message, exit) = job.state == "UNKNOWN"
                    ? (current.stopRequested ? TaskStatus.stopped : .failed,
                       current.stopRequested ? "stopped" : "Slurm no longer knows job \(jobID) and it left no exit status (see train.log)", ExitStatus.unknown)
                    : SlurmTaskState.end(job, exitRecord: exitRecord, stopRequested: current.stopRequested, logTail: tail, time: params["time"],
                                         downNode: downNode)
                current.status = newStatus.rawValue
                current.statusMessage = message
                switch exit {
                case let .exited(code): current.exitCode = code
                case let .signaled(signal, _): current.exitSignal = signal
                case .unknown: break
                }
                current.finishedAt = Date()
                ended = true
            }
            if let job {
                try db.execute(sql: "UPDATE task SET slurmState = ?, slurmReason = ?, slurmNodes = ?, slurmRestarts = COALESCE(?, slurmRestarts) WHERE id = ?",
                               arguments: [job.state, job.reason, job.nodes.isEmpty ? nil : job.nodes, job.restarts, id])
            }
            guard current != before else { return false }
            try current.update(db)
            return ended || current.status != before.status || current.statusMessage != before.statusMessage
        }
        if wrote, case .ended = state {
            do { try pruneTaskCheckpoints(id) } catch { log.warning("\(id): checkpoints not pruned: \(error)") }
        }
        return wrote
    }

    /// Whether writing `job` would change nothing of the record (a job still pending, running or
    /// suspended as it was last seen).
    static func slurmUnchanged(_ record: TaskRecord, info: SlurmTaskInfo, job: SlurmJob, state: SlurmTaskState) -> Bool {
        guard info.state == job.state, info.reason == job.reason, (info.nodes ?? "") == job.nodes,
              job.restarts == nil || job.restarts == info.restarts else { return false }
        switch (state, record.taskStatus) {
        case (_, .stopping?): return true
        case let (.pending(message), .pending?): return record.statusMessage == message
        case let (.running(message), .running?): return record.launchedAt != nil && record.statusMessage.hasPrefix(message)
        case let (.paused(message), .paused?): return record.statusMessage == message
        default: return false
        }
    }

    // MARK: Stop, pause

    /// The Slurm job of a task that is queued or runs on Slurm, if it is one.
    func liveSlurmJob(_ id: String) throws -> String? {
        try store.pool.read { db in
            guard let record = try TaskRecord.fetchOne(db, key: id), let status = record.taskStatus,
                  status.hasProcess || status == .pending else { return nil }
            return try Self.slurmInfo(db, id)?.jobId
        }
    }

    /// `task stop` of a task on Slurm: `scancel`, then waits (up to `grace` plus Slurm's own kill
    /// wait) until Slurm says it ended and records how.
    func stopSlurmTask(_ id: String, job: String, grace: Duration) throws -> TaskRecord {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE task SET stopRequested = 1, status = ?, statusMessage = ? WHERE id = ? AND status IN (?, ?, ?, ?)",
                           arguments: [TaskStatus.stopping.rawValue, "stopping (scancel of Slurm job \(job))", id, TaskStatus.pending.rawValue,
                                       TaskStatus.running.rawValue, TaskStatus.paused.rawValue, TaskStatus.stopping.rawValue])
        }
        _ = try slurm.run(.scancel, [job])
        let deadline = Date().addingTimeInterval(Double(grace.components.seconds) + 30)
        while Date() < deadline {
            let record = try task(id)
            if record.taskStatus?.isEnded == true { return record }
            _ = try reconcileSlurmTasks([record])
            if try task(id).taskStatus?.isEnded == true { break }
            usleep(300_000)
        }
        return try task(id)
    }

    /// `task pause` of a task on Slurm: `scontrol suspend` (the job's processes get SIGSTOP).
    func suspendSlurmTask(_ record: TaskRecord, job: String) throws -> TaskRecord {
        _ = try slurm.run(.scontrol, ["suspend", job])
        try store.pool.write { db in
            try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ?, slurmState = 'SUSPENDED' WHERE id = ? AND status = ?",
                           arguments: [TaskStatus.paused.rawValue, "paused: Slurm job \(job) is suspended (`aiarts task continue` resumes it)",
                                       record.id, TaskStatus.running.rawValue])
        }
        return try task(record.id)
    }

    /// `task continue` of a task on Slurm: `scontrol resume`.
    func resumeSlurmTask(_ record: TaskRecord, job: String) throws -> TaskRecord {
        _ = try slurm.run(.scontrol, ["resume", job])
        try store.pool.write { db in
            try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ?, slurmState = 'RUNNING' WHERE id = ? AND status = ?",
                           arguments: [TaskStatus.running.rawValue, "running (Slurm job \(job) resumed)", record.id, TaskStatus.paused.rawValue])
        }
        return try task(record.id)
    }
}

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

    /// Launches a created task detached (it outlives aiarts), output to train.log, metrics to
    /// $AIARTS_METRICS. When its GPUs lack the memory it asks for (`gpu_memory`), it goes to
    /// `waiting_gpu` instead and the queue (`startWaitingTasks`, `runGPUQueue`) starts it later.
    /// When it cannot be launched it is `failed` with the reason as its status message (nothing
    /// ran, so it may be started again) and the error is thrown.
    ///
    /// A failed task, or a stopped one with no checkpoint, starts again from scratch: the earlier
    /// run's files are kept aside with a run number (`train.log.1`, `metrics.jsonl.1`,
    /// `checkpoints.1` ...) so nothing is lost and the new curves do not mix with the old.
    @discardableResult
    public func startTask(_ id: String) throws -> TaskRecord {
        try refuseWhileProcessesLive(id, action: "started")
        // Whether a stopped task saved anything is read before claiming it (metrics.jsonl may be big).
        let before = try task(id)
        let stoppedWithCheckpoint = before.taskStatus == .stopped && before.startedAt != nil
            && (try? taskCheckpoint(id, preferBest: false)) != nil
        let (claimed, dataset, setAside) = try store.pool.write { db -> (TaskRecord, DatasetRecord?, Bool) in
            guard var record = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
            let status = record.taskStatus
            let restart = status == .failed || (status == .stopped && !stoppedWithCheckpoint)
            guard status == .created || status == .waitingGPU || restart else {
                let hint: String
                switch status {
                case .stopped?: hint = "; it saved checkpoints: `aiarts task resume \(id)` continues it"
                case .finished?: hint = "; `aiarts task resume \(id) --epochs N` trains it on to N epochs"
                default: hint = ""
                }
                throw AIArtsError(.conflict, "\(id) is \(record.status); only a created task, or a failed one (or one stopped before any checkpoint) to run again from scratch, can be started\(hint)")
            }
            // Claimed in the same transaction that checked it, so two starts cannot both launch.
            let wasWaiting = record.status == TaskStatus.waitingGPU.rawValue
            // A start that failed cleared startedAt: it left no run to set aside.
            let ranBefore = restart && record.startedAt != nil
            record.status = TaskStatus.starting.rawValue
            record.statusMessage = "starting"
            if !wasWaiting || record.startedAt == nil { record.startedAt = Date() }
            if restart {
                // From scratch: not from where an earlier resume pointed.
                var params = TaskParams.decode(record.params)
                for key in ["resume_from", "resume_epoch"] { params[key] = nil }
                record.params = try TaskParams.encode(params)
                record.pid = nil
                record.startTime = nil
                record.exitCode = nil
                record.exitSignal = nil
                record.stopRequested = false
                record.finishedAt = nil
            }
            try record.update(db)
            let recorded = TaskParams.decode(record.params)["dataset_id"].flatMap { $0.isEmpty ? nil : $0 }
            let datasetID = try recorded ?? ProjectRecord.fetchOne(db, key: record.projectId)?.datasetId
            return (record, try datasetID.flatMap { try DatasetRecord.fetchOne(db, key: $0) }, ranBefore)
        }
        var record = claimed
        let folder = taskFolder(id)
        var params = TaskParams.decode(record.params)
        do {
            if setAside { try Self.setAsidePreviousRun(in: folder) }
            // On an executor (Slurm): submitted, not launched here (Executors/SlurmExecutor.swift).
            if let executor = try taskExecutor(id) {
                return try submitSlurmTask(record: record, params: params, dataset: dataset, executor: executor, folder: folder)
            }
            let trainer = TaskTrainer(rawValue: record.trainer)
            let capacities = trainer == .aiartsTrain ? [] : gpuProbe.read()
            let reserved = try reservedGPUMemory(excluding: id)
            let memory = trainer == .torch ? TrainingMemory.estimate(model: params["model"] ?? "") : nil
            let plan = try GPUPlan.make(params: params, neededMiB: Self.neededGPUMemory(params, memory: memory),
                                        capacities: capacities, reservedMiB: reserved)
            if let waiting = plan.waitingFor {
                return try store.pool.write { db in
                    try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ? WHERE id = ? AND status = ?",
                                   arguments: [TaskStatus.waitingGPU.rawValue, waiting, id, TaskStatus.starting.rawValue])
                    return try TaskRecord.fetchOne(db, key: id) ?? record
                }
            }
            var sizing = ""
            if trainer == .torch {
                if params["batch_size"] == "auto" {
                    params["asked_batch_size"] = "auto"
                    params["asked_learning_rate"] = params["learning_rate"] ?? ""
                }
                sizing = Self.resolveBatchSize(&params, memory: memory, gpus: plan.gpus, capacities: capacities, reserved: reserved,
                                               type: dataset?.type ?? .classification)
                try prepareTorchFolder(folder, datasetID: dataset?.id, python: python(params: params).path)
                try Self.checkPretrained(params["pretrained"], taskID: id, folder: folder)
            }
            params["assigned_gpus"] = plan.gpus.map(String.init).joined(separator: ",")
            record.params = try TaskParams.encode(params)
            let context = TaskLaunchPlan.Context(
                params: params, datasetID: dataset?.id, datasetFolder: dataset?.folder.map(resolveFolder),
                workspace: root, folder: folder, gpus: plan.gpus, resumeFrom: params["resume_from"],
                python: python(params: params).path)
            var launch = try TaskLaunchPlan.make(task: record, context: context, locateTrainer: { TaskLaunchPlan.locateBuiltInTrainer() })
            // Every process of the task inherits these: `task stop` and reconciliation find them by it.
            launch.addedEnvironment["AIARTS_TASK_ID"] = id
            launch.addedEnvironment[Self.taskMarkerName] = taskMarkerValue(id)
            try writeLaunchFiles(launch, params: params, record: record, folder: folder)
            let environment = ProcessInfo.processInfo.environment.merging(launch.addedEnvironment) { $1 }
            let launched: LaunchedProcess
            do {
                launched = try DetachedProcess.launch(
                    executable: launch.executable, arguments: launch.arguments, environment: environment,
                    workingDirectory: folder, logFile: folder.appendingPathComponent("train.log"),
                    exitStatusFile: folder.appendingPathComponent("exit_status"))
            } catch {
                throw AIArtsError(.io, "\(id) could not be started: \(error)")
            }
            return try store.pool.write { db in
                guard var current = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
                current.params = record.params
                current.pid = launched.pid
                current.startTime = Int64(clamping: launched.startTime)
                current.status = TaskStatus.running.rawValue
                current.launchedAt = Date()
                current.statusMessage = (plan.gpus.isEmpty ? "running" : "running on GPU \(params["assigned_gpus"]!)") + sizing
                try current.update(db)
                return current
            }
        } catch {
            // Failed, with the reason: nothing ran, so `task start` may try again (and its
            // parameters may still change while it has never run).
            let message = "could not start: " + ((error as? AIArtsError)?.message ?? "\(error)")
            // A resumed task has run before: its start time stays (its params stay frozen).
            let resumed = params["resume_from"] != nil
            try? store.pool.write { db in
                try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ?, finishedAt = ?, startedAt = CASE WHEN ? THEN startedAt ELSE NULL END WHERE id = ? AND status = ?",
                               arguments: [TaskStatus.failed.rawValue, message, Date(), resumed, id, TaskStatus.starting.rawValue])
            }
            throw error
        }
    }

    /// What one run leaves in a task folder; a run started again from scratch moves them aside.
    static let runFiles = ["train.log", "metrics.jsonl", "exit_status", "params.json", "command.txt", "checkpoints", "eval", "predict", "export"]

    /// Renames the earlier run's files to `NAME.K`, K one more than any run already set aside, so
    /// the run numbers say which came first. Each rename is atomic; a crash in between leaves some
    /// files under the new number and some in place, never half a file.
    static func setAsidePreviousRun(in folder: URL) throws {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
        var highest = 0
        for name in names {
            guard let dot = name.lastIndex(of: "."), runFiles.contains(String(name[..<dot])),
                  let k = Int(name[name.index(after: dot)...]) else { continue }
            highest = max(highest, k)
        }
        let run = highest + 1
        for name in runFiles where fm.fileExists(atPath: folder.appendingPathComponent(name).path) {
            let from = folder.appendingPathComponent(name).path, to = folder.appendingPathComponent("\(name).\(run)").path
            guard rename(from, to) == 0 else {
                throw AIArtsError(.io, "cannot set the earlier run's \(name) aside as \(name).\(run): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// MiB a task needs free on each of its GPUs: `gpu_memory`, or for `auto` the estimate of its
    /// model at its batch size (the smallest batch when that is `auto` too).
    static func neededGPUMemory(_ params: [String: String], memory: TrainingMemory?) -> Int {
        if let n = Int(params["gpu_memory"] ?? "") { return n }
        guard params["gpu_memory"] == "auto", let memory else { return 0 }
        return memory.need(batch: Int(params["batch_size"] ?? "") ?? 1, imageSize: Int(params["image_size"] ?? "") ?? memory.referenceImageSize)
    }

    /// `batch_size=auto`, as PaddleX does: the largest power of two whose step fits the free memory
    /// of the task's GPUs (per GPU), with the learning rate scaled from the default batch's:
    /// linearly for SGD, by the square root for AdamW (whose steps are already normalised; a
    /// linear rule would take 1e-3 to 8e-3 at batch 256, which diverges). On the CPU, or for a
    /// model without an estimate, the default batch and rate.
    /// Returns what the status message says about it.
    static func resolveBatchSize(_ params: inout [String: String], memory: TrainingMemory?, gpus: [Int],
                                 capacities: [GPUCapacity], reserved: [Int: Int], type: DatasetType) -> String {
        guard params["batch_size"] == "auto" else { return "" }
        let defaults = TorchTrainer.defaults(for: type)
        let reference = Int(defaults["batch_size"] ?? "") ?? 8
        let free = gpus.compactMap { g in capacities.first { $0.index == g }.map { $0.freeMiB - (reserved[g] ?? 0) } }.min()
        guard let memory, let free, let batch = memory.batchSize(freeMiB: free, imageSize: Int(params["image_size"] ?? "") ?? memory.referenceImageSize) else {
            params["batch_size"] = String(reference)
            return ""
        }
        params["batch_size"] = String(batch)
        let total = batch * max(1, gpus.count)
        if let lr = Double(params["learning_rate"] ?? defaults["learning_rate"] ?? "") {
            let linear = TrainingMemory.scaledLearningRate(lr, batch: total, referenceBatch: reference)
            params["learning_rate"] = String((params["optimizer"] ?? defaults["optimizer"]) == "adamw"
                                             ? lr * (linear / lr).squareRoot() : linear)
        }
        return ", batch \(batch) per GPU from \(free) MiB free, learning rate \(params["learning_rate"] ?? "?")"
    }

    /// A torch task's `pretrained` weights must exist when it starts (a relative path is taken
    /// from the task folder, where the trainer runs); refused in one line that says what to do.
    static func checkPretrained(_ path: String?, taskID: String, folder: URL) throws {
        guard let path, !path.isEmpty else { return }
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw AIArtsError(.notFound, "\(taskID)'s pretrained-weights file \(url.path) does not exist: put the file there, or `aiarts task params \(taskID) pretrained=OTHER` (empty trains from scratch)")
        }
    }

    /// The torch trainer's script and the dataset manifest it reads, written into the task folder.
    func prepareTorchFolder(_ folder: URL, datasetID: String?, python: String) throws {
        guard let datasetID else {
            throw AIArtsError(.invalidArgument, "the project has no dataset; the torch trainer needs one (create the project with --dataset D0001)")
        }
        let availability = TorchTrainer.available(python: python)
        guard availability.isAvailable else {
            throw AIArtsError(.invalidArgument, availability.reason ?? "PyTorch and torchvision are not installed for \(python)")
        }
        try TorchTrainer.writeScript(into: folder)
        try writeTrainingManifest(dataset: datasetID, to: folder.appendingPathComponent(TorchTrainer.manifestFileName))
    }

    /// Runs an ended task again from a checkpoint it saved: `epoch` names one, nil takes the last.
    /// The task keeps its id, folder and log; a `resume` line in metrics.jsonl tells readers that
    /// the curves continue from that epoch (points after it from the earlier run are dropped).
    /// `epochs` extends it ("train 20 more"): the new total replaces `epochs` in its parameters
    /// (the old and new totals are recorded in the resume line and train.log).
    @discardableResult
    public func resumeTask(_ id: String, epoch: Int? = nil, epochs: Int? = nil) throws -> TaskRecord {
        try refreshTasks()
        let record = try task(id)
        guard record.taskStatus?.isEnded == true else {
            throw AIArtsError(.conflict, "\(id) is \(record.status); only a stopped, failed or finished task can be resumed")
        }
        try refuseWhileProcessesLive(id, action: "resumed")
        let before = TaskParams.decode(record.params)
        if let epochs {
            try Self.checkExtensible(record, params: before, epochs: epochs)
        }
        let checkpoint = try taskCheckpoint(id, epoch: epoch, preferBest: false)
        guard let resumeEpoch = checkpoint.epoch else {
            throw AIArtsError(.notFound, "\(id)'s checkpoint \(checkpoint.url.path) has no epoch number to resume from")
        }
        if let epochs, epochs <= resumeEpoch {
            throw AIArtsError(.invalidArgument, "--epochs \(epochs) leaves nothing to train after epoch \(resumeEpoch); give more than \(resumeEpoch)")
        }
        let folder = taskFolder(id)
        let shown = checkpoint.url.path.hasPrefix(folder.path + "/") ? String(checkpoint.url.path.dropFirst(folder.path.count + 1)) : checkpoint.url.path
        var marker = JSONWriter()
        marker.beginObject()
        marker.key("type"); marker.string("resume")
        marker.key("epoch"); marker.number(Double(resumeEpoch))
        marker.key("from"); marker.string(shown)
        if let epochs {
            marker.key("epochs"); marker.number(Double(epochs))
            if let old = before["epochs"].flatMap({ Int($0) }) { marker.key("epochs_before"); marker.number(Double(old)) }
        }
        marker.key("time"); marker.number(Date().timeIntervalSince1970)
        marker.endObject()
        try Self.appendLine(marker.string, to: folder.appendingPathComponent("metrics.jsonl"))
        if let epochs {
            try Self.appendLine("aiarts: extended from \(before["epochs"] ?? "?") to \(epochs) epochs, resuming from epoch \(resumeEpoch)",
                                to: folder.appendingPathComponent("train.log"))
        }
        try store.pool.write { db in
            guard var current = try TaskRecord.fetchOne(db, key: id), current.taskStatus?.isEnded == true else {
                throw AIArtsError(.conflict, "\(id) changed while it was being resumed; look at `aiarts task status \(id)`")
            }
            var params = TaskParams.decode(current.params)
            params["resume_from"] = checkpoint.url.path
            params["resume_epoch"] = String(resumeEpoch)
            if let epochs { params["epochs"] = String(epochs) }
            current.params = try TaskParams.encode(params)
            current.status = TaskStatus.created.rawValue
            current.statusMessage = "resuming from epoch \(resumeEpoch)" + (epochs.map { " to \($0) epochs" } ?? "")
            current.pid = nil
            current.startTime = nil
            current.exitCode = nil
            current.exitSignal = nil
            current.stopRequested = false
            current.finishedAt = nil
            try current.update(db)
        }
        return try startTask(id)
    }

    /// Whether a resume may change the task's total epochs: the built-in and torch trainers take
    /// `epochs`; a command only when the value reaches its script (`{epochs}` in the command, or a
    /// startup file, which gets every parameter as `--key value`).
    static func checkExtensible(_ record: TaskRecord, params: [String: String], epochs: Int) throws {
        guard let trainer = TaskTrainer(rawValue: record.trainer) else {
            throw AIArtsError(.badInput, "\(record.id) has an unknown trainer '\(record.trainer)'")
        }
        guard epochs >= 1 else { throw AIArtsError(.invalidArgument, "--epochs must be at least 1") }
        if trainer == .command {
            let reaches = params["epochs"] != nil && ((params["command"] ?? "").contains("{epochs}") || !(params["startup_file"] ?? "").isEmpty)
            guard reaches else {
                throw AIArtsError(.invalidArgument, "\(record.id) is a command task: aiarts does not know how many epochs its script trains, so it cannot extend it. Give the command an epochs parameter it reads (`--epochs {epochs}`), or create a new task")
            }
        }
    }

    /// Appends one line with a single write(2) on an O_APPEND descriptor, as trainers do, so a
    /// reader never sees half of it.
    static func appendLine(_ line: String, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AIArtsError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw AIArtsError(.io, "cannot write to \(url.path): \(String(cString: strerror(errno)))")
        }
    }


    func writeLaunchFiles(_ plan: TaskLaunchPlan, params: [String: String], record: TaskRecord, folder: URL) throws {
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
        // A read-only workspace is shown as recorded: reconciling would write.
        guard !isReadOnly else { return [] }
        let candidates = try store.pool.read { db in
            try TaskRecord.filter([TaskStatus.running.rawValue, TaskStatus.paused.rawValue, TaskStatus.stopping.rawValue,
                                   TaskStatus.starting.rawValue, TaskStatus.pending.rawValue].contains(Column("status"))).fetchAll(db)
        }
        // Tasks on Slurm are reconciled with squeue, not the process table (Executors/SlurmExecutor.swift).
        let onSlurm = try slurmTaskIDs(among: candidates)
        var changed = try reconcileSlurmTasks(candidates.filter { onSlurm.contains($0.id) })
        for record in candidates where !onSlurm.contains(record.id) {
            if record.status == TaskStatus.starting.rawValue {
                if record.pid == nil, let started = record.startedAt, Date().timeIntervalSince(started) > Self.abandonedStart {
                    try store.pool.write { db in
                        try db.execute(sql: "UPDATE task SET status = ?, statusMessage = ?, startedAt = NULL WHERE id = ? AND status = ? AND pid IS NULL",
                                       arguments: [TaskStatus.failed.rawValue, "could not start: the aiarts that was starting it stopped first; start it again",
                                                   record.id, TaskStatus.starting.rawValue])
                    }
                    changed.append(record.id)
                }
                continue
            }
            if let identity = record.identity, identity.isAlive {
                // Paused or continued by another aiarts, or by hand (kill -STOP / -CONT): TaskPause.swift.
                if try reconcilePause(record, identity: identity) { changed.append(record.id) }
                continue
            }
            // The supervisor is gone, so nothing will record what its processes do from now on:
            // whatever of the task still runs (a trainer whose supervisor was SIGKILLed before
            // PR_SET_PDEATHSIG could act, or where setpriv is missing) is killed now.
            // Found before the end is recorded and killed only by the aiarts that records it: a
            // run started after this scan (a resume; it is refused while any of these lives) is
            // never in the list.
            let leftovers = liveTaskProcesses(record.id)
            // Reaps it when this process is its parent; the supervisor's file says how it ended.
            let status = record.identity.map { ExitWatcher.status(afterExitOf: $0, exitStatusFile: exitStatusFile(record.id)) } ?? .unknown
            if try recordEnd(record.id, status: status, leftovers: leftovers, onlyFor: record) {
                changed.append(record.id)
                DetachedProcess.terminate(leftovers.map(\.identity), grace: .zero)
            }
        }
        return changed
    }

    /// Asks a running task to stop: SIGTERM, then SIGKILL after `grace`. Blocks until it ended.
    /// A created or waiting task is simply marked stopped.
    @discardableResult
    public func stopTask(_ id: String, grace: Duration = .seconds(10)) throws -> TaskRecord {
        if let job = try liveSlurmJob(id) { return try stopSlurmTask(id, job: job, grace: grace) }
        var endedAs: String?
        let identity = try store.pool.write { db -> ProcessIdentity? in
            guard var record = try TaskRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundTask(id) }
            guard let status = TaskStatus(rawValue: record.status) else {
                throw AIArtsError(.badInput, "\(id) has an unknown status '\(record.status)'")
            }
            switch status {
            case .created, .waitingGPU:
                record.status = TaskStatus.stopped.rawValue
                record.statusMessage = status == .created ? "stopped before it started" : "stopped while waiting for GPU memory"
                record.stopRequested = true
                record.finishedAt = Date()
                try record.update(db)
                return nil
            case .starting, .pending:
                throw AIArtsError(.conflict, "\(id) is being started; stop it again in a moment")
            case .stopped, .finished, .failed:
                // Its processes may outlive the record (a trainer orphaned before this was fixed,
                // or one that survived its supervisor): those are stopped below.
                endedAs = record.status
                return nil
            case .running, .paused, .stopping:
                // A paused task is stopped too: DetachedProcess.stop continues it so it can act on the TERM.
                record.stopRequested = true
                record.status = TaskStatus.stopping.rawValue
                record.statusMessage = "stopping"
                try record.update(db)
                return record.identity
            }
        }
        guard let identity else {
            let leftovers = terminateTaskProcesses(id, grace: grace)
            if let endedAs, leftovers.isEmpty {
                throw AIArtsError(.conflict, "\(id) has already ended (\(endedAs))")
            }
            if try task(id).status == TaskStatus.stopping.rawValue {
                _ = try recordEnd(id, status: .unknown, leftovers: leftovers)
            } else if !leftovers.isEmpty {
                try noteLeftovers(id, leftovers)
            }
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
        // Processes of the task outside the supervisor's group (one that left it, or an earlier
        // run's orphan); the group itself was already ended by `stop`.
        let leftovers = terminateTaskProcesses(id, grace: grace).filter { $0.processGroup != identity.pid }
        _ = try recordEnd(id, status: status, leftovers: leftovers)
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
    /// With `onlyFor`, only while the task still has that record's process (not a later run's).
    private func recordEnd(_ id: String, status: ExitStatus, leftovers: [ProcessStat] = [],
                           onlyFor expected: TaskRecord? = nil) throws -> Bool {
        let tail = FileTail.lines(taskFolder(id).appendingPathComponent("train.log"), count: 50)
        let wrote = try store.pool.write { db in
            guard var record = try TaskRecord.fetchOne(db, key: id),
                  TaskStatus(rawValue: record.status)?.hasProcess == true else { return false }
            if let expected, record.pid != expected.pid || record.startTime != expected.startTime { return false }
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
            if !leftovers.isEmpty { record.statusMessage += Self.leftoverNote(leftovers) }
            try record.update(db)
            return true
        }
        // The run is over: nothing writes its checkpoints now (keep_checkpoints).
        if wrote {
            do { try pruneTaskCheckpoints(id) } catch { log.warning("\(id): checkpoints not pruned: \(error)") }
        }
        return wrote
    }

    /// Says in an ended task's message that processes of it were still running and were stopped.
    private func noteLeftovers(_ id: String, _ leftovers: [ProcessStat]) throws {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE task SET statusMessage = statusMessage || ? WHERE id = ?",
                           arguments: [Self.leftoverNote(leftovers), id])
        }
    }

    static func leftoverNote(_ leftovers: [ProcessStat]) -> String {
        "; stopped processes of it that were still running: \(describe(leftovers))"
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

import Foundation

/// What Slurm says of one job: read from `squeue` (`SlurmJobs.squeueFormat`), `scontrol show job -o`
/// or `sacct -P`. Pure parsing and the mapping onto aiarts's task states; no process is run here.
public struct SlurmJob: Equatable, Sendable {
    public var id: String
    /// The base state, as Slurm spells it: PENDING, RUNNING, SUSPENDED, COMPLETED, CANCELLED,
    /// FAILED, TIMEOUT, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, REQUEUED … (sacct's "CANCELLED by 0"
    /// is kept as CANCELLED).
    public var state: String
    /// Why it pends (Priority, Resources, QOSMaxGRESPerUser …), or "None".
    public var reason: String
    /// The nodes it runs (or ran) on, as Slurm writes the list ("node[1-2]"); empty while pending.
    public var nodes: String
    /// How many times it was requeued (scontrol's Restarts; nil where the source does not say).
    public var restarts: Int?
    /// "code:signal", where the source says (scontrol, sacct).
    public var exitCode: String?
    /// The job's name (`aiarts-T0001` for aiarts's), where the source says (squeue, scontrol).
    public var name: String?

    public init(id: String, state: String, reason: String = "None", nodes: String = "", restarts: Int? = nil, exitCode: String? = nil,
                name: String? = nil) {
        self.id = id; self.state = state; self.reason = reason; self.nodes = nodes; self.restarts = restarts; self.exitCode = exitCode
        self.name = name
    }

    /// Whether it can be task `taskID`'s job: a job id the cluster hands out again (after its state
    /// was reset) names another job, whose name is not the task's.
    public func canBe(task taskID: String) -> Bool { name.map { $0 == "aiarts-\(taskID)" } ?? true }
}

public enum SlurmJobs {
    /// `squeue -h -o` format: id, state (long form), reason, node list, restart count is not in
    /// squeue; the job name LAST so a name holding the separator is still read whole.
    public static let squeueFormat = "%i|%T|%r|%N|%j"

    /// Rows of `squeue -h -o squeueFormat`, by job id. Lines that cannot be read are skipped.
    public static func parseSqueue(_ text: String) -> [String: SlurmJob] {
        var jobs: [String: SlurmJob] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false).map { clean($0) }
            guard parts.count == 5, isJobID(parts[0]), !parts[1].isEmpty else { continue }
            jobs[parts[0]] = SlurmJob(id: parts[0], state: baseState(parts[1]), reason: parts[2].isEmpty ? "None" : parts[2], nodes: parts[3],
                                      name: parts[4])
        }
        return jobs
    }

    /// `scontrol show job -o ID`: one line of `Key=Value` fields. Nil when it names no job.
    public static func parseScontrol(_ text: String) -> SlurmJob? {
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("JobId=") }) else { return nil }
        var fields: [String: String] = [:]
        for token in line.split(separator: " ") {
            guard let eq = token.firstIndex(of: "=") else { continue }
            let key = String(token[..<eq])
            // The first occurrence: JobId comes first and JobState, Reason … long before the paths.
            if fields[key] == nil { fields[key] = clean(token[token.index(after: eq)...]) }
        }
        guard let id = fields["JobId"], isJobID(id), let state = fields["JobState"], !state.isEmpty else { return nil }
        let nodes = fields["NodeList"].flatMap { $0 == "(null)" ? nil : $0 } ?? ""
        return SlurmJob(id: id, state: baseState(state), reason: fields["Reason"] ?? "None", nodes: nodes,
                        restarts: fields["Restarts"].flatMap { Int($0) }, exitCode: fields["ExitCode"], name: fields["JobName"])
    }

    /// `sacct -n -P -X -j ID -o JobID,State,ExitCode,NodeList,Reason`: the job's allocation line.
    public static func parseSacct(_ text: String, id: String) -> SlurmJob? {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map { clean($0) }
            guard parts.count >= 4, parts[0] == id else { continue }
            return SlurmJob(id: id, state: baseState(parts[1]), reason: parts.count > 4 && !parts[4].isEmpty ? parts[4] : "None",
                            nodes: parts[3] == "None assigned" ? "" : parts[3], exitCode: parts[2])
        }
        return nil
    }

    /// The id `sbatch --parsable` printed ("123" or "123;cluster").
    public static func parseSubmitted(_ text: String) -> String? {
        let first = text.split(whereSeparator: \.isNewline).first.map { String($0.split(separator: ";").first ?? "") } ?? ""
        let id = first.trimmingCharacters(in: .whitespaces)
        return isJobID(id) ? id : nil
    }

    /// "CANCELLED by 0" → CANCELLED; "RUNNING+" forms are not printed by 22.05 but are cut too.
    static func baseState(_ state: String) -> String {
        String(state.split(separator: " ").first ?? "").uppercased().trimmingCharacters(in: CharacterSet(charactersIn: "+"))
    }

    static func isJobID(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 20 && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "_" || $0 == "+") } && text.first!.isNumber
    }

    /// Slurm's text reaches terminals: escape sequences and controls are removed.
    static func clean<S: StringProtocol>(_ text: S) -> String {
        TerminalText.finalRedraw(text).trimmingCharacters(in: .whitespaces)
    }
}

/// Where a task on Slurm stands, from its job's state: what the task record becomes.
public enum SlurmTaskState: Equatable, Sendable {
    /// Queued (PENDING, REQUEUED, a requeue held): the message says why ("pending: Resources").
    case pending(String)
    case running(String)
    /// SUSPENDED (`scontrol suspend`, aiarts's `task pause`).
    case paused(String)
    /// Ended, and how: the task's end is decided by `SlurmTaskState.end(...)`.
    case ended(SlurmJob)

    /// The mapping of a job Slurm still knows.
    public static func of(_ job: SlurmJob) -> SlurmTaskState {
        switch job.state {
        case "PENDING":
            return .pending(pendingMessage(job.reason))
        case "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESV_DEL_HOLD", "SPECIAL_EXIT":
            return .pending("requeued by Slurm (\(job.state.lowercased())): waits to run again and resumes from its last checkpoint")
        case "CONFIGURING", "RUNNING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT":
            return .running(job.nodes.isEmpty ? "running on Slurm job \(job.id)" : "running on \(job.nodes) (Slurm job \(job.id))")
        case "SUSPENDED", "STOPPED":
            return .paused("paused: Slurm job \(job.id) is suspended (`aiarts task continue` resumes it)")
        default:
            return .ended(job)
        }
    }

    /// "pending: Resources"; Slurm's reasons are its own words, kept as they are (None: plain).
    static func pendingMessage(_ reason: String) -> String {
        let words: [String: String] = [
            "BeginTime": "pending: BeginTime (requeued; Slurm holds it a little before it runs again)",
            "JobHeldUser": "pending: JobHeldUser (held; `scontrol release` lets it run)",
            "JobHeldAdmin": "pending: JobHeldAdmin (held by an administrator)",
            "ReqNodeNotAvail": "pending: ReqNodeNotAvail (the nodes it needs are down, drained or reserved)",
            "PartitionConfig": "pending: PartitionConfig (asks more than the partition allows; it may never run)",
            "BadConstraints": "pending: BadConstraints (no node has what it asks for; it will never run)",
        ]
        if reason.isEmpty || reason == "None" { return "pending" }
        if let known = words[reason] { return known }
        return "pending: \(reason)"
    }

    /// How an ended job ends the task: the aiarts status and its message. Slurm's verdict wins for
    /// what only it knows (a cancel, a time limit, a node failure, an out-of-memory kill); otherwise
    /// the exit record the batch script wrote says, as for a local run.
    /// `downNode`: a node of the job that is down, drained or failing now, with Slurm's reason
    /// ("vm: down (Not responding)"), which explains a job that failed or was killed on it.
    public static func end(_ job: SlurmJob, exitRecord: ExitStatus?, stopRequested: Bool, logTail: [String], time: String?,
                           downNode: String? = nil) -> (TaskStatus, String, ExitStatus) {
        let status = exitRecord ?? slurmExit(job.exitCode)
        if stopRequested { return (.stopped, status == .unknown ? "stopped (scancel)" : "stopped (scancel; \(status))", status) }
        let on = job.nodes.isEmpty ? "" : " on \(job.nodes)"
        if let downNode, ["FAILED", "CANCELLED", "NODE_FAIL"].contains(job.state), !status.isSuccess {
            return (.failed, "node failure: Slurm job \(job.id) was killed when its node went down (\(downNode)); `aiarts task resume` continues from the last checkpoint", status)
        }
        switch job.state {
        case "CANCELLED":
            return (.stopped, "cancelled outside aiarts (scancel of Slurm job \(job.id))", status)
        case "TIMEOUT", "DEADLINE":
            return (.failed, "Slurm ended job \(job.id) at its time limit\(time.map { " (time=\($0))" } ?? ""); raise time= and `aiarts task resume` it", status)
        case "NODE_FAIL", "BOOT_FAIL":
            return (.failed, "node failure\(on): Slurm lost the node job \(job.id) ran on (\(job.state)); `aiarts task resume` continues from the last checkpoint", status)
        case "OUT_OF_MEMORY":
            return (.failed, "out of memory: Slurm killed job \(job.id) at its memory limit; raise memory= and `aiarts task resume` it", status)
        case "PREEMPTED":
            return (.stopped, "preempted by Slurm (job \(job.id)) and not requeued; `aiarts task resume` continues it", status)
        default:
            // Slurm's FAILED with a record of success: the record is not this run's; Slurm's code stands.
            if job.state == "FAILED", status.isSuccess {
                let code = slurmExit(job.exitCode)
                return (.failed, "Slurm job \(job.id) failed\(on) (\(code)); see train.log", code)
            }
            if status.isSuccess { return (.finished, "finished", status) }
            if job.state == "COMPLETED", exitRecord == nil { return (.finished, "finished", .exited(code: 0)) }
            if let reason = FailureClassifier.classify(logTail: logTail, exit: status)?.message { return (.failed, reason, status) }
            return (.failed, "Slurm job \(job.id) ended \(job.state.lowercased())\(on) (\(status)); see train.log", status)
        }
    }

    /// The first node of `sinfo -h -N -o '%N|%T|%E'` output that is down or failing:
    /// "gpu07: down (Not responding)"; nil when every node is up.
    public static func downNode(sinfo text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map { SlurmJobs.clean($0) }
            guard parts.count == 3 else { continue }
            let state = parts[1].lowercased()
            // Drained nodes kill nothing: only down or failing ones explain a killed job.
            guard ["down", "fail", "not_responding"].contains(where: { state.hasPrefix($0) }) || state.hasSuffix("*") else { continue }
            return "\(parts[0]): \(state)" + (parts[2].isEmpty || parts[2] == "none" ? "" : " (\(parts[2]))")
        }
        return nil
    }

    /// Slurm's "code:signal" as an exit status.
    static func slurmExit(_ text: String?) -> ExitStatus {
        guard let text else { return .unknown }
        let parts = text.split(separator: ":").map { Int32($0) }
        guard parts.count == 2, let code = parts[0], let signal = parts[1] else { return .unknown }
        return signal != 0 ? .signaled(signal: signal, coreDumped: false) : .exited(code: code)
    }
}

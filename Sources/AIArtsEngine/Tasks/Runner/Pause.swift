import Foundation

/// Pausing a launch: SIGSTOP / SIGCONT of its whole process group (docs/runner.md, "Pause").
/// The processes stay alive and keep their memory (GPU memory too); they only get no CPU time.
extension DetachedProcess {
    /// Stops every process of the group `identity` leads (SIGSTOP cannot be caught or ignored) and
    /// waits up to `settle` until the kernel shows it stopped, so a reader of /proc right after
    /// this call sees it paused. Refuses like `stop`: `.notRunning` when `identity` no longer
    /// names a live process, `.notAGroupLeader` for a process that does not lead its own group.
    public static func pause(_ identity: ProcessIdentity, settle: Duration = .seconds(2)) throws(RunnerError) {
        try signalGroup(identity, SIGSTOP)
        waitFor(settle) { isStopped(identity) != false }
    }

    /// Continues every process of the group `identity` leads (SIGCONT) and waits up to `settle`
    /// until the kernel shows it running again.
    public static func resume(_ identity: ProcessIdentity, settle: Duration = .seconds(2)) throws(RunnerError) {
        try signalGroup(identity, SIGCONT)
        waitFor(settle) { isStopped(identity) != true }
    }

    /// Whether the launch is stopped (paused) now: its leader is in state T, or — for a
    /// supervisor, which only waits for its command — every child of the supervisor is (the
    /// trainer was stopped by hand with `kill -STOP PID`). nil when the process is gone.
    public static func isStopped(_ identity: ProcessIdentity) -> Bool? {
        guard let leader = ProcessStat.read(pid: identity.pid), leader.startTime == identity.startTime,
              !leader.hasExited else { return nil }
        if leader.state == "T" { return true }
        let children = childPIDs(of: identity.pid).compactMap { ProcessStat.read(pid: $0) }.filter { !$0.hasExited }
        guard Supervisor.isSupervisor(pid: identity.pid), !children.isEmpty else { return false }
        return children.allSatisfy { $0.state == "T" }
    }

    /// The pids whose parent is `pid`: /proc/PID/task/*/children where the kernel has it
    /// (CONFIG_PROC_CHILDREN), else a scan of /proc.
    static func childPIDs(of pid: Int32) -> [Int32] {
        let tasks = "/proc/\(pid)/task"
        if let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks),
           FileManager.default.fileExists(atPath: "\(tasks)/\(pid)/children") {
            return threads.flatMap { thread -> [Int32] in
                guard let bytes = ProcFile.read("\(tasks)/\(thread)/children") else { return [] }
                return String(decoding: bytes, as: UTF8.self).split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }
        return ProcessScan.allPIDs().filter { ProcessStat.read(pid: $0)?.parentPID == pid }
    }

    private static func signalGroup(_ identity: ProcessIdentity, _ sig: Int32) throws(RunnerError) {
        guard let stat = ProcessStat.read(pid: identity.pid), stat.startTime == identity.startTime,
              !stat.hasExited else { throw .notRunning(identity) }
        // The group id cannot be reused while its leader (checked just now) lives.
        guard stat.processGroup == identity.pid else { throw .notAGroupLeader(identity, processGroup: stat.processGroup) }
        if kill(-stat.processGroup, sig) != 0 {
            if errno == ESRCH { throw .notRunning(identity) }
            throw .signalFailed(identity, signal: sig, errno: errno)
        }
    }

    private static func waitFor(_ limit: Duration, _ done: () -> Bool) {
        let deadline = ContinuousClock.now + limit
        while !done() && ContinuousClock.now < deadline { usleep(5_000) }
    }
}

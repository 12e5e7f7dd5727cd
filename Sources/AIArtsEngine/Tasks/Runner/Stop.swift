import Foundation

/// How a stopped task ended.
public struct StopResult: Equatable, Sendable {
    public enum Ending: Equatable, Sendable {
        /// It ended within the grace period after SIGTERM.
        case terminated
        /// It outlived the grace period and its process group was sent SIGKILL.
        case killed
    }
    public var ending: Ending
    public var status: ExitStatus
}

extension DetachedProcess {
    /// Asks the task to end with SIGTERM, waits up to `grace`, then SIGKILLs its process group.
    ///
    /// SIGTERM reaches every process of the group exactly once: an unsupervised task's group is
    /// signalled directly; a supervisor is signalled alone and forwards to the group itself, since
    /// signalling the group too would deliver the command a second TERM (torchrun and others read
    /// a second TERM as "abort the graceful shutdown"). Stopped (SIGSTOP) processes are continued
    /// so they can act on it. Whatever is left of the group when the leader ends is SIGKILLed, so
    /// no data-loader worker outlives its task.
    ///
    /// Refuses with `.notRunning` when `identity` no longer names a live process (exited, or its
    /// pid reused), and with `.notAGroupLeader` for a process that does not lead its own group.
    /// Blocks for up to `grace` plus the moment SIGKILL takes; call it off the UI thread.
    public static func stop(_ identity: ProcessIdentity, grace: Duration,
                            exitStatusFile: URL? = nil) throws(RunnerError) -> StopResult {
        guard let stat = ProcessStat.read(pid: identity.pid), stat.startTime == identity.startTime,
              !stat.hasExited else { throw .notRunning(identity) }
        let group = stat.processGroup
        guard group == identity.pid else { throw .notAGroupLeader(identity, processGroup: group) }

        let target = Supervisor.isSupervisor(pid: identity.pid) ? identity.pid : -group
        try signal(target, SIGTERM, identity)
        _ = kill(-group, SIGCONT)

        var ending = StopResult.Ending.terminated
        if !ExitWatcher.waitUntilExited(identity, timeout: grace) {
            ending = .killed
            try signal(-group, SIGKILL, identity)
            // SIGKILL cannot be caught; only a process stuck in the kernel (D state) takes longer.
            _ = ExitWatcher.waitUntilExited(identity, timeout: .seconds(10))
        } else if kill(-group, 0) == 0 {
            // The leader ended but others of its group remain (workers it did not wait for).
            // The group id cannot be reused while any member lives, so this hits only them.
            _ = kill(-group, SIGKILL)
        }
        var status = ExitWatcher.status(afterExitOf: identity, exitStatusFile: exitStatusFile)
        if status == .unknown && ending == .killed { status = .signaled(signal: SIGKILL, coreDumped: false) }
        return StopResult(ending: ending, status: status)
    }

    /// kill(2); a target already gone (ESRCH) is not an error here: waiting will notice.
    private static func signal(_ target: Int32, _ sig: Int32, _ identity: ProcessIdentity) throws(RunnerError) {
        if kill(target, sig) != 0 && errno != ESRCH {
            throw .signalFailed(identity, signal: sig, errno: errno)
        }
    }
}

extension DetachedProcess {
    /// Stops a detached record's process (services, notebook sessions, model jobs) with `stop`, then
    /// every process still carrying `marker` in its environment: workers or kernels that left its
    /// group. One already gone gives the status it left; `identity` nil (never launched) ends only
    /// the marked processes. Blocks like `stop`.
    public static func stop(_ identity: ProcessIdentity?, marker: String, grace: Duration,
                            exitStatusFile: URL) throws(RunnerError) -> ExitStatus {
        var status = ExitStatus.unknown
        if let identity {
            do throws(RunnerError) {
                status = try stop(identity, grace: grace, exitStatusFile: exitStatusFile).status
            } catch .notRunning {
                status = ExitWatcher.status(afterExitOf: identity, exitStatusFile: exitStatusFile)
            }
        }
        let leftovers = ProcessScan.members(marker: marker)
        if !leftovers.isEmpty { _ = terminate(leftovers.map(\.identity), grace: .seconds(2)) }
        return status
    }
}

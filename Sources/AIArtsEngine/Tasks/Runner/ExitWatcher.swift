import CProcess
import Foundation

/// Waits for a process to end whether or not this process started it: after a restart, aiarts
/// adopts tasks started by an earlier aiarts, and a process that is not your child cannot be
/// waitpid()ed. A pidfd (Linux 5.3) becomes readable when its process ends, child or not;
/// where there is none, /proc is checked periodically instead.
public enum ExitWatcher {
    /// Blocks until the process named by `identity` has ended (true), or `timeout` passes (false).
    /// nil waits without limit. A zombie has ended. Call it off the UI thread.
    public static func waitUntilExited(_ identity: ProcessIdentity, timeout: Duration? = nil) -> Bool {
        waitUntilExited(identity, timeout: timeout, usePidfd: true)
    }

    /// Waits for the end and says how it ended: the supervisor's status file when there is one,
    /// else waitpid's status when this process is the parent, else `.unknown`.
    /// nil when `timeout` passed first. Collects (reaps) our own child so no zombie is left behind.
    public static func waitForExit(_ identity: ProcessIdentity, exitStatusFile: URL? = nil,
                                   timeout: Duration? = nil) -> ExitStatus? {
        guard waitUntilExited(identity, timeout: timeout) else { return nil }
        return status(afterExitOf: identity, exitStatusFile: exitStatusFile)
    }

    /// How an ended process ended, as far as can be learned now (see `waitForExit`).
    static func status(afterExitOf identity: ProcessIdentity, exitStatusFile: URL?) -> ExitStatus {
        let waited = reapIfOurChild(identity)
        if let file = exitStatusFile, let record = ExitRecord.read(from: file) { return record.status }
        return waited ?? .unknown
    }

    static func waitUntilExited(_ identity: ProcessIdentity, timeout: Duration?, usePidfd: Bool) -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        if usePidfd {
            let fd = cp_pidfd_open(identity.pid)
            if fd >= 0 {
                defer { close(fd) }
                // Checked after opening: the pidfd now pins one process, so if that process is
                // the one we mean, every later readiness is about it and not a pid reuser.
                guard identity.isAlive else { return true }
                return pollUntilReadable(fd, deadline: deadline)
            }
            if errno == ESRCH { return true }  // no process has that pid any more
            // ENOSYS (kernel before 5.3), EMFILE, a seccomp filter...: fall back to /proc.
        }
        var pause = Duration.milliseconds(10)
        while identity.isAlive {
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return false }
                pause = min(pause, left)
            }
            blockingSleep(pause)
            pause = min(pause * 2, .milliseconds(200))
        }
        return true
    }

    private static func pollUntilReadable(_ fd: Int32, deadline: ContinuousClock.Instant?) -> Bool {
        while true {
            var ms: Int32 = -1
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return false }
                let (seconds, attos) = left.components
                ms = Int32(clamping: seconds * 1000 + attos / 1_000_000_000_000_000 + 1)
            }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&entry, 1, ms)
            if n > 0 { return true }
            if n < 0 && errno != EINTR { return true }  // cannot happen for a valid pidfd; do not spin
        }
    }

    /// waitpid for our own ended child; nil when it is not ours (or someone else already reaped it).
    /// A zombie keeps its pid until reaped, so checking parent and start time first is race-free.
    static func reapIfOurChild(_ identity: ProcessIdentity) -> ExitStatus? {
        guard let stat = ProcessStat.read(pid: identity.pid), stat.startTime == identity.startTime,
              stat.parentPID == getpid() else { return nil }
        var raw: Int32 = 0
        while true {
            let r = waitpid(identity.pid, &raw, 0)
            if r == identity.pid { return ExitStatus(waitStatus: raw) }
            if r < 0 && errno == EINTR { continue }
            return nil
        }
    }

    private static func blockingSleep(_ d: Duration) {
        let (seconds, attos) = d.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attos / 1_000_000_000))
        var left = timespec()
        while nanosleep(&request, &left) < 0 && errno == EINTR { request = left }
    }
}

extension LaunchedProcess {
    /// See `ExitWatcher.waitForExit`; uses this launch's status file.
    public func waitForExit(timeout: Duration? = nil) -> ExitStatus? {
        ExitWatcher.waitForExit(identity, exitStatusFile: exitStatusFile, timeout: timeout)
    }

    public var isAlive: Bool { identity.isAlive }
}

import CProcess
import Foundation

/// Finds every live process of one launch, whatever became of its leader: an orphaned trainer
/// whose supervisor was SIGKILLed, data-loader workers, a process that left the group.
///
/// A pid or a process group alone cannot say this: both are reused once their processes are gone.
/// What a launch's processes share, and an unrelated process cannot have by accident, is an
/// environment entry the launcher gave the first of them (inherited by everything it starts), so
/// that is the test: `/proc/<pid>/environ` holds `marker` exactly. The other members of the
/// launch's own session (the one recorded at launch) belong to it too, a worker started with a
/// cleared environment: a session cannot be reused while any member lives, so one marked member
/// proves the session is still the launch's. Only that session: a shell where someone exported the
/// marker by hand must not take its whole login session with it.
/// Linux only; processes of other users cannot be read and are never matched.
public enum ProcessScan {
    /// Live (not zombie) processes whose environment holds `marker` ("NAME=value"), plus every
    /// live process of `session` when a marked one is in it. This process itself is never
    /// included (an aiarts started by a task may stop that task). Sorted by pid.
    public static func members(marker: String, session: Int32? = nil) -> [ProcessStat] {
        let entry = Array(marker.utf8)
        let me = getpid()
        let pids = allPIDs().filter { $0 != me }
        // The environment first: /proc/<pid>/stat is read only for the few that match, and for
        // everything else only when the session has to be searched.
        var found = pids.filter { environment(of: $0, contains: entry) }
            .compactMap { ProcessStat.read(pid: $0) }.filter { !$0.hasExited }
        if let session, found.contains(where: { $0.session == session }) {
            let marked = Set(found.map(\.pid))
            found += pids.filter { !marked.contains($0) }.compactMap { ProcessStat.read(pid: $0) }
                .filter { $0.session == session && !$0.hasExited }
        }
        return found.sorted { $0.pid < $1.pid }
    }

    /// The pids in /proc now.
    static func allPIDs() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }

    /// Whether the environment the process was started with holds `entry` as one whole variable
    /// (NUL-separated). False when it cannot be read (another user's process, or it is gone).
    static func environment(of pid: Int32, contains entry: [UInt8]) -> Bool {
        guard let bytes = ProcFile.read("/proc/\(pid)/environ") else { return false }
        return bytes.withUnsafeBufferPointer { b in
            entry.withUnsafeBufferPointer { e in
                var start = 0
                while start < b.count {
                    var end = start
                    while end < b.count && b[end] != 0 { end += 1 }
                    if end - start == e.count && (e.count == 0 || memcmp(b.baseAddress! + start, e.baseAddress!, e.count) == 0) {
                        return true
                    }
                    start = end + 1
                }
                return false
            }
        }
    }
}

extension DetachedProcess {
    /// Sends `signal` to exactly the process `identity` names: through a pidfd opened first and
    /// checked against the start time, so a pid reused meanwhile is never hit. Without pidfds
    /// (kernels before 5.1/5.3) it checks then calls kill(2), leaving only a tiny window.
    /// Returns false when the process is gone (or the signal was refused).
    @discardableResult
    public static func send(_ signal: Int32, to identity: ProcessIdentity) -> Bool {
        let fd = cp_pidfd_open(identity.pid)
        if fd >= 0 {
            defer { close(fd) }
            guard identity.isAlive else { return false }
            if cp_pidfd_send_signal(fd, signal) == 0 { return true }
            if errno != ENOSYS { return false }
        }
        guard identity.isAlive else { return false }
        return kill(identity.pid, signal) == 0
    }

    /// Ends the given processes: SIGTERM (and SIGCONT, so a stopped one can act on it) to each,
    /// up to `grace` for all of them together, then SIGKILL to those left. With a zero grace it
    /// sends SIGKILL at once. Blocks; returns the processes still alive after SIGKILL (only one
    /// stuck in the kernel can be), normally none.
    @discardableResult
    public static func terminate(_ processes: [ProcessIdentity], grace: Duration) -> [ProcessIdentity] {
        var left = processes
        if grace > .zero {
            for p in left { send(SIGTERM, to: p); send(SIGCONT, to: p) }
            let deadline = ContinuousClock.now + grace
            left = left.filter { p in
                let remaining = deadline - ContinuousClock.now
                return !ExitWatcher.waitUntilExited(p, timeout: max(remaining, .zero))
            }
        }
        for p in left { send(SIGKILL, to: p) }
        return left.filter { !ExitWatcher.waitUntilExited($0, timeout: .seconds(5)) }
    }
}

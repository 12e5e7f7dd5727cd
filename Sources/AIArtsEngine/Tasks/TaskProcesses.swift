import Foundation

/// Every live process of a task, whatever its recorded state says (docs/runner.md, "Killed
/// processes"). A task's processes carry `AIARTS_TASK_DIR=<its folder>` in their environment from
/// launch, so they are found even when the recorded pid is gone: a trainer orphaned by a
/// SIGKILLed supervisor, or one left from an earlier run of the same task.
extension Workspace {
    /// The environment variable that marks a task's processes, and its value for task `id`. The
    /// workspace path is resolved through symlinks so two aiarts that opened the workspace by
    /// different paths still agree.
    static let taskMarkerName = "AIARTS_TASK_DIR"

    func taskMarkerValue(_ id: String) -> String {
        root.resolvingSymlinksInPath().appendingPathComponent("tasks").appendingPathComponent(id).path
    }

    /// Live processes of task `id` (its supervisor, trainer, workers), sorted by pid. The session
    /// is the recorded supervisor's (the launch made it the session leader).
    public func liveTaskProcesses(_ id: String) -> [ProcessStat] {
        let session = (try? store.pool.read { db in try TaskRecord.fetchOne(db, key: id) })??.pid
        return ProcessScan.members(marker: "\(Self.taskMarkerName)=\(taskMarkerValue(id))", session: session)
    }

    /// Refuses to start or resume `id` while any process of it still runs: a second trainer
    /// would write into the same folder as the first.
    func refuseWhileProcessesLive(_ id: String, action: String) throws {
        let live = liveTaskProcesses(id)
        guard !live.isEmpty else { return }
        throw AIArtsError(.conflict, "\(id) cannot be \(action) while a process of it still runs (\(Self.describe(live))); stop it with `aiarts task stop \(id)`")
    }

    /// Ends every live process of `id`: SIGTERM, `grace`, SIGKILL (zero grace: SIGKILL at once).
    /// Returns the processes that were signalled.
    @discardableResult
    func terminateTaskProcesses(_ id: String, grace: Duration) -> [ProcessStat] {
        let live = liveTaskProcesses(id)
        if !live.isEmpty {
            let stuck = DetachedProcess.terminate(live.map(\.identity), grace: grace)
            if !stuck.isEmpty { log.warning("\(id): processes did not end after SIGKILL: \(stuck)") }
        }
        return live
    }

    /// "pid 12 (python3), pid 13 (python3)". A process may name itself anything, escape sequences
    /// included, and error messages reach the terminal as they are: only printable ASCII is kept.
    static func describe(_ processes: [ProcessStat]) -> String {
        func printable(_ name: String) -> String {
            String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7f ? Character($0) : "?" })
        }
        let shown = processes.prefix(5).map { "pid \($0.pid) (\(printable($0.command)))" }.joined(separator: ", ")
        return shown + (processes.count > 5 ? " and \(processes.count - 5) more" : "")
    }
}

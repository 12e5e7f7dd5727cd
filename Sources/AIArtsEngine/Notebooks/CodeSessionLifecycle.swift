import Foundation
import GRDB

/// Reconciling, stopping and removing notebook sessions.
extension Workspace {
    /// Brings the records up to date with the processes: a starting session that answers
    /// `/api/status?token=…` becomes `ready` (a real HTTP request, so never call this on a UI
    /// thread); one whose process is gone becomes `stopped` when a stop was asked for, else
    /// `failed` with the reason from jupyter.log and its exit record. Returns the changed ids.
    @discardableResult
    public func refreshCodeSessions(only id: String? = nil) throws -> [String] {
        guard !isReadOnly else { return [] }
        let candidates = try store.pool.read { db in
            try CodeSession.filter([CodeSessionState.starting.rawValue, CodeSessionState.ready.rawValue].contains(Column("state")))
                .fetchAll(db).filter { id == nil || $0.id == id }
        }
        var changed: [String] = []
        for session in candidates {
            guard let identity = session.identity else {
                // Launched but its identity not recorded yet: the creating aiarts is between the two writes.
                if let started = session.startedAt, Date().timeIntervalSince(started) > 60 {
                    if try recordCodeSessionEnd(session.id, status: .unknown, expected: session) { changed.append(session.id) }
                }
                continue
            }
            if identity.isAlive {
                if session.state == .starting, Self.jupyterAnswers(port: session.port, token: session.token) {
                    let marked = try store.pool.write { db in
                        try db.execute(sql: "UPDATE codeSession SET state = ?, message = ? WHERE id = ? AND state = ? AND stopRequested = 0 AND pid = ?",
                                       arguments: [CodeSessionState.ready.rawValue, "ready", session.id, CodeSessionState.starting.rawValue, session.pid])
                        return db.changesCount > 0
                    }
                    if marked { changed.append(session.id) }
                }
                continue
            }
            let leftovers = ProcessScan.members(marker: "\(Self.codeMarkerName)=\(codeMarkerValue(session.id))")
            let status = ExitWatcher.status(afterExitOf: identity, exitStatusFile: codeSessionFolder(session.id).appendingPathComponent("exit_status"))
            if try recordCodeSessionEnd(session.id, status: status, expected: session) {
                changed.append(session.id)
                // Kernels run in their own process groups: whatever of the session is left ends with it.
                if !leftovers.isEmpty { DetachedProcess.terminate(leftovers.map(\.identity), grace: .zero) }
            }
        }
        return changed
    }

    /// Whether Jupyter at 127.0.0.1:port answers `/api/status` with 200 for the token.
    static func jupyterAnswers(port: Int, token: String, timeout: Duration = .seconds(2)) -> Bool {
        guard port > 0 else { return false }
        return (try? jupyterStatus(port: port, token: token, timeout: timeout)) == 200
    }

    /// The HTTP status of `GET /api/status?token=…` (nil token: without one).
    static func jupyterStatus(port: Int, token: String?, timeout: Duration = .seconds(2)) throws -> Int {
        let path = "/api/status" + (token.map { "?token=\($0)" } ?? "")
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        return try InferenceHTTP.blockingExchange(host: "127.0.0.1", port: port, request: Array(request.utf8), timeout: timeout).status
    }

    /// Writes how a session's process ended, unless another aiarts did first.
    @discardableResult
    func recordCodeSessionEnd(_ id: String, status: ExitStatus, expected: CodeSession? = nil) throws -> Bool {
        let tail = FileTail.lines(codeSessionFolder(id).appendingPathComponent(Self.codeLogName), count: 60)
        return try store.pool.write { db in
            guard var session = try CodeSession.fetchOne(db, key: id), session.state.hasProcess || expected == nil else { return false }
            if let expected, session.pid != expected.pid || session.startTime != expected.startTime { return false }
            guard session.state.hasProcess else { return false }
            session.finishedAt = Date()
            if session.stopRequested {
                session.state = .stopped
                session.message = "stopped"
            } else {
                session.state = .failed
                session.message = Self.jupyterFailure(logTail: tail, status: status)
            }
            try session.update(db)
            return true
        }
    }

    /// The one-line reason JupyterLab ended: its own error line (`[C … ServerApp] …`, a Python
    /// exception's last line), else the runner's classifier, else the exit status.
    static func jupyterFailure(logTail: [String], status: ExitStatus) -> String {
        let lines = logTail.map { TerminalText.finalRedraw($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        func message(_ line: String) -> String {
            line.firstIndex(of: "]").map { String(line[line.index(after: $0)...]).trimmingCharacters(in: .whitespaces) } ?? line
        }
        // Its critical line first (why it would not start), then a Python exception's last line,
        // then an error line (which a running server also writes for things it survives).
        if let line = lines.last(where: { $0.hasPrefix("[C ") }) {
            return "JupyterLab ended (\(status)): \(message(line).prefix(300))"
        }
        if let line = lines.last(where: { $0.range(of: #"^[A-Za-z_.]*(Error|Exception): "#, options: .regularExpression) != nil }) {
            return "JupyterLab ended (\(status)): \(line.prefix(300))"
        }
        if let line = lines.last(where: { $0.hasPrefix("[E ") }) {
            return "JupyterLab ended (\(status)): \(message(line).prefix(300))"
        }
        if let reason = FailureClassifier.classify(logTail: logTail, exit: status)?.message { return reason }
        return status == .unknown
            ? "JupyterLab ended without recording an exit status (killed with SIGKILL, or by the OOM killer); see `aiarts code logs`"
            : "JupyterLab ended (\(status)); see `aiarts code logs`"
    }

    // MARK: Stopping and removing

    /// SIGTERM to JupyterLab's group (it shuts its kernels down), `grace`, then SIGKILL; kernels
    /// left in their own groups are ended too. Blocks until it ended. An ended session is refused.
    @discardableResult
    public func stopCodeSession(_ ref: String, grace: Duration = .seconds(10)) throws -> CodeSession {
        try requireWritable("stopping a session records it")
        let current = try codeSession(ref)
        let identity = try store.pool.write { db -> ProcessIdentity? in
            guard var session = try CodeSession.fetchOne(db, key: current.id) else { throw AIArtsError.notFound(current.id) }
            guard session.state.hasProcess else {
                throw AIArtsError(.conflict, "\(session.id) has already ended (\(session.state.rawValue))")
            }
            session.stopRequested = true
            session.message = "stopping"
            try session.update(db)
            return session.identity
        }
        // Kernels run in their own process groups: they carry the session's marker.
        let status: ExitStatus
        do {
            status = try DetachedProcess.stop(identity, marker: "\(Self.codeMarkerName)=\(codeMarkerValue(current.id))", grace: grace,
                                              exitStatusFile: codeSessionFolder(current.id).appendingPathComponent("exit_status"))
        } catch {
            throw AIArtsError(.io, "could not stop \(current.id): \(error)")
        }
        try recordCodeSessionEnd(current.id, status: status)
        log.info("\(current.id): stopped")
        return try codeSession(current.id)
    }

    /// Deletes a session's record and folder (the dataset's link is unlinked, the dataset untouched).
    /// A running one is refused unless `force`, which stops it first.
    public func removeCodeSession(_ ref: String, force: Bool = false) throws {
        try requireWritable("removing a session changes the workspace")
        let session = try codeSession(ref)
        if session.state.hasProcess {
            guard force else {
                throw AIArtsError(.conflict, "\(session.id) (\(session.name)) is \(session.state.rawValue); stop it first (`aiarts code stop \(session.name)`) or remove it with --force")
            }
            _ = try? stopCodeSession(session.id, grace: .seconds(5))
        }
        _ = try store.pool.write { db in try CodeSession.deleteOne(db, key: session.id) }
        removeCodeSessionFolder(session.id)
        log.info("\(session.id): removed")
    }
}

import Foundation
import GRDB

/// What the service process itself (`aiarts infer run S0001`) records: that it is ready and on which
/// port, that it failed and why, and its stats.
extension Workspace {
    /// The record the process serves, refused unless it is this process's own, still starting.
    public func claimInferenceService(_ id: String) throws -> InferenceService {
        guard let service = try store.pool.read({ db in try InferenceService.fetchOne(db, key: id.uppercased()) }) else {
            throw AIArtsError(.notFound, "\(id) is not an inference service in this workspace")
        }
        guard service.state == .starting else {
            throw AIArtsError(.conflict, "\(service.id) is \(service.state.rawValue), not starting; `aiarts infer create` starts a new service")
        }
        return service
    }

    /// The model is loaded and warmed up and the port bound: `ready`. False when a stop or a
    /// failure was recorded meanwhile.
    @discardableResult
    public func markInferenceServiceReady(_ id: String, port: Int) throws -> Bool {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE inferenceService SET state = ?, port = ?, message = ? WHERE id = ? AND state = ? AND stopRequested = 0",
                           arguments: [InferenceServiceState.ready.rawValue, port, "ready", id, InferenceServiceState.starting.rawValue])
            return db.changesCount > 0
        }
    }

    /// The service could not start or stopped working: `failed` with a one-line reason (a stop
    /// asked for meanwhile makes it `stopped`).
    public func markInferenceServiceFailed(_ id: String, message: String) throws {
        try store.pool.write { db in
            try db.execute(sql: """
                UPDATE inferenceService SET state = CASE WHEN stopRequested THEN ? ELSE ? END,
                    message = CASE WHEN stopRequested THEN 'stopped' ELSE ? END, finishedAt = ?
                WHERE id = ? AND state IN (?, ?)
                """, arguments: [InferenceServiceState.stopped.rawValue, InferenceServiceState.failed.rawValue, message, Date(), id,
                                 InferenceServiceState.starting.rawValue, InferenceServiceState.ready.rawValue])
        }
    }

    /// The service ended on SIGTERM after answering what was in flight: `stopped`.
    public func markInferenceServiceStopped(_ id: String) throws {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE inferenceService SET state = ?, message = ?, finishedAt = ? WHERE id = ? AND state IN (?, ?)",
                           arguments: [InferenceServiceState.stopped.rawValue, "stopped", Date(), id,
                                       InferenceServiceState.starting.rawValue, InferenceServiceState.ready.rawValue])
        }
    }

    /// Rewrites services/<id>/stats.json atomically (readers see the old file or the new).
    public func writeInferenceServiceStats(_ id: String, _ stats: InferenceStats) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(stats)
        let url = inferenceServiceFolder(id).appendingPathComponent(Self.serviceStatsName)
        try data.write(to: url, options: .atomic)
    }

    /// Writes aiarts_infer_worker.py (compiled into aiarts) into the service's folder; returns its path.
    public func writeInferenceWorkerScript(_ id: String) throws -> URL {
        let url = inferenceServiceFolder(id).appendingPathComponent("aiarts_infer_worker.py")
        try Data(PackageResources.aiarts_infer_worker_py).write(to: url, options: .atomic)
        return url
    }

    /// The Python that runs a service's worker: the one given at `infer create --python`, else
    /// `Workspace.python()`'s choice ($AIARTS_PYTHON, the workspace setting, python3).
    public func inferenceServicePython(environment: [String: String] = ProcessInfo.processInfo.environment) -> PythonChoice {
        let own = environment[Self.servicePythonVariable].flatMap { $0.isEmpty ? nil : ["python": $0] }
        return python(params: own, environment: environment)
    }
}

import Foundation
import GRDB

/// Inference services (docs/inference.md): a model version served over HTTP by a detached
/// `aiarts infer run S0001` process, managed like a task. The database holds each service's state
/// and process identity (pid and start time); whichever aiarts first sees the process gone records
/// how it ended (`inferenceServices()` reconciles), so a service is adopted by the next aiarts.
extension Workspace {
    var servicesFolder: URL { root.appendingPathComponent("services") }

    /// services/<id>: service.log, stats.json, exit_status, the worker script.
    public func inferenceServiceFolder(_ id: String) -> URL { servicesFolder.appendingPathComponent(id) }

    static let serviceMarkerName = "AIARTS_SERVICE_DIR"
    static let serviceLogName = "service.log"
    static let serviceStatsName = "stats.json"

    func serviceMarkerValue(_ id: String) -> String {
        root.resolvingSymlinksInPath().appendingPathComponent("services").appendingPathComponent(id).path
    }

    // MARK: Creating

    /// Records a service for the model and launches its process detached; returns at once in
    /// `starting` (the process writes `ready`, with the port it bound, once the model is loaded and
    /// warmed up). `executable`: the aiarts binary to run (nil: this one, or `aiarts` beside it).
    @discardableResult
    public func createInferenceService(_ spec: InferenceServiceSpec, backend: InferenceBackend? = nil,
                                       executable: String? = nil) throws -> InferenceService {
        guard (0...65535).contains(spec.port) else {
            throw AIArtsError(.invalidArgument, "port \(spec.port) is not a TCP port (1-65535, or 0 for a free one)")
        }
        guard (1...1024).contains(spec.maxBatch) else {
            throw AIArtsError(.invalidArgument, "max batch \(spec.maxBatch) is out of range (1-1024)")
        }
        guard (0...10_000).contains(spec.maxDelayMs) else {
            throw AIArtsError(.invalidArgument, "max delay \(spec.maxDelayMs) ms is out of range (0-10000)")
        }
        guard spec.gpus.allSatisfy({ (0...255).contains($0) }) else {
            throw AIArtsError(.invalidArgument, "GPU indices are 0-255 (got \(spec.gpus.map(String.init).joined(separator: ",")))")
        }
        let model = try inferenceModel(spec.model, backend: backend)
        guard let program = executable ?? Self.locateAIArts() else {
            throw AIArtsError(.notFound, "the aiarts binary that runs services was not found (beside this program or on PATH); install aiarts")
        }
        var service = try store.pool.write { db -> InferenceService in
            let service = InferenceService(
                id: try db.nextID(.inferenceService), modelId: model.modelId, modelVersion: model.version, backend: model.backend,
                host: "127.0.0.1", port: spec.port, gpus: spec.gpus.map(String.init).joined(separator: ","),
                maxBatch: spec.maxBatch, maxDelayMs: spec.maxDelayMs, state: .starting, message: "starting",
                pid: nil, startTime: nil, stopRequested: false, createdAt: Date(), startedAt: Date(), finishedAt: nil)
            try service.insert(db)
            return service
        }
        let folder = inferenceServiceFolder(service.id)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var environment = ProcessInfo.processInfo.environment
            environment[Self.serviceMarkerName] = serviceMarkerValue(service.id)
            environment["CUDA_VISIBLE_DEVICES"] = service.gpus
            if let python = spec.python, !python.isEmpty { environment[Self.servicePythonVariable] = python }
            let launched: LaunchedProcess
            do {
                launched = try DetachedProcess.launch(
                    executable: program, arguments: ["--workspace", root.path, "infer", "run", service.id],
                    environment: environment, workingDirectory: folder,
                    logFile: folder.appendingPathComponent(Self.serviceLogName),
                    exitStatusFile: folder.appendingPathComponent("exit_status"))
            } catch {
                throw AIArtsError(.io, "\(service.id) could not be started: \(error)")
            }
            service = try store.pool.write { db in
                guard var current = try InferenceService.fetchOne(db, key: service.id) else { throw AIArtsError.notFound(service.id) }
                // The process may already have written ready (or failed): only the identity is added.
                current.pid = launched.pid
                current.startTime = Int64(clamping: launched.startTime)
                try current.update(db)
                return current
            }
        } catch {
            let message = "could not start: " + ((error as? AIArtsError)?.message ?? "\(error)")
            try? store.pool.write { db in
                try db.execute(sql: "UPDATE inferenceService SET state = ?, message = ?, finishedAt = ? WHERE id = ?",
                               arguments: [InferenceServiceState.failed.rawValue, message, Date(), service.id])
            }
            throw error
        }
        log.info("\(service.id): serving \(model.modelId):v\(model.version) (\(model.backend.rawValue)), pid \(service.pid ?? 0)")
        return service
    }

    /// The variable a service's own Python choice travels in to its process.
    static let servicePythonVariable = "AIARTS_SERVICE_PYTHON"

    /// `aiarts`: this program when it is aiarts, else the one beside it (the test runner, aiarts-bench),
    /// else on PATH.
    static func locateAIArts() -> String? {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let url = URL(fileURLWithPath: me)
        if url.lastPathComponent == "aiarts" { return url.path }
        let sibling = url.deletingLastPathComponent().appendingPathComponent("aiarts").path
        if DetachedProcess.isExecutableFile(sibling) { return sibling }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") where dir.hasPrefix("/") {
            if DetachedProcess.isExecutableFile("\(dir)/aiarts") { return "\(dir)/aiarts" }
        }
        return nil
    }

    // MARK: Reading

    /// Every service, oldest first, reconciled with the process table first.
    public func inferenceServices() throws -> [InferenceService] {
        try refreshInferenceServices()
        return try store.pool.read { db in try InferenceService.order(Column("id")).fetchAll(db) }
    }

    public func inferenceService(_ id: String) throws -> InferenceService {
        try refreshInferenceServices(only: id)
        guard let service = try store.pool.read({ db in try InferenceService.fetchOne(db, key: id.uppercased()) }) else {
            throw AIArtsError(.notFound, "\(id) is not an inference service in this workspace (see `aiarts infer list`)")
        }
        return service
    }

    /// The service's stats.json; nil before its first request.
    public func inferenceServiceStats(_ id: String) throws -> InferenceStats? {
        let service = try inferenceService(id)
        let url = inferenceServiceFolder(service.id).appendingPathComponent(Self.serviceStatsName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(InferenceStats.self, from: data)
    }

    /// The last `lines` lines of service.log (raw: sanitise before showing).
    public func inferenceServiceLog(_ id: String, lines: Int? = nil) throws -> [String] {
        let service = try inferenceService(id)
        let url = inferenceServiceFolder(service.id).appendingPathComponent(Self.serviceLogName)
        return FileTail.lines(url, count: lines ?? Int.max, maxBytes: lines.map { max(256 << 10, $0 * 4096) } ?? (16 << 20))
    }

    /// Waits (blocking) until the service leaves `starting`, up to `timeout`; returns it as it is then.
    public func waitForInferenceService(_ id: String, timeout: Duration) throws -> InferenceService {
        let clock = ContinuousClock(), deadline = clock.now + timeout
        while true {
            let service = try inferenceService(id)
            if service.state != .starting || clock.now >= deadline { return service }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    // MARK: Reconciling

    /// Records the end of every service whose process is gone: `stopped` when a stop was asked
    /// for, else `failed` with the reason from its log and exit status. Returns the changed ids.
    @discardableResult
    public func refreshInferenceServices(only id: String? = nil) throws -> [String] {
        guard !isReadOnly else { return [] }
        let candidates = try store.pool.read { db in
            try InferenceService.filter([InferenceServiceState.starting.rawValue, InferenceServiceState.ready.rawValue].contains(Column("state")))
                .fetchAll(db).filter { id == nil || $0.id == id!.uppercased() }
        }
        var changed: [String] = []
        for service in candidates {
            guard let identity = service.identity else {
                // Launched but its identity not recorded yet: the creating aiarts is between the two writes.
                if let started = service.startedAt, Date().timeIntervalSince(started) > 60 {
                    if try recordServiceEnd(service.id, status: .unknown, expected: service) { changed.append(service.id) }
                }
                continue
            }
            if identity.isAlive { continue }
            // Its supervisor is gone: whatever of it still runs (a service whose supervisor was
            // SIGKILLed where setpriv is missing, its worker) is ended by the aiarts that records the end.
            let leftovers = ProcessScan.members(marker: "\(Self.serviceMarkerName)=\(serviceMarkerValue(service.id))")
            let status = ExitWatcher.status(afterExitOf: identity, exitStatusFile: inferenceServiceFolder(service.id).appendingPathComponent("exit_status"))
            if try recordServiceEnd(service.id, status: status, expected: service) {
                changed.append(service.id)
                if !leftovers.isEmpty { DetachedProcess.terminate(leftovers.map(\.identity), grace: .zero) }
            }
        }
        return changed
    }

    /// Writes how a service's process ended, unless another aiarts did first.
    private func recordServiceEnd(_ id: String, status: ExitStatus, expected: InferenceService? = nil) throws -> Bool {
        let tail = FileTail.lines(inferenceServiceFolder(id).appendingPathComponent(Self.serviceLogName), count: 50)
        return try store.pool.write { db in
            guard var service = try InferenceService.fetchOne(db, key: id), service.state.hasProcess || expected == nil else { return false }
            if let expected, service.pid != expected.pid || service.startTime != expected.startTime { return false }
            service.finishedAt = Date()
            if service.stopRequested {
                service.state = .stopped
                service.message = status == .unknown ? "stopped" : "stopped (\(status))"
            } else {
                service.state = .failed
                service.message = Self.serviceFailure(logTail: tail, status: status)
            }
            try service.update(db)
            return true
        }
    }

    /// The one-line reason a service ended: the line it wrote as `aiarts: error: …` (a load failure),
    /// else what the runner's classifier reads in the log, else the exit status.
    static func serviceFailure(logTail: [String], status: ExitStatus) -> String {
        if let line = logTail.last(where: { $0.contains(Self.serviceErrorPrefix) }),
           let range = line.range(of: Self.serviceErrorPrefix) {
            return TerminalText.finalRedraw(String(line[range.upperBound...])).trimmingCharacters(in: .whitespaces)
        }
        if let reason = FailureClassifier.classify(logTail: logTail, exit: status)?.message { return reason }
        return status == .unknown
            ? "the service process ended without recording an exit status (killed with SIGKILL, or by the OOM killer); see `aiarts infer logs`"
            : "the service process ended (\(status)); see `aiarts infer logs`"
    }

    /// How a service's process writes its fatal error to service.log, for `serviceFailure` to find.
    public static let serviceErrorPrefix = "service error: "

    // MARK: Stopping and removing

    /// SIGTERM (requests in flight are answered), `grace`, then SIGKILL of its process group.
    /// Blocks until it ended. A service that already ended is refused with its state.
    @discardableResult
    public func stopInferenceService(_ id: String, grace: Duration = .seconds(10)) throws -> InferenceService {
        let current = try inferenceService(id)
        let identity = try store.pool.write { db -> ProcessIdentity? in
            guard var service = try InferenceService.fetchOne(db, key: current.id) else { throw AIArtsError.notFound(current.id) }
            guard service.state.hasProcess else {
                throw AIArtsError(.conflict, "\(service.id) has already ended (\(service.state.rawValue))")
            }
            service.stopRequested = true
            service.message = "stopping"
            try service.update(db)
            return service.identity
        }
        // Anything of it outside its group (a worker that left it) goes too.
        let status: ExitStatus
        do {
            status = try DetachedProcess.stop(identity, marker: "\(Self.serviceMarkerName)=\(serviceMarkerValue(current.id))", grace: grace,
                                              exitStatusFile: inferenceServiceFolder(current.id).appendingPathComponent("exit_status"))
        } catch {
            throw AIArtsError(.io, "could not stop \(current.id): \(error)")
        }
        _ = try recordServiceEnd(current.id, status: status)
        return try inferenceService(current.id)
    }

    /// Deletes a service's record and folder. A running one is refused unless `force`, which stops it first.
    public func removeInferenceService(_ id: String, force: Bool = false) throws {
        let service = try inferenceService(id)
        if service.state.hasProcess {
            guard force else {
                throw AIArtsError(.conflict, "\(service.id) is \(service.state.rawValue); stop it first (`aiarts infer stop \(service.id)`) or remove it with --force")
            }
            _ = try? stopInferenceService(service.id, grace: .seconds(5))
        }
        _ = try store.pool.write { db in try InferenceService.deleteOne(db, key: service.id) }
        try? FileManager.default.removeItem(at: inferenceServiceFolder(service.id))
        log.info("\(service.id): removed")
    }
}

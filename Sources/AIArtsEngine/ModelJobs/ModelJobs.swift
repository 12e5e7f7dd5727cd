import Foundation
import GRDB

/// Model jobs (docs/model-jobs.md): an extraction reads what a model file or folder is; a conversion
/// makes a new registry version (ONNX, another opset, int8). Each job runs detached as
/// `aiarts model job run J0001` (under the runner's supervisor, like a task) and is reconciled by
/// whichever aiarts reads it next: a job process that died is recorded failed with the reason.
extension Workspace {
    public var modelJobsFolder: URL { root.appendingPathComponent("modeljobs") }
    public func modelJobFolder(_ id: String) -> URL { modelJobsFolder.appendingPathComponent(id) }

    /// Every process of a job inherits `AIARTS_MODEL_JOB_DIR=<its folder>`: reconciliation finds
    /// what a killed job left by it.
    static let modelJobMarkerName = "AIARTS_MODEL_JOB_DIR"
    func modelJobMarker(_ id: String) -> String {
        "\(Self.modelJobMarkerName)=\(modelJobFolder(id).resolvingSymlinksInPath().path)"
    }

    static func isModelJobID(_ id: String) -> Bool {
        id.count >= 5 && id.first == "J" && id.dropFirst().allSatisfy(\.isASCII) && id.dropFirst().allSatisfy(\.isNumber)
    }

    // MARK: Creating

    /// Records a job and, with `executable`, launches `EXECUTABLE --workspace ROOT model job run ID`
    /// detached. Checks first what can be checked at once (the model, version, path, a file to
    /// convert), so a job that cannot work is refused with the reason instead of failing later.
    @discardableResult
    public func createModelJob(_ spec: ModelJobSpec, executable: String? = QueueWorker.thisExecutable.executable) throws -> ModelJobRecord {
        try requireWritable("model jobs are recorded in the database")
        var record = ModelJobRecord(id: "", kind: spec.kind, state: .created, message: "created", sourceModelId: nil, sourceVersion: nil,
                                    sourcePath: nil, target: spec.target?.description ?? "", options: "{}", result: nil, resultModelId: nil,
                                    resultVersion: nil, pid: nil, startTime: nil, createdAt: Date(), startedAt: nil, finishedAt: nil)
        var options: [String: String] = [:]
        if let model = spec.modelID {
            let version = try modelVersion(model, version: spec.version)
            record.sourceModelId = model
            record.sourceVersion = version.version
            if spec.kind == .conversion, let target = spec.target {
                _ = try conversionSource(in: URL(fileURLWithPath: version.folder), for: target, modelID: model, version: version.version)
            }
        } else if let path = spec.path {
            guard spec.kind == .extraction else { throw AIArtsError(.invalidArgument, "a conversion starts from a registry version (MODEL[:VERSION]); upload the file first with `aiarts model upload`") }
            let url = path.standardizedFileURL
            guard statInfo(url.path) != nil else { throw AIArtsError(.notFound, "\(url.path) does not exist") }
            record.sourcePath = url.path
        } else {
            throw AIArtsError(.invalidArgument, "a model job needs a model (MODEL[:VERSION]) or --path")
        }
        if spec.kind == .conversion, spec.target == nil { throw AIArtsError(.invalidArgument, "a conversion needs a target: onnx, opset=N or int8") }
        if case .int8(let dynamic, let calibration) = spec.target {
            options["dynamic"] = dynamic ? "true" : "false"
            if !dynamic { options["calibration"] = String(calibration) }
        }
        if case .int8(dynamic: false, _) = spec.target, let model = record.sourceModelId, let v = record.sourceVersion, try datasetOfModelVersion(model, v) == nil {
            throw AIArtsError(.invalidArgument, "static int8 calibrates on the train images of the model's dataset, and \(model):v\(v) came from no task with a dataset; use --dynamic")
        }
        record.options = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        record = try store.pool.write { db in
            var r = record
            r.id = try Self.nextModelJobID(db)
            try r.insert(db)
            var event = ModelJobEvent(id: nil, jobId: r.id, time: r.createdAt, type: .normal, reason: "Created",
                                      message: spec.kind == .extraction ? "extraction of \(r.source)" : "conversion of \(r.source) to \(r.target)")
            try event.insert(db)
            return r
        }
        let folder = modelJobFolder(record.id)
        try? FileManager.default.removeItem(at: folder)  // a leftover of a job whose row was never committed
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            return try finishModelJob(record.id, state: .failed, message: "cannot create \(folder.path): \(error.localizedDescription)")
        }
        guard let executable else { return record }
        return try launchModelJob(record.id, executable: executable)
    }

    /// Takes the next J0001 id inside the caller's transaction (the shared `idSequence` table).
    static func nextModelJobID(_ db: Database) throws -> String {
        let current = try Int.fetchOne(db, sql: "SELECT next FROM idSequence WHERE kind = 'J'") ?? 1
        try db.execute(sql: "INSERT INTO idSequence(kind, next) VALUES ('J', ?) ON CONFLICT(kind) DO UPDATE SET next = excluded.next",
                       arguments: [current + 1])
        return "J" + String(format: "%04d", current)
    }

    func launchModelJob(_ id: String, executable: String) throws -> ModelJobRecord {
        let folder = modelJobFolder(id)
        var environment = ProcessInfo.processInfo.environment
        environment[Self.modelJobMarkerName] = folder.resolvingSymlinksInPath().path
        let launched: LaunchedProcess
        do {
            launched = try DetachedProcess.launch(
                executable: executable, arguments: ["--workspace", root.path, "model", "job", "run", id],
                environment: environment, workingDirectory: folder, logFile: folder.appendingPathComponent("job.log"),
                exitStatusFile: folder.appendingPathComponent("exit_status"))
        } catch {
            return try finishModelJob(id, state: .failed, message: "could not start: \(error)")
        }
        return try store.pool.write { db in
            guard var r = try ModelJobRecord.fetchOne(db, key: id) else { throw Self.modelJobNotFound(id) }
            if r.pid == nil, !r.state.isEnded {
                r.pid = launched.pid
                r.startTime = Int64(clamping: launched.startTime)
                try r.update(db)
            }
            return r
        }
    }

    static func modelJobNotFound(_ id: String) -> AIArtsError {
        AIArtsError(.notFound, "\(id) does not exist in this workspace (see `aiarts model job list`)")
    }

    // MARK: Reading

    public func modelJobs() throws -> [ModelJobRecord] {
        try refreshModelJobs()
        return try store.pool.read { try ModelJobRecord.order(Column("id")).fetchAll($0) }
    }

    public func modelJob(_ id: String) throws -> ModelJobRecord {
        try refreshModelJobs()
        guard let r = try store.pool.read({ try ModelJobRecord.fetchOne($0, key: id) }) else { throw Self.modelJobNotFound(id) }
        return r
    }

    public func modelJobEvents(_ id: String) throws -> [ModelJobEvent] {
        _ = try modelJob(id)
        return try store.pool.read { try ModelJobEvent.filter(Column("jobId") == id).order(Column("id")).fetchAll($0) }
    }

    public func modelJobDetail(_ id: String) throws -> ModelJobDetail {
        let job = try modelJob(id)
        let events = try store.pool.read { try ModelJobEvent.filter(Column("jobId") == id).order(Column("id")).fetchAll($0) }
        var detail = ModelJobDetail(job: job, events: events, extraction: nil, conversion: nil, folder: modelJobFolder(id))
        if let result = job.result.map({ Data($0.utf8) }) {
            if job.kind == .extraction { detail.extraction = try? JSONDecoder().decode(ModelExtraction.self, from: result) }
            else { detail.conversion = try? JSONDecoder().decode(ModelConversionReport.self, from: result) }
        }
        return detail
    }

    // MARK: Events and ends

    func addModelJobEvent(_ id: String, _ type: ModelJobEventType, _ reason: String, _ message: String) {
        let clean = TerminalText.finalRedraw(message)
        do {
            try store.pool.write { db in
                var event = ModelJobEvent(id: nil, jobId: id, time: Date(), type: type, reason: reason, message: String(clean.prefix(2000)))
                try event.insert(db)
            }
        } catch {
            log.warning("cannot record an event of \(id): \(error)")
        }
    }

    /// Records the end once: a job that already ended keeps its first end.
    @discardableResult
    func finishModelJob(_ id: String, state: ModelJobState, message: String, result: String? = nil,
                        resultModel: (String, Int)? = nil) throws -> ModelJobRecord {
        let clean = String(TerminalText.finalRedraw(message).prefix(2000))
        return try store.pool.write { db in
            guard var r = try ModelJobRecord.fetchOne(db, key: id) else { throw Self.modelJobNotFound(id) }
            guard !r.state.isEnded else { return r }
            r.state = state
            r.message = clean
            r.finishedAt = Date()
            if let result { r.result = result }
            if let resultModel { r.resultModelId = resultModel.0; r.resultVersion = resultModel.1 }
            try r.update(db)
            var event = ModelJobEvent(id: nil, jobId: id, time: r.finishedAt!, type: state == .failed ? .warning : .normal,
                                      reason: state == .failed ? "Failed" : "Succeeded", message: clean)
            try event.insert(db)
            return r
        }
    }

    /// Jobs recorded created or running whose process is gone are failed, with how it ended, and
    /// anything the job left running (its Python child) is killed. Read-only workspaces are left as they are.
    public func refreshModelJobs() throws {
        guard !isReadOnly else { return }
        let open = try store.pool.read {
            try ModelJobRecord.filter([ModelJobState.created.rawValue, ModelJobState.running.rawValue].contains(Column("state")))
                .filter(Column("pid") != nil).fetchAll($0)
        }
        for job in open {
            guard let pid = job.pid, let start = job.startTime else { continue }
            let identity = ProcessIdentity(pid: pid, startTime: UInt64(clamping: start))
            guard !identity.isAlive else { continue }
            let statusFile = modelJobFolder(job.id).appendingPathComponent("exit_status")
            let status = ExitRecord.read(from: statusFile)?.status ?? ExitWatcher.reapIfOurChild(identity) ?? .unknown
            let left = ProcessScan.members(marker: modelJobMarker(job.id))
            DetachedProcess.terminate(left.map { ProcessIdentity(pid: $0.pid, startTime: $0.startTime) }, grace: .zero)
            let tail = Self.logTail(modelJobFolder(job.id).appendingPathComponent("job.log"))
            var why = "the job process \(status) before the job ended"
            if case .signaled(SIGKILL, _) = status { why = "the job process was killed (SIGKILL) before the job ended" }
            if let line = tail.last(where: { !$0.isEmpty }), case .exited = status { why += ": " + line }
            if !left.isEmpty { why += "; killed what it left running (pid \(left.map { String($0.pid) }.joined(separator: ", ")))" }
            try finishModelJob(job.id, state: .failed, message: why)
        }
    }

    static func logTail(_ url: URL, lines: Int = 20) -> [String] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 16384 ? size - 16384 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).map { TerminalText.finalRedraw($0) }
    }

    /// Waits until the job has ended (its process gone and its end recorded), up to `timeout`.
    public func waitForModelJob(_ id: String, timeout: Duration = .seconds(3600)) throws -> ModelJobRecord {
        let deadline = ContinuousClock.now + timeout
        while true {
            let job = try modelJob(id)
            if job.state.isEnded { return job }
            if let pid = job.pid, let start = job.startTime {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return job }
                _ = ExitWatcher.waitUntilExited(ProcessIdentity(pid: pid, startTime: UInt64(clamping: start)), timeout: min(left, .seconds(1)))
            } else {
                guard ContinuousClock.now < deadline else { return job }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    // MARK: Deleting

    /// Deletes a job, its events and its folder; a running job is stopped first. The model
    /// versions it made stay in the registry.
    public func deleteModelJob(_ id: String) throws {
        try requireWritable("model jobs are recorded in the database")
        let job = try modelJob(id)
        if !job.state.isEnded, let pid = job.pid, let start = job.startTime {
            _ = try? DetachedProcess.stop(ProcessIdentity(pid: pid, startTime: UInt64(clamping: start)), marker: modelJobMarker(id),
                                          grace: .seconds(5), exitStatusFile: modelJobFolder(id).appendingPathComponent("exit_status"))
        }
        _ = try store.pool.write { db in try ModelJobRecord.deleteOne(db, key: id) }
        try? FileManager.default.removeItem(at: modelJobFolder(id))
    }
}

import Foundation

/// How far an import is, reported while it runs.
public struct ImportProgress: Sendable, Equatable {
    public var phase: DatasetStatus
    public var done: Int
    public var total: Int
    public var message: String

    public var fraction: Double { total > 0 ? min(1, Double(done) / Double(total)) : 0 }
}

/// The outcome of a finished import.
public struct ImportResult: Sendable, Equatable, Codable {
    public var datasetID: String
    public var status: String
    public var message: String
    public var images: Int
    public var annotations: Int
    public var failed: Int
    /// Preprocessing only: annotations a crop left nothing of (absent from an import's JSON).
    public var droppedAnnotations: Int?

    enum CodingKeys: String, CodingKey {
        case datasetID = "dataset_id", status, message, images, annotations, failed, droppedAnnotations = "dropped_annotations"
    }
}

public enum ImportMode: String, Sendable, Codable {
    /// Files are copied into the workspace.
    case copy
    /// Files stay where they are; the dataset refers to them (AIArts 'register').
    case register
}

/// What an import's followers are told: each step of its progress, then how it ended.
public enum ImportUpdate: Sendable, Equatable {
    case progress(ImportProgress)
    case finished(ImportResult)
    /// It failed, or was cancelled (`kind == .cancelled`), with the reason; the dataset keeps what it had.
    case failed(AIArtsError)
}

/// An import running on a background thread: its dataset (known at once), progress, cancel, and
/// its updates as a stream (no polling).
public final class ImportJob: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var _progress: ImportProgress
    private var _result: Result<ImportResult, Error>?
    private var followers: [AsyncStream<ImportUpdate>.Continuation] = []
    private let done = DispatchSemaphore(value: 0)
    public let datasetID: String

    init(datasetID: String) {
        self.datasetID = datasetID
        _progress = ImportProgress(phase: .checking, done: 0, total: 0, message: "starting")
    }

    public var progress: ImportProgress { lock.withLock { _progress } }
    public var isCancelled: Bool { lock.withLock { cancelled } }
    public var result: Result<ImportResult, Error>? { lock.withLock { _result } }

    public func cancel() { lock.withLock { cancelled = true } }

    /// Blocks until the import ends (CLI only: other front ends follow `updates()`).
    public func wait() throws -> ImportResult {
        done.wait()
        done.signal()
        return try lock.withLock { _result! }.get()
    }

    /// The import's progress as it happens, then its end, after which the stream finishes. A
    /// follower that comes late gets the progress as it is now first (or only the end, when it
    /// has ended); one that reads slowly misses intermediate steps, never the end.
    public func updates() -> AsyncStream<ImportUpdate> {
        let (stream, continuation) = AsyncStream.makeStream(of: ImportUpdate.self, bufferingPolicy: .bufferingNewest(16))
        lock.withLock {
            if let result = _result {
                continuation.yield(Self.update(result))
                continuation.finish()
            } else {
                continuation.yield(.progress(_progress))
                followers.append(continuation)
            }
        }
        return stream
    }

    func update(_ progress: ImportProgress) {
        let followers = lock.withLock { _progress = progress; return self.followers }
        for f in followers { f.yield(.progress(progress)) }
    }

    func finish(_ result: Result<ImportResult, Error>) {
        let followers = lock.withLock {
            _result = result
            defer { self.followers = [] }
            return self.followers
        }
        for f in followers {
            f.yield(Self.update(result))
            f.finish()
        }
        done.signal()
    }

    static func update(_ result: Result<ImportResult, Error>) -> ImportUpdate {
        switch result {
        case .success(let r): return .finished(r)
        case .failure(let error):
            return .failed(AIArtsError.plain(error) as? AIArtsError ?? AIArtsError(.io, "\(error)"))
        }
    }
}

extension Workspace {
    /// Starts an import on a background thread. Its checks and the claim on the dataset are made
    /// before this returns: the dataset is marked as importing at once (front ends that list
    /// datasets see it), or the job has already failed with the reason. `onProgress` is called
    /// from the import's thread.
    public func startImport(_ id: String, from source: URL, format: DatasetFormat, mode: ImportMode = .copy,
                            verification: ImageVerification = .full, replace: Bool = false,
                            onProgress: (@Sendable (ImportProgress) -> Void)? = nil) -> ImportJob {
        let job = ImportJob(datasetID: id)
        let claimed: ClaimedImport
        do { claimed = try claimImport(id, from: source, format: format, replace: replace) } catch {
            job.finish(.failure(error))
            return job
        }
        Thread.detachNewThread { [self] in
            let result = Result {
                try runImport(claimed, format: format, mode: mode, verification: verification,
                              progress: { p in job.update(p); onProgress?(p) },
                              isCancelled: { job.isCancelled })
            }
            job.finish(result)
        }
        return job
    }

    /// Creates a dataset and starts importing `source` into it, as the UI's new-dataset form and
    /// `dataset create --import` do: the new id is `job.datasetID` at once, the import follows on
    /// its own thread (`job.updates()`). The format and the source are checked first, so a
    /// refusal leaves no empty dataset behind.
    public func createDatasetAndImport(name: String, type: DatasetType, description: String = "", from source: URL,
                                       format: DatasetFormat, mode: ImportMode = .copy, verification: ImageVerification = .full,
                                       onProgress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> ImportJob {
        try Self.checkImportable(type: type, id: "the new dataset", from: source, format: format)
        let record = try createDataset(name: name, type: type, description: description)
        let job = startImport(record.id, from: source, format: format, mode: mode, verification: verification, onProgress: onProgress)
        if case .failure(let error)? = job.result { throw error }
        return job
    }

    /// Asks a running import of `id`, in this or any other process, to stop. When that import's
    /// process has already died, the dataset is restored at once instead (nothing would act on
    /// the request).
    @discardableResult
    public func requestCancel(_ id: String) throws -> ImportCancel {
        // Opening the workspace may have restored it already; either way it is reported once.
        let justNow = try recoverInterruptedImport(id)
        if let recovered = recoveredImports.take(id) ?? justNow {
            cleanImportStaging()
            return .recovered(pid: recovered.pid, status: recovered.status)
        }
        try store.pool.write { db in
            try db.execute(sql: "UPDATE dataset SET cancelRequested = 1 WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw AIArtsError.notFound(id) }
        }
        if let owner = try importOwner(id), owner.isAlive { return .requested(owner) }
        return .notImporting
    }
}

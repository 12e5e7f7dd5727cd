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
}

public enum ImportMode: String, Sendable, Codable {
    /// Files are copied into the workspace.
    case copy
    /// Files stay where they are; the dataset refers to them (AIArts 'register').
    case register
}

/// An import running on a background thread, with progress and cancel (for the UI).
public final class ImportJob: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var _progress: ImportProgress
    private var _result: Result<ImportResult, Error>?
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

    /// Blocks until the import ends (CLI only: the UI polls `result` instead).
    public func wait() throws -> ImportResult {
        done.wait()
        done.signal()
        return try lock.withLock { _result! }.get()
    }

    func update(_ progress: ImportProgress) { lock.withLock { _progress = progress } }

    func finish(_ result: Result<ImportResult, Error>) {
        lock.withLock { _result = result }
        done.signal()
    }
}

extension Workspace {
    /// Starts an import on a background thread. `onProgress` is called from that thread.
    public func startImport(_ id: String, from source: URL, format: DatasetFormat, mode: ImportMode = .copy,
                            verification: ImageVerification = .full, replace: Bool = false,
                            onProgress: (@Sendable (ImportProgress) -> Void)? = nil) -> ImportJob {
        let job = ImportJob(datasetID: id)
        Thread.detachNewThread { [self] in
            let result = Result {
                try importDataset(id, from: source, format: format, mode: mode, verification: verification, replace: replace,
                                  progress: { p in job.update(p); onProgress?(p) },
                                  isCancelled: { job.isCancelled })
            }
            job.finish(result)
        }
        return job
    }

    /// Asks a running import of `id`, in this or any other process, to stop.
    public func requestCancel(_ id: String) throws {
        try store.pool.write { db in
            try db.execute(sql: "UPDATE dataset SET cancelRequested = 1 WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw AIArtsError.notFound(id) }
        }
    }
}

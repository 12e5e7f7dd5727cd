import Foundation

/// The program a front end runs as the GPU queue's worker (`PROGRAM --workspace ROOT task queue --run`):
/// the aiarts binary itself for the CLI and the UI. A worker outlives the front end that started it.
public struct QueueWorker: Sendable, Equatable {
    public var executable: String

    public init(executable: String) { self.executable = executable }

    /// The running binary, as /proc/self/exe names it (else the path it was started by).
    public static var thisExecutable: QueueWorker {
        QueueWorker(executable: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    }
}

/// What starting (or resuming) a task did.
public enum TaskStart: Sendable, Equatable {
    /// Its process runs (the record holds its pid and GPUs).
    case running(TaskRecord)
    /// Its GPUs lack the memory it asks for: it waits in the queue, whose worker is running.
    case waitingGPU(TaskRecord, reason: String)
    /// Something else changed it meanwhile (another aiarts stopped it): the record as it is now.
    case other(TaskRecord)

    public var record: TaskRecord {
        switch self {
        case .running(let r), .waitingGPU(let r, _), .other(let r): r
        }
    }

    init(_ record: TaskRecord) {
        switch record.taskStatus {
        case .running?: self = .running(record)
        case .waitingGPU?: self = .waitingGPU(record, reason: record.statusMessage)
        default: self = .other(record)
        }
    }
}

extension Workspace {
    /// Starts a task (see `startTask(_:)`); when it has to wait for GPU memory, makes sure a queue
    /// worker runs to start it once there is room. What every front end calls. A task that never ran
    /// starts on its project's default executor, if it has one (docs/slurm.md; `startTask(_:on:worker:)`
    /// names one).
    @discardableResult
    public func startTask(_ id: String, worker: QueueWorker) throws -> TaskStart {
        try assignExecutor(id, name: nil)
        return try queued(startTask(id), worker: worker)
    }

    /// Resumes a task (see `resumeTask(_:epoch:epochs:)`), starting the queue worker as `startTask(_:worker:)` does.
    @discardableResult
    public func resumeTask(_ id: String, epoch: Int? = nil, epochs: Int? = nil, worker: QueueWorker) throws -> TaskStart {
        try queued(resumeTask(id, epoch: epoch, epochs: epochs), worker: worker)
    }

    private func queued(_ record: TaskRecord, worker: QueueWorker) throws -> TaskStart {
        let start = TaskStart(record)
        if case .waitingGPU = start { try ensureQueueWorker(executable: worker.executable) }
        return start
    }
}

import Foundation
import GRDB

/// One GPU as the task queue sees it: its index (as CUDA_VISIBLE_DEVICES names it) and memory.
public struct GPUCapacity: Equatable, Codable, Sendable {
    public var index: Int
    public var totalMiB: Int
    public var freeMiB: Int

    public init(index: Int, totalMiB: Int, freeMiB: Int) {
        self.index = index
        self.totalMiB = totalMiB
        self.freeMiB = freeMiB
    }
}

/// Where the task queue learns the GPUs' free memory. The workspace asks it each time it decides
/// whether a task may start; tests give it their own numbers.
public struct GPUProbe: Sendable {
    public let read: @Sendable () -> [GPUCapacity]

    public init(_ read: @escaping @Sendable () -> [GPUCapacity]) { self.read = read }

    /// A machine without GPUs: tasks run on the CPU and never wait.
    public static let none = GPUProbe { [] }
}

/// How a task's GPUs are chosen and how much memory it needs on each (docs/tasks.md, "GPUs and the queue").
///
/// - `gpus`: absent or `auto` means one GPU, the one with the most free memory; `0,2` names GPUs;
///   an empty value means the CPU. A machine without GPUs runs every task on the CPU.
/// - `gpu_memory`: MiB the task needs free on each of its GPUs before it starts (0: start at once).
public struct GPUPlan: Equatable, Sendable {
    /// The GPUs the task gets (empty: CPU).
    public var gpus: [Int]
    /// What the task waits for when it can't start now; nil when it can.
    public var waitingFor: String?

    public static func make(params: [String: String], neededMiB: Int, capacities: [GPUCapacity],
                            reservedMiB: [Int: Int] = [:]) throws -> GPUPlan {
        let request = params["gpus"]?.trimmingCharacters(in: .whitespaces) ?? "auto"
        if request.isEmpty { return GPUPlan(gpus: [], waitingFor: nil) }
        if capacities.isEmpty {
            // No GPU seen (none, or no way to read them): named GPUs are passed on unchecked.
            return GPUPlan(gpus: request == "auto" ? [] : request.split(separator: ",").compactMap { Int($0) }, waitingFor: nil)
        }
        func free(_ gpu: GPUCapacity) -> Int { gpu.freeMiB - (reservedMiB[gpu.index] ?? 0) }
        if request == "auto" {
            let best = capacities.max { free($0) < free($1) || (free($0) == free($1) && $0.index > $1.index) }!
            if free(best) >= neededMiB { return GPUPlan(gpus: [best.index], waitingFor: nil) }
            return GPUPlan(gpus: [best.index], waitingFor: "waiting for \(neededMiB) MiB free on a GPU (most free now: \(max(0, free(best))) MiB on GPU \(best.index))")
        }
        let wanted = request.split(separator: ",").compactMap { Int($0) }
        var short: [String] = []
        for index in wanted {
            guard let gpu = capacities.first(where: { $0.index == index }) else {
                let known = capacities.map { String($0.index) }.joined(separator: ", ")
                throw AIArtsError(.invalidArgument, "there is no GPU \(index) on this machine (GPUs: \(known))")
            }
            if free(gpu) < neededMiB { short.append("GPU \(index) has \(max(0, free(gpu))) MiB") }
        }
        let waiting = short.isEmpty ? nil : "waiting for \(neededMiB) MiB free on GPU \(wanted.map(String.init).joined(separator: ",")) (\(short.joined(separator: ", ")))"
        return GPUPlan(gpus: wanted, waitingFor: waiting)
    }
}

extension GPUProbe {
    /// The machine's GPUs through the GPU monitor (NVML, else nvidia-smi; a fixture file named by
    /// $AIARTS_GPU_FIXTURE in tests and demos). No GPU, no driver: an empty list.
    public static let system = GPUProbe.monitor(GPUMonitor())
}

extension Workspace {
    /// How long after its start a task's requested GPU memory is counted as taken even if the GPU
    /// does not show it in use yet (models take a while to load): two tasks started together must
    /// not both see the same free memory.
    static let gpuReservationWindow: TimeInterval = 120

    /// MiB set aside on each GPU for tasks started within the reservation window. A paused task
    /// counts as running: its processes keep their GPU memory while stopped.
    func reservedGPUMemory(excluding id: String) throws -> [Int: Int] {
        let since = Date().addingTimeInterval(-Self.gpuReservationWindow)
        let recent = try store.pool.read { db in
            try TaskRecord.filter([TaskStatus.running.rawValue, TaskStatus.paused.rawValue, TaskStatus.starting.rawValue].contains(Column("status")))
                .filter(Column("startedAt") >= since).fetchAll(db)
        }
        var reserved: [Int: Int] = [:]
        for task in recent where task.id != id {
            let params = TaskParams.decode(task.params)
            guard let need = Int(params["gpu_memory"] ?? ""), need > 0, let assigned = params["assigned_gpus"] else { continue }
            for gpu in assigned.split(separator: ",").compactMap({ Int($0) }) { reserved[gpu, default: 0] += need }
        }
        return reserved
    }

    /// Tasks waiting for GPU memory, in the order they asked.
    public func waitingTasks() throws -> [TaskRecord] {
        try store.pool.read { db in
            try TaskRecord.filter(Column("status") == TaskStatus.waitingGPU.rawValue).order(Column("startedAt"), Column("id")).fetchAll(db)
        }
    }

    /// Starts every waiting task whose GPUs now have room, oldest first; a task that still can't
    /// start keeps its place and its message is brought up to date. Returns the ids started.
    @discardableResult
    public func startWaitingTasks() throws -> [String] {
        var started: [String] = []
        for task in try waitingTasks() {
            do {
                let record = try startTask(task.id)
                if record.status == TaskStatus.running.rawValue { started.append(task.id) }
            } catch {
                log.warning("waiting task \(task.id) could not start: \(error)")
            }
        }
        return started
    }

    /// The queue worker's loop (`aiarts queue run`, launched detached by `aiarts task start` when a
    /// task has to wait): while tasks wait, reconcile running ones and start those that fit, every
    /// `interval`. One worker per workspace (a lock file); returns when nothing waits any more.
    public func runGPUQueue(interval: Duration = .seconds(2), shouldStop: () -> Bool = { false }) throws {
        let lockPath = root.appendingPathComponent("logs/queue.lock").path
        while !shouldStop() {
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw AIArtsError(.io, "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return }  // another worker has it
            defer { close(fd) }
            while !shouldStop() {
                try refreshTasks()
                try startWaitingTasks()
                if try waitingTasks().isEmpty { break }
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
            }
            flock(fd, LOCK_UN)
            // A task may have started waiting between the last check and the unlock, when a
            // starter saw the lock held and left the work to this worker: look once more.
            if try waitingTasks().isEmpty { return }
        }
    }
}

import Foundation

/// One GPU's figures at one moment, as kept in a history for sparklines.
public struct GPUSample: Equatable, Sendable {
    public var time: Date
    public var utilization: Int?
    public var memoryUtilization: Int?
    public var memoryUsed: UInt64?
    public var memoryTotal: UInt64?
    public var temperature: Int?
    public var power: Double?

    public init(time: Date, gpu: GPUDevice) {
        self.time = time
        utilization = gpu.utilization; memoryUtilization = gpu.memoryUtilization
        memoryUsed = gpu.memoryUsed; memoryTotal = gpu.memoryTotal
        temperature = gpu.temperature; power = gpu.power
    }
}

/// The last samples of one GPU, oldest first (at most `GPUSampler.historyLength`).
public struct GPUHistory: Equatable, Sendable {
    public var uuid: String
    public var index: Int
    public var samples: [GPUSample]

    /// Utilisation as fractions 0...1 for a sparkline; unknown samples are nil (draw a gap).
    public var utilizationSeries: [Double?] { samples.map { $0.utilization.map { Double($0) / 100 } } }

    /// Used memory as fractions 0...1 of the total.
    public var memorySeries: [Double?] {
        samples.map { s in
            guard let used = s.memoryUsed, let total = s.memoryTotal, total > 0 else { return nil }
            return min(1, Double(used) / Double(total))
        }
    }
}

/// Samples the GPUs on a background thread once a `interval` and keeps a short history per GPU for
/// sparklines. Subscribers get every snapshot (on the sampler's thread) or an `AsyncStream`.
/// PCIe throughput is read only every `pcieEvery` samples (each read blocks ~20 ms); between those,
/// the last values are carried forward. `stop()` wakes the thread and waits for it to end; while it
/// runs, the thread keeps the sampler alive, so call `stop()` when done with it.
public final class GPUSampler: @unchecked Sendable {
    public let monitor: GPUMonitor
    public let interval: Double
    public let historyLength: Int
    public let pcieEvery: Int
    /// The interval while the source is nvidia-smi: each sample then runs two nvidia-smi processes,
    /// which cost far more CPU than NVML calls.
    public let nvidiaSMIInterval: Double

    private let condition = NSCondition()
    private var running = false
    private var stopping = false
    private var thread: Thread?
    private var finished = true
    private var histories: [String: GPUHistory] = [:]
    private var order: [String] = []
    private var last: GPUSnapshot?
    private var subscribers: [UInt64: @Sendable (GPUSnapshot) -> Void] = [:]
    /// Called on `stop()`: AsyncStreams end there.
    private var finishers: [UInt64: @Sendable () -> Void] = [:]
    private var nextToken: UInt64 = 0
    private var count = 0
    private var lastPCIe: [String: (UInt64?, UInt64?)] = [:]

    public init(monitor: GPUMonitor, interval: Double = 1, historyLength: Int = 120, pcieEvery: Int = 10,
                nvidiaSMIInterval: Double = 5) {
        self.monitor = monitor
        self.interval = max(0.01, interval)
        self.nvidiaSMIInterval = max(self.interval, nvidiaSMIInterval)
        self.historyLength = max(1, historyLength)
        self.pcieEvery = max(1, pcieEvery)
    }

    deinit { stop() }

    /// Starts the thread (the first sample is taken at once). Does nothing if already running.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true; stopping = false; finished = false
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "aiarts.gpu.sampler"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread and waits until it has ended (at most one sample's duration).
    /// Called from a subscriber (on the sampler's own thread) it only asks the loop to end.
    public func stop() {
        condition.lock()
        guard running else { condition.unlock(); return }
        stopping = true
        condition.broadcast()
        if let thread, thread == Thread.current { condition.unlock(); return }
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// The latest snapshot, if any.
    public var latest: GPUSnapshot? { condition.withLock { last } }

    /// Histories of every GPU seen, in the order of the latest snapshot.
    public var history: [GPUHistory] { condition.withLock { order.compactMap { histories[$0] } } }

    public func history(uuid: String) -> GPUHistory? { condition.withLock { histories[uuid] } }

    /// Calls `handler` with each new snapshot, on the sampler's thread. Returns a token for `unsubscribe`.
    @discardableResult
    public func subscribe(_ handler: @escaping @Sendable (GPUSnapshot) -> Void) -> UInt64 {
        condition.withLock {
            nextToken += 1
            subscribers[nextToken] = handler
            return nextToken
        }
    }

    public func unsubscribe(_ token: UInt64) {
        condition.withLock {
            subscribers[token] = nil
            finishers[token] = nil
        }
    }

    /// Snapshots as an AsyncStream (only the newest is kept if the consumer falls behind); it ends
    /// when the sampler stops or the consumer stops iterating.
    public func snapshots() -> AsyncStream<GPUSnapshot> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let token = subscribe { continuation.yield($0) }
            condition.withLock { finishers[token] = { continuation.finish() } }
            continuation.onTermination = { [weak self] _ in self?.unsubscribe(token) }
        }
    }

    /// Takes one sample now, on the caller's thread (the loop calls it; tests may too).
    @discardableResult
    public func sampleOnce() -> GPUSnapshot {
        let withPCIe = condition.withLock { count % pcieEvery == 0 }
        var snapshot = monitor.snapshot(includePCIe: withPCIe)
        let handlers: [@Sendable (GPUSnapshot) -> Void] = condition.withLock {
            count += 1
            for i in snapshot.gpus.indices {
                let key = Self.key(snapshot.gpus[i])
                if withPCIe {
                    lastPCIe[key] = (snapshot.gpus[i].pcieTx, snapshot.gpus[i].pcieRx)
                } else if let pcie = lastPCIe[key] {
                    snapshot.gpus[i].pcieTx = pcie.0; snapshot.gpus[i].pcieRx = pcie.1
                }
                var h = histories[key] ?? GPUHistory(uuid: snapshot.gpus[i].uuid, index: snapshot.gpus[i].index, samples: [])
                h.index = snapshot.gpus[i].index
                h.samples.append(GPUSample(time: snapshot.time, gpu: snapshot.gpus[i]))
                if h.samples.count > historyLength { h.samples.removeFirst(h.samples.count - historyLength) }
                histories[key] = h
            }
            order = snapshot.gpus.map(Self.key)
            // GPUs that vanished (a fixture changed, a GPU fell off the bus) are forgotten.
            for key in histories.keys where !order.contains(key) { histories[key] = nil }
            last = snapshot
            return Array(subscribers.values)
        }
        for handler in handlers { handler(snapshot) }
        return snapshot
    }

    private static func key(_ gpu: GPUDevice) -> String { gpu.uuid.isEmpty ? "#\(gpu.index)" : gpu.uuid }

    private func loop() {
        while true {
            let start = Date()
            let snapshot = sampleOnce()
            condition.lock()
            let deadline = start.addingTimeInterval(snapshot.source == .nvidiaSMI ? nvidiaSMIInterval : interval)
            while !stopping && Date() < deadline { _ = condition.wait(until: deadline) }
            let done = stopping
            condition.unlock()
            if done { break }
        }
        let ends: [@Sendable () -> Void] = condition.withLock {
            finished = true
            condition.broadcast()
            running = false
            self.thread = nil
            defer { finishers = [:] }
            return Array(finishers.values)
        }
        for end in ends { end() }
    }
}

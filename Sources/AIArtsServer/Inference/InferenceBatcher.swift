import Foundation

/// Dynamic batching: requests wait until `maxBatch` of them are queued or the first has waited
/// `maxDelay`, then run together in one model call; one batch runs at a time (the model is one),
/// and the requests that arrive meanwhile form the next. With `maxBatch` 1 every request runs alone
/// and nothing waits.
public actor InferenceBatcher<Input: Sendable, Output: Sendable> {
    public typealias Run = @Sendable ([Input]) async -> [Result<Output, any Error>]

    public let maxBatch: Int
    public let maxDelay: Duration
    private let run: Run
    private var pending: [(Input, CheckedContinuation<Output, any Error>)] = []
    /// The loop, parked while nothing is queued.
    private var idle: CheckedContinuation<Void, Never>?
    /// The loop, waiting for a full batch or the delay, and which wait it is (a stale timer must not end a later one).
    private var filling: CheckedContinuation<Void, Never>?
    private var fillingGeneration = 0
    private var loop: Task<Void, Never>?
    private var closed = false

    /// Every batch size run so far and how often ("1": 40, "8": 3), for the stats.
    public private(set) var batchSizes: [Int: Int] = [:]

    public init(maxBatch: Int, maxDelay: Duration, run: @escaping Run) {
        self.maxBatch = max(1, maxBatch)
        self.maxDelay = maxDelay
        self.run = run
    }

    /// Queues one input and waits for its output.
    public func submit(_ input: Input) async throws -> Output {
        guard !closed else { throw CancellationError() }
        if loop == nil { loop = Task { await self.drain() } }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((input, continuation))
            if let idle { self.idle = nil; idle.resume() }
            if pending.count >= maxBatch, let filling { self.filling = nil; filling.resume() }
        }
    }

    /// Refuses new inputs; those queued still run.
    public func close() { closed = true }

    private func drain() async {
        while true {
            if pending.isEmpty {
                await withCheckedContinuation { idle = $0 }
                continue
            }
            if pending.count < maxBatch && maxDelay > .zero { await waitToFill() }
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            batchSizes[batch.count, default: 0] += 1
            // The actor is free while the model runs: requests keep arriving into `pending`.
            let results = await run(batch.map(\.0))
            for (n, item) in batch.enumerated() {
                if n < results.count {
                    item.1.resume(with: results[n])
                } else {
                    item.1.resume(throwing: WorkerError.malformed("\(results.count) answers for a batch of \(batch.count)"))
                }
            }
        }
    }

    private func waitToFill() async {
        fillingGeneration += 1
        let generation = fillingGeneration, delay = maxDelay
        await withCheckedContinuation { continuation in
            filling = continuation
            Task {
                try? await Task.sleep(for: delay)
                await self.endFilling(generation)
            }
        }
    }

    private func endFilling(_ generation: Int) {
        guard generation == fillingGeneration, let filling else { return }
        self.filling = nil
        filling.resume()
    }
}

import Foundation
import NIOCore
import Synchronization

/// Answers of list routes kept for a moment (docs/api.md, "Caching"): a burst of `GET` lists (a
/// dashboard, a load test) computes each list once per `ttl`, and concurrent requests for the same
/// list share one computation. Any request of this server that may write (every method but GET and
/// HEAD) starts a new generation, so a client that creates then lists sees what it created; changes
/// made by other processes (the CLI, the UI, trainers) show within `ttl`.
public final class ResponseCache: Sendable {
    struct Entry { var body: ByteBuffer; var at: ContinuousClock.Instant; var generation: Int }
    private let entries = Mutex<[String: Entry]>([:])
    private let inflight = Mutex<[String: Task<ByteBuffer, any Error>]>([:])
    private let generation = Atomic<Int>(0)

    public init() {}

    /// A write may have happened: nothing computed before it is served again.
    public func invalidate() {
        generation.add(1, ordering: .acquiringAndReleasing)
    }

    /// The body for `key`: kept if younger than `ttl` and of this generation, else computed (once,
    /// however many requests ask at the same moment).
    public func body(_ key: String, ttl: Duration = .milliseconds(250),
                     compute: @escaping @Sendable () async throws -> ByteBuffer) async throws -> ByteBuffer {
        let current = generation.load(ordering: .acquiring)
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), entry.generation == current, now - entry.at < ttl {
            return entry.body
        }
        let flightKey = "\(current)\u{0}\(key)"
        let (task, owner) = inflight.withLock { table -> (Task<ByteBuffer, any Error>, Bool) in
            if let running = table[flightKey] { return (running, false) }
            let task = Task { try await compute() }
            table[flightKey] = task
            return (task, true)
        }
        defer { if owner { _ = inflight.withLock { $0.removeValue(forKey: flightKey) } } }
        let body = try await task.value
        if owner {
            entries.withLock { table in
                if table.count > 1000 { table.removeAll() }
                table[key] = Entry(body: body, at: now, generation: current)
            }
        }
        return body
    }
}

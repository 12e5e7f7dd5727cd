import AIArtsEngine
import Foundation

/// Counts and latencies of a service's requests; `snapshot` gives requests/s and p50/p99 over the
/// last 10 s. Thread-safe (requests finish on many threads).
public final class ServiceStats: @unchecked Sendable {
    public static let window: TimeInterval = 10
    private let lock = NSLock()
    private var requests = 0
    private var errors = 0
    /// (when, milliseconds), oldest first, at most `cap`.
    private var recent: [(Date, Double)] = []
    private let cap = 20_000
    private var changed = false
    /// Whether the last snapshot still had requests in its window: one more write then shows the rate at 0.
    private var hadRecent = false

    public init() {}

    public func record(latencyMs: Double, failed: Bool, at now: Date = Date()) {
        lock.withLock {
            requests += 1
            if failed { errors += 1 }
            recent.append((now, latencyMs))
            if recent.count > cap { recent.removeFirst(recent.count - cap) }
            changed = true
        }
    }

    /// The stats now, and whether anything changed since the last call that asked to reset.
    public func snapshot(batchSizes: [Int: Int], gpuMemoryMiB: Int?, now: Date = Date(), resetChanged: Bool = false) -> (InferenceStats, Bool) {
        lock.withLock {
            recent.removeAll { now.timeIntervalSince($0.0) > Self.window }
            let latencies = recent.map(\.1).sorted()
            func percentile(_ q: Double) -> Double? {
                guard !latencies.isEmpty else { return nil }
                let rank = Int((q * Double(latencies.count)).rounded(.up)) - 1
                return (latencies[min(latencies.count - 1, max(0, rank))] * 100).rounded() / 100
            }
            let span = recent.first.map { max(1, min(Self.window, now.timeIntervalSince($0.0))) } ?? Self.window
            let stats = InferenceStats(
                requests: requests, errors: errors,
                requestsPerSecond: ((Double(recent.count) / span) * 100).rounded() / 100,
                p50Ms: percentile(0.5), p99Ms: percentile(0.99),
                batchSizes: Dictionary(uniqueKeysWithValues: batchSizes.map { (String($0.key), $0.value) }),
                gpuMemoryMiB: gpuMemoryMiB, updatedAt: now)
            let wasChanged = changed || !recent.isEmpty || hadRecent
            if resetChanged {
                changed = false
                hadRecent = !recent.isEmpty
            }
            return (stats, wasChanged)
        }
    }
}

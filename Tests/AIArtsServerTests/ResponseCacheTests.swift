@testable import AIArtsServer
import NIOCore
import Synchronization
import Testing

@Suite struct ResponseCacheTests {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func next() -> ByteBuffer { ByteBuffer(string: String(value.add(1, ordering: .relaxed).newValue)) }
    }

    @Test func aKeptAnswerIsServedUntilItsTimeOrAWrite() async throws {
        let cache = ResponseCache()
        let counter = Counter()
        let first = try await cache.body("list", ttl: .seconds(60)) { counter.next() }
        let second = try await cache.body("list", ttl: .seconds(60)) { counter.next() }
        #expect(String(buffer: first) == "1" && String(buffer: second) == "1")
        cache.invalidate()
        #expect(String(buffer: try await cache.body("list", ttl: .seconds(60)) { counter.next() }) == "2")
        #expect(String(buffer: try await cache.body("other", ttl: .seconds(60)) { counter.next() }) == "3")
        try await Task.sleep(for: .milliseconds(30))
        #expect(String(buffer: try await cache.body("list", ttl: .milliseconds(20)) { counter.next() }) == "4")
    }

    @Test func concurrentRequestsShareOneComputation() async throws {
        let cache = ResponseCache()
        let counter = Counter()
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    String(buffer: try await cache.body("list") {
                        try await Task.sleep(for: .milliseconds(50))
                        return counter.next()
                    })
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(bodies) == ["1"])
        #expect(counter.value.load(ordering: .relaxed) == 1)
    }

    @Test func aFailedComputationIsNotKept() async throws {
        struct Failure: Error {}
        let cache = ResponseCache()
        await #expect(throws: Failure.self) { try await cache.body("list") { throw Failure() } }
        #expect(String(buffer: try await cache.body("list") { ByteBuffer(string: "ok") }) == "ok")
    }
}

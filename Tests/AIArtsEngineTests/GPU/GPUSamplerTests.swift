import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

extension GPUTests {
    @Suite struct GPUSamplerTests {
        func fixtureMonitor(_ folder: TempFolder, used: Int = 100) -> (GPUMonitor, URL) {
            let file = folder.write("gpus.json", #"[{"uuid": "GPU-a", "memory_total": 1000, "memory_used": \#(used), "utilization": 10}]"#)
            return (GPUMonitor(environment: [GPUFixture.environmentKey: file.path], nvml: { .failure(GPUSourceError("unused")) }), file)
        }

        @Test func theHistoryKeepsTheLastSamples() {
            let folder = TempFolder("aiarts-sampler")
            let (monitor, _) = fixtureMonitor(folder)
            let sampler = GPUSampler(monitor: monitor, historyLength: 5)
            for i in 0..<8 {
                folder.write("gpus.json", #"[{"uuid": "GPU-a", "memory_total": 1000, "memory_used": \#(i * 100), "utilization": \#(i * 10)}]"#)
                sampler.sampleOnce()
            }
            let history = try? #require(sampler.history(uuid: "GPU-a"))
            #expect(history?.samples.count == 5)
            #expect(history?.samples.map(\.utilization) == [30, 40, 50, 60, 70])
            #expect(history?.utilizationSeries == [0.3, 0.4, 0.5, 0.6, 0.7])
            #expect(history?.memorySeries == [0.3, 0.4, 0.5, 0.6, 0.7])
            #expect(sampler.history.map(\.uuid) == ["GPU-a"])
            #expect(sampler.latest?.gpus.first?.memoryUsed == 700)
        }

        @Test func aGPUThatDisappearsIsForgotten() {
            let folder = TempFolder("aiarts-sampler")
            let (monitor, _) = fixtureMonitor(folder)
            let sampler = GPUSampler(monitor: monitor)
            sampler.sampleOnce()
            folder.write("gpus.json", #"[{"uuid": "GPU-b"}]"#)
            sampler.sampleOnce()
            #expect(sampler.history.map(\.uuid) == ["GPU-b"])
            #expect(sampler.history(uuid: "GPU-a") == nil)
        }

        @Test func pcieIsReadEveryNthSampleAndCarriedForward() throws {
            let nvml = try RecordedNVML(fixture: "nvml-normal.json")
            let monitor = GPUMonitor(environment: ["PATH": "/nonexistent"], procRoot: "/nonexistent-proc", nvml: { .success(nvml) })
            let sampler = GPUSampler(monitor: monitor, pcieEvery: 3)
            var seen: [UInt64?] = []
            for _ in 0..<5 { seen.append(sampler.sampleOnce().gpus.first?.pcieTx) }
            #expect(seen == Array(repeating: 12000 * 1024, count: 5))
            #expect(nvml.calls.filter { $0 == "nvmlDeviceGetPcieThroughput" }.count == 2 * 2 * 2)  // samples 1 and 4, 2 GPUs, tx+rx
        }

        @Test func subscribersGetSnapshotsUntilStopped() async {
            let folder = TempFolder("aiarts-sampler")
            let (monitor, _) = fixtureMonitor(folder)
            let sampler = GPUSampler(monitor: monitor, interval: 0.02)
            let counter = Counter()
            let token = sampler.subscribe { _ in counter.add() }
            let stream = sampler.snapshots()
            sampler.start()
            sampler.start()  // a second start does nothing
            var received = 0
            for await snapshot in stream {
                #expect(snapshot.gpus.first?.uuid == "GPU-a")
                received += 1
                if received == 3 { break }
            }
            #expect(received == 3)
            sampler.stop()
            let afterStop = counter.value
            #expect(afterStop >= 3)
            // A witness sampling at the same pace shows enough time has passed for three more samples.
            let witness = GPUSampler(monitor: monitor, interval: 0.02)
            let witnessed = Counter()
            let witnessToken = witness.subscribe { _ in witnessed.add() }
            witness.start()
            #expect(waitUntil { witnessed.value >= 3 })
            witness.stop()
            witness.unsubscribe(witnessToken)
            #expect(counter.value == afterStop)
            sampler.unsubscribe(token)
            sampler.stop()  // stopping twice is harmless
        }

        @Test func aStreamEndsWhenTheSamplerStops() async {
            let folder = TempFolder("aiarts-sampler")
            let (monitor, _) = fixtureMonitor(folder)
            let sampler = GPUSampler(monitor: monitor, interval: 10)
            let stream = sampler.snapshots()
            sampler.start()
            var count = 0
            for await _ in stream {
                count += 1
                sampler.stop()
            }
            #expect(count == 1)
        }

        final class Counter: @unchecked Sendable {
            private let lock = NSLock()
            private var n = 0
            func add() { lock.withLock { n += 1 } }
            var value: Int { lock.withLock { n } }
        }
    }
}

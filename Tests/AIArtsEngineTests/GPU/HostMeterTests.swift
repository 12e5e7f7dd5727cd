import Foundation
import Testing
@testable import AIArtsEngine

extension GPUTests {
    @Suite struct HostMeterTests {
        @Test func cpuUseIsTheBusyShareBetweenTwoReadings() {
            let proc = TempFolder("aiarts-proc")
            proc.write("meminfo", "MemTotal:       16384000 kB\nMemFree:         1000000 kB\nMemAvailable:    4096000 kB\n")
            proc.write("stat", "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n")
            let meter = HostMeter(procRoot: proc.url.path)
            let first = meter.read()
            #expect(first.cpuPercent == nil)
            #expect(first.memoryTotal == 16_384_000 * 1024)
            #expect(first.memoryAvailable == 4_096_000 * 1024)
            #expect(first.memoryUsed == (16_384_000 - 4_096_000) * 1024)
            // 100 more busy ticks (user 60, system 40) out of 400.
            proc.write("stat", "cpu  160 0 140 980 120 0 0 0 0 0\n")
            #expect(meter.read().cpuPercent == 25)
        }

        @Test func unreadableFilesGiveNil() {
            let meter = HostMeter(procRoot: "/nonexistent-proc")
            let usage = meter.read()
            #expect(usage.cpuPercent == nil && usage.memoryTotal == nil)
            #expect(usage.cpus >= 1)
        }

        @Test func noGPUAtAllGivesAReasonAndTheHostUse() {
            let monitor = GPUMonitor(environment: ["PATH": "/nonexistent"], nvml: { .failure(GPUSourceError("NVML not loaded (test)")) })
            let snapshot = monitor.snapshot()
            #expect(snapshot.source == .none)
            #expect(snapshot.gpus.isEmpty)
            #expect(snapshot.reason == "NVML not loaded (test) and no nvidia-smi on PATH")
            #expect(snapshot.host?.memoryTotal != nil)
        }
    }
}

import Foundation
import Testing
@testable import AIArtsEngine
@testable import AIArtsRender
@testable import AIArtsTUI

/// `aiarts gpu`: the report drawn with AIArtsRender's Table, Gauge and Sparkline (issue 13).
@Suite struct GPUReportTests {
    static let gib: UInt64 = 1 << 30

    static let snapshot = GPUSnapshot(source: .nvml, gpus: [
        GPUDevice(index: 0, name: "NVIDIA H100 80GB HBM3", uuid: "GPU-0", memoryTotal: 80 * gib, memoryUsed: 20 * gib,
                  utilization: 87, temperature: 61, power: 250.4, powerLimit: 700,
                  processes: [GPUProcess(pid: 4242, memory: 19 * gib, task: "T0003"),
                              GPUProcess(pid: 77, memory: 512 << 20, user: "alice", command: "python train.py")]),
        GPUDevice(index: 1, name: "NVIDIA A100-SXM4-40GB", uuid: "GPU-1", memoryTotal: 40 * gib, memoryUsed: 0, migEnabled: true,
                  migInstances: [GPUMIGInstance(uuid: "MIG-1", name: "1g.5gb", gpuInstanceID: 7, computeInstanceID: 0,
                                                memoryTotal: 5 * gib, memoryUsed: 5 * gib / 2)]),
    ])

    @Test func aRowPerGPUThenTheProcesses() {
        #expect(GPUReport(snapshot: Self.snapshot).lines == [
            "GPU  NAME                   MEMORY                          UTIL  TEMP  POWER",
            "0    NVIDIA H100 80GB HBM3  ██▌         25%  20.0/80.0 GiB  87%   61°C  250/700 W",
            "1    NVIDIA A100-SXM4-40GB               0%  0.0/40.0 GiB   n/a   n/a   n/a",
            "     └ MIG 7/0 1g.5gb       █████       50%  2.5/5.0 GiB",
            "",
            "GPU  PID   MEMORY     OWNER",
            "0    4242  19456 MiB  task T0003",
            "0    77    512 MiB    alice  python train.py",
        ])
    }

    @Test func watchingAddsTheUtilisationHistory() {
        let samples = [nil, 0, 50, 100].map { u in
            GPUSample(time: Date(), gpu: GPUDevice(index: 0, name: "", uuid: "GPU-0", utilization: u))
        }
        let history = [GPUHistory(uuid: "GPU-0", index: 0, samples: samples)]
        let lines = GPUReport(snapshot: Self.snapshot, history: history).lines
        #expect(lines[0].hasSuffix("POWER      UTIL (60 s)"))
        #expect(lines[1].hasSuffix("250/700 W   ▁▄█"))
        #expect(lines[2].hasSuffix("n/a"))  // no history: no sparkline
    }

    @Test func withoutAGPUTheReasonAndTheHost() {
        let host = HostUsage(cpus: 8, cpuPercent: 50, memoryTotal: 16 * Self.gib, memoryAvailable: 12 * Self.gib)
        let snapshot = GPUSnapshot(source: .none, gpus: [], reason: "no NVIDIA driver", host: host)
        #expect(GPUReport(snapshot: snapshot).lines == [
            "No GPU: no NVIDIA driver",
            "CPU:    ██████████            50% of 8 cores",
            "memory: █████                 25% 4.0/16.0 GiB used",
        ])
        #expect(GPUReport(snapshot: GPUSnapshot(source: .none, gpus: [])).lines == ["No GPU: none found"])
    }

    @Test func namesAreNeverCutAndHostileTextIsCleaned() {
        let long = String(repeating: "G", count: 150)
        var snapshot = Self.snapshot
        snapshot.gpus[0].name = long + "\u{1B}]0;x\u{07}"
        snapshot.gpus[0].processes[1].command = "evil \u{1B}[2J"
        let lines = GPUReport(snapshot: snapshot).lines
        #expect(lines[1].contains(long))
        #expect(!lines.joined().contains("\u{1B}"))
    }

    @Test func asciiForTerminalsWithoutUTF8() {
        let lines = GPUReport(snapshot: Self.snapshot, ascii: true).lines
        #expect(lines[1].contains("###.......  25%"))
    }
}

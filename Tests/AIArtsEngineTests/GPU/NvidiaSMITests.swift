import Foundation
import Testing
@testable import AIArtsEngine

extension GPUTests {
    @Suite struct NvidiaSMITests {
        @Test func gpuLinesAreParsedWithPlaceholdersAsNil() throws {
            let gpus = NvidiaSMI.parseGPUs(try GPUFixtures.text("smi-gpus.csv"))
            #expect(gpus.count == 3)
            let h100 = gpus[0]
            #expect(h100.index == 0 && h100.name == "NVIDIA H100 80GB HBM3")
            #expect(h100.uuid == "GPU-7c6b5a49-3827-4f16-a5e4-d3c2b1a09f8e")
            #expect(h100.memoryUsed == UInt64(40960 * 1_048_576))
            #expect(h100.memoryTotal == UInt64(81559 * 1_048_576))
            #expect(h100.memoryFree == UInt64(40077 * 1_048_576))
            #expect(h100.utilization == 93 && h100.memoryUtilization == 61 && h100.temperature == 67)
            #expect(h100.power == 512.34 && h100.powerLimit == 700)
            #expect(h100.fanSpeed == nil)  // [N/A]
            #expect(h100.clockGraphics == 1980 && h100.clockMemory == 2619)

            let rtx = gpus[1]
            #expect(rtx.utilization == nil && rtx.memoryUtilization == nil)  // [Not Supported]
            #expect(rtx.power == nil)       // [Insufficient Permissions]
            #expect(rtx.powerLimit == nil)  // N/A
            #expect(rtx.fanSpeed == 30)

            let t4 = gpus[2]
            #expect(t4.memoryUsed == nil && t4.memoryTotal == nil && t4.memoryFree == nil)
            #expect(t4.temperature == nil)  // [Unknown Error]
            #expect(t4.power == 27.1)
        }

        @Test func aGPUNameWithACommaKeepsItsFields() {
            let gpus = NvidiaSMI.parseGPUs("0, Board, Rev 2, GPU-x, 1, 2, 1, 5, 6, 30, 10.5, 20.0, 40, 100, 200\n")
            #expect(gpus.count == 1)
            #expect(gpus.first?.name == "Board, Rev 2")
            #expect(gpus.first?.uuid == "GPU-x")
            #expect(gpus.first?.clockMemory == 200)
        }

        @Test func processNamesMayContainCommas() throws {
            let lines = NvidiaSMI.parseProcesses(try GPUFixtures.text("smi-apps.csv"))
            #expect(lines.count == 4)
            #expect(lines[0] == .init(gpuUUID: "GPU-7c6b5a49-3827-4f16-a5e4-d3c2b1a09f8e", pid: 4242, memory: 38000 * 1_048_576, name: "/usr/bin/python3"))
            #expect(lines[1].name == "python train.py --tags a,b,c --name \"x, y\"")
            #expect(lines[2].memory == nil && lines[2].name == nil)
        }

        @Test func linesThatDoNotParseAreSkipped() {
            #expect(NvidiaSMI.parseGPUs("garbage\n\n, , ,\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n").isEmpty)
            #expect(NvidiaSMI.parseProcesses("No running processes found\nGPU-1, notapid, 3, x\n").isEmpty)
        }

        @Test func processesLandOnTheGPUWithTheirUUID() throws {
            var gpus = NvidiaSMI.parseGPUs(try GPUFixtures.text("smi-gpus.csv"))
            NvidiaSMI.attach(NvidiaSMI.parseProcesses(try GPUFixtures.text("smi-apps.csv")), to: &gpus)
            #expect(gpus[0].processes.map(\.pid) == [4242, 4300])
            #expect(gpus[1].processes.map(\.pid) == [5555])
            #expect(gpus[2].processes.isEmpty)  // the line for an unknown UUID is dropped
        }

        /// A fake nvidia-smi on PATH that prints the committed CSV for each query.
        static func fakeSMI(_ folder: TempFolder, body: String? = nil) throws -> String {
            let gpus = GPUFixtures.url("smi-gpus.csv").path
            let apps = GPUFixtures.url("smi-apps.csv").path
            let script = body ?? """
                case "$1" in
                  --query-gpu=*) exec cat '\(gpus)' ;;
                  --query-compute-apps=*) exec cat '\(apps)' ;;
                esac
                exit 3
                """
            let url = folder.write("bin/nvidia-smi", "#!/bin/sh\n" + script + "\n")
            chmod(url.path, 0o755)
            return folder.path("bin").path
        }

        @Test func theMonitorFallsBackToNvidiaSMIWhenNVMLCannotLoad() throws {
            let folder = TempFolder("aiarts-smi")
            let bin = try Self.fakeSMI(folder)
            let monitor = GPUMonitor(environment: ["PATH": "\(bin):/usr/bin:/bin"],
                                     nvml: { .failure(GPUSourceError("NVML not loaded (test)")) })
            let snapshot = monitor.snapshot()
            #expect(snapshot.source == .nvidiaSMI)
            #expect(snapshot.gpus.count == 3)
            #expect(snapshot.gpus[0].processes.count == 2)
            #expect(monitor.sourceInUse == .nvidiaSMI)
        }

        @Test func aHungNvidiaSMIIsKilledAfterItsTimeLimit() throws {
            let folder = TempFolder("aiarts-smi")
            let bin = try Self.fakeSMI(folder, body: "exec sleep 30")
            let monitor = GPUMonitor(environment: ["PATH": bin], nvml: { .failure(GPUSourceError("no NVML")) }, smiTimeout: 0.3)
            let snapshot = monitor.snapshot(includeHost: false)
            #expect(snapshot.source == .nvidiaSMI)
            #expect(snapshot.gpus.isEmpty)
            #expect(snapshot.reason?.contains("did not answer") == true)
        }

        @Test func aFailingNvidiaSMIGivesAReason() throws {
            let folder = TempFolder("aiarts-smi")
            let bin = try Self.fakeSMI(folder, body: "echo 'NVIDIA-SMI has failed' ; exit 9")
            let monitor = GPUMonitor(environment: ["PATH": bin], nvml: { .failure(GPUSourceError("no NVML")) })
            let snapshot = monitor.snapshot(includeHost: false)
            #expect(snapshot.gpus.isEmpty)
            #expect(snapshot.reason?.contains("exit status 9") == true)
        }
    }
}

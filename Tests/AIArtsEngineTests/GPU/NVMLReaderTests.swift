import Foundation
import Testing
@testable import AIArtsEngine

extension GPUTests {
    @Suite struct NVMLReaderTests {
        func read(_ nvml: RecordedNVML, includePCIe: Bool = false) throws -> [GPUDevice] {
            try NVMLReader(api: nvml).read(includePCIe: includePCIe).get()
        }

        @Test func aNormalGPUReportsEveryField() throws {
            let nvml = try RecordedNVML(fixture: "nvml-normal.json")
            let gpus = try read(nvml, includePCIe: true)
            #expect(gpus.count == 2)
            let gpu = gpus[0]
            #expect(gpu.index == 0)
            #expect(gpu.name == "NVIDIA A100-SXM4-80GB")
            #expect(gpu.uuid == "GPU-5f1c2a8e-3d4b-4c71-9a0e-6b2f8d1e4a37")
            // MemoryInfo_v2 is asked first and its figures win over v1's.
            #expect(gpu.memoryTotal == 85_899_345_920)
            #expect(gpu.memoryUsed == 23_408_672_768)
            #expect(gpu.memoryFree == 61_933_428_736)
            #expect(gpu.utilization == 87)
            #expect(gpu.memoryUtilization == 41)
            #expect(gpu.temperature == 61)
            #expect(gpu.power == 312.456)
            #expect(gpu.powerLimit == 400)
            #expect(gpu.fanSpeed == 0)
            #expect(gpu.clockGraphics == 1410 && gpu.clockSM == 1410 && gpu.clockMemory == 1593)
            #expect(gpu.pcieTx == 12000 * 1024 && gpu.pcieRx == 340_000 * 1024)
            #expect(gpu.migEnabled == false)
            #expect(gpu.migInstances.isEmpty)
            #expect(gpu.processes.map(\.pid) == [4242, 5151])
            #expect(gpu.processes[0].memory == 21_474_836_480)
            // Outside MIG the instance ids are NVML's "invalid" value, reported as nil.
            #expect(gpu.processes[0].gpuInstanceID == nil)
            #expect(gpus[1].processes.isEmpty)
            #expect(nvml.calls.contains("nvmlInit_v2"))
            #expect(nvml.calls.contains("nvmlDeviceGetComputeRunningProcesses_v3"))
            #expect(!nvml.calls.contains("nvmlDeviceGetMemoryInfo"))
            #expect(!nvml.calls.contains("nvmlDeviceGetComputeRunningProcesses_v2"))
        }

        @Test func pcieThroughputIsReadOnlyWhenAskedFor() throws {
            let nvml = try RecordedNVML(fixture: "nvml-normal.json")
            let gpus = try read(nvml)
            #expect(gpus[0].pcieTx == nil && gpus[0].pcieRx == nil)
            #expect(!nvml.calls.contains("nvmlDeviceGetPcieThroughput"))
        }

        @Test func unsupportedFieldsBecomeNilAndTheRestIsStillRead() throws {
            let nvml = try RecordedNVML(fixture: "nvml-not-supported.json")
            let gpu = try #require(try read(nvml, includePCIe: true).first)
            #expect(gpu.name == "NVIDIA GeForce GTX 1050 Ti")
            // MemoryInfo_v2 answered NOT_SUPPORTED: v1 is asked instead.
            #expect(gpu.memoryTotal == 4_294_967_296)
            #expect(gpu.memoryUsed == 1_073_741_824)
            #expect(nvml.calls.contains("nvmlDeviceGetMemoryInfo"))
            #expect(gpu.utilization == nil && gpu.memoryUtilization == nil)
            #expect(gpu.temperature == 45)
            #expect(gpu.power == nil && gpu.powerLimit == nil && gpu.fanSpeed == nil)
            #expect(gpu.clockGraphics == 1392 && gpu.clockSM == nil && gpu.clockMemory == nil)
            #expect(gpu.pcieTx == nil && gpu.pcieRx == nil)
            #expect(gpu.migEnabled == nil)
            // NVML_VALUE_NOT_AVAILABLE for process memory.
            #expect(gpu.processes == [GPUProcess(pid: 777, memory: nil)])
        }

        @Test func aMIGEnabledGPUListsItsInstances() throws {
            let nvml = try RecordedNVML(fixture: "nvml-mig.json")
            let gpu = try #require(try read(nvml).first)
            #expect(gpu.migEnabled == true)
            #expect(gpu.utilization == nil)
            #expect(gpu.migInstances.count == 2)  // slots 1 and 3 are empty (NOT_FOUND)
            let first = gpu.migInstances[0]
            #expect(first.uuid == "MIG-0f0e0d0c-0b0a-4908-8706-050403020100")
            #expect(first.name == "NVIDIA A100-PCIE-40GB MIG 3g.20gb")
            #expect(first.gpuInstanceID == 1 && first.computeInstanceID == 0)
            #expect(first.memoryTotal == 20_937_965_568 && first.memoryUsed == 10_737_418_240)
            #expect(gpu.migInstances[1].gpuInstanceID == 2)
            #expect(gpu.processes.map(\.gpuInstanceID) == [1, 2])
            #expect(gpu.processes.map(\.computeInstanceID) == [0, 0])
        }

        @Test func aDriverWithOnlyTheOldFunctionsIsReadThroughThem() throws {
            let nvml = try RecordedNVML(fixture: "nvml-v1-only.json")
            let gpu = try #require(try read(nvml).first)
            #expect(gpu.name == "Tesla V100-SXM2-16GB")
            #expect(gpu.memoryTotal == 17_179_869_184 && gpu.memoryUsed == 4_294_967_296 && gpu.memoryFree == 12_884_901_888)
            #expect(gpu.processes == [GPUProcess(pid: 3131, memory: 4_026_531_840)])
            #expect(gpu.migEnabled == nil)
            for symbol in ["nvmlInit", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex", "nvmlDeviceGetMemoryInfo",
                           "nvmlDeviceGetComputeRunningProcesses"] {
                #expect(nvml.calls.contains(symbol), "\(symbol) was not called")
            }
            // Once a form is found missing, the same reader does not ask for it again.
            let reader = NVMLReader(api: nvml)
            _ = try reader.read().get()
            let firstReading = nvml.calls.count
            _ = try reader.read().get()
            let second = Array(nvml.calls[firstReading...])
            #expect(second.contains("nvmlDeviceGetComputeRunningProcesses"))
            #expect(!second.contains("nvmlDeviceGetComputeRunningProcesses_v3"))
            #expect(!second.contains("nvmlDeviceGetMemoryInfo_v2"))
        }

        @Test func aGrowingProcessListIsAskedAgainWithMoreRoom() throws {
            let processes = (0..<40).map { ["pid": 1000 + $0, "used_memory": 1_048_576] }
            let nvml = try RecordedNVML(root: ["devices": [["name": "Busy GPU", "uuid": "GPU-busy", "processes": processes]]])
            let gpu = try #require(try read(nvml).first)
            #expect(gpu.processes.count == 40)
            #expect(gpu.processes.last?.pid == 1039)
            #expect(nvml.calls.filter { $0 == "nvmlDeviceGetComputeRunningProcesses_v3" }.count == 2)
        }

        @Test func aFailedInitIsAnErrorThatSaysWhy() throws {
            let nvml = try RecordedNVML(fixture: "nvml-normal.json")
            nvml.initResult = .driverNotLoaded
            let result = NVMLReader(api: nvml).read()
            guard case .failure(let error) = result else { Issue.record("read succeeded"); return }
            #expect(error.message.contains("DRIVER_NOT_LOADED"))
        }

        @Test func aGPUWithoutAHandleIsStillListed() throws {
            let nvml = try RecordedNVML(root: ["devices": [["handle": "GPU_IS_LOST"], ["name": "Fine", "uuid": "GPU-fine"]]])
            let gpus = try read(nvml)
            #expect(gpus.count == 2)
            #expect(gpus[0].index == 0 && gpus[0].uuid.isEmpty && gpus[0].memoryTotal == nil)
            #expect(gpus[0].name.contains("GPU_IS_LOST"))
            #expect(gpus[1].name == "Fine")
        }

        @Test func theRealLibraryIsOptional() {
            // On a machine without the driver this fails with a message; with it, it loads. Either way no crash.
            switch NVMLLibrary.open(names: ["libnvidia-ml-does-not-exist.so.1"]) {
            case .success: Issue.record("a missing library loaded")
            case .failure(let error): #expect(error.message.contains("NVML not loaded"))
            }
        }
    }
}

extension GPUTests {
    /// NVMLLibrary against a stand-in libnvidia-ml compiled from Fixtures/fake-nvml.c: the dlopen/dlsym
    /// path and the C struct layouts, without a GPU. Skipped where no C compiler is installed.
    @Suite struct NVMLLibraryTests {
        static let compiler = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }

        @Test(.enabled(if: compiler != nil)) func theLibraryIsReadThroughDlopen() throws {
            let folder = TempFolder("aiarts-fakenvml")
            let library = folder.path("libnvidia-ml-fake.so").path
            let cc = Process()
            cc.executableURL = URL(fileURLWithPath: try #require(Self.compiler))
            cc.arguments = ["-shared", "-fPIC", "-O1", "-o", library, GPUFixtures.url("fake-nvml.c").path]
            try cc.run()
            cc.waitUntilExit()
            try #require(cc.terminationStatus == 0)

            let api = try NVMLLibrary.open(names: ["libnvidia-ml-missing.so.1", library]).get()
            let reader = NVMLReader(api: api)
            let gpus = try reader.read(includePCIe: true).get()
            #expect(reader.driverVersion() == "999.1.2")
            #expect(gpus.map(\.name) == ["Fake GPU A", "Fake GPU B"])
            #expect(gpus.map(\.uuid) == ["GPU-fake-a", "GPU-fake-b"])
            let a = gpus[0]
            // The v2 memory struct was accepted, so its version field was set right.
            #expect(a.memoryTotal == 8 << 30 && a.memoryUsed == 1 << 30 && a.memoryFree == 7 << 30)
            #expect(gpus[1].memoryUsed == 2 << 30)
            #expect(a.utilization == 70 && a.memoryUtilization == 30 && gpus[1].utilization == 71)
            #expect(a.temperature == 55)
            #expect(a.power == 123.456 && a.powerLimit == nil)
            #expect(a.fanSpeed == nil)  // the symbol is missing
            #expect(a.clockGraphics == 1000 && a.clockSM == 1001 && a.clockMemory == 1002)
            #expect(a.pcieTx == 100 * 1024 && a.pcieRx == 200 * 1024)
            #expect(a.migEnabled == nil)
            // _v3 is missing: _v2's 24-byte records, after an INSUFFICIENT_SIZE retry.
            #expect(a.processes.count == 40)
            #expect(a.processes.first == GPUProcess(pid: 5000, memory: 1 << 20))
            #expect(a.processes.last == GPUProcess(pid: 5039, memory: 40 << 20))
            #expect(gpus[1].processes.isEmpty)
        }
    }
}

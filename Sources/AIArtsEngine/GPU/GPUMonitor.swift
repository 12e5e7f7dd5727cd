import Foundation
import Logging

/// The GPUs of this machine, read on demand (docs/gpu.md). Sources, best first:
/// `AIARTS_GPU_FIXTURE` (a JSON file, read on every snapshot), NVML (libnvidia-ml via dlopen),
/// `nvidia-smi` on PATH, else none (with the reason). The source is chosen on the first snapshot
/// and kept. Every process is mapped to its owner (`GPUProcessOwners`). Thread-safe.
public final class GPUMonitor: @unchecked Sendable {
    /// How to open NVML; tests give a recorded one or a failure.
    public typealias NVMLOpener = @Sendable () -> Result<NVMLAPI, GPUSourceError>

    private enum Source {
        case nvml(NVMLReader)
        case smi(String)
        case none(String)
    }

    private let environment: [String: String]
    private let openNVML: NVMLOpener
    private let taskOwners: @Sendable () -> [GPUTaskOwner]
    private let owners: GPUProcessOwners
    private let host: HostMeter
    private let smiTimeout: Double
    private var source: Source?
    private var driverVersion: String?
    private let lock = NSLock()
    private let log = Logger(label: "aiarts.gpu")

    /// - Parameters:
    ///   - environment: where `AIARTS_GPU_FIXTURE` and `PATH` (for nvidia-smi) are looked up.
    ///   - procRoot: the proc file system for process owners and host use (tests give a fake one).
    ///   - taskOwners: the running tasks, asked on each snapshot (e.g. `workspace.gpuTaskOwners()`).
    ///   - nvml: how to open NVML; by default `NVMLLibrary.open()`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, procRoot: String = "/proc",
                taskOwners: @escaping @Sendable () -> [GPUTaskOwner] = { [] },
                nvml: NVMLOpener? = nil, smiTimeout: Double = 5) {
        self.environment = environment
        self.openNVML = nvml ?? { NVMLLibrary.open().map { $0 as NVMLAPI } }
        self.taskOwners = taskOwners
        self.owners = GPUProcessOwners(procRoot: procRoot)
        self.host = HostMeter(procRoot: procRoot)
        self.smiTimeout = smiTimeout
    }

    /// A monitor whose processes map to the running tasks of `workspace`.
    public convenience init(workspace: Workspace, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(environment: environment, taskOwners: { (try? workspace.gpuTaskOwners()) ?? [] })
    }

    /// The GPUs now. `includePCIe` adds PCIe throughput (NVML only; blocks ~20 ms per GPU and direction,
    /// so ask for it now and then). `includeHost` adds CPU and memory use (`HostUsage`).
    public func snapshot(includePCIe: Bool = false, includeHost: Bool = true) -> GPUSnapshot {
        var snapshot = readGPUs(includePCIe: includePCIe)
        if snapshot.source == .fixture {
            mapUnownedFixtureProcesses(&snapshot.gpus)
        } else if !snapshot.gpus.isEmpty {
            owners.assign(&snapshot.gpus, tasks: taskOwners())
        }
        if includeHost { snapshot.host = host.read() }
        return snapshot
    }

    /// Fixture processes that name an owner (task, user, command or foreign) keep it as written; those
    /// that give only a pid are mapped like real ones, so a demo can point at a running task's process.
    private func mapUnownedFixtureProcesses(_ gpus: inout [GPUDevice]) {
        func unowned(_ p: GPUProcess) -> Bool { p.task == nil && p.user == nil && p.command == nil && !p.foreign }
        guard gpus.contains(where: { $0.processes.contains(where: unowned) }) else { return }
        var mapped = gpus
        owners.assign(&mapped, tasks: taskOwners())
        for g in gpus.indices {
            for p in gpus[g].processes.indices where unowned(gpus[g].processes[p]) {
                gpus[g].processes[p] = mapped[g].processes[p]
            }
        }
    }

    /// The GPUs alone: no owner mapping, no host use, no PCIe.
    func gpuOnlySnapshot() -> GPUSnapshot { readGPUs(includePCIe: false) }

    /// Which source the monitor uses (choosing it now if no snapshot was taken yet).
    public var sourceInUse: GPUSource {
        if environment[GPUFixture.environmentKey].map({ !$0.isEmpty }) == true { return .fixture }
        return lock.withLock {
            switch chooseSource() {
            case .nvml: return .nvml
            case .smi: return .nvidiaSMI
            case .none: return .none
            }
        }
    }

    private func readGPUs(includePCIe: Bool) -> GPUSnapshot {
        if let path = environment[GPUFixture.environmentKey], !path.isEmpty {
            switch GPUFixture.load(path: path) {
            case .success(let fixture): return GPUSnapshot(source: .fixture, gpus: fixture.gpus, reason: fixture.reason)
            case .failure(let error): return GPUSnapshot(source: .fixture, gpus: [], reason: error.message)
            }
        }
        return lock.withLock {
            switch chooseSource() {
            case .nvml(let reader):
                switch reader.read(includePCIe: includePCIe) {
                case .success(let gpus):
                    return GPUSnapshot(source: .nvml, gpus: gpus, reason: gpus.isEmpty ? "NVML found no GPU" : nil, driverVersion: driverVersion)
                case .failure(let error):
                    return GPUSnapshot(source: .nvml, gpus: [], reason: error.message)
                }
            case .smi(let path):
                switch NvidiaSMI.read(executable: path, timeout: smiTimeout) {
                case .success(let gpus): return GPUSnapshot(source: .nvidiaSMI, gpus: gpus)
                case .failure(let error): return GPUSnapshot(source: .nvidiaSMI, gpus: [], reason: error.message)
                }
            case .none(let reason):
                return GPUSnapshot(source: .none, gpus: [], reason: reason)
            }
        }
    }

    /// Called with the lock held.
    private func chooseSource() -> Source {
        if let source { return source }
        let chosen: Source
        let nvmlProblem: String
        switch openNVML() {
        case .success(let api):
            let reader = NVMLReader(api: api)
            switch reader.start() {
            case .success:
                driverVersion = reader.driverVersion()
                source = .nvml(reader)
                log.debug("GPU source: NVML (driver \(driverVersion ?? "?"))")
                return .nvml(reader)
            case .failure(let error): nvmlProblem = error.message
            }
        case .failure(let error): nvmlProblem = error.message
        }
        if let smi = NvidiaSMI.find(path: environment["PATH"]) {
            chosen = .smi(smi)
            log.debug("GPU source: \(smi) (\(nvmlProblem))")
        } else {
            chosen = .none("\(nvmlProblem) and no nvidia-smi on PATH")
        }
        source = chosen
        return chosen
    }
}

import Foundation

/// What the GPU monitor saw at one moment (docs/gpu.md). Every measured field is optional: nil means
/// the driver did not report it (NOT_SUPPORTED, no permission, any error); show it as "n/a".
public struct GPUSnapshot: Codable, Sendable, Equatable {
    public var time: Date
    /// Where the figures came from.
    public var source: GPUSource
    public var gpus: [GPUDevice]
    /// Why there are no GPUs (or why a richer source was not used), in words; nil when all is well.
    public var reason: String?
    /// The driver version, when the source reports it.
    public var driverVersion: String?
    /// CPU and memory use of this machine, for a pane to show when there is no GPU. Filled in by
    /// `GPUMonitor.snapshot(includeHost:)` and by the sampler.
    public var host: HostUsage?

    public init(time: Date = Date(), source: GPUSource, gpus: [GPUDevice], reason: String? = nil,
                driverVersion: String? = nil, host: HostUsage? = nil) {
        self.time = time; self.source = source; self.gpus = gpus; self.reason = reason
        self.driverVersion = driverVersion; self.host = host
    }

    /// The GPU with this index, if reported.
    public func gpu(index: Int) -> GPUDevice? { gpus.first { $0.index == index } }

    enum CodingKeys: String, CodingKey {
        case time, source, gpus, reason, host
        case driverVersion = "driver_version"
    }
}

/// Where a snapshot's figures came from, best first.
public enum GPUSource: String, Codable, Sendable, Equatable {
    /// `AIARTS_GPU_FIXTURE`: a JSON file describing GPUs (tests and demos).
    case fixture
    /// libnvidia-ml, loaded at run time.
    case nvml
    /// `nvidia-smi --query-gpu ... --format=csv` (when NVML cannot be loaded).
    case nvidiaSMI = "nvidia-smi"
    /// No GPU found; `GPUSnapshot.reason` says why.
    case none
}

/// One GPU. Sizes are bytes, rates percent, temperature °C, power watts, clocks MHz.
public struct GPUDevice: Codable, Sendable, Equatable {
    /// The driver's index (as nvidia-smi and CUDA_VISIBLE_DEVICES number GPUs by default).
    public var index: Int
    public var name: String
    /// "GPU-…" as the driver reports it; stable across reboots, unlike the index.
    public var uuid: String
    public var memoryTotal: UInt64?
    public var memoryUsed: UInt64?
    public var memoryFree: UInt64?
    /// Percent of the last sample period in which a kernel ran.
    public var utilization: Int?
    /// Percent of the last sample period in which device memory was read or written.
    public var memoryUtilization: Int?
    public var temperature: Int?
    /// Power draw, watts.
    public var power: Double?
    /// The enforced power limit, watts.
    public var powerLimit: Double?
    /// Fan speed, percent of its maximum (nil on passively cooled boards).
    public var fanSpeed: Int?
    public var clockGraphics: Int?
    public var clockSM: Int?
    public var clockMemory: Int?
    /// PCIe throughput, bytes per second; sampled rarely (each read blocks about 20 ms).
    public var pcieTx: UInt64?
    public var pcieRx: UInt64?
    /// MIG mode now (nil where the GPU has no MIG).
    public var migEnabled: Bool?
    public var migInstances: [GPUMIGInstance]
    public var processes: [GPUProcess]

    public init(index: Int, name: String, uuid: String, memoryTotal: UInt64? = nil, memoryUsed: UInt64? = nil,
                memoryFree: UInt64? = nil, utilization: Int? = nil, memoryUtilization: Int? = nil,
                temperature: Int? = nil, power: Double? = nil, powerLimit: Double? = nil, fanSpeed: Int? = nil,
                clockGraphics: Int? = nil, clockSM: Int? = nil, clockMemory: Int? = nil,
                pcieTx: UInt64? = nil, pcieRx: UInt64? = nil, migEnabled: Bool? = nil,
                migInstances: [GPUMIGInstance] = [], processes: [GPUProcess] = []) {
        self.index = index; self.name = name; self.uuid = uuid
        self.memoryTotal = memoryTotal; self.memoryUsed = memoryUsed; self.memoryFree = memoryFree
        self.utilization = utilization; self.memoryUtilization = memoryUtilization
        self.temperature = temperature; self.power = power; self.powerLimit = powerLimit; self.fanSpeed = fanSpeed
        self.clockGraphics = clockGraphics; self.clockSM = clockSM; self.clockMemory = clockMemory
        self.pcieTx = pcieTx; self.pcieRx = pcieRx; self.migEnabled = migEnabled
        self.migInstances = migInstances; self.processes = processes
    }

    /// Free memory: as reported, else total − used when both are known.
    public var memoryAvailable: UInt64? {
        if let memoryFree { return memoryFree }
        if let memoryTotal, let memoryUsed { return memoryTotal >= memoryUsed ? memoryTotal - memoryUsed : 0 }
        return nil
    }

    /// Used memory as a fraction 0...1 (for a memory bar), when total and used are known.
    public var memoryFraction: Double? {
        guard let memoryTotal, let memoryUsed, memoryTotal > 0 else { return nil }
        return min(1, Double(memoryUsed) / Double(memoryTotal))
    }

    enum CodingKeys: String, CodingKey {
        case index, name, uuid, utilization, temperature, power, processes
        case memoryTotal = "memory_total", memoryUsed = "memory_used", memoryFree = "memory_free"
        case memoryUtilization = "memory_utilization"
        case powerLimit = "power_limit", fanSpeed = "fan_speed"
        case clockGraphics = "clock_graphics", clockSM = "clock_sm", clockMemory = "clock_memory"
        case pcieTx = "pcie_tx", pcieRx = "pcie_rx"
        case migEnabled = "mig_enabled", migInstances = "mig_instances"
    }

    /// Lenient: only what is present is read, so a hand-written fixture may give just a few keys.
    /// A missing index is taken from the GPU's place in the list by `GPUFixture`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decodeIfPresent(Int.self, forKey: .index) ?? -1
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        uuid = try c.decodeIfPresent(String.self, forKey: .uuid) ?? ""
        memoryTotal = try c.decodeIfPresent(UInt64.self, forKey: .memoryTotal)
        memoryUsed = try c.decodeIfPresent(UInt64.self, forKey: .memoryUsed)
        memoryFree = try c.decodeIfPresent(UInt64.self, forKey: .memoryFree)
        utilization = try c.decodeIfPresent(Int.self, forKey: .utilization)
        memoryUtilization = try c.decodeIfPresent(Int.self, forKey: .memoryUtilization)
        temperature = try c.decodeIfPresent(Int.self, forKey: .temperature)
        power = try c.decodeIfPresent(Double.self, forKey: .power)
        powerLimit = try c.decodeIfPresent(Double.self, forKey: .powerLimit)
        fanSpeed = try c.decodeIfPresent(Int.self, forKey: .fanSpeed)
        clockGraphics = try c.decodeIfPresent(Int.self, forKey: .clockGraphics)
        clockSM = try c.decodeIfPresent(Int.self, forKey: .clockSM)
        clockMemory = try c.decodeIfPresent(Int.self, forKey: .clockMemory)
        pcieTx = try c.decodeIfPresent(UInt64.self, forKey: .pcieTx)
        pcieRx = try c.decodeIfPresent(UInt64.self, forKey: .pcieRx)
        migEnabled = try c.decodeIfPresent(Bool.self, forKey: .migEnabled)
        migInstances = try c.decodeIfPresent([GPUMIGInstance].self, forKey: .migInstances) ?? []
        processes = try c.decodeIfPresent([GPUProcess].self, forKey: .processes) ?? []
    }

    /// Writes every key, null where the value is not known ("n/a"), so scripts see a fixed shape.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(name, forKey: .name)
        try c.encode(uuid, forKey: .uuid)
        try c.encode(memoryTotal, forKey: .memoryTotal)
        try c.encode(memoryUsed, forKey: .memoryUsed)
        try c.encode(memoryFree, forKey: .memoryFree)
        try c.encode(utilization, forKey: .utilization)
        try c.encode(memoryUtilization, forKey: .memoryUtilization)
        try c.encode(temperature, forKey: .temperature)
        try c.encode(power, forKey: .power)
        try c.encode(powerLimit, forKey: .powerLimit)
        try c.encode(fanSpeed, forKey: .fanSpeed)
        try c.encode(clockGraphics, forKey: .clockGraphics)
        try c.encode(clockSM, forKey: .clockSM)
        try c.encode(clockMemory, forKey: .clockMemory)
        try c.encode(pcieTx, forKey: .pcieTx)
        try c.encode(pcieRx, forKey: .pcieRx)
        try c.encode(migEnabled, forKey: .migEnabled)
        try c.encode(migInstances, forKey: .migInstances)
        try c.encode(processes, forKey: .processes)
    }
}

/// A MIG instance (a slice of a GPU with its own memory), when MIG is enabled.
public struct GPUMIGInstance: Codable, Sendable, Equatable {
    public var uuid: String
    public var name: String?
    public var gpuInstanceID: Int?
    public var computeInstanceID: Int?
    public var memoryTotal: UInt64?
    public var memoryUsed: UInt64?
    public var memoryFree: UInt64?

    public init(uuid: String, name: String? = nil, gpuInstanceID: Int? = nil, computeInstanceID: Int? = nil,
                memoryTotal: UInt64? = nil, memoryUsed: UInt64? = nil, memoryFree: UInt64? = nil) {
        self.uuid = uuid; self.name = name; self.gpuInstanceID = gpuInstanceID; self.computeInstanceID = computeInstanceID
        self.memoryTotal = memoryTotal; self.memoryUsed = memoryUsed; self.memoryFree = memoryFree
    }

    enum CodingKeys: String, CodingKey {
        case uuid, name
        case gpuInstanceID = "gpu_instance_id", computeInstanceID = "compute_instance_id"
        case memoryTotal = "memory_total", memoryUsed = "memory_used", memoryFree = "memory_free"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uuid = try c.decodeIfPresent(String.self, forKey: .uuid) ?? ""
        name = try c.decodeIfPresent(String.self, forKey: .name)
        gpuInstanceID = try c.decodeIfPresent(Int.self, forKey: .gpuInstanceID)
        computeInstanceID = try c.decodeIfPresent(Int.self, forKey: .computeInstanceID)
        memoryTotal = try c.decodeIfPresent(UInt64.self, forKey: .memoryTotal)
        memoryUsed = try c.decodeIfPresent(UInt64.self, forKey: .memoryUsed)
        memoryFree = try c.decodeIfPresent(UInt64.self, forKey: .memoryFree)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uuid, forKey: .uuid)
        try c.encode(name, forKey: .name)
        try c.encode(gpuInstanceID, forKey: .gpuInstanceID)
        try c.encode(computeInstanceID, forKey: .computeInstanceID)
        try c.encode(memoryTotal, forKey: .memoryTotal)
        try c.encode(memoryUsed, forKey: .memoryUsed)
        try c.encode(memoryFree, forKey: .memoryFree)
    }
}

/// A compute process on a GPU and whom it belongs to (`GPUProcessOwners`).
public struct GPUProcess: Codable, Sendable, Equatable {
    public var pid: Int32
    /// GPU memory it holds, bytes (nil where the driver does not say, e.g. under some vGPU/WDDM setups).
    public var memory: UInt64?
    /// The aiarts task whose process tree holds it.
    public var task: String?
    /// Its owner's user name (or uid as text when the name is unknown).
    public var user: String?
    /// Its command line, control characters removed.
    public var command: String?
    /// True when the pid is not in this machine's /proc (another PID namespace, e.g. a container):
    /// nothing else is said about it, rather than naming an unrelated process that has that pid here.
    public var foreign: Bool
    /// The MIG instance it runs in, when MIG is enabled.
    public var gpuInstanceID: Int?
    public var computeInstanceID: Int?

    public init(pid: Int32, memory: UInt64? = nil, task: String? = nil, user: String? = nil, command: String? = nil,
                foreign: Bool = false, gpuInstanceID: Int? = nil, computeInstanceID: Int? = nil) {
        self.pid = pid; self.memory = memory; self.task = task; self.user = user; self.command = command
        self.foreign = foreign; self.gpuInstanceID = gpuInstanceID; self.computeInstanceID = computeInstanceID
    }

    enum CodingKeys: String, CodingKey {
        case pid, memory, task, user, command, foreign
        case gpuInstanceID = "gpu_instance_id", computeInstanceID = "compute_instance_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pid = try c.decode(Int32.self, forKey: .pid)
        memory = try c.decodeIfPresent(UInt64.self, forKey: .memory)
        task = try c.decodeIfPresent(String.self, forKey: .task)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        foreign = try c.decodeIfPresent(Bool.self, forKey: .foreign) ?? false
        gpuInstanceID = try c.decodeIfPresent(Int.self, forKey: .gpuInstanceID)
        computeInstanceID = try c.decodeIfPresent(Int.self, forKey: .computeInstanceID)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid)
        try c.encode(memory, forKey: .memory)
        try c.encode(task, forKey: .task)
        try c.encode(user, forKey: .user)
        try c.encode(command, forKey: .command)
        try c.encode(foreign, forKey: .foreign)
        try c.encode(gpuInstanceID, forKey: .gpuInstanceID)
        try c.encode(computeInstanceID, forKey: .computeInstanceID)
    }
}

/// CPU and memory use of the machine (/proc/stat, /proc/meminfo).
public struct HostUsage: Codable, Sendable, Equatable {
    public var cpus: Int
    /// Percent of all CPUs busy since the previous reading (nil on the first reading).
    public var cpuPercent: Double?
    public var memoryTotal: UInt64?
    /// MemAvailable: what new work can use without swapping.
    public var memoryAvailable: UInt64?

    public init(cpus: Int, cpuPercent: Double? = nil, memoryTotal: UInt64? = nil, memoryAvailable: UInt64? = nil) {
        self.cpus = cpus; self.cpuPercent = cpuPercent; self.memoryTotal = memoryTotal; self.memoryAvailable = memoryAvailable
    }

    public var memoryUsed: UInt64? {
        guard let memoryTotal, let memoryAvailable else { return nil }
        return memoryTotal >= memoryAvailable ? memoryTotal - memoryAvailable : 0
    }

    enum CodingKeys: String, CodingKey {
        case cpus
        case cpuPercent = "cpu_percent", memoryTotal = "memory_total", memoryAvailable = "memory_available"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cpus, forKey: .cpus)
        try c.encode(cpuPercent, forKey: .cpuPercent)
        try c.encode(memoryTotal, forKey: .memoryTotal)
        try c.encode(memoryAvailable, forKey: .memoryAvailable)
    }
}

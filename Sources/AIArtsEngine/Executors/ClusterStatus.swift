import Foundation

/// A Slurm cluster as aiarts shows it (`aiarts cluster`, the UI's GPU pane, the Django dialect's
/// `/runtime/kubernetes/`): its partitions, its nodes with their state and what is allocated on them,
/// and the jobs on it with the aiarts task each belongs to. Read by `Workspace.clusterStatus(executor:)`
/// from three calls (`scontrol show partition -o`, `scontrol show node -o`, one `squeue`), parsed by
/// `ClusterParse`'s pure functions. Every text from Slurm is cleaned of escape sequences and controls.
public struct ClusterStatus: Codable, Sendable, Equatable {
    public var time: Date
    /// The executor whose partition filtered this view; nil: the whole cluster.
    public var executor: String?
    /// The partition the view is limited to (the executor's), if any.
    public var partition: String?
    public var partitions: [ClusterPartition]
    public var nodes: [ClusterNode]
    public var jobs: [ClusterJob]
    /// Lines of Slurm's output that could not be read and were left out.
    public var skippedLines: Int

    public init(time: Date = Date(), executor: String? = nil, partition: String? = nil, partitions: [ClusterPartition],
                nodes: [ClusterNode], jobs: [ClusterJob], skippedLines: Int = 0) {
        self.time = time; self.executor = executor; self.partition = partition
        self.partitions = partitions; self.nodes = nodes; self.jobs = jobs; self.skippedLines = skippedLines
    }

    /// The jobs running (or completing, or suspended) on a node, by its name (their node lists expanded).
    public func jobs(on node: String) -> [ClusterJob] {
        jobs.filter { $0.nodeNames.contains(node) }
    }

    /// GPUs of all nodes: allocated and total.
    public var gpusAllocated: Int { nodes.reduce(0) { $0 + $1.gpusAllocated } }
    public var gpusTotal: Int { nodes.reduce(0) { $0 + $1.gpusTotal } }

    enum CodingKeys: String, CodingKey {
        case time, executor, partition, partitions, nodes, jobs
        case skippedLines = "skipped_lines"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time, forKey: .time); try c.encode(executor, forKey: .executor); try c.encode(partition, forKey: .partition)
        try c.encode(partitions, forKey: .partitions); try c.encode(nodes, forKey: .nodes); try c.encode(jobs, forKey: .jobs)
        try c.encode(skippedLines, forKey: .skippedLines)
    }
}

public struct ClusterPartition: Codable, Sendable, Equatable {
    public var name: String
    /// UP, DOWN, DRAIN or INACTIVE, as Slurm says it.
    public var state: String
    public var isDefault: Bool
    public var nodeCount: Int
    public var cpuCount: Int?
    /// The longest a job may run: Slurm's form ("UNLIMITED", "1-00:00:00", "30:00").
    public var timeLimit: String
    /// The node list expression ("node[1-4]"), as Slurm says it.
    public var nodeList: String

    public init(name: String, state: String, isDefault: Bool, nodeCount: Int, cpuCount: Int?, timeLimit: String, nodeList: String) {
        self.name = name; self.state = state; self.isDefault = isDefault; self.nodeCount = nodeCount
        self.cpuCount = cpuCount; self.timeLimit = timeLimit; self.nodeList = nodeList
    }

    enum CodingKeys: String, CodingKey {
        case name, state
        case isDefault = "default"
        case nodeCount = "node_count"
        case cpuCount = "cpu_count"
        case timeLimit = "time_limit"
        case nodeList = "node_list"
    }
}

public struct ClusterNode: Codable, Sendable, Equatable {
    public var name: String
    /// NodeAddr and NodeHostName (often the name itself).
    public var address: String?
    public var hostname: String?
    /// The base state in lower case: idle, mixed, allocated, down, future, unknown …
    public var state: String
    /// The state's flags in lower case: drain, not_responding, completing, maint, reserved, power_down …
    public var flags: [String]
    /// Why the node is drained or down (cleaned), with who set it and when, when Slurm gives one.
    public var reason: String?
    public var partitions: [String]
    public var cpusAllocated: Int
    public var cpusTotal: Int
    /// Megabytes, as Slurm counts them.
    public var memoryAllocatedMB: Int
    public var memoryTotalMB: Int
    public var memoryFreeMB: Int?
    public var gpusAllocated: Int
    public var gpusTotal: Int
    /// GPU types from the node's gres ("a100"), empty for untyped GPUs.
    public var gpuTypes: [String]
    /// The node's load average (CPULoad), when reported.
    public var load: Double?
    public var architecture: String?
    public var operatingSystem: String?
    public var slurmVersion: String?
    public var bootTime: String?
    public var slurmdStartTime: String?

    public init(name: String, address: String? = nil, hostname: String? = nil, state: String, flags: [String] = [], reason: String? = nil,
                partitions: [String] = [], cpusAllocated: Int = 0, cpusTotal: Int = 0, memoryAllocatedMB: Int = 0, memoryTotalMB: Int = 0,
                memoryFreeMB: Int? = nil, gpusAllocated: Int = 0, gpusTotal: Int = 0, gpuTypes: [String] = [], load: Double? = nil,
                architecture: String? = nil, operatingSystem: String? = nil, slurmVersion: String? = nil,
                bootTime: String? = nil, slurmdStartTime: String? = nil) {
        self.name = name; self.address = address; self.hostname = hostname; self.state = state; self.flags = flags
        self.reason = reason; self.partitions = partitions; self.cpusAllocated = cpusAllocated; self.cpusTotal = cpusTotal
        self.memoryAllocatedMB = memoryAllocatedMB; self.memoryTotalMB = memoryTotalMB; self.memoryFreeMB = memoryFreeMB
        self.gpusAllocated = gpusAllocated; self.gpusTotal = gpusTotal; self.gpuTypes = gpuTypes; self.load = load
        self.architecture = architecture; self.operatingSystem = operatingSystem; self.slurmVersion = slurmVersion
        self.bootTime = bootTime; self.slurmdStartTime = slurmdStartTime
    }

    /// The state as `sinfo` writes it: "idle", "mixed+drain", "down+not_responding".
    public var stateText: String { ([state] + flags).joined(separator: "+") }

    /// Whether Slurm would start new jobs here: not down, failed or unknown, and not drained,
    /// failing, in maintenance, powered down or not responding.
    public var acceptsJobs: Bool {
        let badStates: Set = ["down", "error", "fail", "failing", "unknown", "future"]
        let badFlags: Set = ["drain", "fail", "maint", "not_responding", "power_down", "powered_down", "powering_down",
                             "reboot_requested", "reboot_issued", "inval"]
        return !badStates.contains(state) && flags.allSatisfy { !badFlags.contains($0) }
    }

    enum CodingKeys: String, CodingKey {
        case name, address, hostname, state, flags, reason, partitions, load
        case cpusAllocated = "cpus_allocated"
        case cpusTotal = "cpus_total"
        case memoryAllocatedMB = "memory_allocated_mb"
        case memoryTotalMB = "memory_total_mb"
        case memoryFreeMB = "memory_free_mb"
        case gpusAllocated = "gpus_allocated"
        case gpusTotal = "gpus_total"
        case gpuTypes = "gpu_types"
        case architecture
        case operatingSystem = "os"
        case slurmVersion = "slurm_version"
        case bootTime = "boot_time"
        case slurmdStartTime = "slurmd_start_time"
    }

    /// Every key is written, an unknown value as null, so the JSON's shape does not change with the node.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(address, forKey: .address); try c.encode(hostname, forKey: .hostname)
        try c.encode(state, forKey: .state); try c.encode(flags, forKey: .flags); try c.encode(reason, forKey: .reason)
        try c.encode(partitions, forKey: .partitions); try c.encode(cpusAllocated, forKey: .cpusAllocated)
        try c.encode(cpusTotal, forKey: .cpusTotal); try c.encode(memoryAllocatedMB, forKey: .memoryAllocatedMB)
        try c.encode(memoryTotalMB, forKey: .memoryTotalMB); try c.encode(memoryFreeMB, forKey: .memoryFreeMB)
        try c.encode(gpusAllocated, forKey: .gpusAllocated); try c.encode(gpusTotal, forKey: .gpusTotal)
        try c.encode(gpuTypes, forKey: .gpuTypes); try c.encode(load, forKey: .load); try c.encode(architecture, forKey: .architecture)
        try c.encode(operatingSystem, forKey: .operatingSystem); try c.encode(slurmVersion, forKey: .slurmVersion)
        try c.encode(bootTime, forKey: .bootTime); try c.encode(slurmdStartTime, forKey: .slurmdStartTime)
    }
}

public struct ClusterJob: Codable, Sendable, Equatable {
    /// Slurm's job id ("1234", or "1234_5" for an array task).
    public var id: String
    public var name: String
    public var user: String
    /// Slurm's state in upper case: PENDING, RUNNING, COMPLETING, SUSPENDED …
    public var state: String
    public var partition: String
    /// The node list expression ("node[1-2]"); empty while pending.
    public var nodeList: String
    /// The node list expanded (at most `ClusterParse.hostlistLimit` names).
    public var nodeNames: [String]
    public var nodeCount: Int?
    /// CPUs asked for (allocated, once running), over all its nodes.
    public var cpus: Int?
    /// Memory asked for, in Slurm's form ("100M", "4G"; per node, or per CPU when asked so); nil: none asked.
    public var memory: String?
    /// GPUs asked for, over all its nodes (0 when none).
    public var gpus: Int
    /// Why a pending job waits (Priority, Resources …); nil when Slurm says None.
    public var reason: String?
    /// Time used so far, in Slurm's form.
    public var elapsed: String
    /// The aiarts task of this workspace the job runs, matched by its job id (never by name alone).
    public var task: String?

    public init(id: String, name: String, user: String, state: String, partition: String, nodeList: String, nodeNames: [String],
                nodeCount: Int?, cpus: Int? = nil, memory: String? = nil, gpus: Int, reason: String?, elapsed: String, task: String? = nil) {
        self.id = id; self.name = name; self.user = user; self.state = state; self.partition = partition
        self.nodeList = nodeList; self.nodeNames = nodeNames; self.nodeCount = nodeCount; self.cpus = cpus; self.memory = memory; self.gpus = gpus
        self.reason = reason; self.elapsed = elapsed; self.task = task
    }

    enum CodingKeys: String, CodingKey {
        case id, name, user, state, partition, cpus, memory, gpus, reason, elapsed, task
        case nodeList = "node_list"
        case nodeNames = "node_names"
        case nodeCount = "node_count"
    }

    /// Every key is written, an unknown value (a job of no task here, no reason) as null.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(name, forKey: .name); try c.encode(user, forKey: .user)
        try c.encode(state, forKey: .state); try c.encode(partition, forKey: .partition); try c.encode(nodeList, forKey: .nodeList)
        try c.encode(nodeNames, forKey: .nodeNames); try c.encode(nodeCount, forKey: .nodeCount); try c.encode(cpus, forKey: .cpus)
        try c.encode(memory, forKey: .memory); try c.encode(gpus, forKey: .gpus); try c.encode(reason, forKey: .reason)
        try c.encode(elapsed, forKey: .elapsed); try c.encode(task, forKey: .task)
    }
}

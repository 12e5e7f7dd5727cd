import AIArtsEngine
import Foundation
import Hummingbird

/// The platform's `/runtime/kubernetes/`: the nodes aiarts runs tasks on, each in the shape its
/// document gives (a Kubernetes node description: Addresses, Conditions, Capacity, Allocatable,
/// Non-terminated Pods, System Info). With a Slurm executor in the workspace they are the cluster's
/// nodes (`Workspace.clusterStatus`; `?executor=NAME` limits them to its partition); without one,
/// this machine is the one node. The answer is a list of nodes; `?node=NAME` answers that node's
/// object alone, as the document shows one. Slurm states map onto conditions as in docs/api.md.
enum DjangoRuntimeRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        let runtime = router.djangoGroup("runtime")
        runtime.get("kubernetes/") { request, context in try await kubernetes(request, context, environment) }
    }

    /// What the engine read: the cluster, or this machine and the tasks running on it.
    enum View: Sendable {
        case cluster(ClusterStatus, addresses: [String: String])
        case local(SystemInfo, address: String?, tasks: [TaskRecord], gpusInUse: Int)
    }

    static func kubernetes(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.read)
        let query = request.queryParameters
        let executor = query["executor"].flatMap { $0.isEmpty ? nil : $0 }
        let view = try await environment.engine { workspace -> View in
            let slurm = try workspace.hasSlurmExecutor()
            if executor != nil || slurm {
                let status = try workspace.clusterStatus(executor: executor)
                var addresses: [String: String] = [:]
                for node in status.nodes.prefix(256) { addresses[node.name] = HostAddress.ipv4(of: node.address ?? node.name) }
                return .cluster(status, addresses: addresses)
            }
            let snapshot = GPUMonitor(workspace: workspace).snapshot(includeHost: false)
            let tasks = try workspace.tasks().filter { ["running", "paused", "stopping"].contains($0.status) }
            return .local(SystemInfo.current(gpus: snapshot), address: HostAddress.local(),
                          tasks: tasks, gpusInUse: snapshot.gpus.filter { !$0.processes.isEmpty }.count)
        }
        let now = Date()
        var nodes: [(name: String, object: [String: Any])]
        switch view {
        case .cluster(let status, let addresses):
            nodes = status.nodes.map { ($0.name, nodeObject($0, in: status, address: addresses[$0.name], now: now)) }
        case .local(let info, let address, let tasks, let gpusInUse):
            nodes = [(info.hostname, localObject(info, address: address, tasks: tasks, gpusInUse: gpusInUse, now: now))]
        }
        if let name = query["node"] {
            guard let node = nodes.first(where: { $0.name == name }) else {
                throw APIError.notFound("no node named \(name.prefix(100)) (GET /runtime/kubernetes/ lists them)")
            }
            return JSONOut.response(node.object)
        }
        return JSONOut.response(nodes.map(\.object))
    }

    // MARK: Slurm nodes

    /// A Slurm node in the document's shape. Conditions: Ready (True while Slurm would start jobs
    /// there; the Reason is Slurm's state, the Message its reason), SchedulingDisabled (drain),
    /// NotResponding, and MemoryPressure from FreeMem where Slurm reports it. Disk conditions are
    /// left out: Slurm does not report them.
    static func nodeObject(_ node: ClusterNode, in status: ClusterStatus, address: String?, now: Date) -> [String: Any] {
        let heartbeat = kubeTime(status.time)
        let slurmd = node.slurmdStartTime.flatMap(slurmDate).map(kubeTime) ?? heartbeat
        let reasonTime = node.reason.flatMap(reasonDate).map(kubeTime) ?? slurmd
        func condition(_ type: String, _ on: Bool, reason: String, message: String, since: String) -> [String: Any] {
            ["Type": type, "Status": on ? "True" : "False", "Reason": reason, "Message": message,
             "LastHeartbeatTime": heartbeat, "LastTransitionTime": since]
        }
        let notResponding = node.flags.contains("not_responding")
        var conditions: [[String: Any]] = []
        if let free = node.memoryFreeMB, node.memoryTotalMB > 0 {
            let low = Double(free) < Double(node.memoryTotalMB) * 0.05
            conditions.append(condition("MemoryPressure", low, reason: low ? "SlurmFreeMemLow" : "SlurmFreeMemSufficient",
                                        message: "\(free) MB free of \(node.memoryTotalMB) MB", since: heartbeat))
        }
        let drained = node.flags.contains("drain")
        conditions.append(condition("SchedulingDisabled", drained, reason: drained ? "SlurmDrain" : "SlurmNotDrained",
                                    message: drained ? (node.reason ?? "drained") : "not drained", since: drained ? reasonTime : slurmd))
        conditions.append(condition("NotResponding", notResponding, reason: notResponding ? "SlurmdNotResponding" : "SlurmdResponding",
                                    message: notResponding ? "slurmctld cannot reach slurmd" : "slurmd answers slurmctld", since: notResponding ? reasonTime : slurmd))
        conditions.append(condition("Ready", node.acceptsJobs, reason: node.stateText.uppercased(),
                                    message: node.reason ?? (node.acceptsJobs ? "Slurm starts jobs on this node" : "Slurm starts no jobs on this node"),
                                    since: node.acceptsJobs ? slurmd : reasonTime))
        var capacity: [String: Any] = ["cpu": String(node.cpusTotal), "memory": "\(node.memoryTotalMB * 1024)Ki"]
        if node.gpusTotal > 0 { capacity["nvidia.com/gpu"] = String(node.gpusTotal) }
        var allocated: [String: Any] = ["cpu": share(node.cpusAllocated, of: node.cpusTotal),
                                        "memory": "\(node.memoryAllocatedMB * 1024)Ki (\(percent(node.memoryAllocatedMB, of: node.memoryTotalMB))%)"]
        if node.gpusTotal > 0 { allocated["nvidia.com/gpu"] = share(node.gpusAllocated, of: node.gpusTotal) }
        let pods: [[String: Any]] = status.jobs(on: node.name).map { job in
            let nodes = max(1, job.nodeCount ?? 1)
            let cpus = job.cpus.map { share($0 / nodes, of: node.cpusTotal) } ?? "0 (0%)"
            let memory = job.memory.map { m in megabytes(m).map { "\(m) (\(percent($0, of: node.memoryTotalMB))%)" } ?? m } ?? "0 (0%)"
            var pod: [String: Any] = ["Name": job.name, "Namespace": job.partition, "CPU Requests": cpus, "CPU Limits": cpus,
                                      "Memory Requests": memory, "Memory Limits": memory, "Job ID": job.id, "User": job.user,
                                      "State": job.state, "Task": job.task as Any? ?? NSNull()]
            if job.gpus > 0 { pod["GPU Requests"] = String(job.gpus / nodes) }
            return pod
        }
        let os = node.operatingSystem ?? ""
        let words = os.split(separator: " ")
        return [
            "Name": node.name,
            "Addresses": ["Hostname": node.hostname ?? node.name, "InternalIP": address ?? node.address ?? node.name],
            "Conditions": conditions,
            "Capacity": capacity,
            "Allocatable": capacity,
            "Allocated resources": allocated,
            "Non-terminated Pods": pods,
            "Unschedulable": !node.acceptsJobs,
            "Partitions": node.partitions,
            "System Info": [
                "Architecture": node.architecture ?? "", "Operating System": words.first.map { $0.lowercased() } ?? "",
                "Kernel Version": words.count > 1 ? String(words[1]) : "", "OS Image": os,
                "Slurm Version": node.slurmVersion ?? "", "Boot Time": node.bootTime ?? "",
            ] as [String: Any],
        ]
    }

    // MARK: This machine

    /// This machine as the one node: Ready True (aiarts runs tasks here), MemoryPressure from
    /// MemAvailable, the running tasks as its pods, GPUs from the engine's GPU state.
    static func localObject(_ info: SystemInfo, address: String?, tasks: [TaskRecord], gpusInUse: Int, now: Date) -> [String: Any] {
        let time = kubeTime(now)
        let totalKi = info.memoryBytes / 1024
        var conditions: [[String: Any]] = []
        if let available = info.memoryAvailableBytes, info.memoryBytes > 0 {
            let low = Double(available) < Double(info.memoryBytes) * 0.05
            conditions.append(["Type": "MemoryPressure", "Status": low ? "True" : "False",
                               "Reason": low ? "MemAvailableLow" : "MemAvailableSufficient",
                               "Message": "\(available / 1_048_576) MB available of \(info.memoryBytes / 1_048_576) MB",
                               "LastHeartbeatTime": time, "LastTransitionTime": time])
        }
        conditions.append(["Type": "Ready", "Status": "True", "Reason": "AiartsLocal",
                           "Message": "aiarts runs tasks on this machine (no Slurm executor in the workspace)",
                           "LastHeartbeatTime": time, "LastTransitionTime": time])
        var capacity: [String: Any] = ["cpu": String(info.cpus), "memory": "\(totalKi)Ki"]
        if !info.gpus.isEmpty { capacity["nvidia.com/gpu"] = String(info.gpus.count) }
        var allocated: [String: Any] = [:]
        if let available = info.memoryAvailableBytes {
            let used = info.memoryBytes > available ? info.memoryBytes - available : 0
            allocated["memory"] = "\(used / 1024)Ki (\(info.memoryBytes > 0 ? Int(Double(used) * 100 / Double(info.memoryBytes)) : 0)%)"
        }
        if !info.gpus.isEmpty { allocated["nvidia.com/gpu"] = share(gpusInUse, of: info.gpus.count) }
        let pods: [[String: Any]] = tasks.map { task in
            ["Name": task.name, "Namespace": task.projectId, "Task": task.id, "State": task.status,
             "CPU Requests": "0 (0%)", "CPU Limits": "0 (0%)", "Memory Requests": "0 (0%)", "Memory Limits": "0 (0%)"]
        }
        let words = info.os.split(separator: " ")
        return [
            "Name": info.hostname,
            "Addresses": ["Hostname": info.hostname, "InternalIP": address ?? "127.0.0.1"],
            "Conditions": conditions,
            "Capacity": capacity,
            "Allocatable": capacity,
            "Allocated resources": allocated,
            "Non-terminated Pods": pods,
            "Unschedulable": false,
            "System Info": [
                "Architecture": Self.architecture, "Operating System": "linux", "OS Image": info.os,
                "Kernel Version": words.count > 1 ? String(words[1]) : "",
                "GPU Driver Version": info.driverVersion ?? "",
            ] as [String: Any],
        ]
    }

    #if arch(x86_64)
    static let architecture = "amd64"
    #elseif arch(arm64)
    static let architecture = "arm64"
    #else
    static let architecture = "unknown"
    #endif

    // MARK: Formats

    /// "1 (50%)".
    static func share(_ used: Int, of total: Int) -> String { "\(used) (\(percent(used, of: total))%)" }

    static func percent(_ used: Int, of total: Int) -> Int {
        total > 0 ? Int((Double(used) * 100 / Double(total)).rounded()) : 0
    }

    /// Slurm's memory form ("100M", "4G", "1T", "512K", "100") in megabytes.
    static func megabytes(_ text: String) -> Int? {
        var digits = text
        var factor = 1.0
        switch digits.last {
        case "K"?: factor = 1.0 / 1024; digits.removeLast()
        case "M"?: digits.removeLast()
        case "G"?: factor = 1024; digits.removeLast()
        case "T"?: factor = 1024 * 1024; digits.removeLast()
        default: break
        }
        guard let n = Double(digits), n.isFinite, n >= 0, n < 1e12 else { return nil }
        return Int(n * factor)
    }

    /// The document's time form: "Mon, 26 Feb 2018 17:49:10 +0800".
    static func kubeTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    /// Slurm's local time "2026-12-06T16:27:52".
    static func slurmDate(_ text: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return f.date(from: text)
    }

    /// The time in a reason's "[user@2026-12-05T09:12:44]".
    static func reasonDate(_ reason: String) -> Date? {
        guard let at = reason.lastIndex(of: "@"), reason.hasSuffix("]") else { return nil }
        return slurmDate(String(reason[reason.index(after: at)..<reason.index(before: reason.endIndex)]))
    }
}

/// IPv4 addresses for the Addresses field.
enum HostAddress {
    /// A host's IPv4 address: itself when it is one, else the first getaddrinfo gives; nil when it has none.
    static func ipv4(of host: String) -> String? {
        var probe = in_addr()
        if inet_pton(AF_INET, host, &probe) == 1 { return host }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        guard let addr = first.pointee.ai_addr else { return nil }
        return text(addr)
    }

    /// This machine's first IPv4 address on an interface that is up and not loopback.
    static func local() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var item = list
        while let entry = item {
            defer { item = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard let addr = entry.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET),
                  flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0 else { continue }
            return text(addr)
        }
        return nil
    }

    private static func text(_ addr: UnsafeMutablePointer<sockaddr>) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let ok = addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
            var a = sin.pointee.sin_addr
            return inet_ntop(AF_INET, &a, &buffer, socklen_t(INET_ADDRSTRLEN)) != nil
        }
        return ok ? String(cString: buffer) : nil
    }
}

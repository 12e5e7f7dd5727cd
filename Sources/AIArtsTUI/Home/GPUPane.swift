import AIArtsEngine
import AIArtsRender
import Foundation
import Synchronization

/// The GPUs as the GPU pane shows them: memory, utilisation with its recent history, temperature
/// and power, and the processes on each with the task that owns them. Strings are sanitized here.
public struct GPUPaneData: Equatable, Sendable {
    public struct Device: Equatable, Sendable {
        public var index: Int
        public var name: String
        public var memoryUsed: UInt64?
        public var memoryTotal: UInt64?
        public var utilization: Int?
        /// 0...1, oldest first (unknown samples left out).
        public var utilizationHistory: [Double]
        public var temperature: Int?
        public var power: Double?
        public var powerLimit: Double?
        public var processes: [Process]
    }
    /// A process on a GPU: the task that owns it, or who runs it.
    public struct Process: Equatable, Sendable {
        public var gpu: Int
        public var pid: Int32
        public var memory: UInt64?
        public var task: String?
        /// User and command line, or why it is unknown (sanitized).
        public var owner: String

        public init(gpu: Int, pid: Int32, memory: UInt64?, task: String?, owner: String) {
            self.gpu = gpu; self.pid = pid; self.memory = memory; self.task = task.map(Sanitize.line); self.owner = Sanitize.line(owner)
        }

        /// "T0003 9.8G" for a task's process, "alice python train.py 2.0G" for anyone else's.
        var label: String { (task ?? owner) + (memory.map { " " + GPUPane.gib($0) } ?? "") }
    }

    /// Every process of every GPU.
    public var processes: [Process] { devices.flatMap(\.processes) }
    public var devices: [Device]
    /// Why there is no GPU (no driver, no nvidia-smi), when there is none.
    public var reason: String?
    public var cpuPercent: Double?
    public var memoryUsed: UInt64?
    public var memoryTotal: UInt64?
    /// The Slurm cluster, when the workspace has a Slurm executor (ClusterPane.swift).
    public var cluster: ClusterPaneData?

    public init(devices: [Device], reason: String? = nil, cpuPercent: Double? = nil, memoryUsed: UInt64? = nil, memoryTotal: UInt64? = nil) {
        self.devices = devices; self.reason = reason.map(Sanitize.line)
        self.cpuPercent = cpuPercent; self.memoryUsed = memoryUsed; self.memoryTotal = memoryTotal
    }

    public init(snapshot: GPUSnapshot, history: [GPUHistory] = []) {
        let devices = snapshot.gpus.map { gpu in
            Device(index: gpu.index, name: Sanitize.line(gpu.name), memoryUsed: gpu.memoryUsed, memoryTotal: gpu.memoryTotal,
                   utilization: gpu.utilization,
                   utilizationHistory: (history.first { $0.uuid == gpu.uuid }?.utilizationSeries ?? []).compactMap { $0 },
                   temperature: gpu.temperature, power: gpu.power, powerLimit: gpu.powerLimit,
                   processes: gpu.processes.map { p in
                       let who = [p.user, p.command].compactMap { $0 }.joined(separator: " ")
                       return Process(gpu: gpu.index, pid: p.pid, memory: p.memory, task: p.task,
                                      owner: p.foreign ? "pid \(p.pid) (another namespace)" : who.isEmpty ? "pid \(p.pid)" : who)
                   })
        }
        self.init(devices: devices, reason: snapshot.gpus.isEmpty ? (snapshot.reason ?? "no GPU found") : nil,
                  cpuPercent: snapshot.host?.cpuPercent, memoryUsed: snapshot.host?.memoryUsed, memoryTotal: snapshot.host?.memoryTotal)
    }

    /// Samples the GPUs once a second and posts them, with the tasks owning their processes. A
    /// machine without GPUs is read once (CPU and memory use) and not sampled: nothing to watch, so
    /// an idle UI stays idle. The Slurm cluster is read beside it on its own thread every
    /// `ClusterPaneData.interval` seconds and carried in every post. Returns what stops both.
    static func watch(workspace: Workspace, post: @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void {
        let sampler = GPUSampler(monitor: GPUMonitor(workspace: workspace))
        let stopped = Mutex(false)
        // The last GPU data and cluster read, so that either's post carries the other.
        let latest = Mutex<(gpus: GPUPaneData?, cluster: ClusterPaneData?)>((nil, nil))
        let send: @Sendable (GPUPaneData) -> Void = { data in
            var merged = data
            merged.cluster = latest.withLock { $0.gpus = data; return $0.cluster }
            post(.gpus(merged))
        }
        DispatchQueue.global(qos: .utility).async {
            let first = sampler.monitor.snapshot()
            send(GPUPaneData(snapshot: first))
            guard !first.gpus.isEmpty, !stopped.withLock({ $0 }) else { return }
            sampler.subscribe { snapshot in send(GPUPaneData(snapshot: snapshot, history: sampler.history)) }
            sampler.start()
            if stopped.withLock({ $0 }) { sampler.stop() }
        }
        let stopCluster = ClusterPaneData.poll(read: { ClusterPaneData.read(workspace) }) { cluster in
            // Before the first GPU read there is nothing to post with; that read carries it.
            guard var data = latest.withLock({ $0.cluster = cluster; return $0.gpus }) else { return }
            data.cluster = cluster
            post(.gpus(data))
        }
        return {
            stopped.withLock { $0 = true }
            sampler.stop()
            stopCluster()
        }
    }
}

/// The GPU pane: per GPU a line with its memory bar and figures, a utilisation sparkline, and its
/// processes; without GPUs, why, and the CPU and memory use instead.
struct GPUPane: Widget {
    var state: HomeState
    /// Drawn in its own box (the Home pane), or straight into the area (the GPU screen's summary).
    var framed = true
    /// Whether the pane has focus (Enter then opens the GPU screen).
    var focused = false

    static func gib(_ bytes: UInt64) -> String { String(format: "%.1fG", Double(bytes) / 1_073_741_824) }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let block = theme.block("GPU", focused: focused, ascii: state.ascii)
        if framed { buffer.render(block, in: area) }
        let inner = framed ? block.inner(area) : area
        guard let data = state.gpus else {
            buffer.set(x: inner.x, y: inner.y, string: "reading…", style: theme.muted, maxWidth: inner.width)
            return
        }
        if let cluster = data.cluster {
            // This machine's GPUs (or CPU and memory) on top, as few rows as they need, the cluster below.
            let needed = data.devices.isEmpty ? 3 : 1 + data.devices.count * 2
            let top = min(needed, max(1, inner.height / 3))
            var local = state
            local.gpus?.cluster = nil
            GPUPane(state: local, framed: false).render(in: Rect(x: inner.x, y: inner.y, width: inner.width, height: top), buffer: &buffer)
            ClusterPane(data: cluster, theme: theme).render(in: Rect(x: inner.x, y: inner.y + top, width: inner.width, height: inner.height - top),
                                                            buffer: &buffer)
            return
        }
        var y = inner.y
        if data.devices.isEmpty {
            buffer.set(x: inner.x, y: y, string: data.reason ?? "no GPU", style: theme.muted, maxWidth: inner.width)
            y += 1
            if y < inner.maxY, let cpu = data.cpuPercent {
                buffer.set(x: inner.x, y: y, string: String(format: "CPU %3.0f%%", cpu), maxWidth: inner.width)
                buffer.render(Gauge(ratio: cpu / 100, style: theme.gauge, ascii: state.ascii),
                              in: Rect(x: inner.x + 9, y: y, width: max(0, inner.width - 9), height: 1))
                y += 1
            }
            if y < inner.maxY, let used = data.memoryUsed, let total = data.memoryTotal, total > 0 {
                let label = "RAM \(Self.gib(used))/\(Self.gib(total)) "
                buffer.set(x: inner.x, y: y, string: label, maxWidth: inner.width)
                let w = DisplayWidth.of(label)
                buffer.render(Gauge(ratio: Double(used) / Double(total), style: theme.gauge, ascii: state.ascii),
                              in: Rect(x: inner.x + w, y: y, width: max(0, inner.width - w), height: 1))
            }
            return
        }
        // Column headers, where a row is to spare.
        let nameWidth = framed ? 14 : max(14, min(40, inner.width / 4))
        if inner.height > data.devices.count * (framed ? 2 : 1) {
            buffer.set(x: inner.x, y: y, string: "# " + "NAME".padding(toLength: nameWidth + 1, withPad: " ", startingAt: 0) + "MEMORY USED/TOTAL  UTIL  TEMP POWER",
                       style: theme.columnHeader, maxWidth: inner.width)
            y += 1
        }
        for device in data.devices where y < inner.maxY {
            // "0 H100  12.3G/80.0G ████░░  87% ▂▅█  61°C 250/700W": memory first (what people look
            // for), then utilisation; the bar, the history and the sensors where there is room.
            var x = inner.x
            x += buffer.set(x: x, y: y, string: "\(device.index) \(DisplayWidth.truncate(device.name, to: nameWidth)) ", maxWidth: inner.maxX - x)
            if let used = device.memoryUsed, let total = device.memoryTotal, total > 0 {
                x += buffer.set(x: x, y: y, string: "\(Self.gib(used))/\(Self.gib(total)) ", maxWidth: inner.maxX - x)
                let barWidth = min(12, max(0, inner.maxX - x - 24))
                if barWidth > 2 {
                    buffer.render(Gauge(ratio: Double(used) / Double(total), style: theme.gauge, ascii: state.ascii),
                                  in: Rect(x: x, y: y, width: barWidth, height: 1))
                    x += barWidth
                }
            }
            x += buffer.set(x: x, y: y, string: device.utilization.map { String(format: " %3d%% ", $0) } ?? "  n/a ", maxWidth: inner.maxX - x)
            let sparkWidth = min(framed ? 10 : 60, max(0, inner.maxX - x - 14))
            if sparkWidth > 0, !device.utilizationHistory.isEmpty {
                buffer.render(Sparkline(values: Array(device.utilizationHistory.suffix(sparkWidth)), min: 0, max: 1,
                                        style: theme.good, ascii: state.ascii),
                              in: Rect(x: x, y: y, width: sparkWidth, height: 1))
                x += sparkWidth
            }
            var tail = device.temperature.map { " \($0)°C" } ?? ""
            if let power = device.power { tail += String(format: " %.0f", power) + (device.powerLimit.map { String(format: "/%.0fW", $0) } ?? "W") }
            buffer.set(x: x, y: y, string: state.ascii ? tail.replacingOccurrences(of: "°", with: "") : tail, style: theme.muted, maxWidth: inner.maxX - x)
            y += 1
            if y < inner.maxY, !device.processes.isEmpty {
                buffer.set(x: inner.x + 2, y: y, string: device.processes.map(\.label).joined(separator: " · "), style: theme.muted, maxWidth: inner.width - 2)
                y += 1
            }
        }
    }
}

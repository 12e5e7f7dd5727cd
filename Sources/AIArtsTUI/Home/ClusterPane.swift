import AIArtsEngine
import AIArtsRender
import Foundation
import Synchronization

/// The Slurm cluster as the GPU pane and screen show it: the last view read, and why the last read
/// failed (a slow or dead slurmctld), if it did. Read in the background (`ClusterPaneData.poll`).
public struct ClusterPaneData: Equatable, Sendable {
    /// The last view read; kept when a later read fails, so the screen does not go blank.
    public var status: ClusterStatus?
    /// Why the last read failed, in one line (sanitized); nil when it worked.
    public var error: String?

    public init(status: ClusterStatus?, error: String? = nil) {
        self.status = status
        self.error = error.map { Sanitize.line($0) }
    }

    /// How often the cluster is read while the UI runs: Slurm's controller is shared, so modestly.
    public static let interval: Double = 10
    /// How long one Slurm call may take before the read gives up with a reason.
    public static let callTimeout: Double = 5

    /// Reads the cluster now and every `interval` seconds on a background thread, posting each
    /// result (nil when the workspace has no Slurm executor: nothing to show). A read blocks only
    /// that thread, never a frame. Returns what stops it.
    static func poll(every interval: Double = ClusterPaneData.interval,
                     read: @escaping @Sendable () -> ClusterPaneData?,
                     post: @escaping @Sendable (ClusterPaneData?) -> Void) -> @Sendable () -> Void {
        let stopped = Mutex(false)
        let thread = Thread {
            var last: ClusterPaneData?
            var posted = false
            while !stopped.withLock({ $0 }) {
                var next = read()
                // A failed read keeps the view of the last good one.
                if let n = next, n.status == nil, let old = last?.status { next = ClusterPaneData(status: old, error: n.error) }
                guard !stopped.withLock({ $0 }) else { return }
                // Only what changed is posted: an idle UI (no executor, a quiet cluster) stays idle.
                if !posted || next != last { post(next) }
                posted = true
                last = next
                var waited = 0.0
                while waited < interval, !stopped.withLock({ $0 }) {
                    Thread.sleep(forTimeInterval: 0.1)
                    waited += 0.1
                }
            }
        }
        thread.name = "aiarts-cluster"
        thread.start()
        return { stopped.withLock { $0 = true } }
    }

    /// One read of the workspace's cluster: nil without a Slurm executor.
    static func read(_ workspace: Workspace) -> ClusterPaneData? {
        do {
            guard try workspace.hasSlurmExecutor() else { return nil }
            return ClusterPaneData(status: try workspace.clusterStatus(executor: nil, timeout: callTimeout))
        } catch {
            return ClusterPaneData(status: nil, error: "cluster: \(AIArtsError.plain(error))")
        }
    }
}

/// The cluster drawn in an area: compact (the Home GPU pane: a summary line, a line per node with
/// what runs there, the workspace's pending tasks) or full (the GPU screen: node and job tables).
struct ClusterPane: Widget {
    var data: ClusterPaneData
    var theme: Theme
    var compact = true

    func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        var y = area.y
        if let error = data.error {
            buffer.set(x: area.x, y: y, string: error, style: theme.error, maxWidth: area.width)
            y += 1
        }
        guard let status = data.status, y < area.maxY else {
            if data.error == nil { buffer.set(x: area.x, y: y, string: "cluster: reading…", style: theme.muted, maxWidth: area.width) }
            return
        }
        let rest = Rect(x: area.x, y: y, width: area.width, height: area.maxY - y)
        if compact { renderCompact(status, in: rest, buffer: &buffer) } else { renderFull(status, in: rest, buffer: &buffer) }
    }

    /// "Slurm debug* UP · 1 node · GPUs 1/2 · 2 jobs".
    static func summary(_ status: ClusterStatus) -> String {
        let partitions = status.partitions.map { $0.name + ($0.isDefault ? "*" : "") + " " + $0.state }.joined(separator: ", ")
        var text = "Slurm " + (partitions.isEmpty ? "(no partition)" : partitions)
        text += " · \(status.nodes.count) node\(status.nodes.count == 1 ? "" : "s")"
        if status.gpusTotal > 0 { text += " · GPUs \(status.gpusAllocated)/\(status.gpusTotal)" }
        text += " · \(status.jobs.count) job\(status.jobs.count == 1 ? "" : "s")"
        return text
    }

    func stateStyle(_ node: ClusterNode) -> Style {
        if !node.acceptsJobs { return theme.error }
        return node.state == "idle" ? theme.good : theme.warning
    }

    private func renderCompact(_ status: ClusterStatus, in area: Rect, buffer: inout Buffer) {
        var y = area.y
        buffer.set(x: area.x, y: y, string: Self.summary(status), style: theme.columnHeader, maxWidth: area.width)
        y += 1
        let nameWidth = min(12, status.nodes.map { DisplayWidth.of($0.name) }.max() ?? 4)
        let stateWidth = min(20, status.nodes.map { DisplayWidth.of($0.stateText) }.max() ?? 4)
        for node in status.nodes where y < area.maxY {
            // "vm    mixed  cpu 1/2  gpu 1/2  T0003 7:bob" (a drained node's reason instead of its jobs when idle)
            var x = area.x
            x += buffer.set(x: x, y: y, string: DisplayWidth.truncate(node.name, to: nameWidth).padding(toLength: nameWidth, withPad: " ", startingAt: 0) + " ",
                            maxWidth: area.maxX - x)
            x += buffer.set(x: x, y: y, string: DisplayWidth.truncate(node.stateText, to: stateWidth).padding(toLength: stateWidth, withPad: " ", startingAt: 0) + " ",
                            style: stateStyle(node), maxWidth: area.maxX - x)
            var figures = "cpu \(node.cpusAllocated)/\(node.cpusTotal)"
            if node.gpusTotal > 0 { figures += "  gpu \(ClusterReport.gpus(node))" }
            x += buffer.set(x: x, y: y, string: figures + "  ", maxWidth: area.maxX - x)
            let running = ClusterReport.running(on: node.name, in: status)
            if running != "-" {
                x += buffer.set(x: x, y: y, string: running + " ", maxWidth: area.maxX - x)
            }
            if let reason = node.reason, x < area.maxX {
                buffer.set(x: x, y: y, string: reason, style: theme.muted, maxWidth: area.maxX - x)
            }
            y += 1
        }
        // This workspace's tasks still waiting in the queue, with Slurm's reason.
        for job in status.jobs where job.task != nil && job.nodeNames.isEmpty && y < area.maxY {
            buffer.set(x: area.x, y: y, string: "\(job.task ?? "") \(ClusterReport.state(job).lowercased())", style: theme.muted, maxWidth: area.width)
            y += 1
        }
    }

    private func renderFull(_ status: ClusterStatus, in area: Rect, buffer: inout Buffer) {
        var y = area.y
        buffer.set(x: area.x, y: y, string: Self.summary(status), style: theme.title, maxWidth: area.width)
        y += 1
        guard y < area.maxY else { return }
        let nodes = Table(
            header: ["NODE", "STATE", "CPUS", "MEMORY", "GPUS", "LOAD", "PARTITIONS", "RUNNING / REASON"],
            rows: status.nodes.map { node in
                let running = ClusterReport.running(on: node.name, in: status)
                return [node.name, node.stateText, "\(node.cpusAllocated)/\(node.cpusTotal)", ClusterReport.memory(node), ClusterReport.gpus(node),
                        node.load.map { String(format: "%.2f", $0) } ?? "n/a", node.partitions.joined(separator: ","),
                        [running == "-" ? nil : running, node.reason].compactMap { $0 }.joined(separator: " · ")]
            },
            widths: [.fixed(10), .fixed(19), .fixed(7), .fixed(13), .fixed(10), .fixed(5), .fixed(12), .fill(1)],
            alignments: [.left, .left, .right, .right, .right, .right, .left, .left],
            headerStyle: theme.columnHeader, emptyText: "no nodes")
        let nodeRows = min(status.nodes.count + 1, max(2, (area.maxY - y) / 2))
        buffer.render(nodes, in: Rect(x: area.x, y: y, width: area.width, height: nodeRows))
        y += nodeRows + 1
        guard y < area.maxY else { return }
        let jobs = Table(
            header: ["JOB", "TASK", "NAME", "USER", "STATE", "GPUS", "TIME", "NODES"],
            rows: status.jobs.map { [$0.id, $0.task ?? "-", $0.name, $0.user, ClusterReport.state($0), String($0.gpus), $0.elapsed,
                                     $0.nodeList.isEmpty ? "-" : $0.nodeList] },
            // The node list last, where it has the room a long one needs.
            widths: [.fixed(9), .fixed(6), .fixed(24), .fixed(10), .fixed(22), .fixed(4), .fixed(11), .fill(1)],
            alignments: [.right, .left, .left, .left, .left, .right, .right, .left],
            headerStyle: theme.columnHeader, emptyText: "no jobs in the queue")
        buffer.render(jobs, in: Rect(x: area.x, y: y, width: area.width, height: area.maxY - y))
    }
}

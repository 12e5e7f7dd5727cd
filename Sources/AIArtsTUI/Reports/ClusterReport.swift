import AIArtsEngine
import AIArtsRender
import Foundation

/// What `aiarts cluster` prints, drawn with AIArtsRender's `Table` into a buffer as wide as what it
/// holds: the partitions (the default marked *), the nodes with their state, CPUs, memory, GPUs
/// allocated/total, load and what runs on each (aiarts tasks by id, other jobs by id and user), the
/// reasons of drained or down nodes, then the jobs. The UI's cluster pane uses the same labels.
public struct ClusterReport {
    public var status: ClusterStatus

    public init(status: ClusterStatus) { self.status = status }

    static let spacing = 2

    /// The report as plain lines (no styles, no trailing blanks).
    public var lines: [String] { render().plainLines() }

    public func render() -> Buffer {
        var blocks: [[String]] = []  // plain lines between tables
        var tables: [(header: [String], rows: [[String]], right: Set<Int>)] = []
        var layout: [Either] = []

        var title = "Slurm cluster"
        if let partition = status.partition { title += " · partition \(partition)" }
        if let executor = status.executor { title += " (executor \(executor))" }
        layout.append(.lines(blocks.count)); blocks.append([title, ""])

        tables.append((["PARTITION", "STATE", "NODES", "CPUS", "TIME LIMIT"],
                       status.partitions.map { [$0.name + ($0.isDefault ? "*" : ""), $0.state, String($0.nodeCount),
                                                 $0.cpuCount.map(String.init) ?? "?", $0.timeLimit] },
                       [2, 3]))
        layout.append(.table(tables.count - 1))
        layout.append(.lines(blocks.count)); blocks.append([""])

        if status.nodes.isEmpty {
            layout.append(.lines(blocks.count)); blocks.append(["no nodes"])
        } else {
            tables.append((["NODE", "STATE", "CPUS", "MEMORY", "GPUS", "LOAD", "PARTITIONS", "RUNNING"],
                           status.nodes.map { node in
                               [node.name, node.stateText, "\(node.cpusAllocated)/\(node.cpusTotal)", Self.memory(node), Self.gpus(node),
                                node.load.map { String(format: "%.2f", $0) } ?? "n/a", node.partitions.joined(separator: ","),
                                Self.running(on: node.name, in: status)]
                           }, [2, 3, 4, 5]))
            layout.append(.table(tables.count - 1))
            let reasons = status.nodes.compactMap { node in node.reason.map { "\(node.name) \(node.stateText): \($0)" } }
            if !reasons.isEmpty { layout.append(.lines(blocks.count)); blocks.append(reasons) }
        }
        layout.append(.lines(blocks.count)); blocks.append([""])

        if status.jobs.isEmpty {
            layout.append(.lines(blocks.count)); blocks.append(["no jobs in the queue"])
        } else {
            tables.append((["JOB", "TASK", "NAME", "USER", "STATE", "PARTITION", "NODES", "GPUS", "TIME"],
                           status.jobs.map { job in
                               [job.id, job.task ?? "-", job.name, job.user, Self.state(job), job.partition,
                                job.nodeList.isEmpty ? "-" : job.nodeList, String(job.gpus), job.elapsed]
                           }, [7, 8]))
            layout.append(.table(tables.count - 1))
        }
        if status.skippedLines > 0 {
            layout.append(.lines(blocks.count))
            blocks.append(["", "note: \(status.skippedLines) line\(status.skippedLines == 1 ? "" : "s") of Slurm's output could not be read and \(status.skippedLines == 1 ? "was" : "were") left out"])
        }

        let widths = tables.map { Table.contentWidths(header: $0.header, rows: $0.rows) }
        let width = max(widths.map { Table.totalWidth($0, spacing: Self.spacing) }.max() ?? 0,
                        blocks.flatMap { $0 }.map { DisplayWidth.of(Sanitize.line($0)) }.max() ?? 0)
        let height = layout.reduce(0) { total, item in
            switch item {
            case .lines(let i): total + blocks[i].count
            case .table(let i): total + 1 + tables[i].rows.count
            }
        }
        var buffer = Buffer(width: max(1, width), height: max(1, height))
        var y = 0
        for item in layout {
            switch item {
            case .lines(let i):
                for line in blocks[i] {
                    buffer.set(x: 0, y: y, string: Sanitize.line(line), maxWidth: width)
                    y += 1
                }
            case .table(let i):
                let t = tables[i]
                let table = Table(header: t.header, rows: t.rows, widths: widths[i].map { .fixed($0) },
                                  alignments: t.header.indices.map { t.right.contains($0) ? .right : .left }, columnSpacing: Self.spacing)
                buffer.render(table, in: Rect(x: 0, y: y, width: width, height: 1 + t.rows.count))
                y += 1 + t.rows.count
            }
        }
        return buffer
    }

    private enum Either { case lines(Int), table(Int) }

    /// "12.0/503.0G" (Slurm counts megabytes).
    public static func memory(_ node: ClusterNode) -> String {
        String(format: "%.1f/%.1fG", Double(node.memoryAllocatedMB) / 1024, Double(node.memoryTotalMB) / 1024)
    }

    /// "3/4 a100", "0/2", "-" without GPUs.
    public static func gpus(_ node: ClusterNode) -> String {
        guard node.gpusTotal > 0 else { return "-" }
        return "\(node.gpusAllocated)/\(node.gpusTotal)" + (node.gpuTypes.isEmpty ? "" : " " + node.gpuTypes.joined(separator: ","))
    }

    /// What runs on a node: this workspace's tasks by id, other jobs by id and user ("T0003 102:bob").
    public static func running(on node: String, in status: ClusterStatus) -> String {
        let jobs = status.jobs(on: node)
        guard !jobs.isEmpty else { return "-" }
        return jobs.map { $0.task ?? "\($0.id):\($0.user)" }.joined(separator: " ")
    }

    /// "RUNNING", "PENDING (Priority)".
    public static func state(_ job: ClusterJob) -> String {
        job.reason.map { "\(job.state) (\($0))" } ?? job.state
    }
}

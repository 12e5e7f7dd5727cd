import AIArtsEngine
import AIArtsRender
import Foundation

/// What `aiarts gpu` prints, drawn with AIArtsRender's widgets (Table, Gauge, Sparkline) into a
/// buffer as wide as what it holds: a row per GPU (and MIG instance) with its memory gauge,
/// utilisation (with its recent history when watching), temperature and power; then the processes
/// on the GPUs with the task or user that owns each. Without a GPU: why, and the CPU and memory use.
public struct GPUReport {
    public var snapshot: GPUSnapshot
    /// Utilisation histories (`aiarts gpu --watch`); empty: no sparkline column.
    public var history: [GPUHistory]
    public var ascii: Bool

    public init(snapshot: GPUSnapshot, history: [GPUHistory] = [], ascii: Bool = false) {
        self.snapshot = snapshot; self.history = history; self.ascii = ascii
    }

    static let spacing = 2
    /// A memory gauge: a 10-cell bar, a space and its percentage.
    static let gaugeWidth = 15
    /// Samples of utilisation history shown.
    static let sparklineWidth = 30

    /// The report as plain lines (no styles, no trailing blanks).
    public var lines: [String] { render().plainLines() }

    public func render() -> Buffer {
        snapshot.gpus.isEmpty ? noGPU() : gpus()
    }

    private struct Row {
        var cells: [String]
        var memory: Double?
        var utilization: [Double]?
    }

    private func gpus() -> Buffer {
        var header = ["GPU", "NAME", "MEMORY", "", "UTIL", "TEMP", "POWER"]
        let withHistory = !history.isEmpty
        if withHistory { header.append("UTIL (60 s)") }
        var rows: [Row] = []
        var processes: [[String]] = []
        for gpu in snapshot.gpus {
            var cells = ["\(gpu.index)", gpu.name, gpu.memoryFraction == nil ? "n/a" : "",
                         "\(Self.gib(gpu.memoryUsed))/\(Self.gib(gpu.memoryTotal)) GiB",
                         gpu.utilization.map { "\($0)%" } ?? "n/a", gpu.temperature.map { "\($0)°C" } ?? "n/a", Self.power(gpu)]
            var series: [Double]?
            if withHistory {
                cells.append("")
                let samples = history.first { $0.uuid == gpu.uuid && $0.index == gpu.index }?.utilizationSeries ?? []
                series = samples.suffix(Self.sparklineWidth).map { $0 ?? .nan }
            }
            rows.append(Row(cells: cells, memory: gpu.memoryFraction, utilization: series))
            if gpu.migEnabled == true {
                for mig in gpu.migInstances {
                    let fraction = Self.fraction(mig.memoryUsed, mig.memoryTotal)
                    let name = "└ MIG \(mig.gpuInstanceID.map(String.init) ?? "?")/\(mig.computeInstanceID.map(String.init) ?? "?") \(mig.name ?? "")"
                    rows.append(Row(cells: ["", name, fraction == nil ? "n/a" : "", "\(Self.gib(mig.memoryUsed))/\(Self.gib(mig.memoryTotal)) GiB",
                                            "", "", ""] + (withHistory ? [""] : []), memory: fraction, utilization: nil))
                }
            }
            for p in gpu.processes { processes.append(["\(gpu.index)", "\(p.pid)", Self.mib(p.memory), Self.owner(p)]) }
        }
        var minimum = [2: Self.gaugeWidth]
        if withHistory { minimum[7] = Self.sparklineWidth }
        let widths = Table.contentWidths(header: header, rows: rows.map(\.cells), minimum: minimum)
        let processHeader = ["GPU", "PID", "MEMORY", "OWNER"]
        let processWidths = Table.contentWidths(header: processHeader, rows: processes)
        var notes: [String] = []
        if let reason = snapshot.reason { notes.append("note: \(Sanitize.line(reason))") }
        if snapshot.source == .fixture { notes.append("(from AIARTS_GPU_FIXTURE)") }
        let width = max(Table.totalWidth(widths, spacing: Self.spacing), Table.totalWidth(processWidths, spacing: Self.spacing),
                        processes.isEmpty ? DisplayWidth.of(Self.noProcesses) : 0, notes.map(DisplayWidth.of).max() ?? 0)
        let processLines = processes.isEmpty ? 1 : 1 + processes.count
        var buffer = Buffer(width: width, height: 1 + rows.count + 1 + processLines + notes.count)

        let table = Table(header: header, rows: rows.map(\.cells), widths: widths.map { .fixed($0) }, columnSpacing: Self.spacing)
        let area = Rect(x: 0, y: 0, width: width, height: 1 + rows.count)
        buffer.render(table, in: area)
        let columns = table.columns(in: area)
        for (i, row) in rows.enumerated() {
            let y = 1 + i
            if let memory = row.memory {
                buffer.render(Gauge(ratio: memory, ascii: ascii), in: Rect(x: columns[2].x, y: y, width: columns[2].width, height: 1))
            }
            if let series = row.utilization, !series.isEmpty {
                buffer.render(Sparkline(values: series, min: 0, max: 1, ascii: ascii),
                              in: Rect(x: columns[7].x, y: y, width: min(columns[7].width, series.count), height: 1))
            }
        }
        var y = area.maxY + 1
        if processes.isEmpty {
            buffer.set(x: 0, y: y, string: Self.noProcesses)
            y += 1
        } else {
            let list = Table(header: processHeader, rows: processes, widths: processWidths.map { .fixed($0) }, columnSpacing: Self.spacing)
            buffer.render(list, in: Rect(x: 0, y: y, width: width, height: processLines))
            y += processLines
        }
        for note in notes {
            buffer.set(x: 0, y: y, string: note)
            y += 1
        }
        return buffer
    }

    static let noProcesses = "no compute processes"

    private func noGPU() -> Buffer {
        let first = "No GPU: \(Sanitize.line(snapshot.reason ?? "none found"))"
        guard let host = snapshot.host else {
            var buffer = Buffer(width: DisplayWidth.of(first), height: 1)
            buffer.set(x: 0, y: 0, string: first)
            return buffer
        }
        // "CPU:    ██████▍               31% of 8 cores": a 20-cell bar, its percentage, what it is of.
        let gauge = 25, label = 8
        let cpu = host.cpuPercent.map { $0 / 100 }
        let memory = Self.fraction(host.memoryUsed, host.memoryTotal)
        let lines: [(String, Double?, String)] = [
            ("CPU:", cpu, "of \(host.cpus) cores"),
            ("memory:", memory, "\(Self.gib(host.memoryUsed))/\(Self.gib(host.memoryTotal)) GiB used"),
        ]
        let width = max(DisplayWidth.of(first), lines.map { label + gauge + 1 + DisplayWidth.of($0.2) }.max() ?? 0)
        var buffer = Buffer(width: width, height: 1 + lines.count)
        buffer.set(x: 0, y: 0, string: first)
        for (i, line) in lines.enumerated() {
            let y = 1 + i
            buffer.set(x: 0, y: y, string: line.0)
            if let ratio = line.1 {
                buffer.render(Gauge(ratio: ratio, ascii: ascii), in: Rect(x: label, y: y, width: gauge, height: 1))
                buffer.set(x: label + gauge + 1, y: y, string: line.2)
            } else {
                buffer.set(x: label, y: y, string: "n/a " + line.2)
            }
        }
        return buffer
    }

    static func owner(_ p: GPUProcess) -> String {
        if p.foreign { return "(not in this PID namespace)" }
        if let task = p.task { return "task \(task)" }
        let user = p.user ?? "?"
        let command = DisplayWidth.truncate(Sanitize.line(p.command ?? ""), to: 60)
        return command.isEmpty ? user : "\(user)  \(command)"
    }

    static func power(_ gpu: GPUDevice) -> String {
        switch (gpu.power, gpu.powerLimit) {
        case let (draw?, limit?) where draw.isFinite && limit.isFinite: return String(format: "%.0f/%.0f W", draw, limit)
        case let (draw?, _) where draw.isFinite: return String(format: "%.0f W", draw)
        default: return "n/a"
        }
    }

    static func fraction(_ used: UInt64?, _ total: UInt64?) -> Double? {
        guard let used, let total, total > 0 else { return nil }
        return min(1, Double(used) / Double(total))
    }

    static func gib(_ bytes: UInt64?) -> String {
        bytes.map { String(format: "%.1f", Double($0) / 1_073_741_824) } ?? "n/a"
    }

    static func mib(_ bytes: UInt64?) -> String {
        bytes.map { "\($0 / 1_048_576) MiB" } ?? "n/a"
    }
}

import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

struct GPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpu",
        abstract: "GPU memory, utilisation, temperature, power and processes (with their tasks).",
        discussion: "Reads NVML, else nvidia-smi; AIARTS_GPU_FIXTURE=FILE reports the GPUs in that JSON file instead (docs/gpu.md).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Refresh in place every second until Ctrl-C.") var watch = false
    @Flag(help: "Print one snapshot as JSON.") var json = false

    func validate() throws {
        if watch && json { throw ValidationError("--watch and --json cannot be combined") }
    }

    func run() throws {
        let monitor = Self.monitor(global)
        if json { return try Output.json(monitor.snapshot()) }
        if watch { return GPUWatch(monitor: monitor).run() }
        // CPU use is a rate: read the host twice, a moment apart, when it will be shown.
        var snapshot = monitor.snapshot()
        if snapshot.gpus.isEmpty {
            usleep(250_000)
            snapshot = monitor.snapshot()
        }
        for line in GPUTable.lines(snapshot) { print(line) }
    }

    /// A monitor mapping processes to the workspace's running tasks. Without a workspace (none
    /// there yet, or it cannot be opened) processes show their user and command only; looking at
    /// GPUs never creates a workspace.
    static func monitor(_ global: GlobalOptions) -> GPUMonitor {
        let root = global.root()
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("aiarts.sqlite").path),
           let workspace = try? global.open() {
            return GPUMonitor(workspace: workspace)
        }
        return GPUMonitor()
    }
}

/// `aiarts gpu --watch`: the table redrawn in place each second (cursor home, clear to end of screen),
/// with utilisation sparklines from the sampler's history. The cursor is hidden meanwhile and shown
/// again on exit, Ctrl-C or SIGTERM. When stdout is not a terminal (a pipe, a file), each sample is
/// appended as plain lines under a timestamp, with no cursor or colour codes.
struct GPUWatch {
    let monitor: GPUMonitor

    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    func run() {
        signal(SIGINT) { _ in GPUWatch.interrupted = 1 }
        signal(SIGTERM) { _ in GPUWatch.interrupted = 1 }
        signal(SIGHUP) { _ in GPUWatch.interrupted = 1 }
        let sampler = GPUSampler(monitor: monitor, interval: 1, historyLength: 60)
        let terminal = isatty(STDOUT_FILENO) == 1
        if terminal { write("\u{1B}[?25l\u{1B}[H\u{1B}[2J") }
        sampler.subscribe { [sampler] snapshot in
            guard GPUWatch.interrupted == 0 else { return }
            guard terminal else {
                let lines = GPUTable.lines(snapshot, history: sampler.history)
                GPUWatch.write("# " + ISO8601DateFormatter().string(from: Date()) + "\n" + lines.joined(separator: "\n") + "\n\n")
                return
            }
            var out = "\u{1B}[H"
            for line in GPUTable.lines(snapshot, history: sampler.history) { out += line + "\u{1B}[K\r\n" }
            let every = snapshot.source == .nvidiaSMI ? "every \(Int(sampler.nvidiaSMIInterval)) s (nvidia-smi)" : "every second"
            out += "\u{1B}[2mrefreshing \(every) · Ctrl-C to quit\u{1B}[0m\u{1B}[K\u{1B}[J"
            GPUWatch.write(out)
        }
        sampler.start()
        while GPUWatch.interrupted == 0 { usleep(50_000) }
        sampler.stop()
        if terminal { write("\u{1B}[?25h\r\n") }
    }

    private func write(_ text: String) { Self.write(text) }

    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
}

/// The compact table of `aiarts gpu`: one row per GPU, its processes beneath.
enum GPUTable {
    static func lines(_ snapshot: GPUSnapshot, history: [GPUHistory] = []) -> [String] {
        guard !snapshot.gpus.isEmpty else { return noGPU(snapshot) }
        var header = ["GPU", "NAME", "MEMORY", "", "UTIL", "TEMP", "POWER"]
        let withHistory = !history.isEmpty
        if withHistory { header.append("UTIL (60 s)") }
        var rows: [[String]] = []
        var processRows: [[String]] = []
        for gpu in snapshot.gpus {
            var row = [
                "\(gpu.index)", Sanitize.line(gpu.name),
                bar(gpu.memoryFraction, width: 10),
                "\(gib(gpu.memoryUsed))/\(gib(gpu.memoryTotal)) GiB",
                gpu.utilization.map { "\($0)%" } ?? "n/a",
                gpu.temperature.map { "\($0)°C" } ?? "n/a",
                power(gpu),
            ]
            if withHistory {
                let series = history.first { $0.uuid == gpu.uuid && $0.index == gpu.index }?.utilizationSeries ?? []
                row.append(sparkline(series.suffix(30)))
            }
            rows.append(row)
            if gpu.migEnabled == true {
                for mig in gpu.migInstances {
                    rows.append(["", "└ MIG \(mig.gpuInstanceID.map(String.init) ?? "?")/\(mig.computeInstanceID.map(String.init) ?? "?") \(Sanitize.line(mig.name ?? ""))",
                                 bar(fraction(mig.memoryUsed, mig.memoryTotal), width: 10),
                                 "\(gib(mig.memoryUsed))/\(gib(mig.memoryTotal)) GiB", "", "", ""] + (withHistory ? [""] : []))
                }
            }
            for p in gpu.processes {
                processRows.append(["\(gpu.index)", "\(p.pid)", mib(p.memory), owner(p)])
            }
        }
        var out = Output.tableLines(header, rows)
        out.append("")
        if processRows.isEmpty {
            out.append("no compute processes")
        } else {
            out += Output.tableLines(["GPU", "PID", "MEMORY", "OWNER"], processRows)
        }
        if let reason = snapshot.reason { out.append("note: \(Sanitize.line(reason))") }
        if snapshot.source == .fixture { out.append("(from AIARTS_GPU_FIXTURE)") }
        return out
    }

    static func noGPU(_ snapshot: GPUSnapshot) -> [String] {
        var out = ["No GPU: \(Sanitize.line(snapshot.reason ?? "none found"))"]
        if let host = snapshot.host {
            let cpu = host.cpuPercent.map { String(format: "%.0f%%", $0) } ?? "n/a"
            out.append("CPU:    \(bar(host.cpuPercent.map { $0 / 100 }, width: 20)) \(cpu) of \(host.cpus) cores")
            out.append("memory: \(bar(fraction(host.memoryUsed, host.memoryTotal), width: 20)) \(gib(host.memoryUsed))/\(gib(host.memoryTotal)) GiB used")
        }
        return out
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
        case let (draw?, limit?): return String(format: "%.0f/%.0f W", draw, limit)
        case let (draw?, nil): return String(format: "%.0f W", draw)
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

    static func bar(_ fraction: Double?, width: Int) -> String {
        guard let fraction, fraction.isFinite else { return "[" + String(repeating: " ", count: width) + "]" }
        let filled = Int((max(0, min(1, fraction)) * Double(width)).rounded())
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]"
    }

    static func sparkline<S: Sequence>(_ values: S) -> String where S.Element == Double? {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        return String(values.map { v -> Character in
            guard let v, v.isFinite else { return " " }
            return blocks[Int((max(0, min(1, v)) * 7).rounded())]
        })
    }
}

import AIArtsEngine
import AIArtsRender
import AIArtsTUI
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
        for line in GPUReport(snapshot: snapshot).lines { print(line) }
    }

    /// A monitor mapping processes to the workspace's running tasks. Without a workspace (none
    /// there yet, or it cannot be opened) processes show their user and command only; looking at
    /// GPUs never creates a workspace.
    static func monitor(_ global: GlobalOptions) -> GPUMonitor {
        if let root = try? global.root(), FileManager.default.fileExists(atPath: root.appendingPathComponent("aiarts.sqlite").path),
           let workspace = try? global.open() {
            return GPUMonitor(workspace: workspace)
        }
        return GPUMonitor()
    }
}

/// `aiarts gpu --watch`: the report (`GPUReport`, drawn with AIArtsRender's widgets) redrawn in place
/// each second (cursor home, clear to end of screen), with utilisation sparklines from the
/// sampler's history. The cursor is hidden meanwhile and shown
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
                let lines = GPUReport(snapshot: snapshot, history: sampler.history).lines.map(Sanitize.line)
                GPUWatch.write("# " + ISO8601DateFormatter().string(from: Date()) + "\n" + lines.joined(separator: "\n") + "\n\n")
                return
            }
            var out = "\u{1B}[H"
            for line in GPUReport(snapshot: snapshot, history: sampler.history).lines { out += Sanitize.line(line) + "\u{1B}[K\r\n" }
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

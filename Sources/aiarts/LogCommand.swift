import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read training logs and event files without a task.",
        subcommands: [Parse.self]
    )

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what aiarts reads from a log, CSV, trainer_state.json or TensorBoard event file.",
            discussion: "--json prints {\"SERIES\": [{\"epoch\", \"step\", \"value\", \"time\"}, ...], ...}, the shape of `aiarts task metrics --json`.")
        @Argument(help: "The file.") var file: String
        @Option(help: ArgumentHelp("auto, protocol, paddlex, paddledet, paddleclas, paddleseg, hf, keras, lightning, ultralytics, csv, kv, tfevents or aiarts-train.", valueName: "format"))
        var format: MetricSourceFormat = .auto
        @Flag(help: "Print every point as JSON.") var json = false

        func run() throws {
            var info = stat()
            guard stat(file, &info) == 0 else {
                throw MetricsCLIError("\(file): \(String(cString: strerror(errno)))")
            }
            guard info.st_mode & S_IFMT == S_IFREG else { throw MetricsCLIError("\(file): not a regular file") }
            let kind = MetricSourceKind.resolve(format, path: file)
            var reader = MetricSourceReader(path: file, kind: kind)
            do {
                try reader.update()
            } catch {
                throw MetricsCLIError(error.description)
            }
            reader.finish()
            let table = reader.table
            if table.pointCount == 0 && table.checkpoints.isEmpty {
                var reason = "no metrics found in \(file) (read as \(MetricsOutput.describe(kind, reader.logFormat)))"
                if !reader.skipped.isEmpty { reason += "; \(reader.skipped)" }
                if kind == .log(nil) { reason += "; name the format with --format if it is one aiarts knows" }
                throw MetricsCLIError(reason)
            }
            if json { return try MetricsOutput.writeJSON(table) }
            print("\(Sanitize.line(file)): \(MetricsOutput.describe(kind, reader.logFormat)), \(reader.lines) \(kind == .tfevents ? "records" : "lines")")
            MetricsOutput.printSummary(table)
            if !reader.skipped.isEmpty { print(Sanitize.line(reader.skipped)) }
        }
    }
}

extension MetricSourceFormat: ExpressibleByArgument {}

/// An error whose text is safe to print (file names and log text can hold escape sequences).
struct MetricsCLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = Sanitize.line(message) }
}

/// Output shared by `log parse` and `task metrics`.
enum MetricsOutput {
    /// Streams the table's JSON to standard output.
    static func writeJSON(_ table: MetricTable) throws {
        try table.writeJSON { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(1, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MetricsCLIError("cannot write the output: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    /// One row per series (named as its JSON key), with point count and last value, then progress and checkpoints.
    static func printSummary(_ table: MetricTable) {
        Output.table(["SERIES", "POINTS", "LAST", "LAST STEP", "LAST EPOCH"], table.columns.map { column in
            let last = column.count - 1
            return [Sanitize.line(column.name), String(column.count),
                    last >= 0 ? number(column.values[last]) : "",
                    last >= 0 ? column.step(at: last).map(String.init) ?? "" : "",
                    last >= 0 ? column.epoch(at: last).map(number) ?? "" : ""]
        })
        let p = table.progress.current
        var parts: [String] = []
        if let step = p.step { parts.append("step \(step)" + (p.steps.map { "/\($0)" } ?? "")) }
        if let epoch = p.epoch { parts.append("epoch \(number(epoch))" + (p.epochs.map { "/\($0)" } ?? "")) }
        if let rate = p.stepsPerSecond { parts.append(String(format: "%.2f steps/s", rate)) }
        if let eta = p.eta { parts.append("ETA \(duration(eta))") }
        if !parts.isEmpty { print(parts.joined(separator: ", ")) }
        if !table.checkpoints.isEmpty { print("\(table.checkpoints.count) checkpoints") }
    }

    static func describe(_ kind: MetricSourceKind, _ format: LogFormat?) -> String {
        switch kind {
        case .protocolLines: return "metrics protocol"
        case .log: return format.map { "\($0.rawValue) log" } ?? "log of unknown format"
        case let .csv(flavor): return "\(flavor.map { "\($0)" } ?? "detected") CSV"
        case .trainerState: return "trainer_state.json"
        case .tfevents: return "TensorBoard event file"
        }
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.6g", x)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

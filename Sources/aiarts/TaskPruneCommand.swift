import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

extension TaskCommand {
    /// `aiarts task prune T --analyze`: the sensitivity analysis for pruning (docs/pruning.md).
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sensitivity analysis for pruning: each layer's metric drop when pruned alone at each ratio.",
            discussion: """
                --analyze starts it (a detached process: closing the terminal does not end it) and follows its \
                progress on stderr, then prints a table (layers x ratios) and a chart. Without a flag: how the last \
                analysis stands, and its result. Prune with `aiarts task create P --from T --prune 0.3` or \
                `--prune-from-analysis 0.02` (docs/pruning.md).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id (a torch task of a classification or segmentation dataset).") var id: String
        @Flag(help: "Run the analysis (on the val split, from the best checkpoint).") var analyze = false
        @Option(help: ArgumentHelp("With --analyze: the ratios to try (default 0.1,0.2,...,0.9).", valueName: "R,R,...")) var ratios: String?
        @Option(help: "With --analyze: the epoch whose checkpoint to analyse (default: the best).") var epoch: Int?
        @Flag(name: .customLong("no-wait"), help: "With --analyze: start it and return at once.") var noWait = false
        @Flag(help: "Stop a running analysis.") var stop = false
        @Flag(help: "Print the analysis (or, with --no-wait or --stop, how it stands) as JSON.") var json = false

        func validate() throws {
            if analyze && stop { throw ValidationError("--analyze and --stop cannot be combined") }
            if !analyze && (ratios != nil || epoch != nil || noWait) {
                throw ValidationError("--ratios, --epoch and --no-wait go with --analyze")
            }
        }

        nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

        func run() throws {
            let workspace = try global.open()
            if stop {
                let status = try workspace.stopPruneAnalysis(id)
                return json ? try Output.json(status) : print("\(id): \(status.message)")
            }
            if analyze {
                let chosen = try ratios.map(PruneRatios.parseList) ?? PruneRatios.analysisDefault
                var status = try workspace.startPruneAnalysis(id, ratios: chosen, epoch: epoch)
                if noWait { return json ? try Output.json(status) : print("\(id): analysis started (pid \(status.pid ?? 0)); `aiarts task prune \(id)` shows it") }
                status = follow(workspace)
                guard status.state == .done else {
                    if status.state == .running {
                        Output.error("the analysis goes on in the background (pid \(status.pid ?? 0)); `aiarts task prune \(id)` shows it")
                        throw ExitCode(130)
                    }
                    throw AIArtsError(.badInput, "\(id)'s analysis \(status.message)")
                }
            }
            let status = try workspace.pruneAnalysisStatus(id)
            guard let analysis = try workspace.pruneAnalysis(id) else {
                if json { return try Output.json(status) }
                return print("\(id): \(status.message)")
            }
            if json { return try Output.json(analysis) }
            if status.state != .done { print("\(id): \(status.message)") }
            for line in PruneText.analysisLines(analysis, width: Self.width) { print(line) }
        }

        /// Prints progress on stderr until the analysis ends, or Ctrl-C (which leaves it running).
        func follow(_ workspace: Workspace) -> PruneAnalysisStatus {
            signal(SIGINT) { _ in Prune.interrupted = 1 }
            defer { signal(SIGINT, SIG_DFL) }
            var last = ""
            while true {
                guard let status = try? workspace.pruneAnalysisStatus(id) else { usleep(500_000); continue }
                if status.message != last {
                    last = status.message
                    if Terminal.stderrIsTTY {
                        FileHandle.standardError.write(Data(("\r\u{1B}[K" + Sanitize.line("\(id): \(status.message)")).utf8))
                    } else if status.state == .running {
                        Output.error("\(id): \(status.message)")
                    }
                }
                if status.state != .running || Prune.interrupted != 0 {
                    if Terminal.stderrIsTTY { FileHandle.standardError.write(Data("\n".utf8)) }
                    return status
                }
                usleep(500_000)
            }
        }

        static var width: Int {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return min(Int(size.ws_col), 140) }
            return 100
        }
    }
}

/// The text of an analysis and of a pruned task's report, as the CLI prints them.
enum PruneText {
    /// The most sensitive layers the chart draws (all of them are in the table).
    static let chartedLayers = 6

    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(digits)f", value)
    }

    static func analysisLines(_ a: SensitivityAnalysis, width: Int) -> [String] {
        var lines = ["sensitivity of \(a.model ?? "the model") (\(a.type)): \(a.metric) drop on \(a.images) \(a.split) images when each layer group alone is pruned",
                     "baseline \(a.metric) \(number(a.baseline)) · checkpoint epoch \(a.epoch.map(String.init) ?? "?") · \(a.layers.count) layer groups · \(number(a.seconds, digits: 1)) s", ""]
        let header = ["LAYER", "CHANNELS"] + a.ratios.map { String(format: "%g", $0) }
        let rows = a.layers.map { layer in
            [layer.name + (layer.layers.count > 1 ? " (+\(layer.layers.count - 1))" : ""), String(layer.channels)]
                + layer.drops.map { number($0) }
        }
        lines += Output.tableLines(header, rows)
        // The chart: drop against ratio for the layers that lose most at the largest ratio.
        let ranked = a.layers.sorted { ($0.drops.last.flatMap { $0 } ?? -.infinity) > ($1.drops.last.flatMap { $0 } ?? -.infinity) }
        let shown = Array(ranked.prefix(chartedLayers))
        let colours: [Color] = [.red, .yellow, .cyan, .green, .magenta, .blue]
        let series = shown.enumerated().map { i, layer in
            ChartSeries(name: layer.name, xs: a.ratios, ys: layer.drops.map { $0 ?? .nan },
                        style: Style(fg: colours[i % colours.count]), marker: ChartSeries.marker(i, ascii: false))
        }
        let title = shown.count < a.layers.count ? "\(a.metric) drop by ratio: the \(shown.count) most sensitive of \(a.layers.count) layers"
                                                : "\(a.metric) drop by ratio"
        let chart = LineChart(series: series, title: title, xLabel: "ratio", yLabel: "drop", emptyText: "no drops to draw")
        var buffer = Buffer(size: Size(width: max(40, width), height: 14 + shown.count))
        buffer.render(chart, in: buffer.area)
        lines.append("")
        lines += buffer.plainLines()
        return lines
    }

    static func reportLines(_ r: PrunedTaskReport) -> [String] {
        let p = r.report
        func change(_ before: Double, _ after: Double) -> String {
            before > 0 ? String(format: "%+.1f%%", (after - before) / before * 100) : ""
        }
        let how = p.ratio.map { "ratio \(String(format: "%g", $0)) of every layer group" }
            ?? "per-layer ratios within a drop of \(p.maxDrop.map { String(format: "%g", $0) } ?? "?")"
        var lines = ["pruned:  from \(p.parentTask ?? "?") epoch \(p.sourceEpoch.map(String.init) ?? "?"), \(how)"]
        let rows: [[String]] = [
            ["params", String(p.before.params), String(p.pruned.params), change(Double(p.before.params), Double(p.pruned.params))],
            ["FLOPs (MACs)", String(p.before.flops), String(p.pruned.flops), change(Double(p.before.flops), Double(p.pruned.flops))],
            ["CPU ms/image", number(p.before.latencyMs, digits: 2), number(p.pruned.latencyMs, digits: 2), change(p.before.latencyMs, p.pruned.latencyMs)],
            [p.metricName, number(p.before.metric), number(p.pruned.metric) + " (before fine-tuning)",
             r.fineTunedMetric.map { "fine-tuned: \(number($0)) at epoch \(r.fineTunedEpoch.map(String.init) ?? "?")" } ?? "fine-tuned: not yet"],
        ]
        lines += Output.tableLines(["", "BEFORE", "AFTER", ""], rows).map { "  " + $0 }
        lines.append("  (\(p.images) \(p.split) images, \(p.inputSize.map { "\($0) px" } ?? "?"); report \(p.prunedCheckpoint.replacingOccurrences(of: "pruned.pt", with: "report.json")))")
        return lines
    }
}

/// `task create P --from T --prune RATIO | --prune-from-analysis MAX_DROP`.
enum TaskPruneCreate {
    static func run(_ workspace: Workspace, spec: TaskSpec, ratio: String?, maxDrop: String?, json: Bool) throws {
        guard case .derived(let parent, _) = spec.origin else {
            throw ValidationError("--prune and --prune-from-analysis need --from TASK (the trained task to prune)")
        }
        let plan: PrunePlan
        switch (ratio, maxDrop) {
        case (let r?, nil): plan = .ratio(try PruneRatios.parse(r))
        case (nil, let d?): plan = .maxDrop(try PruneRatios.parseMaxDrop(d))
        default: throw ValidationError("give one of --prune and --prune-from-analysis")
        }
        if !json { Output.error("pruning \(parent)'s checkpoint (loads torch, measures and evaluates the model before and after)...") }
        let result = try workspace.createPrunedTask(spec, plan: plan)
        if json { return try Output.json(result) }
        print(result.task)
        for line in PruneText.reportLines(result) { Output.error(line) }
        Output.error("start it with `aiarts task start \(result.task)`: it fine-tunes the pruned model")
    }
}

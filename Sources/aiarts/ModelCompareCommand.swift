import AIArtsEngine
import AIArtsRender
import AIArtsTUI
import ArgumentParser
import Foundation

extension ModelCommand {
    /// `aiarts model compare M… [--json] [--measure]` (docs/models.md, "Comparing models").
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare model versions: evaluation on the same split, size, parameters, latency, format, source task.",
            discussion: """
            Name versions as M0001 (its newest version) or M0001:v2; one model named alone compares all its versions. \
            The best value of each row is marked with *. Metrics scored on different datasets or splits are shown \
            but not marked, and a warning says why. --measure times each version on the CPU (batch 1, one thread) \
            and keeps the figure for later comparisons.
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("Models or versions: M0001, M0001:v2.", valueName: "MODEL[:VERSION]")) var models: [String]
        @Option(help: "The split whose evaluations are compared (train, val, test).") var split: String = "val"
        @Flag(help: "Time each version now (aiarts-train models in Swift, ONNX and TorchScript through Python).") var measure = false
        @Option(help: "Timed runs per version with --measure (1 to 10000).") var runs: Int = ModelLatency.defaultRuns
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            guard let split = Split(rawValue: split) else { throw AIArtsError(.invalidArgument, "--split must be train, val or test, not '\(split.prefix(50))'") }
            let refs = try models.map(ModelVersionRef.init(parsing:))
            let comparison = try global.open().compareModels(refs, split: split, measure: measure, runs: runs)
            if json { return try Output.json(comparison) }
            for line in Self.lines(comparison) { print(line) }
        }

        /// The table as text (AIArtsRender's Table drawn into a buffer), then the notes.
        static func lines(_ comparison: ModelComparison) -> [String] {
            let table = ModelCompareTable.table(comparison, mark: "*")
            var buffer = Buffer(size: ModelCompareTable.size(of: table))
            buffer.render(table, in: buffer.area)
            var lines = buffer.plainLines().map { line in
                var l = line
                while l.last == " " { l.removeLast() }
                return l
            }
            let notes = ModelCompareTable.notes(comparison)
            if !notes.isEmpty { lines.append("") }
            return lines + notes
        }
    }
}

import AIArtsEngine
import ArgumentParser
import Foundation

extension TaskCommand {
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a task's checkpoint on a split of its dataset (the engine scores every trainer the same way).",
            discussion: "The trainer writes predictions for the checkpoint (default: the best, else the last); the engine scores them. A command task passes the predictions file its script wrote with --predictions (docs/evaluation.md).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(help: "The epoch whose checkpoint to score (default: the best).") var epoch: Int?
        @Option(help: ArgumentHelp("Score this predictions.jsonl instead of running the trainer.", valueName: "FILE")) var predictions: String?
        @OptionGroup var scoring: ScoringOptions
        @Flag(help: "Print the metrics as one JSON object: acc1, acc5 ...; the 12 COCO keys; miou ...") var json = false

        func run() throws {
            let workspace = try global.open()
            let result = try workspace.evaluateTask(
                id, epoch: epoch, split: try scoring.chosenSplit(), options: try scoring.options(),
                predictions: predictions.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) })
            if json {
                var flat: [String: JSONScalar] = result.report.metrics.mapValues { .number($0) }
                flat["epoch"] = result.epoch.map { .number(Double($0)) } ?? .null
                flat["split"] = .string(result.report.split)
                flat["samples"] = .number(Double(result.report.samples))
                return try Output.json(flat)
            }
            print("\(id) epoch \(result.epoch.map(String.init) ?? "?") (\(result.checkpoint ?? result.predictions))")
            scoring.print(result.report)
        }
    }
}

/// A JSON value for flat objects mixing numbers and strings.
enum JSONScalar: Encodable {
    case number(Double), string(String), null

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): x.isFinite ? try c.encode(x) : try c.encodeNil()
        case .string(let s): try c.encode(s)
        case .null: try c.encodeNil()
        }
    }
}

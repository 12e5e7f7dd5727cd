import AIArtsEngine
import AIArtsRender
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

extension TaskCommand {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict with a task's checkpoint on images, or on a split of its dataset; keeps JSON and drawn JPEGs.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Argument(help: ArgumentHelp("JPEG, PNG or WebP files.", valueName: "IMAGE")) var images: [String] = []
        @Option(help: "The epoch whose checkpoint to use (default: the best).") var epoch: Int?
        @Option(help: "Predict every image of this split (train, val, test) of the project's dataset.") var split: String?
        @Option(help: "Classes to keep per image.") var topk: Int = 3
        @Option(help: ArgumentHelp("Detections scoring below this (0 to 1) are left out; lower it (e.g. 0.1) for a model trained briefly.",
                                   valueName: "X")) var scoreThreshold: Double = Workspace.defaultScoreThreshold
        @Flag(help: "Print the predictions as JSON.") var json = false

        func run() throws {
            guard topk >= 1 else { throw ValidationError("--topk must be at least 1") }
            guard scoreThreshold.isFinite, (0...1).contains(scoreThreshold) else {
                throw ValidationError("--score-threshold must be a number from 0 to 1, e.g. 0.2")
            }
            let chosen = try split.map { name -> Split in
                guard let s = Split(rawValue: name) else { throw ValidationError("--split must be train, val or test") }
                return s
            }
            let result = try global.open().predictTask(
                id, epoch: epoch, images: images.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) },
                split: chosen, topk: topk, scoreThreshold: scoreThreshold)
            if json { return try Output.json(result) }
            for p in result.images {
                print("\(Sanitize.line(p.file)): \(Sanitize.line(Self.summary(p)))")
            }
            print("kept in \(result.folder)")
        }

        /// One image's line: its labels, its boxes, or a segmentation's classes by pixel share.
        static func summary(_ p: ImagePrediction) -> String {
            if let error = p.error { return "error: \(error)" }
            var parts: [String] = p.labels.map { "\($0.label) \(String(format: "%.3f", $0.score))" }
            for box in p.boxes {
                let at = box.bbox.map { String(Int($0)) }.joined(separator: ",")
                parts.append("\(box.label) \(String(format: "%.2f", box.score)) at \(at)")
            }
            for share in p.classes ?? [] {
                parts.append("\(share.label) \(String(format: "%.1f", share.share * 100))%")
            }
            return parts.isEmpty ? "nothing at or above the score threshold" : parts.joined(separator: ", ")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a task's checkpoint as an inference model, check that it loads, and add it to the model registry.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(help: "The epoch whose checkpoint to export (default: the best).") var epoch: Int?
        @Option(help: "Model name in the registry (default: from the task).") var name: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let result = try global.open().exportTask(id, epoch: epoch, name: name)
            if json { return try Output.json(result) }
            print("exported \(id) epoch \(result.epoch.map(String.init) ?? "?") to \(result.folder)")
            print("check: \(Sanitize.line(result.check))")
            print("model \(result.model.model.id) \(result.model.version.name)")
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

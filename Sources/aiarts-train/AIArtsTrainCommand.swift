import AIArtsEngine
import AIArtsTrain
import ArgumentParser
import Foundation

@main
struct AIArtsTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aiarts-train",
        abstract: "The built-in aiarts trainer: image classification on the CPU, pure Swift.",
        discussion: "Progress goes to stdout (the runner sends it to train.log); the metrics protocol goes to $AIARTS_METRICS, else TASKDIR/metrics.jsonl. See docs/trainer.md.",
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, BenchCommand.self]
    )
}

/// Progress lines are read by people tailing train.log: each goes out in its own write(2), with
/// no stdio buffer in between that would hold lines back while stdout is a file.
func say(_ line: String) {
    try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
}

/// Label names and paths come from the dataset: strip control characters before printing them
/// so a crafted name cannot drive the terminal of whoever reads the log.
func clean(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { s in
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) ? " " : s
    }))
}

func parseSplit(_ raw: String) throws -> Split {
    guard let split = Split(rawValue: raw) else { throw ValidationError("--split must be train, val or test, not '\(raw)'") }
    return split
}

func workspaceURL(_ path: String?) -> URL {
    path.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? Workspace.defaultRoot()
}

func fileURL(_ path: String) -> URL { URL(fileURLWithPath: (path as NSString).expandingTildeInPath) }

func percent(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on a dataset split: accuracy, top-k, confusion matrix.",
        discussion: "Writes the report as JSON to TASKDIR/eval/<checkpoint>_<split>.json (TASKDIR being the folder above checkpoints/), or under --out, and beside it <checkpoint>_<split>.predictions.jsonl (docs/evaluation.md)."
    )

    @Option(help: ArgumentHelp("Workspace folder (default: $AIARTS_WORKSPACE, else ~/.local/share/aiarts).", valueName: "DIR"))
    var workspace: String?
    @Option(help: "Dataset id, e.g. D0001.") var dataset: String
    @Option(help: ArgumentHelp("Checkpoint folder (checkpoints/epoch_N) or its model.bin.", valueName: "PATH"))
    var checkpoint: String
    @Option(help: "Split to evaluate: train, val or test.") var split: String = "val"
    @Option(name: .customLong("top-k"), help: "k of the top-k accuracy.") var topK: Int = 3
    @Option(help: ArgumentHelp("Folder for the report, or a .json file name.", valueName: "PATH")) var out: String?
    @Flag(help: "Print the report as JSON instead of a summary.") var json = false

    func run() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        let split = try parseSplit(split)
        let checkpointURL = fileURL(checkpoint)
        let loaded = try Checkpoint.load(from: checkpointURL)
        let (evaluated, predictions) = try Evaluator.evaluateWithPredictions(
            checkpoint: loaded, workspace: try Workspace(root: workspaceURL(workspace)),
            dataset: dataset, split: split, topK: topK, epoch: loaded.state?.epoch)
        var report = evaluated
        report.checkpoint = checkpointURL.path

        let folder = (try? FileManager.default.attributesOfItem(atPath: checkpointURL.path)[.type] as? FileAttributeType) == .typeDirectory
            ? checkpointURL : checkpointURL.deletingLastPathComponent()
        let name = "\(folder.lastPathComponent)_\(split.rawValue).json"
        let target: URL
        if let out {
            target = out.hasSuffix(".json") ? fileURL(out) : fileURL(out).appendingPathComponent(name)
        } else if folder.deletingLastPathComponent().lastPathComponent == "checkpoints" {
            target = folder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("eval/\(name)")
        } else {
            throw ValidationError("the checkpoint is not inside a task's checkpoints/ folder; pass --out DIR for the report")
        }
        // What the model predicted, for the engine to score like any trainer's (docs/evaluation.md).
        let predictionsURL = target.deletingPathExtension().appendingPathExtension("predictions.jsonl")
        report.predictions = predictionsURL.path
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(report)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try predictions.write(to: predictionsURL)
        try data.write(to: target, options: .atomic)

        if json {
            say(String(decoding: data, as: UTF8.self))
            return
        }
        say("\(dataset) \(split.rawValue): \(report.count) images")
        say("acc1 \(percent(report.acc1))  acc5 \(percent(report.acc5))  top-\(report.topK) \(percent(report.accTopK))  loss \(String(format: "%.4f", report.loss))")
        let names = report.labels.map { clean($0) }
        let width = max(8, names.map(\.count).max() ?? 0)
        say("confusion (rows: true, columns: predicted)")
        say("".padding(toLength: width, withPad: " ", startingAt: 0) + " " + names.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for (i, row) in report.confusion.enumerated() {
            say(names[i].padding(toLength: width, withPad: " ", startingAt: 0) + " "
                + row.map { String($0).padding(toLength: width, withPad: " ", startingAt: 0) }.joined(separator: " "))
        }
        say("report: \(target.path)")
        say("predictions: \(predictionsURL.path)")
    }
}

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image files with a checkpoint (no workspace needed)."
    )

    @Option(help: ArgumentHelp("Checkpoint folder (checkpoints/epoch_N) or its model.bin.", valueName: "PATH"))
    var checkpoint: String
    @Option(name: .customLong("top-k"), help: "How many classes to show per image.") var topK: Int = 3
    @Flag(help: "Print JSON (one array of predictions).") var json = false
    @Argument(help: ArgumentHelp("JPEG, PNG or WebP files.", valueName: "IMAGE")) var images: [String]

    func run() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        guard !images.isEmpty else { throw ValidationError("name at least one image") }
        let predictor = Predictor(checkpoint: try Checkpoint.load(from: fileURL(checkpoint)))
        let predictions = predictor.predict(paths: images.map { fileURL($0).path }, topK: topK)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            say(String(decoding: try encoder.encode(predictions), as: UTF8.self))
        } else {
            for p in predictions {
                if let error = p.error {
                    say("\(clean(p.path)): error: \(clean(error))")
                } else {
                    say("\(clean(p.path)): " + p.top.map { "\(clean($0.label)) \(String(format: "%.3f", $0.probability))" }.joined(separator: ", "))
                }
            }
        }
        if predictions.allSatisfy({ $0.error != nil }) { throw ExitCode(1) }
    }
}

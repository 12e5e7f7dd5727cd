import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score predictions against ground truth (COCO files, or a predictions.jsonl against a dataset).",
        discussion: "See docs/evaluation.md.",
        subcommands: [EvalCOCOCommand.self, EvalPredictionsCommand.self]
    )
}

struct EvalCOCOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coco",
        abstract: "COCO AP/AR of a results file (boxes or masks), as pycocotools' COCOeval computes them.",
        discussion: "GT is a COCO annotation file; DETECTIONS a results list [{\"image_id\", \"category_id\", \"bbox\", \"score\"}, ...]. Detections on images absent from GT are left out (pycocotools refuses such a file) and counted on stderr."
    )

    @Option(help: ArgumentHelp("COCO ground-truth JSON.", valueName: "GT.json")) var gt: String
    @Option(help: ArgumentHelp("COCO results JSON.", valueName: "DETECTIONS.json")) var dt: String
    @Option(name: .customLong("iou-type"), help: "bbox (boxes) or segm (masks: polygons or RLE).") var iouType: String = "bbox"
    @Flag(help: "Print the 12 numbers as one JSON object.") var json = false

    func run() throws {
        guard let kind = COCOIoUType(rawValue: iouType) else { throw ValidationError("--iou-type must be bbox or segm") }
        let masks = kind == .segm
        let groundTruth = try COCOFiles.loadGroundTruth(path(gt), masks: masks)
        let detections = try COCOFiles.loadDetections(path(dt), masks: masks)
        let result = try COCOEvaluator(iouType: kind).evaluate(groundTruth: groundTruth, detections: detections)
        if result.unknownImageDetections > 0 {
            Output.error("note: \(result.unknownImageDetections) detections name images that are not in \(gt); they were left out")
        }
        if json {
            try Output.json(result.stats.dictionary)
        } else {
            print(result.stats.summary)
        }
    }

    private func path(_ p: String) -> URL { URL(fileURLWithPath: (p as NSString).expandingTildeInPath) }
}

struct EvalPredictionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictions",
        abstract: "Score a predictions.jsonl file against a dataset split of the workspace.",
        discussion: "The file format is described in docs/evaluation.md."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("Dataset id, e.g. D0001.", valueName: "DID")) var dataset: String
    @Argument(help: ArgumentHelp("predictions.jsonl written by a trainer.", valueName: "FILE")) var predictions: String
    @OptionGroup var scoring: ScoringOptions
    @Flag(help: "Print the whole report as JSON.") var json = false

    func run() throws {
        let workspace = try global.open()
        let report = try Evaluation.evaluate(workspace: workspace, dataset: dataset, split: try scoring.chosenSplit(),
                                             predictions: URL(fileURLWithPath: (predictions as NSString).expandingTildeInPath),
                                             options: try scoring.options())
        if json { return try Output.json(report) }
        scoring.print(report)
    }
}

/// The split and the thresholds of an evaluation, named as PaddleX names them.
struct ScoringOptions: ParsableArguments {
    @Option(help: "Split to score: train, val or test.") var split: String = "val"
    @Option(help: "k of the top-k accuracy (classification).") var topk: Int = 5
    @Option(name: .customLong("score-threshold"), help: "Drop boxes scoring below this (detection).") var scoreThreshold: Double = 0
    @Option(name: .customLong("iou-threshold"), help: "IoU for a VOC true positive (detection).") var iouThreshold: Double = 0.5
    @Flag(name: .customLong("voc-all-points"), help: "VOC AP over all recall points (VOC2010+) instead of 11 points (VOC2007).")
    var vocAllPoints = false

    func chosenSplit() throws -> Split {
        guard let value = Split(rawValue: split) else { throw ValidationError("--split must be train, val or test") }
        return value
    }

    func options() throws -> EvaluationOptions {
        guard topk >= 1 else { throw ValidationError("--topk must be at least 1") }
        var options = EvaluationOptions()
        options.topk = topk
        options.scoreThreshold = scoreThreshold
        options.iouThreshold = iouThreshold
        options.vocElevenPoint = !vocAllPoints
        return options
    }

    func print(_ report: EvaluationReport) {
        Swift.print("\(report.dataset) \(report.split): \(report.task.rawValue), \(report.samples) samples, \(report.predicted) predicted"
              + (report.ignoredPredictions > 0 ? ", \(report.ignoredPredictions) predictions for files outside the split ignored" : ""))
        let keys = report.metrics.keys.sorted()
        Output.table(["metric", "value"], keys.map { [Sanitize.line($0), String(format: "%.4f", report.metrics[$0] ?? 0)] })
        if let classification = report.classification { Self.printConfusion(classification) }
    }

    /// Classes up to which the confusion matrix is printed (past that, the lines are too long to read).
    static let confusionClassLimit = 40

    /// The confusion matrix as the task screen draws it (AIArtsRender's ConfusionMatrix), in plain text.
    static func printConfusion(_ metrics: ClassificationMetrics) {
        let labels = metrics.perClass.map(\.label)
        guard !metrics.confusion.isEmpty else { return }
        guard labels.count <= confusionClassLimit else {
            return Swift.print("confusion matrix: \(labels.count) classes, too many to print here; the JSON report holds it (`aiarts eval predictions --json`, a task's eval/*.metrics.json)")
        }
        let matrix = ConfusionMatrix(labels: labels, counts: metrics.confusion)
        var buffer = Buffer(size: matrix.size)
        buffer.render(matrix, in: buffer.area)
        Swift.print("\nconfusion matrix (rows: true class, columns: predicted):")
        for line in buffer.plainLines() { Swift.print(Sanitize.line(line)) }
    }
}

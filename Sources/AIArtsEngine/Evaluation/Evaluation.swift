import AIArtsImaging
import Foundation
import Logging

/// Options named as PaddleX names them.
public struct EvaluationOptions: Codable, Sendable, Equatable {
    /// k of the top-k accuracy (classification); the metric is named "acc<k>".
    public var topk = 5
    /// Boxes scoring below this are dropped before scoring (detection).
    public var scoreThreshold = 0.0
    /// IoU above which a VOC detection is a true positive.
    public var iouThreshold = 0.5
    /// VOC2007 11-point AP (PaddleX's default); false for the VOC2010+ all-point AP.
    public var vocElevenPoint = true

    public init() {}
}

/// What `Evaluation.evaluate` finds: flat metrics for `--json` and scripts, plus the detail of
/// the task's kind.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var dataset: String
    public var split: String
    public var task: DatasetType
    public var epoch: Int?
    /// Samples in the split (with ground truth).
    public var samples: Int
    /// Of those, how many have a prediction; the rest are scored as misses.
    public var predicted: Int
    /// Prediction lines for files that are not in the split.
    public var ignoredPredictions: Int
    /// Predicted labels the dataset does not have (boxes dropped, classes counted wrong).
    public var unknownLabels: Int
    /// classification: acc1, acc<k>, precision/LABEL, recall/LABEL; detection: the 12 COCO keys,
    /// voc_map and ap/LABEL; instance segmentation: those and the 12 mask keys as segm_AP …;
    /// segmentation: miou, pixel_acc, iou/LABEL.
    public var metrics: [String: Double]
    public var classification: ClassificationMetrics?
    public var segmentation: SegmentationMetrics?
    public var voc: VOCEvaluator.Result?
}

/// Scores a trainer's predictions file against a dataset split, so every trainer is scored the
/// same way (docs/evaluation.md).
public enum Evaluation {
    static let logger = Logger(label: "aiarts.evaluation")

    public static func evaluate(workspace: Workspace, dataset: String, split: Split, predictions url: URL,
                                options: EvaluationOptions = EvaluationOptions()) throws -> EvaluationReport {
        let file = try PredictionsFile.read(url)
        let (content, folder) = try workspace.content(dataset)
        return try evaluate(content: content, datasetFolder: folder, dataset: dataset, split: split, predictions: file,
                            predictionsFolder: url.deletingLastPathComponent(), options: options)
    }

    /// The same on records already in memory (tests, and callers that hold the content).
    public static func evaluate(content: DatasetContent, datasetFolder: URL, dataset: String, split: Split,
                                predictions file: PredictionsFile, predictionsFolder: URL,
                                options: EvaluationOptions = EvaluationOptions()) throws -> EvaluationReport {
        let task = file.header.task
        let compatible = task == content.type || (task == .detection && content.type == .instanceSegmentation)
        guard compatible else {
            throw AIArtsError(.invalidArgument, "the predictions are for \(task.rawValue) but \(dataset) is a \(content.type.rawValue) dataset")
        }
        let samples = content.samples.filter { $0.split == split }
        guard !samples.isEmpty else {
            throw AIArtsError(.conflict, "\(dataset) has no samples in its \(split.rawValue) split; split it with `aiarts dataset split \(dataset) --val 0.2`")
        }
        var byFile: [String: Int] = [:]
        for (n, entry) in file.entries.enumerated() {
            if let earlier = byFile[entry.file] {
                throw AIArtsError(.badInput, "predictions line \(entry.line): \(entry.file) was already predicted on line \(file.entries[earlier].line)")
            }
            byFile[entry.file] = n
        }
        let inSplit = Set(samples.map(\.path))
        let ignored = file.entries.filter { !inSplit.contains($0.file) }.count
        if ignored > 0 { logger.info("\(ignored) predictions for files outside the \(split.rawValue) split of \(dataset) ignored") }
        let matched = samples.map { byFile[$0.path].map { file.entries[$0] } }

        var labelIndex: [String: Int] = [:]
        for (i, name) in content.labels.enumerated() where labelIndex[name] == nil { labelIndex[name] = i }

        var report = EvaluationReport(dataset: dataset, split: split.rawValue, task: task, epoch: file.header.epoch,
                                      samples: samples.count, predicted: matched.compactMap { $0 }.count,
                                      ignoredPredictions: ignored, unknownLabels: 0, metrics: [:])
        switch task {
        case .classification:
            scoreClassification(samples, matched, content.labels, labelIndex, options, &report)
        case .detection, .instanceSegmentation:
            try scoreDetection(samples, matched, content.labels, labelIndex, options, masks: task == .instanceSegmentation, &report)
        case .segmentation:
            try scoreSegmentation(samples, matched, content.labels, file.header.labels, datasetFolder, predictionsFolder, &report)
        }
        return report
    }

    static func scoreClassification(_ samples: [StoredSample], _ matched: [PredictionsFile.Entry?], _ labels: [String],
                                    _ labelIndex: [String: Int], _ options: EvaluationOptions, _ report: inout EvaluationReport) {
        var truth: [Int] = [], ranked: [[Int]] = []
        var unknown = 0
        for (sample, entry) in zip(samples, matched) {
            guard let label = sample.annotations.first?.labelIndex else { continue }
            truth.append(label)
            // Best first; equal scores keep the file's order.
            let order = (entry?.labels ?? []).enumerated().sorted { a, b in
                a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
            }
            ranked.append(order.map { item in
                if let i = labelIndex[item.element.label] { return i }
                unknown += 1
                return -1
            })
        }
        let metrics = ClassificationMetrics.compute(truth: truth, ranked: ranked, labels: labels, topk: options.topk)
        report.samples = truth.count
        report.unknownLabels = unknown
        report.classification = metrics
        report.metrics["acc1"] = metrics.acc1
        report.metrics["acc\(options.topk)"] = metrics.accTopK
        for c in metrics.perClass {
            report.metrics["precision/\(c.label)"] = c.precision
            report.metrics["recall/\(c.label)"] = c.recall
        }
    }

    static func scoreDetection(_ samples: [StoredSample], _ matched: [PredictionsFile.Entry?], _ labels: [String],
                               _ labelIndex: [String: Int], _ options: EvaluationOptions, masks: Bool,
                               _ report: inout EvaluationReport) throws {
        var gt = COCOGroundTruth()
        var dt = COCODetections()
        var vocTruth: [VOCEvaluator.GroundTruth] = []
        var vocDetections: [VOCEvaluator.Detection] = []
        gt.categoryIDs = labels.indices.map { Int64($0 + 1) }
        var unknown = 0
        var annotationID: Int64 = 1
        for (i, (sample, entry)) in zip(samples, matched).enumerated() {
            let image = Int64(i + 1)
            gt.imageIDs.append(image)
            gt.imageSizes[image] = sample.size
            for a in sample.annotations {
                guard let box = a.box, a.labelIndex >= 0, a.labelIndex < labels.count else { continue }
                // The dataset keeps no COCO "area" field: the box's area places it small, medium or large.
                gt.append(id: annotationID, image: image, category: Int64(a.labelIndex + 1), box: box,
                          area: box.width * box.height, isCrowd: a.isCrowd, segmentation: a.segmentation)
                annotationID += 1
                vocTruth.append(.init(image: i, label: a.labelIndex, box: box, difficult: a.isCrowd))
            }
            for b in entry?.boxes ?? [] where b.score >= options.scoreThreshold {
                guard let c = labelIndex[b.label] else { unknown += 1; continue }
                dt.append(image: image, category: Int64(c + 1), box: b.bbox, score: b.score, segmentation: b.segmentation)
                vocDetections.append(.init(image: i, label: c, box: b.bbox, score: b.score))
            }
        }
        let coco = try COCOEvaluator().evaluate(groundTruth: gt, detections: dt)
        for (key, value) in coco.stats.dictionary { report.metrics[key] = value }
        if masks {
            let segm = try COCOEvaluator(iouType: .segm).evaluate(groundTruth: gt, detections: dt)
            for (key, value) in segm.stats.dictionary { report.metrics["segm_" + key] = value }
        }
        let voc = VOCEvaluator.evaluate(groundTruth: vocTruth, detections: vocDetections, classes: labels.count,
                                        iouThreshold: options.iouThreshold, elevenPoint: options.vocElevenPoint)
        report.metrics["voc_map"] = voc.mAP
        for (c, ap) in voc.classAP.enumerated() { if let ap { report.metrics["ap/\(labels[c])"] = ap } }
        report.voc = voc
        report.unknownLabels = unknown
    }

    static func scoreSegmentation(_ samples: [StoredSample], _ matched: [PredictionsFile.Entry?], _ labels: [String],
                                  _ predictedLabels: [String], _ datasetFolder: URL, _ predictionsFolder: URL,
                                  _ report: inout EvaluationReport) throws {
        // Predicted indices point into the header's labels; translate them to the dataset's by name.
        // 254 stands for "no such class" (counted wrong), 255 stays "ignore".
        var translate = [UInt8](repeating: 254, count: 256)
        translate[255] = 255
        var unknown = 0
        for (i, name) in predictedLabels.enumerated() where i < 255 {
            if let j = labels.firstIndex(of: name), j < 254 { translate[i] = UInt8(j) } else { unknown += 1 }
        }
        var metrics = SegmentationMetrics(labels: labels)
        var scored = 0
        for (sample, entry) in zip(samples, matched) {
            guard let maskPath = sample.maskPath else { continue }
            scored += 1
            let truth = try loadMask(maskPath, under: datasetFolder, what: "the ground-truth mask of \(sample.path)")
            guard let entry, let predictedPath = entry.mask else {
                metrics.addMissing(truth: truth.values)
                continue
            }
            let predicted = try loadMask(predictedPath, under: predictionsFolder, what: "the predicted mask on line \(entry.line)")
            guard predicted.width == truth.width, predicted.height == truth.height else {
                throw AIArtsError(.badInput, "predictions line \(entry.line): the mask \(predictedPath) is \(predicted.width)x\(predicted.height), but \(sample.path)'s ground truth is \(truth.width)x\(truth.height)")
            }
            metrics.add(truth: truth.values, prediction: predicted.values.map { translate[Int($0)] })
        }
        report.samples = scored
        report.unknownLabels = unknown
        report.segmentation = metrics
        report.metrics["miou"] = metrics.miou
        report.metrics["pixel_acc"] = metrics.pixelAccuracy
        for (c, iou) in metrics.classIoU.enumerated() { if let iou { report.metrics["iou/\(labels[c])"] = iou } }
    }

    static func loadMask(_ path: String, under folder: URL, what: String) throws -> IndexedImage {
        let url: URL
        do {
            url = try SafePath.resolve(path, under: folder).url
        } catch {
            throw AIArtsError(.badInput, "\(what): \(error)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AIArtsError(.io, "cannot read \(what) at \(url.path)")
        }
        do {
            return try ImageCodec.decodeMask([UInt8](data))
        } catch {
            throw AIArtsError(.badInput, "\(what) (\(url.path)) is not a usable mask: \(error)")
        }
    }
}

import AIArtsEngine
import AIArtsImaging
import Foundation

/// Accuracy of a model on one split: what `aiarts-train eval` writes as JSON.
public struct EvalReport: Codable, Sendable, Equatable {
    public struct ClassStats: Codable, Sendable, Equatable {
        public var label: String
        public var count: Int
        public var correct: Int
        public var accuracy: Double
    }

    public var dataset: String?
    public var split: String?
    public var checkpoint: String?
    public var count: Int
    public var acc1: Double
    /// Top-5 accuracy (top-all when there are fewer than 5 classes, so it is 1 with 3 classes).
    public var acc5: Double
    public var topK: Int
    public var accTopK: Double
    /// Mean cross-entropy.
    public var loss: Double
    /// The predictions.jsonl written beside the report (`aiarts-train eval`), for the engine to score.
    public var predictions: String?
    public var labels: [String]
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]
    public var perClass: [ClassStats]
}

public enum Evaluator {
    /// Runs the model over `set` and tallies accuracy, top-k, loss and the confusion matrix.
    public static func evaluate(network: Network, set: ImageSet, labels: [String], topK: Int = 3,
                                engine: BatchEngine? = nil) -> EvalReport {
        tally(probabilities: probabilities(network: network, set: set, engine: engine), classes: network.spec.classes,
              set: set, labels: labels, topK: topK)
    }

    static func probabilities(network: Network, set: ImageSet, engine: BatchEngine?) -> [Float] {
        let engine = engine ?? BatchEngine(network: network, workers: BatchEngine.defaultWorkers)
        return set.inputs.withUnsafeBufferPointer { engine.probabilities(network: network, inputs: $0, count: set.count) }
    }

    static func tally(probabilities probs: [Float], classes: Int, set: ImageSet, labels: [String], topK: Int) -> EvalReport {
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        var top1 = 0, top5 = 0, topk = 0, loss = 0.0
        for s in 0..<set.count {
            let p = probs[(s * classes)..<((s + 1) * classes)]
            let truth = set.labels[s]
            // Rank of the true class = how many classes scored strictly higher (ties favour the truth).
            let rank = p.reduce(0) { $0 + ($1 > p[p.startIndex + truth] ? 1 : 0) }
            let predicted = argmax(p)
            confusion[truth][predicted] += 1
            if predicted == truth { top1 += 1 }
            if rank < 5 { top5 += 1 }
            if rank < topK { topk += 1 }
            loss -= log(max(Double(p[p.startIndex + truth]), 1e-30))
        }
        let total = max(1, set.count)
        let perClass = labels.indices.map { i -> EvalReport.ClassStats in
            let count = confusion[i].reduce(0, +)
            return .init(label: labels[i], count: count, correct: confusion[i][i],
                         accuracy: count > 0 ? Double(confusion[i][i]) / Double(count) : 0)
        }
        return EvalReport(count: set.count, acc1: Double(top1) / Double(total), acc5: Double(top5) / Double(total), topK: topK,
                          accTopK: Double(topk) / Double(total), loss: loss / Double(total), labels: labels,
                          confusion: confusion, perClass: perClass)
    }

    /// The first index of the largest value.
    static func argmax(_ p: ArraySlice<Float>) -> Int {
        var best = p.startIndex
        for i in p.indices where p[i] > p[best] { best = i }
        return best - p.startIndex
    }
}

/// One image's top classes, as `aiarts-train predict` prints them.
public struct Prediction: Codable, Sendable, Equatable {
    public struct Score: Codable, Sendable, Equatable {
        public var label: String
        public var index: Int
        public var probability: Double
    }

    public var path: String
    public var top: [Score]
    public var error: String?
}

/// Classifies image files with a loaded checkpoint; needs no workspace.
public struct Predictor: Sendable {
    public let checkpoint: Checkpoint

    public init(checkpoint: Checkpoint) { self.checkpoint = checkpoint }

    /// Top-k classes for each file; a file that cannot be read or decoded gets an error, not a throw,
    /// so one bad image does not hide the others' answers.
    public func predict(paths: [String], topK: Int = 3) -> [Prediction] {
        let network = checkpoint.network, size = network.spec.imageSize
        let k = max(1, min(topK, network.spec.classes))
        var tensors: [[Float]] = []
        var predictions: [Prediction] = []
        var slots: [Int] = []
        for path in paths {
            do {
                guard let data = FileManager.default.contents(atPath: path) else { throw TrainError("cannot read the file") }
                tensors.append(try Preprocess.load(Array(data), size: size, normalization: checkpoint.normalization))
                slots.append(predictions.count)
                predictions.append(Prediction(path: path, top: []))
            } catch {
                predictions.append(Prediction(path: path, top: [], error: "\(error)"))
            }
        }
        let inputs = tensors.flatMap { $0 }
        let engine = BatchEngine(network: network, workers: min(BatchEngine.defaultWorkers, max(1, tensors.count)))
        let probs = inputs.withUnsafeBufferPointer { engine.probabilities(network: network, inputs: $0, count: tensors.count) }
        let classes = network.spec.classes
        for (t, slot) in slots.enumerated() {
            let p = probs[(t * classes)..<((t + 1) * classes)]
            // Stable order: higher probability first, lower class index on ties.
            let ranked = (0..<classes).sorted { p[p.startIndex + $0] != p[p.startIndex + $1] ? p[p.startIndex + $0] > p[p.startIndex + $1] : $0 < $1 }
            predictions[slot].top = ranked.prefix(k).map {
                .init(label: checkpoint.labels[$0], index: $0, probability: Double(p[p.startIndex + $0]))
            }
        }
        return predictions
    }
}

extension Evaluator {
    /// Evaluates a checkpoint on one split of a workspace dataset. Labels are matched by name, so a
    /// dataset whose labels are listed in another order still scores correctly.
    public static func evaluate(checkpoint: Checkpoint, workspace: Workspace, dataset: String, split: Split,
                                topK: Int = 3) throws -> EvalReport {
        try evaluateWithPredictions(checkpoint: checkpoint, workspace: workspace, dataset: dataset, split: split, topK: topK).report
    }

    /// The same, with what the model predicted for each image in the engine's predictions.jsonl
    /// form (docs/evaluation.md): every class ranked, best first, cut to the top `keep`.
    public static func evaluateWithPredictions(checkpoint: Checkpoint, workspace: Workspace, dataset: String, split: Split,
                                               topK: Int = 3, keep: Int = 5,
                                               epoch: Int? = nil) throws -> (report: EvalReport, predictions: PredictionsFile) {
        let data = try ClassificationData.load(workspace: workspace, dataset: dataset, splits: [split],
                                               imageSize: checkpoint.network.spec.imageSize,
                                               normalization: checkpoint.normalization)
        var set = data.sets[split]!
        guard set.count > 0 else { throw TrainError("\(dataset) has no usable images in its \(split.rawValue) split") }
        let unknown = Set(set.labels.map { data.labels[$0] }).subtracting(checkpoint.labels)
        guard unknown.isEmpty else {
            throw TrainError("the model does not know the labels \(unknown.sorted()); it was trained on \(checkpoint.labels)")
        }
        let index = Dictionary(checkpoint.labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        set.labels = set.labels.map { index[data.labels[$0]]! }
        let classes = checkpoint.network.spec.classes
        let probs = probabilities(network: checkpoint.network, set: set, engine: nil)
        var report = tally(probabilities: probs, classes: classes, set: set, labels: checkpoint.labels, topK: topK)
        report.dataset = dataset
        report.split = split.rawValue

        let kept = max(1, min(max(keep, topK), classes))
        var entries: [PredictionsFile.Entry] = []
        entries.reserveCapacity(set.count)
        for s in 0..<set.count {
            let p = probs[(s * classes)..<((s + 1) * classes)]
            // Higher probability first, lower class index on ties (as `predict` ranks them).
            let ranked = (0..<classes).sorted { p[p.startIndex + $0] != p[p.startIndex + $1] ? p[p.startIndex + $0] > p[p.startIndex + $1] : $0 < $1 }
            entries.append(PredictionsFile.Entry(file: set.paths[s], labels: ranked.prefix(kept).map {
                PredictionsFile.Label(label: checkpoint.labels[$0], score: Double(p[p.startIndex + $0]))
            }))
        }
        let header = PredictionsFile.Header(task: .classification, labels: checkpoint.labels, split: split.rawValue, epoch: epoch)
        return (report, PredictionsFile(header: header, entries: entries))
    }
}

import Foundation

/// Top-1/top-k accuracy, per-class precision and recall and the confusion matrix of ranked
/// class predictions. A sample without a prediction counts as wrong (and in no column of the
/// confusion matrix: it has no predicted class).
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    public struct ClassStats: Codable, Sendable, Equatable {
        public var label: String
        /// Samples whose true class this is.
        public var support: Int
        /// Of the samples predicted as this class, the share that are; 0 when none was.
        public var precision: Double
        /// Of the samples of this class, the share predicted as it; 0 when it has none.
        public var recall: Double
    }

    public var count: Int
    public var acc1: Double
    public var topk: Int
    public var accTopK: Double
    public var perClass: [ClassStats]
    /// confusion[true][predicted].
    public var confusion: [[Int]]

    /// - Parameters:
    ///   - truth: the true class of each sample.
    ///   - ranked: each sample's predicted classes, best first (empty: no prediction).
    public static func compute(truth: [Int], ranked: [[Int]], labels: [String], topk: Int) -> ClassificationMetrics {
        let classes = labels.count
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        var top1 = 0, topK = 0
        for (t, r) in zip(truth, ranked) {
            if let first = r.first, t >= 0, t < classes, first >= 0, first < classes { confusion[t][first] += 1 }
            if r.first == t { top1 += 1 }
            if r.prefix(topk).contains(t) { topK += 1 }
        }
        let n = truth.count
        let perClass = (0..<classes).map { c -> ClassStats in
            let support = confusion[c].reduce(0, +) + truth.indices.filter { truth[$0] == c && ranked[$0].isEmpty }.count
            let predicted = (0..<classes).reduce(0) { $0 + confusion[$1][c] }
            return ClassStats(label: labels[c], support: support,
                              precision: predicted > 0 ? Double(confusion[c][c]) / Double(predicted) : 0,
                              recall: support > 0 ? Double(confusion[c][c]) / Double(support) : 0)
        }
        return ClassificationMetrics(count: n, acc1: n > 0 ? Double(top1) / Double(n) : 0, topk: topk,
                                     accTopK: n > 0 ? Double(topK) / Double(n) : 0, perClass: perClass, confusion: confusion)
    }
}

/// Semantic segmentation scored from a confusion matrix of pixels: per-class IoU
/// (TP / (TP + FP + FN)), mean IoU over the classes that occur in truth or prediction, and
/// pixel accuracy. Pixels whose truth is the ignore index are skipped.
public struct SegmentationMetrics: Codable, Sendable, Equatable {
    public static let ignoreIndex: UInt8 = 255

    public var labels: [String]
    /// confusion[true][predicted], in pixels.
    public var confusion: [[Int]]

    public init(labels: [String]) {
        self.labels = labels
        confusion = Array(repeating: Array(repeating: 0, count: labels.count), count: labels.count)
        missed = Array(repeating: 0, count: labels.count)
    }

    /// Adds one image. A predicted value outside the label range counts as wrong for its pixel
    /// (in no column); truth outside the range other than 255 is skipped like 255.
    public mutating func add(truth: [UInt8], prediction: [UInt8]) {
        let classes = labels.count
        for i in 0..<min(truth.count, prediction.count) {
            let t = Int(truth[i])
            guard truth[i] != Self.ignoreIndex, t < classes else { continue }
            let p = Int(prediction[i])
            if p < classes { confusion[t][p] += 1 } else { missed[t] += 1 }
        }
    }

    /// Pixels of each true class predicted as no class at all.
    public var missed: [Int]

    /// Adds an image with no prediction: every labelled pixel is a miss.
    public mutating func addMissing(truth: [UInt8]) {
        for value in truth where value != Self.ignoreIndex && Int(value) < labels.count { missed[Int(value)] += 1 }
    }

    public var classIoU: [Double?] {
        (0..<labels.count).map { c in
            let tp = confusion[c][c]
            let fn = confusion[c].reduce(0, +) - tp + missedCount(c)
            let fp = (0..<labels.count).reduce(0) { $0 + confusion[$1][c] } - tp
            let union = tp + fp + fn
            return union > 0 ? Double(tp) / Double(union) : nil
        }
    }

    public var miou: Double {
        let present = classIoU.compactMap { $0 }
        return present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
    }

    public var pixelAccuracy: Double {
        var correct = 0, total = 0
        for c in 0..<labels.count {
            correct += confusion[c][c]
            total += confusion[c].reduce(0, +) + missedCount(c)
        }
        return total > 0 ? Double(correct) / Double(total) : 0
    }

    private func missedCount(_ c: Int) -> Int { c < missed.count ? missed[c] : 0 }
}

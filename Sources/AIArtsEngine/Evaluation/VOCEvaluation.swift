import Foundation

/// VOC detection AP as py-faster-rcnn's voc_eval computes it: per class, detections in score
/// order are true positives when their best-overlapping box (IoU above the threshold, corners
/// counted inclusively with the "+1" pixel convention) is not difficult and not yet taken;
/// difficult boxes are neither true nor false positives and do not count as positives.
public enum VOCEvaluator {
    public struct GroundTruth: Sendable, Equatable {
        public var image: Int
        public var label: Int
        public var box: Box
        public var difficult: Bool

        public init(image: Int, label: Int, box: Box, difficult: Bool = false) {
            self.image = image; self.label = label; self.box = box; self.difficult = difficult
        }
    }

    public struct Detection: Sendable, Equatable {
        public var image: Int
        public var label: Int
        public var box: Box
        public var score: Double

        public init(image: Int, label: Int, box: Box, score: Double) {
            self.image = image; self.label = label; self.box = box; self.score = score
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        /// AP per class; nil for a class with no (non-difficult) ground truth.
        public var classAP: [Double?]
        /// Mean over the classes that have ground truth; 0 when none has.
        public var mAP: Double
    }

    /// - Parameter elevenPoint: the VOC2007 11-point interpolation (PaddleX's default); false for
    ///   the VOC2010+ area under the full precision envelope.
    public static func evaluate(groundTruth: [GroundTruth], detections: [Detection], classes: Int,
                                iouThreshold: Double = 0.5, elevenPoint: Bool = true) -> Result {
        var gtByClassImage: [[Int: [Int]]] = Array(repeating: [:], count: classes)
        var positives = [Int](repeating: 0, count: classes)
        for (n, g) in groundTruth.enumerated() where g.label >= 0 && g.label < classes {
            gtByClassImage[g.label][g.image, default: []].append(n)
            if !g.difficult { positives[g.label] += 1 }
        }
        var detectionsByClass: [[Int]] = Array(repeating: [], count: classes)
        for (n, d) in detections.enumerated() where d.label >= 0 && d.label < classes { detectionsByClass[d.label].append(n) }

        var aps: [Double?] = []
        for c in 0..<classes {
            guard positives[c] > 0 else { aps.append(nil); continue }
            // Highest score first; ties keep input order.
            let order = detectionsByClass[c].sorted { a, b in
                detections[a].score != detections[b].score ? detections[a].score > detections[b].score : a < b
            }
            var taken = Set<Int>()
            var tp = [Double](), fp = [Double]()
            var tpSum = 0.0, fpSum = 0.0
            for n in order {
                let d = detections[n]
                var best = -Double.infinity, bestIndex = -1
                for g in gtByClassImage[c][d.image] ?? [] {
                    let o = overlap(d.box, groundTruth[g].box)
                    if o > best { best = o; bestIndex = g }
                }
                if best > iouThreshold, bestIndex >= 0 {
                    if !groundTruth[bestIndex].difficult {
                        if taken.insert(bestIndex).inserted { tpSum += 1 } else { fpSum += 1 }
                    }
                } else {
                    fpSum += 1
                }
                tp.append(tpSum); fp.append(fpSum)
            }
            let recall = tp.map { $0 / Double(positives[c]) }
            let precision = zip(tp, fp).map { t, f in t / max(t + f, Double.ulpOfOne) }
            aps.append(averagePrecision(recall: recall, precision: precision, elevenPoint: elevenPoint))
        }
        let present = aps.compactMap { $0 }
        return Result(classAP: aps, mAP: present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count))
    }

    /// IoU with VOC's inclusive pixel corners (width = x2 - x1 + 1).
    static func overlap(_ a: Box, _ b: Box) -> Double {
        let iw = max(min(a.x2, b.x2) - max(a.x, b.x) + 1, 0)
        let ih = max(min(a.y2, b.y2) - max(a.y, b.y) + 1, 0)
        let inter = iw * ih
        let union = (a.x2 - a.x + 1) * (a.y2 - a.y + 1) + (b.x2 - b.x + 1) * (b.y2 - b.y + 1) - inter
        return inter / union
    }

    /// voc_ap: the 11-point mean of the best precision at recall ≥ 0, 0.1, …, 1, or the area
    /// under the monotone precision envelope.
    public static func averagePrecision(recall: [Double], precision: [Double], elevenPoint: Bool) -> Double {
        if elevenPoint {
            var ap = 0.0
            // numpy.arange(0., 1.1, 0.1): i * 0.1.
            for i in 0..<11 {
                let t = Double(i) * 0.1
                var best: Double?
                for (r, p) in zip(recall, precision) where r >= t { best = max(best ?? p, p) }
                ap += (best ?? 0) / 11
            }
            return ap
        }
        let mrec = [0.0] + recall + [1.0]
        var mpre = [0.0] + precision + [0.0]
        for i in stride(from: mpre.count - 1, to: 0, by: -1) { mpre[i - 1] = max(mpre[i - 1], mpre[i]) }
        var ap = 0.0
        for i in 0..<(mrec.count - 1) where mrec[i + 1] != mrec[i] { ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1] }
        return ap
    }
}

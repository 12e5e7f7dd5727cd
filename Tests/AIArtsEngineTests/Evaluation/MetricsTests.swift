import Foundation
import Testing
@testable import AIArtsEngine

/// VOC AP, classification and segmentation metrics on cases small enough to work out by hand.
@Suite struct EvaluationMetricsTests {
    /// Three boxes of one class, the third difficult. Detections, best first: a hit on A, a second
    /// hit on A (duplicate: false), a hit on the difficult C (neither), a hit on B, a miss.
    /// Cumulative tp 1,1,1,2,2 and fp 0,1,1,1,2 over 2 positives: recall .5,.5,.5,1,1 and
    /// precision 1,.5,.5,2/3,.5.
    static let vocTruth = [
        VOCEvaluator.GroundTruth(image: 0, label: 0, box: Box(x: 0, y: 0, width: 10, height: 10)),
        VOCEvaluator.GroundTruth(image: 0, label: 0, box: Box(x: 20, y: 20, width: 10, height: 10)),
        VOCEvaluator.GroundTruth(image: 0, label: 0, box: Box(x: 40, y: 40, width: 10, height: 10), difficult: true),
    ]
    static let vocDetections = [
        VOCEvaluator.Detection(image: 0, label: 0, box: Box(x: 0, y: 0, width: 10, height: 10), score: 0.9),
        VOCEvaluator.Detection(image: 0, label: 0, box: Box(x: 0, y: 0, width: 10, height: 10), score: 0.8),
        VOCEvaluator.Detection(image: 0, label: 0, box: Box(x: 40, y: 40, width: 10, height: 10), score: 0.7),
        VOCEvaluator.Detection(image: 0, label: 0, box: Box(x: 20, y: 20, width: 10, height: 10), score: 0.6),
        VOCEvaluator.Detection(image: 0, label: 0, box: Box(x: 70, y: 70, width: 10, height: 10), score: 0.5),
    ]

    @Test func vocElevenPointAP() {
        // Recall thresholds 0…0.5 see precision 1 (6 points), 0.6…1 see 2/3 (5 points): (6 + 10/3) / 11.
        let result = VOCEvaluator.evaluate(groundTruth: Self.vocTruth, detections: Self.vocDetections, classes: 2, elevenPoint: true)
        #expect(abs(result.mAP - 28.0 / 33.0) < 1e-12)
        #expect(result.classAP.count == 2)
        #expect(result.classAP[1] == nil)  // no ground truth: left out of the mean
    }

    @Test func vocAllPointAP() {
        // Envelope 1 up to recall .5, 2/3 from .5 to 1: .5 + .5 × 2/3.
        let result = VOCEvaluator.evaluate(groundTruth: Self.vocTruth, detections: Self.vocDetections, classes: 1, elevenPoint: false)
        #expect(abs(result.mAP - 5.0 / 6.0) < 1e-12)
    }

    @Test func vocOverlapCountsPixelsInclusively() {
        // 10 wide boxes overlapping by 5 columns: (5+1)×11 / (2×11×11 − 66) = 66/176.
        let o = VOCEvaluator.overlap(Box(x: 0, y: 0, width: 10, height: 10), Box(x: 5, y: 0, width: 10, height: 10))
        #expect(abs(o - 66.0 / 176.0) < 1e-12)
        // At IoU 0.5, strictly above the threshold is needed.
        let half = VOCEvaluator.evaluate(groundTruth: [.init(image: 0, label: 0, box: Box(x: 0, y: 0, width: 10, height: 10))],
                                         detections: [.init(image: 0, label: 0, box: Box(x: 5, y: 0, width: 10, height: 10), score: 1)],
                                         classes: 1, iouThreshold: 0.3)
        #expect(abs(half.mAP - 1) < 1e-12)
    }

    @Test func classificationAccuracyPrecisionRecallConfusion() {
        // Truth a, a, b, c; the last sample has no prediction.
        let m = ClassificationMetrics.compute(truth: [0, 0, 1, 2], ranked: [[0, 1, 2], [1, 0, 2], [1, 2, 0], []],
                                             labels: ["a", "b", "c"], topk: 2)
        #expect(m.acc1 == 0.5)
        #expect(m.accTopK == 0.75)
        #expect(m.confusion == [[1, 1, 0], [0, 1, 0], [0, 0, 0]])
        #expect(m.perClass.map(\.precision) == [1, 0.5, 0])
        #expect(m.perClass.map(\.recall) == [0.5, 1, 0])
        #expect(m.perClass.map(\.support) == [2, 1, 1])
    }

    @Test func segmentationIoUAndPixelAccuracy() {
        var m = SegmentationMetrics(labels: ["background", "road"])
        // Pixels (truth, predicted): (0,0) (0,1) (1,1) (1,1) (255: ignored) (1,0).
        m.add(truth: [0, 0, 1, 1, 255, 1], prediction: [0, 1, 1, 1, 0, 0])
        #expect(m.confusion == [[1, 1], [1, 2]])
        let iou = m.classIoU
        #expect(abs((iou[0] ?? 0) - 1.0 / 3.0) < 1e-12)
        #expect(abs((iou[1] ?? 0) - 0.5) < 1e-12)
        #expect(abs(m.miou - 5.0 / 12.0) < 1e-12)
        #expect(abs(m.pixelAccuracy - 0.6) < 1e-12)
    }

    @Test func segmentationMissingPredictionIsAllWrong() {
        var m = SegmentationMetrics(labels: ["background", "road", "sky"])
        m.add(truth: [0, 1], prediction: [0, 1])
        m.addMissing(truth: [1, 1, 255])
        #expect(m.pixelAccuracy == 0.5)
        #expect(m.classIoU[0] == 1)
        #expect(abs((m.classIoU[1] ?? 0) - 1.0 / 3.0) < 1e-12)
        #expect(m.classIoU[2] == nil)  // in neither truth nor prediction: not in the mean
        #expect(abs(m.miou - 2.0 / 3.0) < 1e-12)
    }
}

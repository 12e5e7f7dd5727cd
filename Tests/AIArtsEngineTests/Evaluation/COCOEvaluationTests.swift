import Foundation
import Testing
@testable import AIArtsEngine

/// COCO box evaluation against numbers pycocotools' COCOeval produced for the same files.
@Suite struct COCOEvaluationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/evaluation")

    static func expectClose(_ got: COCOStats, _ expected: [String: Double], tolerance: Double = 1e-4,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        for key in COCOStats.keys {
            let value = got.dictionary[key] ?? .nan
            #expect(abs(value - (expected[key] ?? .nan)) <= tolerance,
                    "\(key): \(value), pycocotools gives \(expected[key] ?? .nan)", sourceLocation: sourceLocation)
        }
    }

    /// Built by bench/make_coco_eval_fixture.py: crowd regions, every area range, images without
    /// ground truth, a category nobody has, tied scores, more than 100 detections on an image.
    @Test func syntheticFixtureMatchesPycocotools() throws {
        let gt = try COCOFiles.loadGroundTruth(Self.fixtures.appendingPathComponent("coco-gt.json"))
        let dt = try COCOFiles.loadDetections(Self.fixtures.appendingPathComponent("coco-dt.json"))
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("coco-expected.json"))
        let expected = try JSONDecoder().decode([String: Double].self, from: data)
        #expect(expected.count == 12)
        let result = COCOEvaluator().evaluate(groundTruth: gt, detections: dt)
        Self.expectClose(result.stats, expected)
        #expect(result.unknownImageDetections == 0)
    }

    static func groundTruth(_ annotations: [(image: Int64, category: Int64, box: Box, area: Double, crowd: Bool)],
                            images: [Int64], categories: [Int64]) -> COCOGroundTruth {
        var gt = COCOGroundTruth()
        gt.imageIDs = images
        gt.categoryIDs = categories
        for (n, a) in annotations.enumerated() {
            gt.append(id: Int64(n + 1), image: a.image, category: a.category, box: a.box, area: a.area, isCrowd: a.crowd)
        }
        return gt
    }

    static let threeBoxes = groundTruth([
        (1, 1, Box(x: 10, y: 10, width: 20, height: 20), 400, false),
        (1, 2, Box(x: 50, y: 50, width: 50, height: 50), 2500, false),
        (2, 1, Box(x: 0, y: 0, width: 200, height: 200), 40000, false),
    ], images: [1, 2, 3], categories: [1, 2, 3])

    @Test func perfectDetectionsScoreOne() {
        var dt = COCODetections()
        let gt = Self.threeBoxes
        for j in 0..<gt.annotationCount {
            dt.append(image: gt.annotationImages[j], category: gt.annotationCategories[j],
                      box: Box(x: gt.boxes[4 * j], y: gt.boxes[4 * j + 1], width: gt.boxes[4 * j + 2], height: gt.boxes[4 * j + 3]),
                      score: 0.9)
        }
        let stats = COCOEvaluator().evaluate(groundTruth: gt, detections: dt).stats
        Self.expectClose(stats, Dictionary(uniqueKeysWithValues: COCOStats.keys.map { ($0, 1.0) }))
    }

    @Test func noDetectionsScoreZeroAndEmptyRangesMinusOne() {
        let stats = COCOEvaluator().evaluate(groundTruth: Self.threeBoxes, detections: COCODetections()).stats
        Self.expectClose(stats, Dictionary(uniqueKeysWithValues: COCOStats.keys.map { ($0, 0.0) }))

        // Only a medium box: the small and large ranges have no ground truth anywhere.
        let medium = Self.groundTruth([(1, 1, Box(x: 0, y: 0, width: 50, height: 50), 2500, false)], images: [1], categories: [1])
        let empty = COCOEvaluator().evaluate(groundTruth: medium, detections: COCODetections()).stats.dictionary
        #expect(empty["APs"] == -1 && empty["APl"] == -1 && empty["ARs"] == -1 && empty["ARl"] == -1)
        #expect(empty["AP"] == 0 && empty["APm"] == 0 && empty["AR100"] == 0)
    }

    /// Detections inside a crowd region are matched to it and ignored, not counted false.
    @Test func crowdRegionsAbsorbDetections() {
        let gt = Self.groundTruth([
            (1, 1, Box(x: 0, y: 0, width: 40, height: 40), 1600, false),
            (1, 1, Box(x: 100, y: 100, width: 100, height: 100), 10000, true),
        ], images: [1], categories: [1])
        var dt = COCODetections()
        dt.append(image: 1, category: 1, box: Box(x: 110, y: 110, width: 20, height: 20), score: 0.95)
        dt.append(image: 1, category: 1, box: Box(x: 150, y: 150, width: 30, height: 30), score: 0.9)
        dt.append(image: 1, category: 1, box: Box(x: 0, y: 0, width: 40, height: 40), score: 0.5)
        dt.append(image: 1, category: 1, box: Box(x: 300, y: 300, width: 40, height: 40), score: 0.6)
        // pycocotools 2.0 on the same boxes.
        let expected: [String: Double] = ["AP": 0.5, "AP50": 0.5, "AP75": 0.5, "APs": -1, "APm": 0.5, "APl": -1,
                                          "AR1": 0, "AR10": 1, "AR100": 1, "ARs": -1, "ARm": 1, "ARl": -1]
        Self.expectClose(COCOEvaluator().evaluate(groundTruth: gt, detections: dt).stats, expected)
    }

    @Test func detectionsOnUnknownImagesAreLeftOutAndCounted() {
        var dt = COCODetections()
        dt.append(image: 99, category: 1, box: Box(x: 10, y: 10, width: 20, height: 20), score: 0.9)
        let result = COCOEvaluator().evaluate(groundTruth: Self.threeBoxes, detections: dt)
        #expect(result.unknownImageDetections == 1)
        #expect(result.stats.dictionary["AP"] == 0)
    }

    @Test func summaryReadsLikePycocotools() {
        let text = COCOStats(values: [0.5, 0.25, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).summary
        let lines = text.split(separator: "\n")
        #expect(lines.count == 12)
        #expect(lines[0] == " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500")
        #expect(lines[2] == " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = -1.000")
        #expect(lines[6] == " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.000")
    }

    @Test func badFilesGiveClearErrors() throws {
        let folder = TempFolder()
        let missing = #expect(throws: AIArtsError.self) { try COCOFiles.loadGroundTruth(folder.path("nope.json")) }
        #expect(missing?.message.contains("cannot read") == true)
        let broken = folder.write("broken.json", "{\"images\": [")
        let syntax = #expect(throws: AIArtsError.self) { try COCOFiles.loadGroundTruth(broken) }
        #expect(syntax?.message.contains("not valid JSON") == true)
        let list = folder.write("list.json", "[]")
        #expect(throws: AIArtsError.self) { try COCOFiles.loadGroundTruth(list) }
        let noScore = folder.write("dt.json", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]}]")
        let score = #expect(throws: AIArtsError.self) { try COCOFiles.loadDetections(noScore) }
        #expect(score?.message.contains("score") == true)
        let badBox = folder.write("dt2.json", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1], \"score\": 1}]")
        #expect(throws: AIArtsError.self) { try COCOFiles.loadDetections(badBox) }
    }
}

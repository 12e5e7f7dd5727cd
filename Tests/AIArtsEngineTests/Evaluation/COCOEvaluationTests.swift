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
        let result = try COCOEvaluator().evaluate(groundTruth: gt, detections: dt)
        Self.expectClose(result.stats, expected)
        #expect(result.unknownImageDetections == 0)
    }

    /// Masks: polygon ground truth (some objects in several parts), crowd regions as uncompressed
    /// RLE, results as compressed RLE strings; pycocotools' iouType "segm".
    @Test func maskFixtureMatchesPycocotools() throws {
        let gt = try COCOFiles.loadGroundTruth(Self.fixtures.appendingPathComponent("coco-segm-gt.json"), masks: true)
        let dt = try COCOFiles.loadDetections(Self.fixtures.appendingPathComponent("coco-segm-dt.json"), masks: true)
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("coco-segm-expected.json"))
        let expected = try JSONDecoder().decode([String: Double].self, from: data)
        Self.expectClose(try COCOEvaluator(iouType: .segm).evaluate(groundTruth: gt, detections: dt).stats, expected)
    }

    /// Polygons drawn as pycocotools' rleFrPoly draws them, checked against the compressed counts
    /// pycocotools wrote for the same polygons.
    @Test func polygonsRasteriseLikeMaskApi() throws {
        let square = try RLE(.polygons([[0, 0, 10, 0, 10, 10, 0, 10]]), height: 20, width: 20)
        #expect(square.area == 100)
        #expect(square == (try RLE(.compressedRLE(height: 20, width: 20, counts: "0::00000000000000000X6"), height: 0, width: 0)))
        let triangle = try RLE(.polygons([[2.5, 3.2, 15.7, 1.1, 12.2, 17.9]]), height: 20, width: 24)
        #expect(triangle.area == 107)
        #expect(triangle == (try RLE(.compressedRLE(height: 20, width: 24, counts: "o11c02N2N1N3N1O2N1O2N00K4L5LS5"), height: 0, width: 0)))
        // Two overlapping parts make one mask: their union.
        let both = try RLE(.polygons([[0, 0, 10, 0, 10, 10, 0, 10], [5, 5, 15, 5, 15, 15, 5, 15]]), height: 20, width: 20)
        #expect(both.area == 175)
        #expect(RLE.iou(square, both, crowd: false) == 100.0 / 175.0)
        #expect(RLE.iou(square, both, crowd: true) == 1)
    }

    @Test func damagedMasksAreErrors() {
        #expect(throws: AIArtsError.self) { try RLE(.compressedRLE(height: 4, width: 5, counts: "0\u{7F}"), height: 0, width: 0) }
        #expect(throws: AIArtsError.self) { try RLE(.rle(height: 4, width: 5, counts: [3, 4, 12]), height: 0, width: 0) }
        #expect(throws: AIArtsError.self) { try RLE(.polygons([[0, 0, 1, 1, 0, 1]]), height: 0, width: 0) }
        #expect((try? RLE(.rle(height: 4, width: 5, counts: [3, 4, 13]), height: 0, width: 0))?.area == 4)
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

    @Test func perfectDetectionsScoreOne() throws {
        var dt = COCODetections()
        let gt = Self.threeBoxes
        for j in 0..<gt.annotationCount {
            dt.append(image: gt.annotationImages[j], category: gt.annotationCategories[j],
                      box: Box(x: gt.boxes[4 * j], y: gt.boxes[4 * j + 1], width: gt.boxes[4 * j + 2], height: gt.boxes[4 * j + 3]),
                      score: 0.9)
        }
        let stats = try COCOEvaluator().evaluate(groundTruth: gt, detections: dt).stats
        Self.expectClose(stats, Dictionary(uniqueKeysWithValues: COCOStats.keys.map { ($0, 1.0) }))
    }

    @Test func noDetectionsScoreZeroAndEmptyRangesMinusOne() throws {
        let stats = try COCOEvaluator().evaluate(groundTruth: Self.threeBoxes, detections: COCODetections()).stats
        Self.expectClose(stats, Dictionary(uniqueKeysWithValues: COCOStats.keys.map { ($0, 0.0) }))

        // Only a medium box: the small and large ranges have no ground truth anywhere.
        let medium = Self.groundTruth([(1, 1, Box(x: 0, y: 0, width: 50, height: 50), 2500, false)], images: [1], categories: [1])
        let empty = try COCOEvaluator().evaluate(groundTruth: medium, detections: COCODetections()).stats.dictionary
        #expect(empty["APs"] == -1 && empty["APl"] == -1 && empty["ARs"] == -1 && empty["ARl"] == -1)
        #expect(empty["AP"] == 0 && empty["APm"] == 0 && empty["AR100"] == 0)
    }

    /// Detections inside a crowd region are matched to it and ignored, not counted false.
    @Test func crowdRegionsAbsorbDetections() throws {
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
        try Self.expectClose(COCOEvaluator().evaluate(groundTruth: gt, detections: dt).stats, expected)
    }

    @Test func detectionsOnUnknownImagesAreLeftOutAndCounted() throws {
        var dt = COCODetections()
        dt.append(image: 99, category: 1, box: Box(x: 10, y: 10, width: 20, height: 20), score: 0.9)
        let result = try COCOEvaluator().evaluate(groundTruth: Self.threeBoxes, detections: dt)
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

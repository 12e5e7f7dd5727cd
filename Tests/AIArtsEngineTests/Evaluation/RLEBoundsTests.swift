import Foundation
import Testing
@testable import AIArtsEngine

/// Inputs found by scripts/fuzz.sh (target "predictions"): sizes, counts and polygon points in a
/// predictions file are untrusted numbers.
@Suite struct RLEBoundsTests {
    /// One coordinate of 4294967295 made the polygon walk billions of pixels (a hang, then out of
    /// memory) while evaluating instance segmentation.
    @Test func aPolygonPointFarOutsideTheImageIsRefused() throws {
        let text = #"""
        {"type":"header","task":"instance_segmentation","labels":["cat","dog"],"split":"val","epoch":12}
        {"file":"images/a.jpg","boxes":[{"label":"cat","score":0.8,"bbox":[2,3,10,8],"segmentation":[[2,3,12,3,12,11,4294967295,11]]}]}
        """#
        let file = try PredictionsFile.parse(Array(text.utf8))
        let segmentation = try #require(file.entries.first?.boxes.first?.segmentation)
        #expect(throws: AIArtsError.self) { try RLE(segmentation, height: 24, width: 32) }
        // Points a little outside the image are normal and still drawn.
        let inside = try RLE(.polygons([[-3, -3, 40, -3, 40, 30, -3, 30]]), height: 24, width: 32)
        #expect(inside.area == 24 * 32)
        #expect(throws: AIArtsError.self) { try RLE(.polygons([[0, 0, .nan, 1, 2, 2]]), height: 24, width: 32) }
    }

    /// Sizes and counts whose product or sum overflowed trapped instead of being reported.
    @Test func hugeSizesAndCountsAreErrorsNotTraps() throws {
        #expect(throws: AIArtsError.self) { try RLE(.rle(height: 1 << 40, width: 1 << 40, counts: [1]), height: 0, width: 0) }
        #expect(throws: AIArtsError.self) { try RLE(.rle(height: 2, width: 2, counts: [Int.max, Int.max]), height: 0, width: 0) }
        #expect(throws: AIArtsError.self) { try RLE(.polygons([[0, 0, 1, 1, 0, 1]]), height: 1 << 40, width: 1 << 40) }
        // Each compressed count adds the one two before: twelve-character counts overflow fast.
        let big = String(repeating: "o", count: 11) + "?"  // 0x3F × 11 then 0x0F: a positive 59-bit count
        #expect(throws: AIArtsError.self) { try RLE.decodeCounts(String(repeating: big, count: 40)) }
    }
}

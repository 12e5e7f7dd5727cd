import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct PreprocessAnnotationTests {
    static let size = ImageSize(width: 100, height: 60)
    static let box = StoredAnnotation(labelIndex: 1, box: Box(x: 10, y: 5, width: 30, height: 20))
    static let polygon = StoredAnnotation(labelIndex: 0, segmentation: .polygons([[10, 10, 40, 10, 40, 30, 10, 30]]))

    func moved(_ ops: [String], _ annotations: [StoredAnnotation] = [box, polygon]) throws -> PreprocessedAnnotations {
        PreprocessPipeline.transform(annotations: annotations, imageSize: Self.size, ops: try PreprocessOp.parse(ops))
    }

    func close(_ a: Box?, _ b: Box) -> Bool {
        guard let a else { return false }
        return abs(a.x - b.x) < 1e-9 && abs(a.y - b.y) < 1e-9 && abs(a.width - b.width) < 1e-9 && abs(a.height - b.height) < 1e-9
    }

    @Test func flipsAndTurnsMoveBoxes() throws {
        #expect(try moved(["flip_h"]).annotations[0].box == Box(x: 60, y: 5, width: 30, height: 20))
        #expect(try moved(["flip_v"]).annotations[0].box == Box(x: 10, y: 35, width: 30, height: 20))
        // Counter-clockwise on 100x60: (x, y) → (y, 100 − x); the box's x span 10…40 becomes y 60…90.
        #expect(try moved(["rotate=90"]).annotations[0].box == Box(x: 5, y: 60, width: 20, height: 30))
        #expect(try moved(["rotate=270"]).annotations[0].box == Box(x: 35, y: 10, width: 20, height: 30))
        #expect(try moved(["rotate=180"]).annotations[0].box == Box(x: 60, y: 35, width: 30, height: 20))
        // Photometric ops change nothing.
        #expect(try moved(["brightness=0.4", "median=5"]).annotations == [Self.box, Self.polygon])
    }

    @Test func roundTripsAreTheIdentity() throws {
        for ops in [["rotate=90", "rotate=90", "rotate=90", "rotate=90"], ["flip_h", "flip_h"], ["flip_v", "flip_v"],
                    ["rotate=90", "rotate=270"], ["pad=3,4,5,6", "crop=3,4,100,60"]] {
            let out = try moved(ops)
            #expect(out.dropped == 0)
            #expect(close(out.annotations[0].box, Self.box.box!), "\(ops)")
            guard case .polygons(let p)? = out.annotations[1].segmentation else { Issue.record("no polygon"); continue }
            #expect(zip(p[0], [10.0, 10, 40, 10, 40, 30, 10, 30]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(ops): \(p)")
        }
    }

    @Test func cropShiftsClipsAndDrops() throws {
        let out = try moved(["crop=20,0,50,60"])
        #expect(out.annotations[0].box == Box(x: 0, y: 5, width: 20, height: 20))
        guard case .polygons(let p)? = out.annotations[1].segmentation else { Issue.record("no polygon"); return }
        // Clipped at x = 20 and shifted: a 20×20 square from x 0 to 20.
        let xs = stride(from: 0, to: p[0].count, by: 2).map { p[0][$0] }
        #expect(xs.min() == 0 && xs.max() == 20)
        let gone = try moved(["crop=50,0,50,60"])
        #expect(gone.annotations.isEmpty && gone.dropped == 2)
        // Shifted by a pad and a crop combined.
        #expect(try moved(["pad=10", "crop=0,0,60,40"]).annotations[0].box == Box(x: 20, y: 15, width: 30, height: 20))
    }

    @Test func resizeScalesBoxesAndPolygons() throws {
        let out = try moved(["resize=50x30"])
        #expect(out.annotations[0].box == Box(x: 5, y: 2.5, width: 15, height: 10))
        guard case .polygons(let p)? = out.annotations[1].segmentation else { Issue.record("no polygon"); return }
        #expect(p[0] == [5, 5, 20, 5, 20, 15, 5, 15])
    }

    @Test func rleMasksMoveLikePixels() throws {
        // A 4×3 mask with one foreground pixel at (x 1, y 0): column-major index 1·3 + 0 = 3.
        let rle = StoredAnnotation(labelIndex: 0, segmentation: .rle(height: 3, width: 4, counts: [3, 1, 8]))
        let out = PreprocessPipeline.transform(annotations: [rle], imageSize: ImageSize(width: 4, height: 3),
                                               ops: [.flipHorizontal])
        // Flipped: (x 2, y 0), index 6.
        #expect(out.annotations[0].segmentation == .rle(height: 3, width: 4, counts: [6, 1, 5]))
        let cropped = PreprocessPipeline.transform(annotations: [rle], imageSize: ImageSize(width: 4, height: 3),
                                                   ops: [.crop(x: 2, y: 0, width: 2, height: 3)])
        #expect(cropped.dropped == 1)
    }
}

import Foundation
import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// Masks over the dataset preview: a segmentation PNG blended in, instance outlines painted.
@Suite struct PreviewMaskTests {
    static func sample(width: Int, height: Int, mask: String? = nil, regions: [PreviewRegion] = []) -> DatasetScreenData.Sample {
        DatasetScreenData.Sample(path: "a.jpg", split: "train", width: width, height: height, labels: [], boxes: [], mask: mask, regions: regions)
    }

    @Test func polygonsAreScaledToThePreview() {
        // A rectangle from (10,10) to (50,30) on a 100×50 image, previewed at 50×25.
        let s = Self.sample(width: 100, height: 50, regions: [PreviewRegion(label: 2, segmentation: .polygons([[10, 10, 50, 10, 50, 30, 10, 30]]))])
        let mask = Preview.regionMask(s, width: 50, height: 25)
        #expect(mask.values[10 * 50 + 15] == 2)  // inside: (15,10) is (30,20) on the image
        #expect(mask.values[20 * 50 + 40] == 255)  // outside
        #expect(mask.values[2 * 50 + 2] == 255)
        let inside = mask.values.filter { $0 == 2 }.count
        #expect(inside > 15 * 8 && inside < 25 * 13)  // about 20×10 pixels
    }

    @Test func rleIsSampledAtThePreviewsSize() {
        // 4×4 image, column 1 foreground (column-major runs: 4 background, 4 foreground, 8 background).
        let s = Self.sample(width: 4, height: 4, regions: [PreviewRegion(label: 1, segmentation: .rle(height: 4, width: 4, counts: [4, 4, 8]))])
        let mask = Preview.regionMask(s, width: 8, height: 8)
        for y in 0..<8 {
            #expect((0..<8).map { mask.values[y * 8 + $0] } == [255, 255, 1, 1, 255, 255, 255, 255])
        }
        // An RLE whose counts do not add up is left out, not a crash.
        let broken = Self.sample(width: 4, height: 4, regions: [PreviewRegion(label: 1, segmentation: .rle(height: 4, width: 4, counts: [4, 40]))])
        #expect(Preview.regionMask(broken, width: 8, height: 8).values.allSatisfy { $0 == 255 })
    }

    @Test func aSegmentationMaskTintsItsClassesAndLeavesTheBackgroundClear() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-mask-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let gray = RGBImage(width: 32, height: 16, pixels: [UInt8](repeating: 128, count: 32 * 16 * 3))
        try Data(ImageCodec.encodePNG(gray)).write(to: folder.appendingPathComponent("a.png"))
        // Left half class 1, right half class 0.
        let values = (0..<16).flatMap { _ in (0..<32).map { $0 < 16 ? UInt8(1) : 0 } }
        try Data(ImageCodec.encodeMask(IndexedImage(width: 32, height: 16, values: values))).write(to: folder.appendingPathComponent("a_mask.png"))
        var s = Self.sample(width: 32, height: 16, mask: folder.appendingPathComponent("a_mask.png").path)
        s.maskClear = [0, 255]
        guard case .previewLoaded(let preview) = Preview.load(path: "a.png", fullPath: folder.appendingPathComponent("a.png").path,
                                                             sample: s, width: 32, height: 16),
              let image = preview.image else { Issue.record("no preview"); return }
        #expect(preview.error == nil)
        let left = Array(image.rgb[(8 * 32 + 4) * 3..<(8 * 32 + 4) * 3 + 3])
        let right = Array(image.rgb[(8 * 32 + 28) * 3..<(8 * 32 + 28) * 3 + 3])
        #expect(right == [128, 128, 128])
        #expect(left != [128, 128, 128])
        let c = ClassPalette.color(forClass: 1)
        for (value, target) in zip(left, [c.r, c.g, c.b]) {
            #expect(abs(Int(value) - (128 + Int(target)) / 2) <= 2)  // half way to the class colour
        }
        // A mask that is not a PNG: the image still shows, with why the mask does not.
        try Data("not a png".utf8).write(to: folder.appendingPathComponent("a_mask.png"))
        guard case .previewLoaded(let broken) = Preview.load(path: "a.png", fullPath: folder.appendingPathComponent("a.png").path,
                                                            sample: s, width: 32, height: 16) else { return }
        #expect(broken.image != nil && broken.error?.hasPrefix("mask:") == true)
    }
}

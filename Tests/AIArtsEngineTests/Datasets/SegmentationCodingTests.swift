import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct SegmentationCodingTests {
    @Test(arguments: [
        Segmentation.polygons([[1.5, 2.25, 30, 2, 30, 40.125], [0, 0, 1, 0, 1, 1, 0, 1]]),
        .rle(height: 4, width: 3, counts: [2, 5, 0, 5]),
        .compressedRLE(height: 480, width: 640, counts: "Yb`0:n;3M2N1O"),
        .polygons([]),
    ])
    func roundTrips(_ segmentation: Segmentation) {
        var buffer: [UInt8] = [0xFF, 0xFF]  // reused buffers start dirty
        SegmentationCoding.encode(segmentation, into: &buffer)
        #expect(SegmentationCoding.decode(Data(buffer)) == segmentation)
    }

    @Test func damagedBlobsDecodeToNothing() {
        var buffer: [UInt8] = []
        SegmentationCoding.encode(.polygons([[1, 2, 3, 4, 5, 6]]), into: &buffer)
        #expect(SegmentationCoding.decode(Data(buffer.prefix(buffer.count - 3))) == nil)
        #expect(SegmentationCoding.decode(Data([0x51, 1, 2])) == nil)
        #expect(SegmentationCoding.decode(Data()) == nil)
    }
}

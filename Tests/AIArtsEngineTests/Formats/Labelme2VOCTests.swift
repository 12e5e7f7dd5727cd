import Foundation
import Testing
@testable import AIArtsEngine

/// A NumPy .npy file as np.save writes labelme2voc's int32 label arrays: magic, version 1.0, a header
/// padded with spaces to a multiple of 64 bytes, then the values.
func npyInt32(width: Int, height: Int, value: Int32) -> Data {
    var header = "{'descr': '<i4', 'fortran_order': False, 'shape': (\(height), \(width)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
    data += Data(header.utf8)
    for _ in 0..<(width * height) { withUnsafeBytes(of: value.littleEndian) { data += Data($0) } }
    return data
}

/// labelme's examples/semantic_segmentation/labelme2voc.py output. class_names.txt is written with
/// '\n'.join, so it has no final newline; `__ignore__` (line 1 of labelme's labels.txt) is left out of it.
@Suite struct Labelme2VOCTests {
    static let classNames = "_background_\ncat\ndog"

    /// labelme up to 5.1: SegmentationClass/ holds the .npy arrays, SegmentationClassPNG/ the palette PNGs.
    @Test func olderOutputPairsImagesWithSegmentationClassPNG() throws {
        let f = try FormatFixture()
        try f.write("class_names.txt", Self.classNames)
        for stem in ["2011_000003", "2011_000006"] {
            try f.write("JPEGImages/\(stem).jpg", "i")
            try f.write("SegmentationClass/\(stem).npy", npyInt32(width: 4, height: 3, value: 1))
            try f.write("SegmentationClassPNG/\(stem).png", "m")
            try f.write("SegmentationClassVisualization/\(stem).jpg", "v")
        }
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["_background_", "cat", "dog"])
        #expect(parsed.samples.map(\.relativePath) == ["images/2011_000003.jpg", "images/2011_000006.jpg"])
        #expect(parsed.samples.map { $0.mask?.source.path } == [f.url("SegmentationClassPNG/2011_000003.png").path,
                                                              f.url("SegmentationClassPNG/2011_000006.png").path])
        #expect(parsed.samples.map { $0.mask?.relativePath } == ["annotations/2011_000003.png", "annotations/2011_000006.png"])
        #expect(parsed.samples.map(\.split) == [nil, nil])
    }

    /// Newer labelme: PNG masks in SegmentationClass/, the arrays in SegmentationClassNpy/.
    @Test func newerOutputPairsImagesWithSegmentationClass() throws {
        let f = try FormatFixture()
        try f.write("class_names.txt", Self.classNames)
        try f.write("JPEGImages/a.jpg", "i")
        try f.write("SegmentationClass/a.png", "m")
        try f.write("SegmentationClassNpy/a.npy", npyInt32(width: 4, height: 3, value: 2))
        try f.write("SegmentationClassVisualization/a.jpg", "v")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["_background_", "cat", "dog"])
        #expect(parsed.samples.map { $0.mask?.source.lastPathComponent } == ["a.png"])
    }

    @Test func aNumPyArrayIsNotTakenForAMask() throws {
        let f = try FormatFixture()
        try f.write("class_names.txt", Self.classNames)
        try f.write("JPEGImages/a.jpg", "i"); try f.write("SegmentationClass/a.npy", npyInt32(width: 4, height: 3, value: 1))
        try f.write("JPEGImages/b.jpg", "i"); try f.write("SegmentationClass/b.png", "m"); try f.write("SegmentationClass/b.npy", "n")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.samples.map { $0.mask?.source.lastPathComponent } == ["b.png"])
        #expect(parsed.issues == [ImportIssue(path: "JPEGImages/a.jpg", reason:
            "its mask SegmentationClass/a.npy is a NumPy array; aiarts reads PNG masks (labelme2voc writes them to SegmentationClassPNG/)")])
    }

    /// labelme's own labels.txt (the one passed to labelme2voc --labels) starts with __ignore__, which is no class.
    @Test func labelmeLabelsFileWithIgnoreFirst() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "__ignore__\n_background_\ncat\n")
        try f.write("class_names.txt", "not read: labels.txt comes first")
        try f.write("JPEGImages/a.jpg", "i"); try f.write("SegmentationClassPNG/a.png", "m")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.labels == ["_background_", "cat"])
        #expect(parsed.issues == [])
    }

    @Test func noClassListNamesBothFiles() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "i"); try f.write("SegmentationClassPNG/a.png", "m")
        do {
            _ = try SegmentationParser().parse(root: f.root, type: .segmentation)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("No labels.txt (or labelme2voc's class_names.txt) in the dataset folder"))
        }
    }
}

import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// A real PNG of that size (YOLO rows are placed against the size its header gives).
func pngHeader(width: Int, height: Int) -> Data { Fixtures.png(width: width, height: height) }

/// A real JPEG of that size, with an APP1 (EXIF) segment before its frame header, as cameras write.
func jpegHeader(width: Int, height: Int) -> Data {
    let plain = [UInt8](Fixtures.jpeg(width: width, height: height))
    let app1: [UInt8] = [0xFF, 0xE1, 0x00, 0x10] + Array("Exif\0\0".utf8) + [UInt8](repeating: 7, count: 8)
    return Data(plain.prefix(2) + app1 + plain.dropFirst(2))
}

@Suite struct YOLOTests {
    @Test func sniffsImageSizes() throws {
        let f = try FormatFixture()
        try f.write("a.png", pngHeader(width: 640, height: 480))
        try f.write("b.jpg", jpegHeader(width: 1920, height: 1080))
        try f.write("c.jpg", "not an image at all")
        try f.write("d.webp", Data(try ImageCodec.encodeWebP(RGBImage(width: 30, height: 20, color: RGBColor(1, 2, 3)))))
        func size(_ name: String) -> ImageSize? { try? ImageProbe.probe(f.url(name), verification: .header).stored }
        #expect(size("a.png") == ImageSize(width: 640, height: 480))
        #expect(size("b.jpg") == ImageSize(width: 1920, height: 1080))
        #expect(size("d.webp") == ImageSize(width: 30, height: 20))
        #expect(size("c.jpg") == nil)
        #expect(size("missing.jpg") == nil)
    }

    @Test func anImageWhoseSizeCannotBeReadIsSkippedWithTheReason() throws {
        let f = try ultralytics(names: "names: [cat, dog]")
        try f.write("images/train/bad.jpg", "GIF89a, not what its name says")
        try f.write("labels/train/bad.txt", "0 0.5 0.5 0.2 0.4\n")
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        let issue = try #require(parsed.issues.first { $0.path == "images/train/bad.jpg" })
        #expect(issue.reason.hasPrefix("the image size could not be read from its header (not a JPEG, PNG or WebP image"))
        #expect(issue.reason.contains("labels/train/bad.txt"))
        #expect(!parsed.samples.contains { $0.relativePath.hasSuffix("bad.jpg") })
        #expect(parsed.samples.contains { $0.relativePath.hasSuffix("a.jpg") })
    }

    func ultralytics(names: String) throws -> FormatFixture {
        let f = try FormatFixture()
        try f.write("data.yaml", "path: /home/someone/datasets/x  # made elsewhere\ntrain: images/train\nval: images/val\n\(names)\n")
        try f.write("images/train/a.jpg", jpegHeader(width: 200, height: 100))
        try f.write("images/train/b.png", pngHeader(width: 50, height: 40))
        try f.write("images/train/empty.png", pngHeader(width: 50, height: 40))
        try f.write("images/val/c.png", pngHeader(width: 10, height: 10))
        try f.write("labels/train/a.txt", "0 0.5 0.5 0.2 0.4\n1 0.25 0.75 0.5 0.5\n")
        try f.write("labels/train/b.txt", "\u{FEFF}1 0.5 0.5 1.0 1.0  \r\n\r\n")
        try f.write("labels/train/empty.txt", "")
        return f  // c.png has no label file
    }

    /// Found by scripts/fuzz.sh (yolo-yaml): "names: ['cat', 'dog',,,,…" with 49 000 commas made
    /// 49 000 empty names, and renaming each repeat tried every suffix from (2) again, quadratically
    /// (minutes). Names are still renamed the same way; the bound is a generous hang check.
    @Test func manyRepeatedNamesAreRenamedInLinearTime() throws {
        let f = try ultralytics(names: "names: [cat, cat, cat (2), Cat" + String(repeating: ", dog", count: 30_000) + "]")
        let clock = ContinuousClock()
        var parsed: ParsedDataset?
        let elapsed = try clock.measure { parsed = try YOLOParser().parse(root: f.root, type: .detection) }
        let labels = try #require(parsed).labels
        #expect(labels.prefix(6) == ["cat", "cat (2)", "cat (2) (2)", "Cat (3)", "dog", "dog (2)"])
        #expect(labels.last == "dog (30000)")
        #expect(elapsed < .seconds(20))
    }

    @Test(arguments: ["names: [cat, dog]", "names:\n  - cat\n  - dog", "names:\n- cat\n- dog", "names:\n  0: cat\n  1: dog"])
    func readsUltralyticsLayout(names: String) throws {
        let f = try ultralytics(names: names)
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["cat", "dog"])
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.jpg", "images/train/b.png", "images/train/empty.png", "images/val/c.png"])
        #expect(parsed.samples.map(\.split) == [.train, .train, .train, .val])
        #expect(parsed.samples[0].declaredSize == ImageSize(width: 200, height: 100))
        #expect(parsed.samples[0].annotations == [
            ParsedAnnotation(label: "cat", box: Box(x1: 80, y1: 30, x2: 120, y2: 70)),
            ParsedAnnotation(label: "dog", box: Box(x1: 0, y1: 50, x2: 100, y2: 100)),
        ])
        #expect(parsed.samples[1].annotations == [ParsedAnnotation(label: "dog", box: Box(x1: 0, y1: 0, x2: 50, y2: 40))])
        #expect(parsed.samples[2].annotations.isEmpty && parsed.samples[3].annotations.isEmpty)
    }

    @Test func rowTraps() throws {
        let f = try FormatFixture()
        try f.write("classes.txt", "a\nb\n")
        try f.write("images/x.png", pngHeader(width: 100, height: 50))
        try f.write("labels/x.txt", """
        0 0.5 0.5 0.2 0.2
        0 120 80 40 30
        1 1.005 0.5 0.2 0.2
        5 0.5 0.5 0.1 0.1
        0 0.5 0.5
        0 0.5 0.5 0.1 0.1 0.93
        1 0.1 0.1 0.5 0.1 0.3 0.4
        0 x 0.5 0.1 0.1
        -1 0.5 0.5 0.1 0.1

        """)
        for type in [DatasetType.detection, .instanceSegmentation] {
            let parsed = try YOLOParser().parse(root: f.root, type: type)
            let a = parsed.samples[0].annotations
            #expect(a.count == 3)
            #expect(a[0].box == Box(x1: 40, y1: 20, x2: 60, y2: 30))
            #expect(abs(a[1].box!.x - 90) < 1e-9 && a[1].box!.x2 == 100)  // 1.005 clamped to 1
            #expect(a[2].box == Box(x1: 10, y1: 5, x2: 50, y2: 20))       // polygon bounds
            #expect(a[2].segmentation == (type == .instanceSegmentation ? .polygons([[10, 5, 50, 5, 30, 20]]) : nil))
            #expect(parsed.issues.map(\.line) == [2, 4, 5, 6, 8, 9])
            #expect(parsed.issues.allSatisfy { $0.path == "labels/x.txt" })
            #expect(parsed.issues[0].reason.hasPrefix("values must be normalised to 0..1; this looks like pixel coordinates"))
            #expect(parsed.issues[1].reason.hasPrefix("class 5 is out of range: there are 2 classes"))
            #expect(parsed.issues[2].reason.hasPrefix("has 3 values; a YOLO row is 'class cx cy w h'"))
            #expect(parsed.issues[3].reason.contains("confidence column"))
        }
    }

    /// A COCO-pose row as ultralytics writes it: the box, then 17 keypoints 'x y v' with v written as 2.000000.
    static func poseRow(keypoints: Int = 17, dims: Int = 3, visibility: (Int) -> String = { ["0.000000", "1.000000", "2.000000"][$0 % 3] }) -> String {
        var row = "0 0.500000 0.500000 0.400000 0.600000"
        for k in 0..<keypoints {
            row += String(format: " %.6f 0.500000", 0.4 + 0.01 * Double(k))
            if dims == 3 { row += " " + visibility(k) }
        }
        return row
    }

    @Test func poseRowsKeepTheirBoxesWithKptShape() throws {
        let f = try FormatFixture()
        try f.write("data.yaml", "path: ../datasets/coco8-pose\ntrain: images/train\nval: images/val\n\n# Keypoints\nkpt_shape: [17, 3]\n"
            + "flip_idx: [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]\n\nnames:\n  0: person\n")
        try f.write("images/train/a.png", pngHeader(width: 200, height: 100))
        try f.write("labels/train/a.txt", [Self.poseRow(), Self.poseRow(), Self.poseRow(dims: 2)].joined(separator: "\n") + "\n")
        try f.write("images/val/b.png", pngHeader(width: 200, height: 100))
        try f.write("labels/val/b.txt", "0 0.5 0.5 1 1\n")
        for type in [DatasetType.detection, .instanceSegmentation] {
            let parsed = try YOLOParser().parse(root: f.root, type: type)
            let box = ParsedAnnotation(label: "person", box: Box(x1: 60, y1: 20, x2: 140, y2: 80))
            #expect(parsed.samples[0].annotations == [box, box])
            #expect(parsed.samples[1].annotations == [ParsedAnnotation(label: "person", box: Box(x1: 0, y1: 0, x2: 200, y2: 100))])
            #expect(parsed.issues == [
                ImportIssue(path: "labels/train/a.txt", line: 3, reason: "has 39 values; with kpt_shape [17, 3] in data.yaml a pose row is "
                    + "'class cx cy w h' and 17 keypoints of 3 values, 56 values in all"),
                ImportIssue(path: "labels/train/a.txt", line: 1, reason:
                    "keypoints dropped from 2 rows, this one first: dataset type \(type.rawValue) holds no keypoints; the boxes are kept"),
            ])
        }
        // Pairs (kpt_shape [K, 2]): 4 + 2K values would read as a polygon without kpt_shape.
        try f.write("data.yaml", "train: images/train\nkpt_shape: [4, 2]\nnames: [hand]\n")
        try f.write("labels/train/a.txt", Self.poseRow(keypoints: 4, dims: 2) + "\n")
        let pairs = try YOLOParser().parse(root: f.root, type: .instanceSegmentation)
        #expect(pairs.samples[0].annotations == [ParsedAnnotation(label: "hand", box: Box(x1: 60, y1: 20, x2: 140, y2: 80))])
        #expect(pairs.issues.map(\.reason) == ["keypoints dropped from 1 row, this one first: dataset type instance_segmentation holds no keypoints; the boxes are kept"])
    }

    /// Without kpt_shape, a row is pose only when it cannot be a polygon (an odd count of values after the class,
    /// 4 + 3k of them, visibilities 0, 1 or 2); today's refusal "odd number of polygon coordinates" lost the box.
    @Test func poseRowsWithoutKptShapeAreToldFromPolygons() throws {
        let f = try FormatFixture()
        try f.write("classes.txt", "person\n")
        try f.write("images/x.png", pngHeader(width: 200, height: 100))
        try f.write("labels/x.txt", [
            Self.poseRow(),
            "0 0.5 0.5 0.4 0.6 0.5 0.5 2",
            "0 0.5 0.5 0.4 0.6 0.5 0.5 0.7",
            "0 0.1 0.1 0.5 0.1 0.3 0.4",
        ].joined(separator: "\n") + "\n")
        let parsed = try YOLOParser().parse(root: f.root, type: .instanceSegmentation)
        let box = ParsedAnnotation(label: "person", box: Box(x1: 60, y1: 20, x2: 140, y2: 80))
        #expect(parsed.samples[0].annotations == [box, box, ParsedAnnotation(label: "person", box: Box(x1: 20, y1: 10, x2: 100, y2: 40),
                                                                              segmentation: .polygons([[20, 10, 100, 10, 60, 40]]))])
        #expect(parsed.issues == [
            ImportIssue(path: "labels/x.txt", line: 3, reason: "has an odd number of polygon coordinates; a polygon row is 'class x1 y1 x2 y2 ...' "
                + "with x y pairs (a pose row is 'class cx cy w h' and x y v keypoints; kpt_shape in data.yaml says how many)"),
            ImportIssue(path: "labels/x.txt", line: 1, reason: "keypoints dropped from 2 rows, this one first: dataset type instance_segmentation "
                + "holds no keypoints; the boxes are kept (data.yaml gives no kpt_shape, so rows of 'class cx cy w h' and x y v triples, "
                + "v being 0, 1 or 2, were read as pose rows)"),
        ])
    }

    @Test func unreadableImageSizeIsAnIssue() throws {
        let f = try FormatFixture()
        try f.write("obj.names", "a\n")
        try f.write("images/x.jpg", "garbage")
        try f.write("images/y.jpg", "garbage")
        try f.write("labels/x.txt", "0 0.5 0.5 0.1 0.1\n")
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["images/y.jpg"])  // no rows, size not needed
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues[0].path == "images/x.jpg")
        #expect(parsed.issues[0].reason.contains("image size could not be read"))
    }

    @Test func roboflowRelativeParentPathsAndTxtLists() throws {
        let f = try FormatFixture()
        try f.write("data.yaml", "train: ../train/images\nval: ../valid/images\ntest: lists/test.txt\nnc: 1\nnames: ['thing']\n")
        try f.write("train/images/a.png", pngHeader(width: 10, height: 10))
        try f.write("train/labels/a.txt", "0 0.5 0.5 0.2 0.2\n")
        try f.write("valid/images/b.png", pngHeader(width: 10, height: 10))
        try f.write("test/t 1.png", pngHeader(width: 10, height: 10))
        try f.write("lists/test.txt", "../test/t 1.png\r\n../../outside.png\n/etc/passwd\n")
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.png", "images/val/b.png", "images/test/t 1.png"])
        #expect(parsed.samples.map(\.split) == [.train, .val, .test])
        #expect(parsed.samples[0].annotations.count == 1)
        #expect(parsed.issues.map(\.line) == [2, 3])
        #expect(parsed.issues.allSatisfy { $0.path == "lists/test.txt" && $0.reason.contains("not found inside the dataset folder") })
    }

    @Test func symlinkedImageOutsideIsNotImported() throws {
        let f = try FormatFixture()
        let data = try f.sub("data")
        try f.write("outside.png", pngHeader(width: 10, height: 10))
        try f.write("data/classes.txt", "a\n")
        try f.write("data/images/in.png", pngHeader(width: 10, height: 10))
        try FileManager.default.createSymbolicLink(at: f.url("data/images/out.png"), withDestinationURL: f.url("outside.png"))
        let parsed = try YOLOParser().parse(root: data, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["images/in.png"])
    }

    @Test func labelWithoutImageIsReported() throws {
        let f = try FormatFixture()
        try f.write("classes.txt", "a\n")
        try f.write("images/x.png", pngHeader(width: 10, height: 10))
        try f.write("labels/x.txt", "0 0.5 0.5 0.1 0.1\n")
        try f.write("labels/gone.txt", "0 0.5 0.5 0.1 0.1\n")
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.count == 1)
        #expect(parsed.issues == [ImportIssue(path: "labels/gone.txt", reason: "label file has no image with the same name; add the image or delete the file")])
    }

    @Test func missingNamesThrows() throws {
        let f = try FormatFixture()
        try f.write("images/x.png", pngHeader(width: 10, height: 10))
        do { _ = try YOLOParser().parse(root: f.root, type: .detection); Issue.record("expected a throw") } catch {
            #expect("\(error)".contains("and no label row names a class"))
            #expect("\(error)".contains("or classes.txt with one class per line"))
        }
    }

    @Test func exportThenParseRoundTrips() throws {
        let f = try FormatFixture()
        let folder = try f.sub("dataset")
        try f.write("dataset/images/a.jpg", jpegHeader(width: 200, height: 100))
        try f.write("dataset/images/b.png", pngHeader(width: 320, height: 240))
        try f.write("dataset/images/c.png", pngHeader(width: 40, height: 20))
        let content = DatasetContent(type: .detection, labels: ["cat: big", "dog \"x\""], samples: [
            StoredSample(path: "images/a.jpg", size: ImageSize(width: 200, height: 100), split: .train, annotations: [
                StoredAnnotation(labelIndex: 1, box: Box(x1: 10, y1: 12, x2: 50, y2: 60)),
                StoredAnnotation(labelIndex: 0, box: Box(x1: 0, y1: 0, x2: 200, y2: 100)),
            ]),
            StoredSample(path: "images/b.png", size: ImageSize(width: 320, height: 240), split: .val, annotations: [
                StoredAnnotation(labelIndex: 0, box: Box(x1: 32, y1: 24, x2: 64, y2: 48))]),
            StoredSample(path: "images/c.png", size: ImageSize(width: 40, height: 20), split: .test, annotations: []),
        ])
        let out = f.root.appendingPathComponent("out")
        try YOLOExporter().export(content, datasetFolder: folder, to: out)
        #expect(try f.read("out/labels/train/a.txt").hasPrefix("1 0.150000 0.360000 0.200000 0.480000\n"))
        let parsed = try YOLOParser().parse(root: out, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == content.labels)
        #expect(parsed.samples.map(\.split) == [.train, .val, .test])
        for (sample, stored) in zip(parsed.samples, content.samples) {
            #expect(sample.annotations.map(\.label) == stored.annotations.map { content.labels[$0.labelIndex] })
            for (b, s) in zip(sample.annotations.compactMap(\.box), stored.annotations.compactMap(\.box)) {
                #expect(abs(b.x - s.x) < 1e-4 && abs(b.y - s.y) < 1e-4 && abs(b.x2 - s.x2) < 1e-4 && abs(b.y2 - s.y2) < 1e-4)
            }
        }
    }

    @Test func instanceSegmentationPolygonsRoundTrip() throws {
        let f = try FormatFixture()
        let folder = try f.sub("dataset")
        try f.write("dataset/images/a.png", pngHeader(width: 100, height: 50))
        let polygon: [Double] = [10, 5, 50, 5, 30, 20]
        let content = DatasetContent(type: .instanceSegmentation, labels: ["a"], samples: [
            StoredSample(path: "images/a.png", size: ImageSize(width: 100, height: 50), split: .train, annotations: [
                StoredAnnotation(labelIndex: 0, box: Box(x1: 10, y1: 5, x2: 50, y2: 20), segmentation: .polygons([polygon]))]),
        ])
        let out = f.root.appendingPathComponent("out")
        try YOLOExporter().export(content, datasetFolder: folder, to: out)
        let parsed = try YOLOParser().parse(root: out, type: .instanceSegmentation)
        #expect(parsed.samples[0].annotations == [ParsedAnnotation(label: "a", box: Box(x1: 10, y1: 5, x2: 50, y2: 20), segmentation: .polygons([polygon]))])
    }
}

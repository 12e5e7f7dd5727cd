import Foundation
import Testing
@testable import AIArtsEngine

/// An annotation as labelImg's PascalVocWriter saves it (tab-indented, absolute <path> from the annotator's
/// machine, <source>, <segmented>, pose/truncated/difficult per object). Roboflow's export has the same shape.
func labelImgXML(folder: String, filename: String, path: String, size: (Int, Int) = (100, 80),
                 objects: [(String, Int, Int, Int, Int)]) -> String {
    var xml = """
    <annotation>
    \t<folder>\(folder)</folder>
    \t<filename>\(filename)</filename>
    \t<path>\(path)</path>
    \t<source>
    \t\t<database>Unknown</database>
    \t</source>
    \t<size>
    \t\t<width>\(size.0)</width>
    \t\t<height>\(size.1)</height>
    \t\t<depth>3</depth>
    \t</size>
    \t<segmented>0</segmented>

    """
    for (name, x1, y1, x2, y2) in objects {
        xml += """
        \t<object>
        \t\t<name>\(name)</name>
        \t\t<pose>Unspecified</pose>
        \t\t<truncated>0</truncated>
        \t\t<difficult>0</difficult>
        \t\t<bndbox>
        \t\t\t<xmin>\(x1)</xmin>
        \t\t\t<ymin>\(y1)</ymin>
        \t\t\t<xmax>\(x2)</xmax>
        \t\t\t<ymax>\(y2)</ymax>
        \t\t</bndbox>
        \t</object>

        """
    }
    return xml + "</annotation>\n"
}

/// The VOC layouts other than the classic one with every image annotated: labelImg's (XML beside the image),
/// Roboflow's split folders, and ImageSets lists naming images that have no XML.
@Suite struct VOCLayoutTests {
    @Test func labelImgXMLBesideEachImageInOneFolder() throws {
        let f = try FormatFixture()
        try f.write("a.jpg", "x"); try f.write("b.png", "x"); try f.write("c.jpg", "x"); try f.write("broken.jpg", "x")
        try f.write("a.xml", labelImgXML(folder: "photos", filename: "a.jpg", path: "/home/me/photos/a.jpg",
                                         objects: [("dog", 10, 12, 50, 60), ("cat", 1, 2, 30, 40)]))
        // <filename> stale (renamed image): found through the XML's own name.
        try f.write("b.xml", labelImgXML(folder: "photos", filename: "old-name.png", path: "C:\\Users\\me\\photos\\old-name.png",
                                         size: (64, 48), objects: [("cat", 0, 0, 64, 48)]))
        try f.write("broken.xml", "<annotation>\n\t<filename>broken.jpg</filename>\n\t<object>\n</annotation>\n")
        try f.write("notes.txt", "labelled by me")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.labels == ["cat", "dog"])
        // Paths stay as the user has them: no JPEGImages/ the source never had.
        #expect(parsed.samples.map(\.relativePath) == ["a.jpg", "b.png", "c.jpg"])
        #expect(parsed.samples.map(\.split) == [nil, nil, nil])
        #expect(parsed.samples[0].annotations == [ParsedAnnotation(label: "dog", box: Box(x1: 10, y1: 12, x2: 50, y2: 60)),
                                                  ParsedAnnotation(label: "cat", box: Box(x1: 1, y1: 2, x2: 30, y2: 40))])
        #expect(parsed.samples[0].declaredSize == ImageSize(width: 100, height: 80))
        #expect(parsed.samples[1].annotations == [ParsedAnnotation(label: "cat", box: Box(x1: 0, y1: 0, x2: 64, y2: 48))])
        // c.jpg has no XML: a sample without objects. broken.jpg's XML is broken: not imported as empty.
        #expect(parsed.samples[2].annotations.isEmpty)
        #expect(parsed.samples[2].origin == "c.jpg")
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues.first?.path == "broken.xml")
        #expect(parsed.issues.first?.reason.contains("not valid XML") == true)
    }

    @Test func roboflowSplitFoldersGiveSplits() throws {
        let f = try FormatFixture()
        try f.write("README.roboflow.txt", "exported from roboflow.com")
        try f.write("train/x_jpg.rf.1.jpg", "x")
        try f.write("train/x_jpg.rf.1.xml", labelImgXML(folder: "", filename: "x_jpg.rf.1.jpg", path: "x_jpg.rf.1.jpg", objects: [("car", 5, 5, 20, 20)]))
        try f.write("train/empty.jpg", "x")
        try f.write("valid/y.jpg", "x")
        try f.write("valid/y.xml", labelImgXML(folder: "", filename: "y.jpg", path: "y.jpg", objects: [("bus", 1, 1, 9, 9), ("car", 2, 2, 8, 8)]))
        try f.write("test/z.jpg", "x")
        try f.write("test/z.xml", labelImgXML(folder: "", filename: "z.jpg", path: "z.jpg", objects: []))
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["bus", "car"])
        let byPath = Dictionary(uniqueKeysWithValues: parsed.samples.map { ($0.relativePath, $0) })
        #expect(byPath.count == 4)
        #expect(byPath["train/x_jpg.rf.1.jpg"]?.split == .train)
        #expect(byPath["train/x_jpg.rf.1.jpg"]?.annotations == [ParsedAnnotation(label: "car", box: Box(x1: 5, y1: 5, x2: 20, y2: 20))])
        #expect(byPath["train/empty.jpg"]?.split == .train)
        #expect(byPath["train/empty.jpg"]?.annotations.isEmpty == true)
        #expect(byPath["valid/y.jpg"]?.split == .val)
        #expect(byPath["valid/y.jpg"]?.annotations.map(\.label) == ["bus", "car"])
        #expect(byPath["test/z.jpg"]?.split == .test)
        #expect(byPath["test/z.jpg"]?.annotations.isEmpty == true)
    }

    /// labelImg's "Change Save Dir": XML files in annotations/, images in images/ beside it.
    @Test func labelImgSaveDirBesideTheImageFolder() throws {
        let f = try FormatFixture()
        try f.write("images/a.jpg", "x"); try f.write("images/b.jpg", "x")
        try f.write("annotations/a.xml", labelImgXML(folder: "images", filename: "a.jpg", path: "/data/images/a.jpg", objects: [("dog", 1, 1, 10, 10)]))
        try f.write("annotations/gone.xml", labelImgXML(folder: "images", filename: "gone.jpg", path: "/data/images/gone.jpg", objects: []))
        try f.write("extra/p.jpg", "x"); try f.write("extra/q.jpg", "x")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["images/a.jpg", "images/b.jpg"])
        #expect(parsed.samples.map { $0.annotations.count } == [1, 0])
        #expect(parsed.issues.map(\.path) == ["annotations/gone.xml", "extra/"])
        #expect(parsed.issues[0].reason.hasPrefix("image not found: looked for annotations/gone.jpg"))
        #expect(parsed.issues[0].reason.contains("and in images/"))
        #expect(parsed.issues[1].reason.hasPrefix("2 images (p.jpg, …) in a folder with no VOC XML, named by none; not imported"))
    }

    @Test func imagesListedInImageSetsWithoutXMLAreSamplesWithoutObjects() throws {
        let f = try FormatFixture()
        for name in ["a.jpg", "b.jpg", "c.png", "d.jpg", "e.jpg"] { try f.write("JPEGImages/" + name, "x") }
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: [("dog", "1", "1", "5", "5")]))
        try f.write("Annotations/e.xml", "<annotation><filename>e.jpg</filename>")  // broken: e.jpg is not imported as empty
        try f.write("ImageSets/Main/train.txt", "a\nb\n")
        try f.write("ImageSets/Main/val.txt", "c\n")
        try f.write("ImageSets/Main/test.txt", "ghost\ne\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/a.jpg", "JPEGImages/b.jpg", "JPEGImages/c.png", "JPEGImages/d.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .train, .val, nil])
        #expect(parsed.samples.map { $0.annotations.count } == [1, 0, 0, 0])
        #expect(parsed.samples[1].origin == "ImageSets/Main/train.txt:2")
        #expect(parsed.issues.map(\.path) == ["Annotations/e.xml", "ImageSets/Main/test.txt"])
        #expect(parsed.issues[1].line == 1)
        #expect(parsed.issues[1].reason.hasPrefix("no Annotations/ghost.xml and no image JPEGImages/ghost.jpg"))
    }

    /// VOC2012's test download: JPEGImages/ and ImageSets/Main/test.txt, no Annotations/ at all.
    @Test func testSetWithoutAnnotationsFolder() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/2008_000001.jpg", "x"); try f.write("JPEGImages/2008_000002.jpg", "x")
        try f.write("ImageSets/Main/test.txt", "2008_000001\n2008_000002\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == [])
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/2008_000001.jpg", "JPEGImages/2008_000002.jpg"])
        #expect(parsed.samples.map(\.split) == [.test, .test])
        #expect(parsed.samples.allSatisfy { $0.annotations.isEmpty })
    }

    /// The devkit's per-class lists ('2008_000002 -1', '2008_000003  1', ' 0' for difficult only) give the
    /// split when the split's own list is missing.
    @Test func perClassListsGiveSplitsWhenTheSplitListIsMissing() throws {
        let f = try FormatFixture()
        for stem in ["a", "b", "c", "my photo"] {
            try f.write("JPEGImages/\(stem).jpg", "x")
            try f.write("Annotations/\(stem).xml", vocXML(filename: "\(stem).jpg", objects: [("dog", "1", "1", "5", "5")]))
        }
        try f.write("ImageSets/Main/aeroplane_train.txt", "a -1\nb  1\nmy photo -1\n")
        try f.write("ImageSets/Main/dog_train.txt", "a  1\nb  1\nmy photo  1\nx 2\n")
        try f.write("ImageSets/Main/dog_val.txt", "c  0\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/a.jpg", "JPEGImages/b.jpg", "JPEGImages/c.jpg", "JPEGImages/my photo.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .train, .val, .train])
        #expect(parsed.issues == [ImportIssue(path: "ImageSets/Main/dog_train.txt", line: 4, reason:
            "expected '<image> 1', '<image> -1' or '<image> 0' (a VOC per-class list), found 'x 2'; the line is skipped")])
    }

    @Test func trainvalWithTrainOnlyGivesValTheRest() throws {
        let f = try FormatFixture()
        for stem in ["a", "b", "c"] {
            try f.write("JPEGImages/\(stem).jpg", "x")
            try f.write("Annotations/\(stem).xml", vocXML(filename: "\(stem).jpg", objects: []))
        }
        try f.write("ImageSets/Main/train.txt", "a\n")
        try f.write("ImageSets/Main/trainval.txt", "a\nb\n")
        try f.write("ImageSets/Main/test.txt", "c\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.samples.map(\.split) == [.train, .val, .test])
    }

    @Test func trainvalAgainstTrainAndValAndTest() throws {
        let f = try FormatFixture()
        for stem in ["a", "b", "c", "d"] {
            try f.write("JPEGImages/\(stem).jpg", "x")
            try f.write("Annotations/\(stem).xml", vocXML(filename: "\(stem).jpg", objects: []))
        }
        try f.write("ImageSets/Main/train.txt", "a\n")
        try f.write("ImageSets/Main/val.txt", "b\n")
        try f.write("ImageSets/Main/test.txt", "d\n")
        try f.write("ImageSets/Main/trainval.txt", "a\nb\nc\nd\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.split) == [.train, .val, .train, .test])
        #expect(parsed.issues.map(\.line) == [3, 4])
        #expect(parsed.issues[0].reason == "'c' is in trainval but in neither the train nor the val list; imported as train")
        #expect(parsed.issues[1].reason.hasPrefix("'d' is also listed in ImageSets/Main/test.txt; kept in test"))
    }

    /// CVAT and datumaro name a subset 'default' (default.txt, dog_default.txt): one note, no split.
    @Test func listsNotNamedForASplitAreNotedOnce() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: [("dog", "1", "1", "5", "5")]))
        try f.write("ImageSets/Main/default.txt", "a\n")
        try f.write("ImageSets/Main/dog_default.txt", "a  1\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.split) == [nil])
        #expect(parsed.issues == [ImportIssue(path: "ImageSets/Main/", reason:
            "default.txt, dog_default.txt are not named for a split (train, val, trainval, test, or <class>_<split>); the images listed there get no split from them")])
    }

    @Test func noXMLAnywhereSaysWhatWasLookedFor() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x")
        try f.write("SegmentationClassPNG/a.png", "m")
        do {
            _ = try VOCParser().parse(root: f.root, type: .detection)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no .xml beside the images (labelImg)"))
            #expect("\(error)".contains("SegmentationClassPNG/ holds segmentation masks: import it as a segmentation dataset with --format seg"))
        }
    }

    @Test func signatureSeesLabelImgXMLBesideImages() throws {
        let flat = TempFolder()
        flat.write("a.jpg", "x")
        flat.write("a.xml", "<?xml version=\"1.0\"?>\n<!-- labelImg -->\n" + labelImgXML(folder: "f", filename: "a.jpg", path: "a.jpg", objects: []))
        #expect(FormatSignature.mismatch(chosen: .imagenet, root: flat.url)?.contains("this looks like Pascal VOC: --format voc") == true)
        #expect(FormatSignature.mismatch(chosen: .voc, root: flat.url) == nil)

        let roboflow = TempFolder()
        roboflow.write("train/a.jpg", "x")
        roboflow.write("train/a.xml", labelImgXML(folder: "", filename: "a.jpg", path: "a.jpg", objects: []))
        #expect(FormatSignature.mismatch(chosen: .yolo, root: roboflow.url)?.contains("--format voc") == true)

        // CVAT's one-file XML starts with <annotations>: not VOC.
        let cvat = TempFolder()
        cvat.write("annotations.xml", "<?xml version=\"1.0\"?>\n<annotations><version>1.1</version></annotations>")
        cvat.write("cat/a.jpg", "x")
        #expect(FormatSignature.mismatch(chosen: .imagenet, root: cvat.url) == nil)
    }
}

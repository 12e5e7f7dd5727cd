import Foundation
import Testing
@testable import AIArtsEngine

/// A throwaway folder for format fixtures, removed when the test ends.
final class FormatFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-fmt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String) throws { try write(path, Data(text.utf8)) }

    func write(_ path: String, _ data: Data) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: url(path).path) }

    func read(_ path: String) throws -> String { try String(contentsOf: url(path), encoding: .utf8) }

    /// A sub-folder as its own fixture root (for export destinations and dataset folders).
    func sub(_ path: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

func vocXML(filename: String?, size: (Int, Int)? = (100, 80), objects: [(String, String, String, String, String)]) -> String {
    var xml = "<annotation>\n<folder>JPEGImages</folder>\n"
    if let filename { xml += "<filename>\(filename)</filename>\n" }
    if let size { xml += "<size><width>\(size.0)</width><height>\(size.1)</height><depth>3</depth></size>\n" }
    for o in objects {
        xml += "<object>\n<name>\(o.0)</name><difficult>0</difficult>\n<bndbox><xmin>\(o.1)</xmin><ymin>\(o.2)</ymin><xmax>\(o.3)</xmax><ymax>\(o.4)</ymax></bndbox>\n</object>\n"
    }
    return xml + "</annotation>\n"
}

@Suite struct VOCTests {
    @Test func readsClassicLayoutWithSplitsFromImageSets() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x"); try f.write("JPEGImages/b.jpg", "x"); try f.write("JPEGImages/c.png", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: [("dog", "10", "12.5", "50", "60")]))
        try f.write("Annotations/b.xml", vocXML(filename: "b.jpg", objects: [("cat", "1", "1", "20", "20"), ("dog", "2", "3", "4", "5")]))
        try f.write("Annotations/c.xml", vocXML(filename: nil, size: nil, objects: []))  // found by stem, no <size>
        try f.write("ImageSets/Main/train.txt", "a\n")
        try f.write("ImageSets/Main/val.txt", "\u{FEFF}b  \r\n\r\n")
        try f.write("ImageSets/Main/cat_train.txt", "a -1\nb  1\n")  // per-class file: not a split
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["cat", "dog"])
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/a.jpg", "JPEGImages/b.jpg", "JPEGImages/c.png"])
        #expect(parsed.samples.map(\.split) == [.train, .val, nil])
        #expect(parsed.samples[0].annotations == [ParsedAnnotation(label: "dog", box: Box(x1: 10, y1: 12.5, x2: 50, y2: 60))])
        #expect(parsed.samples[0].declaredSize == ImageSize(width: 100, height: 80))
        #expect(parsed.samples[1].annotations.count == 2)
        #expect(parsed.samples[2].declaredSize == nil)
        #expect(parsed.samples[0].source.path == f.url("JPEGImages/a.jpg").path)
    }

    @Test func trainvalCountsAsTrainWhenAlone() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x"); try f.write("JPEGImages/b.jpg", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: []))
        try f.write("Annotations/b.xml", vocXML(filename: "b.jpg", objects: []))
        try f.write("ImageSets/Main/trainval.txt", "a\n")
        try f.write("ImageSets/Main/test.txt", "b\nghost\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.split) == [.train, .test])
        #expect(parsed.issues == [ImportIssue(path: "ImageSets/Main/test.txt", line: 2, reason:
            "no Annotations/ghost.xml and no image JPEGImages/ghost.jpg (nor .jpeg, .png, .bmp); remove the line or add the image")])
    }

    @Test func clampsMixedCornersAndDropsSwappedBoxes() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", size: (100, 80), objects: [
            ("dog", "0", "0", "100", "80"),        // 0-based, whole image
            ("dog", "-1", "1", "101", "81"),       // off by one beyond the edges: clamped
            ("dog", "50", "10", "20", "30"),       // x2 < x1
            ("dog", "5", "40", "20", "30"),        // y2 < y1
            ("dog", "12.0", "13.0", "14.5", "15"), // floats
            ("dog", "abc", "1", "2", "3"),
        ]))
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        let boxes = parsed.samples[0].annotations.compactMap(\.box)
        #expect(boxes == [Box(x1: 0, y1: 0, x2: 100, y2: 80), Box(x1: 0, y1: 1, x2: 100, y2: 80), Box(x1: 12, y1: 13, x2: 14.5, y2: 15)])
        #expect(parsed.issues.count == 3)
        #expect(parsed.issues[0].path == "Annotations/a.xml")
        #expect(parsed.issues[0].reason.hasPrefix("object 3 ('dog'): xmax 20 is less than xmin 50"))
        #expect(parsed.issues[1].reason.hasPrefix("object 4 ('dog'): ymax 30 is less than ymin 40"))
        #expect(parsed.issues[2].reason.contains("'abc', which is not a number"))
        #expect(parsed.issues.allSatisfy { $0.line != nil })
    }

    @Test func classNamesMatchLabelsTxtIgnoringCase() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "dog\ncat\n")
        try f.write("JPEGImages/a.jpg", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: [
            ("Dog", "1", "1", "5", "5"), (" CAT ", "1", "1", "5", "5"), ("bird", "1", "1", "5", "5")]))
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.labels == ["dog", "cat"])
        #expect(parsed.samples[0].annotations.map(\.label) == ["dog", "cat"])
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues[0].reason == "object 3: class 'bird' is not in labels.txt; add it there or fix the name")
    }

    @Test func withoutLabelsTxtCaseVariantsAreOneLabel() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x"); try f.write("JPEGImages/b.jpg", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: [("dog", "1", "1", "5", "5")]))
        try f.write("Annotations/b.xml", vocXML(filename: "b.jpg", objects: [("Dog", "1", "1", "5", "5"), ("ant", "1", "1", "5", "5")]))
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.labels == ["Dog", "ant"])
        #expect(parsed.samples.flatMap(\.annotations).map(\.label) == ["Dog", "Dog", "ant"])
    }

    @Test func xmlWithBOMCRLFAndDeclarationParses() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x")
        let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n" + vocXML(filename: " a.jpg ", objects: [("狗", " 1 ", "2", "3\t", "4")])
            .replacingOccurrences(of: "\n", with: "\r\n")
        try f.write("Annotations/a.xml", xml)
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["狗"])
        #expect(parsed.samples.first?.annotations == [ParsedAnnotation(label: "狗", box: Box(x1: 1, y1: 2, x2: 3, y2: 4))])
    }

    @Test func brokenXMLIsAnIssueAndOthersGoOn() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x"); try f.write("JPEGImages/b.jpg", "x")
        try f.write("Annotations/a.xml", "<annotation>\n<object>\n<bndbox><xmin>1</bndbox>\n</object>\n</annotation>")
        try f.write("Annotations/b.xml", vocXML(filename: "b.jpg", objects: [("dog", "1", "1", "5", "5")]))
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/b.jpg"])
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues[0].path == "Annotations/a.xml")
        #expect(parsed.issues[0].line == 3)
        #expect(parsed.issues[0].reason.contains("line 3, column 16: closing tag </bndbox> does not match <xmin>"))
    }

    @Test func imageLookupFallsBackToPathThenStem() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/from-path.jpg", "x"); try f.write("JPEGImages/s.jpeg", "x")
        try f.write("Annotations/p.xml", "<annotation><filename>wrong.jpg</filename><path>C:\\Users\\me\\from-path.jpg</path></annotation>")
        try f.write("Annotations/s.xml", "<annotation><filename>s</filename></annotation>")
        try f.write("Annotations/m.xml", "<annotation><filename>gone.jpg</filename></annotation>")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/from-path.jpg", "JPEGImages/s.jpeg"])
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues[0].path == "Annotations/m.xml")
        #expect(parsed.issues[0].reason.hasPrefix("image not found: looked for JPEGImages/gone.jpg"))
    }

    @Test func pathEscapesAreRefused() throws {
        let f = try FormatFixture()
        let data = try f.sub("data")
        try f.write("secret.jpg", "x")
        try f.write("data/JPEGImages/ok.jpg", "x")
        try f.write("data/Annotations/up.xml", vocXML(filename: "../secret.jpg", objects: []))
        try f.write("data/Annotations/abs.xml", vocXML(filename: f.url("secret.jpg").path, objects: []))
        try f.write("data/Annotations/ok.xml", vocXML(filename: "ok.jpg", objects: []))
        try FileManager.default.createSymbolicLink(at: f.url("data/JPEGImages/link.jpg"), withDestinationURL: f.url("secret.jpg"))
        try f.write("data/Annotations/link.xml", vocXML(filename: "link.jpg", objects: []))
        let parsed = try VOCParser().parse(root: data, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/ok.jpg"])
        #expect(Set(parsed.issues.map(\.path)) == ["Annotations/up.xml", "Annotations/abs.xml", "Annotations/link.xml"])
        #expect(parsed.issues.first { $0.path == "Annotations/up.xml" }?.reason.contains("'..' is not allowed") == true)
        #expect(parsed.issues.first { $0.path == "Annotations/abs.xml" }?.reason.contains("absolute path") == true)
    }

    @Test func paddlexListVariantWithSpacesAndCRLF() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "\u{FEFF}cat \r\ndog\r\n")
        try f.write("JPEGImages/my photo.jpg", "x"); try f.write("JPEGImages/b.jpg", "x")
        try f.write("Annotations/my photo.xml", vocXML(filename: "my photo.jpg", objects: [("cat", "1", "1", "5", "5")]))
        try f.write("Annotations/b.xml", vocXML(filename: "b.jpg", objects: [("dog", "1", "1", "5", "5")]))
        try f.write("train_list.txt", "\u{FEFF}JPEGImages/my photo.jpg Annotations/my photo.xml  \r\n\r\n")
        try f.write("val_list.txt", "JPEGImages/b.jpg\tAnnotations/b.xml\nJPEGImages/b.jpg\nJPEGImages/nope.jpg Annotations/b.xml\n../x.jpg Annotations/b.xml\n")
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.labels == ["cat", "dog"])
        #expect(parsed.samples.map(\.relativePath) == ["JPEGImages/my photo.jpg", "JPEGImages/b.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .val])
        #expect(parsed.samples[0].origin == "train_list.txt:1")
        #expect(parsed.issues.map(\.path) == ["val_list.txt", "val_list.txt", "val_list.txt"])
        #expect(parsed.issues.map(\.line) == [2, 3, 4])
        #expect(parsed.issues[0].reason.hasPrefix("expected two paths"))
        #expect(parsed.issues[1].reason.hasPrefix("image JPEGImages/nope.jpg does not exist"))
    }

    @Test func missingAnnotationsFolderThrowsActionableError() throws {
        let f = try FormatFixture()
        #expect(throws: AnnotationFormatError.self) { try VOCParser().parse(root: f.root, type: .detection) }
        do { _ = try VOCParser().parse(root: f.root, type: .detection) } catch {
            #expect("\(error)".contains("no Annotations/ folder (Pascal VOC), no .xml beside the images (labelImg)"))
        }
    }

    @Test func exportThenParseRoundTrips() throws {
        let f = try FormatFixture()
        let folder = try f.sub("dataset")
        try f.write("dataset/JPEGImages/a.jpg", "A"); try f.write("dataset/JPEGImages/b.png", "B"); try f.write("dataset/images/train/a.jpg", "C")
        let content = DatasetContent(type: .detection, labels: ["dog", "cat & mouse"], samples: [
            StoredSample(path: "JPEGImages/a.jpg", size: ImageSize(width: 100, height: 80), split: .train, annotations: [
                StoredAnnotation(labelIndex: 0, box: Box(x1: 10.25, y1: 12, x2: 50.1, y2: 60.7)),
                StoredAnnotation(labelIndex: 1, box: Box(x1: 0, y1: 0, x2: 100, y2: 80)),
            ]),
            StoredSample(path: "JPEGImages/b.png", size: ImageSize(width: 30, height: 20), split: .val, annotations: []),
            StoredSample(path: "images/train/a.jpg", size: ImageSize(width: 30, height: 20), split: .test, annotations: [
                StoredAnnotation(labelIndex: 1, box: Box(x1: 1, y1: 2, x2: 3, y2: 4))]),
        ])
        let out = f.root.appendingPathComponent("out")
        try VOCExporter().export(content, datasetFolder: folder, to: out)
        #expect(try f.read("out/ImageSets/Main/train.txt") == "a\n")
        #expect(try f.read("out/JPEGImages/b.png") == "B")
        let parsed = try VOCParser().parse(root: out, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == content.labels)
        #expect(parsed.samples.count == 3)
        #expect(parsed.samples.map(\.split) == [.train, .val, .test])  // a, b, train_a sort in that order
        for (sample, stored) in zip(parsed.samples, content.samples) {
            #expect(sample.declaredSize == stored.size)
            let boxes = sample.annotations.compactMap(\.box)
            #expect(sample.annotations.map(\.label) == stored.annotations.map { content.labels[$0.labelIndex] })
            for (b, s) in zip(boxes, stored.annotations.compactMap(\.box)) {
                #expect(abs(b.x - s.x) < 1e-6 && abs(b.y - s.y) < 1e-6 && abs(b.x2 - s.x2) < 1e-6 && abs(b.y2 - s.y2) < 1e-6)
            }
        }
        #expect(parsed.samples[2].relativePath == "JPEGImages/train_a.jpg")
    }

    /// A 10,000-object annotation imports whole (it took minutes when element lines were found by rescanning;
    /// the timing lives in bench/voc_bench.py). Every object's class and box is checked, and the one bad object
    /// at the end is reported on its true line.
    @Test func tenThousandObjectsInOneFileAllImport() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/big.jpg", "x")
        var objects: [(String, String, String, String, String)] = []
        for i in 0..<10_000 {
            objects.append(("c\(i % 7)", "\(i % 50)", "\(i % 40)", "\(i % 50 + 10)", "\(i % 40 + 5)"))
        }
        var xml = vocXML(filename: "big.jpg", size: (100, 80), objects: objects)
        xml = xml.replacingOccurrences(of: "</annotation>\n", with: "<object>\n<name>bad</name>\n</object>\n</annotation>\n")
        try f.write("Annotations/big.xml", xml)
        let parsed = try VOCParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.count == 1)
        let annotations = parsed.samples.first?.annotations ?? []
        #expect(annotations.count == 10_000)
        for (i, a) in annotations.enumerated() {
            let x = Double(i % 50), y = Double(i % 40)
            #expect(a.label == "c\(i % 7)")
            #expect(a.box == Box(x1: x, y1: y, x2: x + 10, y2: y + 5))
        }
        // 4 header lines, 4 lines per object, then the bad <object> on the next line.
        #expect(parsed.issues.map(\.line) == [4 + 4 * 10_000 + 1])
        #expect(parsed.issues.first?.reason.contains("object 10001 ('bad'): has no <bndbox>") == true)
    }
}

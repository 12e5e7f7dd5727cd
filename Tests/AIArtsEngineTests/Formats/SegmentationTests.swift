import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct SegmentationTests {
    @Test func readsPaddleListsWithSpacesBOMAndCRLF() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "\u{FEFF}background\r\nroad \r\ncar\r\n")
        try f.write("images/my photo 1.jpg", "i"); try f.write("annotations/my photo 1.png", "m")
        try f.write("images/b.jpg", "i"); try f.write("annotations/b.png", "m")
        try f.write("images/t.jpg", "i")
        try f.write("train_list.txt", "\u{FEFF}images/my photo 1.jpg annotations/my photo 1.png  \r\n\r\n")
        try f.write("val_list.txt", """
        images/b.jpg\tannotations/b.png
        images/b.jpg annotations/none.png
        ../secret.jpg annotations/b.png
        /etc/passwd annotations/b.png
        images/b.jpg

        """)
        try f.write("test_list.txt", "images/t.jpg\n")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.labels == ["background", "road", "car"])
        #expect(parsed.samples.map(\.relativePath) == ["images/my photo 1.jpg", "images/b.jpg", "images/t.jpg"])
        #expect(parsed.samples.map(\.mask?.relativePath) == ["annotations/my photo 1.png", "annotations/b.png", nil])
        #expect(parsed.samples.map(\.split) == [.train, .val, .test])
        #expect(parsed.samples.allSatisfy { $0.annotations.isEmpty })
        #expect(parsed.samples[0].mask?.source.path == f.url("annotations/my photo 1.png").path)
        #expect(parsed.issues.map(\.line) == [2, 3, 4, 5])
        #expect(parsed.issues.allSatisfy { $0.path == "val_list.txt" })
        #expect(parsed.issues[0].reason.hasPrefix("mask annotations/none.png does not exist"))
        #expect(parsed.issues[1].reason.contains("'..' is not allowed"))
        #expect(parsed.issues[2].reason.contains("absolute path"))
        #expect(parsed.issues[3].reason.hasPrefix("expected two paths"))
    }

    @Test func folderLayoutsPairByStem() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "background\nobj\n")
        try f.write("JPEGImages/a.jpg", "i"); try f.write("SegmentationClass/a.png", "m")
        try f.write("JPEGImages/b.jpg", "i"); try f.write("SegmentationClass/b.PNG", "m")
        try f.write("JPEGImages/c.jpg", "i")  // no mask
        try f.write("JPEGImages/d.jpg", "i"); try f.write("SegmentationClass/d.jpg", "m")  // lossy mask
        try f.write("ImageSets/Segmentation/train.txt", "a\r\n")
        try f.write("ImageSets/Segmentation/val.txt", "b\n")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.samples.map(\.relativePath) == ["images/a.jpg", "images/b.jpg"])
        #expect(parsed.samples.map(\.mask?.relativePath) == ["annotations/a.png", "annotations/b.PNG"])
        #expect(parsed.samples.map(\.split) == [.train, .val])
        #expect(parsed.issues.map(\.path) == ["JPEGImages/c.jpg", "SegmentationClass/d.jpg"])
        #expect(parsed.issues[0].reason.hasPrefix("no mask SegmentationClass/c.png"))
        #expect(parsed.issues[1].reason.contains("save masks as PNG"))
    }

    @Test func splitSubfoldersGiveSplits() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "bg\n")
        try f.write("images/train/a.jpg", "i"); try f.write("annotations/train/a.png", "m")
        try f.write("images/val/a.jpg", "i"); try f.write("annotations/val/a.png", "m")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.jpg", "images/val/a.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .val])
        #expect(parsed.issues.isEmpty)
    }

    @Test func missingLabelsTxtThrowsWithInstructions() throws {
        let f = try FormatFixture()
        try f.write("images/a.jpg", "i"); try f.write("annotations/a.png", "m")
        do { _ = try SegmentationParser().parse(root: f.root, type: .segmentation); Issue.record("expected a throw") } catch {
            #expect("\(error)".contains("add labels.txt with one class name per line"))
        }
    }

    @Test func blankAndDuplicateLabelLinesAreReported() throws {
        let f = try FormatFixture()
        try f.write("labels.txt", "bg\n\nroad\nRoad\n")
        try f.write("images/a.jpg", "i"); try f.write("annotations/a.png", "m")
        let parsed = try SegmentationParser().parse(root: f.root, type: .segmentation)
        #expect(parsed.labels == ["bg", "road", "Road (2)"])
        #expect(parsed.issues.map(\.line) == [2, 4])
    }

    @Test func exportThenParseRoundTrips() throws {
        let f = try FormatFixture()
        let folder = try f.sub("dataset")
        try f.write("dataset/images/a.jpg", "A"); try f.write("dataset/masks/a.png", "MA")
        try f.write("dataset/images/sub/a.jpg", "B"); try f.write("dataset/masks/sub/a.png", "MB")
        try f.write("dataset/images/c.jpg", "C"); try f.write("dataset/masks/c.png", "MC")
        try f.write("dataset/images/u.jpg", "U")
        let size = ImageSize(width: 4, height: 4)
        let content = DatasetContent(type: .segmentation, labels: ["background", "road"], samples: [
            StoredSample(path: "images/a.jpg", size: size, split: .train, annotations: [], maskPath: "masks/a.png"),
            StoredSample(path: "images/sub/a.jpg", size: size, split: .val, annotations: [], maskPath: "masks/sub/a.png"),
            StoredSample(path: "images/c.jpg", size: size, split: .test, annotations: [], maskPath: "masks/c.png"),
            StoredSample(path: "images/u.jpg", size: size, split: .train, annotations: []),  // unlabelled: left out
        ])
        let out = f.root.appendingPathComponent("out")
        try SegmentationExporter().export(content, datasetFolder: folder, to: out)
        #expect(try f.read("out/val_list.txt") == "images/sub_a.jpg annotations/sub_a.png\n")
        #expect(try f.read("out/annotations/sub_a.png") == "MB")
        let parsed = try SegmentationParser().parse(root: out, type: .segmentation)
        #expect(parsed.issues == [])
        #expect(parsed.labels == content.labels)
        #expect(parsed.samples.map(\.relativePath) == ["images/a.jpg", "images/sub_a.jpg", "images/c.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .val, .test])
        #expect(parsed.samples.map(\.mask?.relativePath) == ["annotations/a.png", "annotations/sub_a.png", "annotations/c.png"])
    }
}

import Foundation
import Testing
@testable import AIArtsEngine

/// A labelme file as labelme 5 writes it.
func labelmeJSON(imagePath: String?, shapes: [String], width: Int = 64, height: Int = 48, imageData: String? = nil) -> String {
    let path = imagePath.map { "\"\($0)\"" } ?? "null"
    let data = imageData.map { "\"\($0)\"" } ?? "null"
    return """
    {
      "version": "5.2.1",
      "flags": {},
      "shapes": [
        \(shapes.joined(separator: ",\n    "))
      ],
      "imagePath": \(path),
      "imageData": \(data),
      "imageHeight": \(height),
      "imageWidth": \(width)
    }
    """
}

func labelmeShape(_ label: String, _ type: String, _ points: [[Double]]) -> String {
    let list = points.map { "[\($0[0]), \($0[1])]" }.joined(separator: ", ")
    return #"{"label": "\#(label)", "points": [\#(list)], "group_id": null, "shape_type": "\#(type)", "flags": {}}"#
}

@Suite struct LabelmeParserTests {
    let parser = LabelmeParser()

    @Test func rectanglesInAnyCornerOrderAndPolygons() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [
            labelmeShape("dog", "rectangle", [[30, 40], [10, 5]]),  // dragged from bottom-right to top-left
            labelmeShape("dog", "rectangle", [[10, 40], [30, 5]]),  // bottom-left, top-right
            labelmeShape("cat", "polygon", [[1, 1], [9, 2], [5, 8]]),
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.labels == ["cat", "dog"])
        let sample = try #require(result.samples.first)
        #expect(sample.relativePath == "a.jpg")
        #expect(sample.declaredSize == ImageSize(width: 64, height: 48))
        #expect(sample.split == nil)
        #expect(sample.annotations == [
            ParsedAnnotation(label: "dog", box: Box(x: 10, y: 5, width: 20, height: 35)),
            ParsedAnnotation(label: "dog", box: Box(x: 10, y: 5, width: 20, height: 35)),
            ParsedAnnotation(label: "cat", box: Box(x: 1, y: 1, width: 8, height: 7), segmentation: .polygons([[1, 1, 9, 2, 5, 8]])),
        ])
    }

    @Test func nonBoxShapesAreSkippedWithIssues() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [
            labelmeShape("x", "line", [[0, 0], [5, 5]]),
            labelmeShape("x", "circle", [[5, 5], [7, 7]]),
            labelmeShape("x", "point", [[1, 1]]),
            labelmeShape("x", "rectangle", [[1, 1]]),
            labelmeShape("y", "rectangle", [[1, 1], [4, 4]]),
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples[0].annotations.map(\.label) == ["y"])
        #expect(result.labels == ["y"])
        #expect(result.issues.map(\.reason) == [
            "shape 1: shape_type 'line' is not a box; skipped",
            "shape 2: shape_type 'circle' is not a box; skipped",
            "shape 3: shape_type 'point' is not a box; skipped",
            "shape 4: rectangle needs 2 points, found 1; skipped",
        ])
        #expect(result.issues[0].line == 5)
    }

    @Test func brokenJSONIsAnIssueAndOtherFilesGoOn() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.image("b.jpg")
        try f.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [labelmeShape("x", "rectangle", [[1, 1], [4, 4]])]))
        try f.write("b.json", "{\n  \"shapes\": [\n    {\"label\": \"x\" \"points\": []}\n  ]\n}")
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.map(\.relativePath) == ["a.jpg"])
        #expect(result.issues == [ImportIssue(path: "b.json", line: 3, reason: "not valid JSON: column 19: expected ',' or '}' after object member")])
    }

    @Test func imagePathRelativeToTheJSONAndWindowsPaths() throws {
        let f = try COCOFixture()
        try f.image("images/a.jpg")
        try f.image("json/c.jpg")
        try f.write("json/a.json", labelmeJSON(imagePath: "..\\\\images\\\\a.jpg", shapes: []))
        // An absolute path from the annotator's machine: the file of that name beside the JSON is used.
        try f.write("json/c.json", labelmeJSON(imagePath: "C:\\\\Users\\\\me\\\\c.jpg", shapes: []))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.samples.map(\.relativePath) == ["images/a.jpg", "json/c.jpg"])
    }

    @Test func escapingImagePathIsRefused() throws {
        let f = try COCOFixture()
        try f.write("a.json", labelmeJSON(imagePath: "../../etc/passwd", shapes: []))
        try f.write("b.json", labelmeJSON(imagePath: "/etc/passwd", shapes: []))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.isEmpty)
        #expect(result.issues.count == 2)
        #expect(result.issues[0].reason.contains("not imported: path leaves the dataset folder"))
        #expect(result.issues[1].reason.contains("absolute path"))
    }

    @Test func embeddedImageDataOnly() throws {
        let f = try COCOFixture()
        try f.image("b.jpg")
        try f.write("a.json", labelmeJSON(imagePath: nil, shapes: [], imageData: "aGVsbG8="))
        // imageData is ignored when the image file exists.
        try f.write("b.json", labelmeJSON(imagePath: "b.jpg", shapes: [], imageData: "aGVsbG8="))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.map(\.relativePath) == ["b.jpg"])
        #expect(result.issues.count == 1)
        #expect(result.issues[0].path == "a.json")
        #expect(result.issues[0].reason.contains("embedded"))
    }

    @Test func missingImageAndNonLabelmeJSON() throws {
        let f = try COCOFixture()
        try f.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: []))
        try f.write("classes.json", #"{"names": ["x"]}"#)
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.isEmpty)
        #expect(result.issues.map(\.path) == ["a.json", "classes.json"])
        #expect(result.issues[0].reason.contains("image 'a.jpg' not found"))
        #expect(result.issues[1].reason.contains("not a labelme file"))
    }

    @Test func labelsTxtSetsTheOrder() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("labels.txt", "__ignore__\n_background_\nzebra\napple\nunused\n")
        try f.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [
            labelmeShape("apple", "rectangle", [[1, 1], [4, 4]]),
            labelmeShape("kiwi", "rectangle", [[1, 1], [4, 4]]),
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.labels == ["zebra", "apple", "unused", "kiwi"])
        #expect(result.issues.count == 1 && result.issues[0].reason.contains("kiwi"))
    }

    @Test func noJSONFilesThrows() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        #expect(throws: JSONDatasetError.self) { try parser.parse(root: f.root, type: .detection) }
    }
}

@Suite struct LabelmeExporterTests {
    @Test func exportThenParseGivesTheSameRecords() throws {
        let f = try COCOFixture()
        try f.image("src/a.jpg")
        try f.image("src/sub/b.png")
        try f.write("src/a.json", labelmeJSON(imagePath: "a.jpg", shapes: [
            labelmeShape("dog", "rectangle", [[30, 40], [10.5, 5]]),
            labelmeShape("cat", "polygon", [[1, 1], [9, 2], [5, 8]]),
        ]))
        try f.write("src/sub/b.json", labelmeJSON(imagePath: "b.png", shapes: [labelmeShape("cat", "rectangle", [[0, 0], [3, 3]])],
                                                  width: 10, height: 12))
        let source = f.root.appendingPathComponent("src")
        let first = try LabelmeParser().parse(root: source, type: .detection)
        #expect(first.issues.isEmpty)

        let dataset = f.root.appendingPathComponent("dataset")
        var content = try storedContent(first, type: .detection, datasetFolder: dataset)
        content.labels.append("unused")  // label order and unused labels survive through labels.txt
        let out = f.root.appendingPathComponent("out")
        try LabelmeExporter().export(content, datasetFolder: dataset, to: out)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sub/b.json").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sub/b.png").path))

        let second = try LabelmeParser().parse(root: out, type: .detection)
        #expect(second.issues.isEmpty, "\(second.issues)")
        #expect(second.labels == ["cat", "dog", "unused"])
        #expect(second.samples.map(\.relativePath) == first.samples.map(\.relativePath))
        #expect(second.samples.map(\.annotations) == first.samples.map(\.annotations))
        #expect(second.samples.map(\.declaredSize) == first.samples.map(\.declaredSize))
        #expect(second.samples.map(\.split) == first.samples.map(\.split))
    }
}

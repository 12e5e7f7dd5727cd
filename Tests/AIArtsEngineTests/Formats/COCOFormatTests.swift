import Foundation
import Testing
@testable import AIArtsEngine

/// A temporary folder to write fixtures into; removed when the test's fixture goes away.
final class COCOFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-coco-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Parsers never decode images, so any bytes do.
    func image(_ relative: String) throws { try write(relative, "not really an image: \(relative)") }
}

/// Builds a COCO file from short image and annotation descriptions.
func cocoJSON(images: [String], annotations: [String], categories: String = #"[{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]"#) -> String {
    """
    {
      "info": {"description": "fixture"},
      "images": [
        \(images.joined(separator: ",\n    "))
      ],
      "annotations": [
        \(annotations.joined(separator: ",\n    "))
      ],
      "categories": \(categories)
    }
    """
}

/// What the import pipeline would store: images copied to their relative paths in a dataset
/// folder, labels as indices. Used to feed exporters in round-trip tests.
func storedContent(_ parsed: ParsedDataset, type: DatasetType, datasetFolder: URL) throws -> DatasetContent {
    let samples = try parsed.samples.map { sample -> StoredSample in
        let target = datasetFolder.appendingPathComponent(sample.relativePath)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample.source, to: target)
        let annotations = sample.annotations.map {
            StoredAnnotation(labelIndex: parsed.labels.firstIndex(of: $0.label)!, box: $0.box, segmentation: $0.segmentation,
                             isCrowd: $0.isCrowd, sourceID: $0.sourceID)
        }
        return StoredSample(path: sample.relativePath, size: sample.declaredSize ?? ImageSize(width: 64, height: 48),
                            split: sample.split, annotations: annotations)
    }
    return DatasetContent(type: type, labels: parsed.labels, samples: samples)
}

@Suite struct COCOParserTests {
    let parser = COCOParser()

    @Test func readsImagesBoxesAndLabelsInCategoryIdOrder() throws {
        let f = try COCOFixture()
        try f.image("images/a.jpg")
        try f.image("images/b.jpg")
        try f.write("annotations.json", cocoJSON(
            images: [#"{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}"#, #"{"id": 2, "file_name": "b.jpg"}"#],
            annotations: [#"{"id": 1, "image_id": 1, "category_id": 7, "bbox": [10, 20, 30.5, 40], "iscrowd": 0, "area": 1220}"#,
                          #"{"id": 2, "image_id": 1, "category_id": 3, "bbox": [0, 0, 5, 5]}"#],
            categories: #"[{"id": 7, "name": "zebra"}, {"id": 3, "name": "apple", "supercategory": "fruit"}]"#))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.labels == ["apple", "zebra"])
        #expect(result.samples.map(\.relativePath) == ["images/a.jpg", "images/b.jpg"])
        #expect(result.samples[0].declaredSize == ImageSize(width: 640, height: 480))
        #expect(result.samples[1].declaredSize == nil)
        #expect(result.samples[0].split == nil)
        #expect(result.samples[0].annotations == [
            ParsedAnnotation(label: "zebra", box: Box(x: 10, y: 20, width: 30.5, height: 40), sourceID: 1),
            ParsedAnnotation(label: "apple", box: Box(x: 0, y: 0, width: 5, height: 5), sourceID: 2),
        ])
        #expect(result.samples[1].annotations.isEmpty)
        #expect(result.samples[0].source.lastPathComponent == "a.jpg")
    }

    @Test func rootMayBeTheJSONFileItself() throws {
        let f = try COCOFixture()
        try f.image("pics/x.jpg")
        let json = try f.write("pics/coco.json", cocoJSON(images: [#"{"id": 5, "file_name": "x.jpg"}"#], annotations: []))
        let result = try parser.parse(root: json, type: .detection)
        #expect(result.samples.map(\.relativePath) == ["images/x.jpg"])
        #expect(result.issues.isEmpty)
    }

    @Test func splitsFromFileNamesAndImageLookupInThreePlaces() throws {
        let f = try COCOFixture()
        // train: in the folder named after the stem (COCO's own layout), relative to root.
        try f.image("train2017/t.jpg")
        // val: in images/ beside the JSON.
        try f.image("annotations/images/v.jpg")
        // test: right beside the JSON.
        try f.image("annotations/s.jpg")
        try f.write("annotations/instances_train2017.json", cocoJSON(images: [#"{"id": 1, "file_name": "t.jpg"}"#], annotations: []))
        try f.write("annotations/instances_val2017.json", cocoJSON(images: [#"{"id": 1, "file_name": "v.jpg"}"#], annotations: []))
        try f.write("annotations/instances_test2017.json", cocoJSON(images: [#"{"id": 1, "file_name": "s.jpg"}"#], annotations: []))
        try f.write("annotations/captions_train2017.json", #"{"images": [], "annotations": []}"#)
        let result = try parser.parse(root: f.root, type: .detection)
        let bySplit = Dictionary(uniqueKeysWithValues: result.samples.map { ($0.split, $0.relativePath) })
        #expect(bySplit[.train] == "images/t.jpg")
        #expect(bySplit[.val] == "images/v.jpg")
        #expect(bySplit[.test] == "images/s.jpg")
        #expect(result.samples.count == 3)
        #expect(result.issues.map(\.path) == ["annotations/captions_train2017.json"])
    }

    @Test func sameFileNameInTwoSplitsGetsDistinctPaths() throws {
        let f = try COCOFixture()
        try f.image("train/1.jpg")
        try f.image("val/1.jpg")
        try f.write("annotations/instances_train.json", cocoJSON(images: [#"{"id": 1, "file_name": "1.jpg"}"#], annotations: []))
        try f.write("annotations/instances_val.json", cocoJSON(images: [#"{"id": 1, "file_name": "1.jpg"}"#], annotations: []))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(Set(result.samples.map(\.relativePath)) == ["images/1.jpg", "images/val/1.jpg"])
    }

    @Test func annotationIdZeroAndDuplicateIdsAreKept() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 0, "file_name": "a.jpg"}"#], annotations: [
            #"{"id": 0, "image_id": 0, "category_id": 1, "bbox": [1, 1, 2, 2]}"#,
            #"{"id": 5, "image_id": 0, "category_id": 1, "bbox": [2, 2, 2, 2]}"#,
            #"{"id": 5, "image_id": 0, "category_id": 2, "bbox": [3, 3, 2, 2]}"#,
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples[0].annotations.map(\.sourceID) == [0, 5, 5])
        #expect(result.samples[0].annotations.map(\.label) == ["cat", "cat", "dog"])
        #expect(result.issues.count == 1)
        #expect(result.issues[0].reason.contains("annotation id 5 is used more than once"))
        #expect(result.issues[0].line == 9)
    }

    @Test func annotationPointingAtNoImage() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "a.jpg"}"#], annotations: [
            #"{"id": 17, "image_id": 99, "category_id": 1, "bbox": [1, 1, 2, 2]}"#,
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.count == 1)
        #expect(result.samples[0].annotations.isEmpty)
        #expect(result.issues == [ImportIssue(path: "a.json", line: 7,
                                              reason: "annotation 17 refers to image_id 99, which is not in 'images'; skipped")])
    }

    @Test func unknownCategoryIsReportedOncePerCategory() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "a.jpg"}"#], annotations: [
            #"{"id": 1, "image_id": 1, "category_id": 42, "bbox": [1, 1, 2, 2]}"#,
            #"{"id": 2, "image_id": 1, "category_id": 42, "bbox": [1, 1, 2, 2]}"#,
            #"{"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}"#,
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples[0].annotations.map(\.sourceID) == [3])
        #expect(result.issues.count == 1)
        #expect(result.issues[0].reason.contains("annotation 1 refers to category_id 42, which is not in 'categories'"))
        #expect(result.issues[0].reason.contains("1 more"))
    }

    @Test func labelmeConvertedFileWithMissingFieldsIsTolerated() throws {
        let f = try COCOFixture()
        try f.image("JPEGImages/a.jpg")
        // No info, licenses, iscrowd, area, width/height; segmentation [] or absent; bbox absent but polygon present.
        try f.write("annotations.json", """
        {"images": [{"id": 1, "file_name": "JPEGImages/a.jpg"}],
         "annotations": [
           {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "segmentation": []},
           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]},
           {"id": 3, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 10, 0, 10, 5]]}
         ],
         "categories": [{"id": 1, "name": "cat"}]}
        """)
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.samples[0].relativePath == "images/JPEGImages/a.jpg")
        let annotations = result.samples[0].annotations
        #expect(annotations.count == 3)
        #expect(annotations[0].segmentation == nil && annotations[0].isCrowd == false)
        #expect(annotations[2].box == Box(x: 0, y: 0, width: 10, height: 5))
    }

    @Test func badBoxesAreIssues() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "a.jpg"}"#], annotations: [
            #"{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3]}"#,
            #"{"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 2, -3, 4]}"#,
            #"{"id": 3, "image_id": 1, "category_id": 1, "bbox": "1,2,3,4"}"#,
            #"{"id": 4, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}"#,
        ]))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples[0].annotations.map(\.sourceID) == [4])
        #expect(result.issues.count == 3)
        #expect(result.issues[0].reason.contains("annotation 1: bbox must be [x, y, width, height] (4 numbers), found 3 values"))
        #expect(result.issues[1].reason.contains("negative width or height"))
        #expect(result.issues.map(\.line) == [7, 8, 9])
    }

    @Test func polygonsRLEAndCrowd() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}"#], annotations: [
            #"{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 3], "segmentation": [[0, 0, 4, 0, 4, 3], [1, 1, 2, 1, 2, 2, 1, 2]]}"#,
            #"{"id": 2, "image_id": 1, "category_id": 2, "bbox": [0, 0, 4, 3], "iscrowd": 1, "segmentation": {"size": [3, 4], "counts": [2, 5, 5]}}"#,
            #"{"id": 3, "image_id": 1, "category_id": 2, "bbox": [0, 0, 4, 3], "iscrowd": 1, "segmentation": {"size": [3, 4], "counts": "25a0"}}"#,
            #"{"id": 4, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 3], "segmentation": {"size": [3, 4], "counts": [1, 2]}}"#,
        ]))
        let result = try parser.parse(root: f.root, type: .instanceSegmentation)
        let a = result.samples[0].annotations
        #expect(a[0].segmentation == .polygons([[0, 0, 4, 0, 4, 3], [1, 1, 2, 1, 2, 2, 1, 2]]))
        #expect(a[0].isCrowd == false)
        #expect(a[1].segmentation == .rle(height: 3, width: 4, counts: [2, 5, 5]))
        #expect(a[1].isCrowd)
        #expect(a[2].segmentation == .compressedRLE(height: 3, width: 4, counts: "25a0"))
        // Counts that do not cover the image drop the mask, keep the box.
        #expect(a[3].segmentation == nil && a[3].box != nil)
        #expect(result.issues.count == 1 && result.issues[0].reason.contains("RLE counts add up to 3"))
    }

    @Test func pathEscapesAreRefused() throws {
        let f = try COCOFixture()
        try f.image("ok.jpg")
        try f.write("d/a.json", cocoJSON(images: [
            #"{"id": 1, "file_name": "../../etc/passwd"}"#,
            #"{"id": 2, "file_name": "/etc/passwd"}"#,
            #"{"id": 3, "file_name": "ok.jpg"}"#,
        ], annotations: [#"{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}"#]))
        let result = try parser.parse(root: f.root.appendingPathComponent("d/a.json"), type: .detection)
        #expect(result.samples.isEmpty)  // ok.jpg is outside the JSON's folder root
        let f2 = try COCOFixture()
        try f2.image("ok.jpg")
        try f2.write("a.json", cocoJSON(images: [
            #"{"id": 1, "file_name": "../../etc/passwd"}"#,
            #"{"id": 2, "file_name": "/etc/passwd"}"#,
            #"{"id": 3, "file_name": "ok.jpg"}"#,
        ], annotations: [#"{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}"#]))
        let result2 = try parser.parse(root: f2.root, type: .detection)
        #expect(result2.samples.map(\.relativePath) == ["images/ok.jpg"])
        #expect(result2.issues.count == 2)
        #expect(result2.issues[0].reason.contains("'..' is not allowed"))
        #expect(result2.issues[1].reason.contains("absolute path"))
        // The annotation of the refused image is dropped without a second message.
        #expect(result2.samples[0].annotations.isEmpty)
    }

    @Test func symlinkLeavingTheFolderIsRefused() throws {
        let f = try COCOFixture()
        let outside = try COCOFixture()
        try outside.image("secret.jpg")
        try FileManager.default.createDirectory(at: f.root.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: f.root.appendingPathComponent("images/link.jpg"),
                                                   withDestinationURL: outside.root.appendingPathComponent("secret.jpg"))
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "link.jpg"}"#], annotations: []))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.isEmpty)
        #expect(result.issues.count == 1 && result.issues[0].reason.contains("symlink points outside"))
    }

    /// Image folders are listed once rather than stat'ed per image: entries that are folders,
    /// links (followed, confined; dangling ones missing) and names with a '/' must come out as
    /// they did with an lstat per candidate.
    @Test func folderListingAgreesWithStat() throws {
        let f = try COCOFixture()
        let fm = FileManager.default
        try fm.createDirectory(at: f.root.appendingPathComponent("images/d.jpg"), withIntermediateDirectories: true)
        try f.image("a/d.jpg")
        try f.image("a/real.jpg")
        try fm.createSymbolicLink(atPath: f.root.appendingPathComponent("images/in.jpg").path, withDestinationPath: "../a/real.jpg")
        try fm.createSymbolicLink(atPath: f.root.appendingPathComponent("images/dangling.jpg").path, withDestinationPath: "nowhere.jpg")
        try f.image("a/sub/x.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "d.jpg"}"#, #"{"id": 2, "file_name": "in.jpg"}"#,
                                                #"{"id": 3, "file_name": "dangling.jpg"}"#, #"{"id": 4, "file_name": "sub/x.jpg"}"#],
                                       annotations: []))
        let result = try parser.parse(root: f.root, type: .detection)
        let root = f.root.standardizedFileURL.path
        #expect(result.samples.map { String($0.source.path.dropFirst(root.count)) } == ["/a/d.jpg", "/images/in.jpg", "/a/sub/x.jpg"])
        #expect(result.samples.map(\.relativePath) == ["images/d.jpg", "images/in.jpg", "images/sub/x.jpg"])
        #expect(result.issues.count == 1 && result.issues[0].reason.contains("image file 'dangling.jpg' not found"))
    }

    @Test func missingImageFileIsAnIssue() throws {
        let f = try COCOFixture()
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "gone.jpg"}"#], annotations: []))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.isEmpty)
        #expect(result.issues.count == 1)
        #expect(result.issues[0].reason.contains("image file 'gone.jpg' not found"))
        #expect(result.issues[0].line == 4)
    }

    @Test func categoryProblems() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        try f.write("a.json", cocoJSON(images: [#"{"id": 1, "file_name": "a.jpg"}"#], annotations: [
            #"{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]}"#,
            #"{"id": 2, "image_id": 1, "category_id": 2, "bbox": [1, 1, 2, 2]}"#,
            #"{"id": 3, "image_id": 1, "category_id": 3, "bbox": [1, 1, 2, 2]}"#,
        ], categories: #"[{"id": 3}, {"id": 1, "name": "cat"}, {"id": 2, "name": "cat"}, {"id": 1, "name": "other"}]"#))
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.labels == ["cat", "category_3"])
        #expect(result.samples[0].annotations.map(\.label) == ["cat", "cat", "category_3"])
        let reasons = result.issues.map(\.reason).joined(separator: "\n")
        #expect(reasons.contains("category 3 has no 'name'"))
        #expect(reasons.contains("category id 1 is listed twice"))
        #expect(reasons.contains("'cat' is used by ids 1, 2"))
    }

    @Test func brokenJSONThrowsWithFileLineAndColumn() throws {
        let f = try COCOFixture()
        try f.write("annotations/instances_val.json", "{\n  \"images\": [\n    {\"id\": 1,}\n  ]\n}")
        #expect {
            try parser.parse(root: f.root, type: .detection)
        } throws: { error in
            "\(error)".contains("annotations/instances_val.json: line 3, column 14: trailing comma before '}'")
        }
    }

    @Test func oneBrokenFileAmongSeveralIsAnIssue() throws {
        let f = try COCOFixture()
        try f.image("train/a.jpg")
        try f.write("annotations/instances_train.json", cocoJSON(images: [#"{"id": 1, "file_name": "a.jpg"}"#], annotations: []))
        try f.write("annotations/instances_val.json", "{ oops")
        let result = try parser.parse(root: f.root, type: .detection)
        #expect(result.samples.count == 1)
        #expect(result.issues.count == 1 && result.issues[0].path == "annotations/instances_val.json" && result.issues[0].line == 1)
    }

    @Test func noAnnotationFileThrows() throws {
        let f = try COCOFixture()
        try f.image("a.jpg")
        #expect(throws: JSONDatasetError.self) { try parser.parse(root: f.root, type: .detection) }
        #expect(throws: JSONDatasetError.self) { try parser.parse(root: f.root, type: .classification) }
    }
}

@Suite struct COCOExporterTests {
    @Test func exportThenParseGivesTheSameRecords() throws {
        let f = try COCOFixture()
        try f.image("train2017/1.jpg")
        try f.image("train2017/2.jpg")
        try f.image("val2017/3.jpg")
        try f.write("annotations/instances_train2017.json", cocoJSON(images: [
            #"{"id": 1, "file_name": "1.jpg", "width": 64, "height": 48}"#,
            #"{"id": 2, "file_name": "2.jpg", "width": 64, "height": 48}"#,
        ], annotations: [
            #"{"id": 0, "image_id": 1, "category_id": 2, "bbox": [1.5, 2, 10, 20], "segmentation": [[1.5, 2, 11.5, 2, 11.5, 22]]}"#,
            #"{"id": 8, "image_id": 1, "category_id": 1, "bbox": [0, 0, 64, 48], "iscrowd": 1, "segmentation": {"size": [48, 64], "counts": "PPYo1"}}"#,
            #"{"id": 8, "image_id": 2, "category_id": 1, "bbox": [3, 3, 3, 3]}"#,
            #"{"id": 9, "image_id": 2, "category_id": 2, "bbox": [4, 4, 4, 4], "segmentation": {"size": [2, 2], "counts": [1, 2, 1]}}"#,
        ]))
        try f.write("annotations/instances_val2017.json", cocoJSON(images: [#"{"id": 7, "file_name": "3.jpg", "width": 64, "height": 48}"#],
                                                                  annotations: [#"{"id": 30, "image_id": 7, "category_id": 2, "bbox": [5, 6, 7, 8]}"#]))
        let first = try COCOParser().parse(root: f.root, type: .instanceSegmentation)
        #expect(first.issues.map(\.reason).allSatisfy { $0.contains("used more than once") })

        let dataset = f.root.appendingPathComponent("dataset")
        let content = try storedContent(first, type: .instanceSegmentation, datasetFolder: dataset)
        let out = f.root.appendingPathComponent("export")
        try COCOExporter().export(content, datasetFolder: dataset, to: out)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("annotations/instances_train.json").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("annotations/instances_val.json").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("images/1.jpg").path))

        let second = try COCOParser().parse(root: out, type: .instanceSegmentation)
        #expect(second.issues.isEmpty, "\(second.issues)")
        #expect(second.labels == first.labels)
        #expect(second.samples.map(\.relativePath) == first.samples.map(\.relativePath))
        #expect(second.samples.map(\.split) == first.samples.map(\.split))
        #expect(second.samples.map(\.declaredSize) == first.samples.map(\.declaredSize))
        func withoutIDs(_ d: ParsedDataset) -> [[ParsedAnnotation]] {
            d.samples.map { $0.annotations.map { var a = $0; a.sourceID = nil; return a } }
        }
        #expect(withoutIDs(second) == withoutIDs(first))
        // Unique positive ids survive; 0 (COCOeval's "unmatched") and duplicates are renumbered.
        let ids = second.samples.flatMap { $0.annotations.compactMap(\.sourceID) }
        #expect(ids.contains(9) && ids.contains(30) && !ids.contains(0))
        #expect(Set(ids).count == ids.count)
    }

    @Test func samplesWithoutSplitGoToInstancesAll() throws {
        let f = try COCOFixture()
        try f.image("dataset/images/a.jpg")
        let content = DatasetContent(type: .detection, labels: ["x"], samples: [
            StoredSample(path: "images/a.jpg", size: ImageSize(width: 10, height: 10), split: nil,
                         annotations: [StoredAnnotation(labelIndex: 0, box: Box(x: 1, y: 1, width: 2, height: 2))]),
        ])
        let out = f.root.appendingPathComponent("out")
        try COCOExporter().export(content, datasetFolder: f.root.appendingPathComponent("dataset"), to: out)
        let document = try JSONDocument(contentsOf: out.appendingPathComponent("annotations/instances_all.json"))
        let annotation = document.root["annotations"]?[0]
        #expect(annotation?["bbox"]?.doubles == [1, 1, 2, 2])
        #expect(annotation?["area"]?.double == 4)
        #expect(annotation?["iscrowd"]?.int == 0)
        #expect(annotation?["segmentation"]?.count == 0)
        #expect(document.root["categories"]?[0]?["id"]?.int == 1)
        let again = try COCOParser().parse(root: out, type: .detection)
        #expect(again.samples.map(\.split) == [nil])
    }

    @Test func plainPathFastPathAgreesWithSafePath() {
        for name in ["a.jpg", "dir/a.jpg", "a/b/c.png", ".hidden.jpg", "a..b.jpg", "../a.jpg", "./a.jpg", "a/./b.jpg",
                     "a//b.jpg", "/abs.jpg", "C:x.jpg", "a\\b.jpg", "a/", "..", ".", "", "a/..", "x/.../y.jpg"] {
            if COCOReader.isPlainRelative(name) {
                #expect((try? SafePath.normalize(name)) == name, "\(name)")
            }
        }
        #expect(COCOReader.isPlainRelative("dir/a.jpg"))
        #expect(!COCOReader.isPlainRelative("../a.jpg"))
    }

    @Test func compressedRLECountsDecode() {
        #expect(COCOGeometry.decodeCompressedCounts("25a0") != nil)
        // Round numbers through the documented encoding: 0 → "0", 5 → "5", 31 → "O0".
        #expect(COCOGeometry.decodeCompressedCounts("05") == [0, 5])
        #expect(COCOGeometry.decodeCompressedCounts("\u{7F}") == nil)
    }
}

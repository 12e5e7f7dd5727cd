import Foundation
import Testing
@testable import AIArtsEngine

/// YOLO layouts as CVAT, datumaro, Roboflow and ultralytics write them; each fixture in the shape the tool writes.
@Suite struct YOLOLayoutTests {
    /// CVAT's "YOLO 1.1" export (datumaro's YoloExporter): obj.data with 'data/'-prefixed paths, obj.names,
    /// obj_<subset>_data/ with each image's .txt beside it (empty for an image without boxes), <subset>.txt lists.
    @Test func cvatYOLO11Export() throws {
        let f = try FormatFixture()
        try f.write("obj.data", "classes = 2\ntrain = data/train.txt\nvalid = data/valid.txt\nnames = data/obj.names\nbackup = backup/\n")
        try f.write("obj.names", "cat\ndog\n")
        try f.write("train.txt", "data/obj_train_data/frame_000000.jpg\ndata/obj_train_data/frame_000001.jpg\ndata/obj_train_data/street/frame_000002.png\n")
        try f.write("valid.txt", "data/obj_valid_data/frame_000003.jpg\n")
        try f.write("obj_train_data/frame_000000.jpg", jpegHeader(width: 640, height: 480))
        try f.write("obj_train_data/frame_000000.txt", "0 0.500000 0.500000 0.250000 0.500000\n1 0.125000 0.125000 0.250000 0.250000\n")
        try f.write("obj_train_data/frame_000001.jpg", jpegHeader(width: 640, height: 480))
        try f.write("obj_train_data/frame_000001.txt", "")
        try f.write("obj_train_data/street/frame_000002.png", pngHeader(width: 100, height: 50))
        try f.write("obj_train_data/street/frame_000002.txt", "1 0.500000 0.500000 1.000000 1.000000\n")
        try f.write("obj_valid_data/frame_000003.jpg", jpegHeader(width: 200, height: 100))
        try f.write("obj_valid_data/frame_000003.txt", "0 0.250000 0.500000 0.500000 1.000000\n")
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["cat", "dog"])
        #expect(parsed.samples.map(\.relativePath) == ["images/train/frame_000000.jpg", "images/train/frame_000001.jpg",
                                                       "images/train/street/frame_000002.png", "images/val/frame_000003.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .train, .train, .val])
        #expect(parsed.samples[0].annotations == [
            ParsedAnnotation(label: "cat", box: Box(x1: 240, y1: 120, x2: 400, y2: 360)),
            ParsedAnnotation(label: "dog", box: Box(x1: 0, y1: 0, x2: 160, y2: 120)),
        ])
        #expect(parsed.samples[1].annotations.isEmpty)
        #expect(parsed.samples[2].annotations == [ParsedAnnotation(label: "dog", box: Box(x1: 0, y1: 0, x2: 100, y2: 50))])
        #expect(parsed.samples[3].annotations == [ParsedAnnotation(label: "cat", box: Box(x1: 0, y1: 0, x2: 100, y2: 100))])
        #expect(parsed.samples[0].origin == "obj_train_data/frame_000000.txt")
    }

    @Test func darknetProblemsAreReportedAndTheRestImported() throws {
        let f = try FormatFixture()
        try f.write("obj.data", "# made by hand\nclasses = 3\ntrain = data/train.txt\nholdout = data/holdout.txt\ntest = data/test.txt\n"
            + "names = data/obj.names\nbackup = backup/\nthis line is wrong\n")
        try f.write("obj.names", "cat\ndog\n")
        try f.write("train.txt", "data/obj_train_data/a.jpg\ndata/obj_train_data/gone.jpg\n../../etc/x.jpg\n/home/someone/darknet/data/obj_train_data/b.jpg\n")
        try f.write("holdout.txt", "data/obj_holdout_data/c.jpg\n")
        try f.write("obj_train_data/a.jpg", jpegHeader(width: 100, height: 100))
        try f.write("obj_train_data/a.txt", "0 0.5 0.5 0.5 0.5\n")
        try f.write("obj_train_data/b.jpg", jpegHeader(width: 100, height: 100))
        try f.write("obj_train_data/stray.txt", "0 0.5 0.5 0.5 0.5\n")
        try f.write("obj_holdout_data/c.jpg", jpegHeader(width: 100, height: 100))
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.jpg", "images/train/b.jpg", "images/holdout/c.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .train, nil])
        #expect(parsed.issues == [
            ImportIssue(path: "obj.data", line: 8, reason: "'this line is wrong' is not 'key = value'; the line is ignored"),
            ImportIssue(path: "obj.data", line: 2, reason: "classes = 3 but the names file lists 2 classes; the names are used — fix classes"),
            ImportIssue(path: "train.txt", line: 2, reason: "image 'data/obj_train_data/gone.jpg' does not exist in the dataset folder (also tried without a leading 'data/'); fix the line or add the image"),
            ImportIssue(path: "train.txt", line: 3, reason: "image '../../etc/x.jpg' leads outside the dataset folder; only images inside it are imported"),
            ImportIssue(path: "holdout.txt", reason: "subset 'holdout' is not train, valid or test; its 1 image is imported without a split"),
            ImportIssue(path: "obj.data", line: 5, reason: "test: list 'data/test.txt' does not exist in the dataset folder (also tried without a leading 'data/'); fix the path"),
            ImportIssue(path: "obj_train_data/stray.txt", reason: "label file has no image with the same name; add the image or delete the file"),
        ])
    }

    /// obj.names and obj_<subset>_data/ alone (obj.data and the lists lost on the way): the folders are read.
    @Test func darknetFoldersWithoutObjData() throws {
        let f = try FormatFixture()
        try f.write("obj.names", "person\n")
        try f.write("obj_train_data/a.png", pngHeader(width: 10, height: 20))
        try f.write("obj_train_data/a.txt", "0 0.5 0.5 1 1\n")
        try f.write("obj_valid_data/b.png", pngHeader(width: 10, height: 20))
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["person"])
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.png", "images/val/b.png"])
        #expect(parsed.samples[0].annotations == [ParsedAnnotation(label: "person", box: Box(x1: 0, y1: 0, x2: 10, y2: 20))])
    }

    /// A Roboflow YOLOv8 export without its data.yaml: train/, valid/, test/ with images/ and labels/.
    @Test func roboflowFoldersWithoutDataYAML() throws {
        let f = try FormatFixture()
        try f.write("README.roboflow.txt", "\nHard Hats - v3 2023-01-01\n==============================\n")
        try f.write("train/images/a_jpg.rf.1.jpg", jpegHeader(width: 416, height: 416))
        try f.write("train/labels/a_jpg.rf.1.txt", "2 0.5 0.5 0.25 0.25\n0 0.25 0.25 0.5 0.5\n")
        try f.write("train/images/b_jpg.rf.2.jpg", jpegHeader(width: 416, height: 416))
        try f.write("valid/images/c_jpg.rf.3.jpg", jpegHeader(width: 416, height: 416))
        try f.write("valid/labels/c_jpg.rf.3.txt", "0 0.5 0.5 1 1\n")
        try f.write("test/images/d_jpg.rf.4.jpg", jpegHeader(width: 416, height: 416))
        try f.write("test/labels/d_jpg.rf.4.txt", "")
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.labels == ["0", "1", "2"])
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues.first?.path == "class names")
        #expect(parsed.issues.first?.reason.hasPrefix("no class names were found (no data.yaml names, classes.txt or obj.names); the 3 classes are named by their index, \"0\" to \"2\"") == true)
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a_jpg.rf.1.jpg", "images/train/b_jpg.rf.2.jpg",
                                                       "images/val/c_jpg.rf.3.jpg", "images/test/d_jpg.rf.4.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .train, .val, .test])
        #expect(parsed.samples[0].annotations == [
            ParsedAnnotation(label: "2", box: Box(x1: 156, y1: 156, x2: 260, y2: 260)),
            ParsedAnnotation(label: "0", box: Box(x1: 0, y1: 0, x2: 208, y2: 208)),
        ])
        // A classes.txt names them.
        try f.write("classes.txt", "head\nhelmet\nperson\n")
        let named = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(named.issues == [])
        #expect(named.labels == ["head", "helmet", "person"])
        #expect(named.samples[0].annotations.map(\.label) == ["person", "head"])
    }

    /// Roboflow's data.yaml sits beside train/ but says '../train/images' (ultralytics drops the '../').
    @Test func roboflowDataYAML() throws {
        let f = try FormatFixture()
        try f.write("data.yaml", "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\nnc: 2\nnames: ['helmet', 'head']\n\n"
            + "roboflow:\n  workspace: w\n  project: hard-hats\n  version: 3\n  license: CC BY 4.0\n  url: https://universe.roboflow.com/w/hard-hats/dataset/3\n")
        try f.write("train/images/a.jpg", jpegHeader(width: 100, height: 100))
        try f.write("train/labels/a.txt", "1 0.5 0.5 0.2 0.2\n")
        try f.write("valid/images/b.jpg", jpegHeader(width: 100, height: 100))
        try f.write("test/images/c.jpg", jpegHeader(width: 100, height: 100))
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.labels == ["helmet", "head"])
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.jpg", "images/val/b.jpg", "images/test/c.jpg"])
        #expect(parsed.samples[0].annotations == [ParsedAnnotation(label: "head", box: Box(x1: 40, y1: 40, x2: 60, y2: 60))])
    }

    /// `train:` as a list of folders, a list of image files, or a .txt list ('./' lines are relative to the list).
    @Test(arguments: [
        "train: [train/images, extra/images]",
        "train:\n  - train/images/a.jpg\n  - train/images/b.jpg\n  - extra/images/e.png",
        "train: train.txt",
    ])
    func trainAsListsOfFoldersImagesOrATextList(train: String) throws {
        let f = try FormatFixture()
        try f.write("data.yaml", "path: .\n\(train)\nval: valid/images\nnames:\n  0: cat\n")
        try f.write("train.txt", "./train/images/a.jpg\n./train/images/b.jpg\n./extra/images/e.png\n")
        try f.write("train/images/a.jpg", jpegHeader(width: 100, height: 50))
        try f.write("train/labels/a.txt", "0 0.5 0.5 0.5 0.5\n")
        try f.write("train/images/b.jpg", jpegHeader(width: 100, height: 50))
        try f.write("extra/images/e.png", pngHeader(width: 20, height: 20))
        try f.write("extra/labels/e.txt", "0 0.5 0.5 1 1\n")
        try f.write("valid/images/v.jpg", jpegHeader(width: 100, height: 50))
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.issues == [])
        #expect(parsed.samples.map(\.relativePath) == ["images/train/a.jpg", "images/train/b.jpg", "images/train/e.png", "images/val/v.jpg"])
        #expect(parsed.samples.map(\.split) == [.train, .train, .train, .val])
        #expect(parsed.samples[0].annotations == [ParsedAnnotation(label: "cat", box: Box(x1: 25, y1: 12.5, x2: 75, y2: 37.5))])
        #expect(parsed.samples[2].annotations == [ParsedAnnotation(label: "cat", box: Box(x1: 0, y1: 0, x2: 20, y2: 20))])
    }

    @Test func missingOrOutsideSplitPathsSayWhatAndWhere() throws {
        let f = try FormatFixture()
        try f.write("data.yaml", "train: images/train\nval: images/trian\ntest: ../../elsewhere/images\nnames: [cat]\n")
        try f.write("images/train/a.png", pngHeader(width: 10, height: 10))
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.samples.count == 1)
        #expect(parsed.issues == [
            ImportIssue(path: "data.yaml", line: 2, reason: "val: folder 'images/trian' does not exist in the dataset folder (where data.yaml is); fix the path in data.yaml"),
            ImportIssue(path: "data.yaml", line: 3, reason: "test: folder '../../elsewhere/images' leads outside the dataset folder (resolved against the dataset folder (where data.yaml is)); "
                + "only files inside the folder are imported — copy the images in, or fix the path in data.yaml"),
        ])
        // Against `path:`, and nothing found at all: the import is refused with the first reason.
        try f.write("data.yaml", "path: sub\ntrain: images/train\nnames: [cat]\n")
        try f.write("sub/readme.md", "x")
        #expect { try YOLOParser().parse(root: f.root, type: .detection) } throws: {
            "\($0)" == "data.yaml names no images (train: folder 'images/train' does not exist in 'sub/' (from path: sub); fix the path in data.yaml): "
                + "set 'train:' (and 'val:') to image folders such as images/train, relative to the folder holding data.yaml."
        }
        // An absolute path: from another machine is not used, and the message says so.
        try f.write("data.yaml", "path: /content/datasets/x\ntrain: images/train\nval: images/val\nnames: [cat]\n")
        let elsewhere = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(elsewhere.samples.count == 1)
        #expect(elsewhere.issues.map(\.reason) == [
            "val: folder 'images/val' does not exist in the dataset folder (path: '/content/datasets/x' is not a folder inside it, so it is not used); fix the path in data.yaml",
        ])
    }

    @Test func ncWithoutNamesAndValidationKey() throws {
        let f = try FormatFixture()
        try f.write("data.yaml", "train: images/train\nvalidation: images/val\nnc: 2\n")
        try f.write("images/train/a.png", pngHeader(width: 10, height: 10))
        try f.write("labels/train/a.txt", "1 0.5 0.5 1 1\n")
        try f.write("images/val/b.png", pngHeader(width: 10, height: 10))
        let parsed = try YOLOParser().parse(root: f.root, type: .detection)
        #expect(parsed.labels == ["class_0", "class_1"])
        #expect(parsed.samples.map(\.split) == [.train, .val])
        #expect(parsed.samples[0].annotations.map(\.label) == ["class_1"])
        #expect(parsed.issues == [ImportIssue(path: "data.yaml", line: 3, reason:
            "there is no 'names:'; the 2 classes of 'nc: 2' are called class_0 to class_1, as ultralytics calls them — add names to name them")])
    }

    @Test func formatSignatureKnowsTheNewLayouts() throws {
        let cvat = try FormatFixture()
        try cvat.write("obj.data", "classes = 1\n")
        #expect(FormatSignature.matches(.yolo, cvat.root))
        let roboflow = try FormatFixture()
        try roboflow.write("train/labels/a.txt", "0 0.5 0.5 1 1\n")
        #expect(FormatSignature.matches(.yolo, roboflow.root))
        let neither = try FormatFixture()
        try neither.write("train/a.txt", "x")
        #expect(!FormatSignature.matches(.yolo, neither.root))
    }
}

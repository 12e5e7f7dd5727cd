import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// predictions.jsonl read, written, and scored against datasets of a real workspace.
@Suite struct PredictionsEvaluationTests {
    @Test func fileRoundTrips() throws {
        let file = PredictionsFile(header: .init(task: .instanceSegmentation, labels: ["cat", "dog"], split: "val", epoch: 12), entries: [
            PredictionsFile.Entry(file: "images/a.jpg", boxes: [
                .init(label: "cat", score: 0.8, bbox: Box(x: 1, y: 2.5, width: 30, height: 40),
                      segmentation: .polygons([[1, 2, 31, 2, 31, 42]])),
                .init(label: "dog", score: 0.25, bbox: Box(x: 0, y: 0, width: 5, height: 5),
                      segmentation: .compressedRLE(height: 10, width: 10, counts: "52203")),
            ]),
            PredictionsFile.Entry(file: "images/b.jpg"),
        ])
        let text = file.serialized()
        #expect(text.hasPrefix("{\"type\":\"header\",\"task\":\"instance_segmentation\",\"labels\":[\"cat\",\"dog\"],\"split\":\"val\",\"epoch\":12}\n"))
        let back = try PredictionsFile.parse(Array(text.utf8))
        #expect(back.header == file.header)
        #expect(back.entries.map(\.boxes) == file.entries.map(\.boxes))
        #expect(back.entries.map(\.line) == [2, 3])
    }

    @Test func brokenLinesNameTheirLineNumber() {
        let header = "{\"type\":\"header\",\"task\":\"classification\",\"labels\":[\"a\"]}\n"
        let cases: [(String, String)] = [
            (header + "{\"file\":\"x.jpg\",\"labels\":[]}\n{\"file\": \"y.jpg\", \"labels\": [\n", "line 3"),
            (header + "\n{\"labels\":[]}\n", "line 3"),
            (header + "{\"file\":\"x.jpg\",\"labels\":[{\"label\":\"a\"}]}\n", "line 2"),
            ("{\"file\":\"x.jpg\"}\n", "line 1"),
            ("{\"type\":\"header\",\"task\":\"poetry\",\"labels\":[]}\n", "line 1"),
        ]
        for (text, where_) in cases {
            let error = #expect(throws: AIArtsError.self) { try PredictionsFile.parse(Array(text.utf8), name: "p.jsonl") }
            #expect(error?.message.contains("p.jsonl, \(where_)") == true, "\(error?.message ?? "")")
        }
        #expect(throws: AIArtsError.self) { try PredictionsFile.parse([], name: "p.jsonl") }
    }

    /// A classification dataset of four images split 2/2; predictions for the val pair (one
    /// right, one wrong but right in the top 2), a train image (ignored) and nothing else.
    @Test func classificationFromAWorkspace() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        for name in ["cat/1.jpg", "cat/2.jpg", "dog/1.jpg", "dog/2.jpg"] { src.write(name, Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "pets", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        _ = try ws.split(id, val: 0.5, test: 0, seed: 3)
        let (content, _) = try ws.content(id)
        let val = content.samples.filter { $0.split == .val }
        let train = content.samples.filter { $0.split == .train }
        #expect(val.count == 2)
        let labels = content.labels
        func truth(_ s: StoredSample) -> String { labels[s.annotations[0].labelIndex] }
        func other(_ s: StoredSample) -> String { truth(s) == "cat" ? "dog" : "cat" }

        let out = TempFolder()
        let file = PredictionsFile(header: .init(task: .classification, labels: ["cat", "dog"], split: "val", epoch: 3), entries: [
            .init(file: val[0].path, labels: [.init(label: truth(val[0]), score: 0.9), .init(label: other(val[0]), score: 0.1)]),
            .init(file: val[1].path, labels: [.init(label: other(val[1]), score: 0.7), .init(label: truth(val[1]), score: 0.3)]),
            .init(file: train[0].path, labels: [.init(label: "cat", score: 1)]),
        ])
        let url = out.path("predictions.jsonl")
        try file.write(to: url)
        var options = EvaluationOptions()
        options.topk = 2
        let report = try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url, options: options)
        #expect(report.samples == 2)
        #expect(report.predicted == 2)
        #expect(report.ignoredPredictions == 1)
        #expect(report.epoch == 3)
        #expect(report.metrics["acc1"] == 0.5)
        #expect(report.metrics["acc2"] == 1)
        #expect(report.classification?.confusion.flatMap { $0 }.reduce(0, +) == 2)

        // Without the second line, that sample is a miss.
        try PredictionsFile(header: file.header, entries: [file.entries[0]]).write(to: url)
        let partial = try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url, options: options)
        #expect(partial.predicted == 1)
        #expect(partial.metrics["acc1"] == 0.5)
        #expect(partial.metrics["acc2"] == 0.5)

        // A detection file against a classification dataset is refused.
        try PredictionsFile(header: .init(task: .detection, labels: ["cat"]), entries: []).write(to: url)
        #expect(throws: AIArtsError.self) { try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url) }
        _ = _folder
    }

    /// A VOC dataset with val images listed in ImageSets: perfect boxes score 1; a missed box and
    /// a false one lower AP and the VOC mAP.
    @Test func detectionFromAWorkspace() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        let objects: [String: [(String, Double, Double, Double, Double)]] = [
            "a": [("cat", 10, 10, 60, 60), ("dog", 100, 100, 200, 180)],
            "b": [("dog", 20, 30, 90, 120)],
            "c": [("cat", 5, 5, 50, 50)],
        ]
        for (stem, boxes) in objects {
            src.write("JPEGImages/\(stem).jpg", Fixtures.jpeg(width: 240, height: 200))
            src.write("Annotations/\(stem).xml", Fixtures.voc("\(stem).jpg", width: 240, height: 200, objects: boxes))
        }
        src.write("ImageSets/Main/train.txt", "c\n")
        src.write("ImageSets/Main/val.txt", "a\nb\n")
        let id = try ws.createDataset(name: "boxes", type: .detection).id
        try ws.importDataset(id, from: src.url, format: .voc)
        let (content, _) = try ws.content(id)
        let val = content.samples.filter { $0.split == .val }
        #expect(val.count == 2)

        func perfect(_ s: StoredSample) -> [PredictionsFile.Detection] {
            s.annotations.map { .init(label: content.labels[$0.labelIndex], score: 0.9, bbox: $0.box!) }
        }
        let out = TempFolder()
        let url = out.path("predictions.jsonl")
        let header = PredictionsFile.Header(task: .detection, labels: content.labels, split: "val")
        try PredictionsFile(header: header, entries: val.map { .init(file: $0.path, boxes: perfect($0)) }).write(to: url)
        let report = try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url)
        for key in ["AP", "AP50", "AP75", "AR100"] { #expect(abs((report.metrics[key] ?? 0) - 1) < 1e-9, "\(key)") }
        #expect(abs((report.metrics["voc_map"] ?? 0) - 1) < 1e-9)
        #expect(report.metrics.keys.filter { COCOStats.keys.contains($0) }.count == 12)

        // One image without predictions, and a low-scoring false box that the score threshold drops.
        let withFalse = [PredictionsFile.Entry(file: val[0].path, boxes: perfect(val[0]) + [
            .init(label: "cat", score: 0.05, bbox: Box(x: 150, y: 10, width: 30, height: 30)),
            .init(label: "zebra", score: 0.5, bbox: Box(x: 0, y: 0, width: 5, height: 5)),
        ])]
        try PredictionsFile(header: header, entries: withFalse).write(to: url)
        var options = EvaluationOptions()
        options.scoreThreshold = 0.1
        let missing = try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url, options: options)
        #expect(missing.predicted == 1)
        #expect(missing.unknownLabels == 1)
        // cat: its one box found (AP 1); dog: one of two found at the top score, so precision 1 at
        // the 51 recall points 0, 0.01, …, 0.5 and 0 at the other 50.
        #expect(abs((missing.metrics["AP50"] ?? 0) - (1 + 51.0 / 101.0) / 2) < 1e-9)
        #expect(abs((missing.metrics["ap/cat"] ?? 0) - 1) < 1e-9)
        // 11-point dog AP: recall 0.5 reached at precision 1 → 6 of 11 points.
        #expect(abs((missing.metrics["ap/dog"] ?? 0) - 6.0 / 11.0) < 1e-9)
        _ = _folder
    }

    /// A COCO instance-segmentation dataset: boxes scored as boxes, masks as masks. The dog's box
    /// is exact but its mask covers 16 of its 30 columns (IoU 0.53): a match at IoU 0.5 only.
    @Test func instanceSegmentationFromAWorkspace() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("val/a.jpg", Fixtures.jpeg(width: 100, height: 80))
        src.write("annotations/instances_val.json", """
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
             "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600, "iscrowd": 0,
                "segmentation": [[10, 10, 50, 10, 50, 50, 10, 50]]},
               {"id": 2, "image_id": 1, "category_id": 2, "bbox": [60, 20, 30, 50], "area": 1500, "iscrowd": 0,
                "segmentation": [[60, 20, 90, 20, 90, 70, 60, 70]]}],
             "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]}
            """)
        let id = try ws.createDataset(name: "things", type: .instanceSegmentation).id
        try ws.importDataset(id, from: src.url, format: .coco)
        let (content, _) = try ws.content(id)
        let val = content.samples.filter { $0.split == .val }
        #expect(val.count == 1)

        let out = TempFolder()
        let url = out.path("predictions.jsonl")
        try PredictionsFile(header: .init(task: .instanceSegmentation, labels: ["cat", "dog"]), entries: [
            .init(file: val[0].path, boxes: [
                .init(label: "cat", score: 0.9, bbox: Box(x: 10, y: 10, width: 40, height: 40),
                      segmentation: .polygons([[10, 10, 50, 10, 50, 50, 10, 50]])),
                .init(label: "dog", score: 0.8, bbox: Box(x: 60, y: 20, width: 30, height: 50),
                      segmentation: .polygons([[60, 20, 76, 20, 76, 70, 60, 70]])),
            ]),
        ]).write(to: url)
        let report = try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url)
        #expect(abs((report.metrics["AP"] ?? 0) - 1) < 1e-9)
        #expect(abs((report.metrics["segm_AP50"] ?? 0) - 1) < 1e-9)
        #expect(abs((report.metrics["segm_AP75"] ?? 0) - 0.5) < 1e-9)
        // cat 1 at every threshold, dog 1 at the first of ten.
        #expect(abs((report.metrics["segm_AP"] ?? 0) - 0.55) < 1e-9)
        _ = _folder
    }

    /// Masks predicted as PNGs next to the predictions file, with the header's labels in another
    /// order than the dataset's.
    @Test func segmentationFromAWorkspace() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("labels.txt", "background\nroad\n")
        src.write("images/val/a.jpg", Fixtures.jpeg(width: 4, height: 2))
        // Truth: left half road, right half background, one ignored pixel.
        src.write("annotations/val/a.png", Fixtures.mask(width: 4, height: 2) { x, y in x == 3 && y == 1 ? 255 : (x < 2 ? 1 : 0) })
        src.write("images/train/b.jpg", Fixtures.jpeg(width: 4, height: 2))
        src.write("annotations/train/b.png", Fixtures.mask(width: 4, height: 2) { _, _ in 0 })
        let id = try ws.createDataset(name: "roads", type: .segmentation).id
        try ws.importDataset(id, from: src.url, format: .seg)
        let (content, _) = try ws.content(id)
        let val = content.samples.filter { $0.split == .val }
        #expect(val.count == 1)

        let out = TempFolder()
        // Header labels: 0 = road, 1 = background. Predicted: everything road except pixel (3,0).
        out.write("masks/a.png", Fixtures.mask(width: 4, height: 2) { x, y in x == 3 && y == 0 ? 1 : 0 })
        let url = out.path("predictions.jsonl")
        try PredictionsFile(header: .init(task: .segmentation, labels: ["road", "background"]),
                            entries: [.init(file: val[0].path, mask: "masks/a.png")]).write(to: url)
        let report = try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url)
        // 7 scored pixels: road 4 right; background 3, of which 1 right (2 called road).
        // road IoU 4 / (4 + 2) ; background IoU 1 / (1 + 2).
        #expect(abs((report.metrics["pixel_acc"] ?? 0) - 5.0 / 7.0) < 1e-12)
        #expect(abs((report.metrics["iou/road"] ?? 0) - 4.0 / 6.0) < 1e-12)
        #expect(abs((report.metrics["iou/background"] ?? 0) - 1.0 / 3.0) < 1e-12)
        #expect(abs((report.metrics["miou"] ?? 0) - 0.5) < 1e-12)

        // A mask path that leaves the predictions folder is refused.
        try PredictionsFile(header: .init(task: .segmentation, labels: ["road", "background"]),
                            entries: [.init(file: val[0].path, mask: "../../etc/passwd")]).write(to: url)
        #expect(throws: AIArtsError.self) { try Evaluation.evaluate(workspace: ws, dataset: id, split: .val, predictions: url) }
        _ = _folder
    }
}

import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// A COCO import end to end, as the records land in the database: annotations read into flat
/// columns, images checked while the file is read, boxes clamped in place, rows written in batches.
@Suite struct COCOImportStoreTests {
    /// Polygons (nested and flat), a polygon that defines the missing bbox, a clamped box, a box
    /// outside the image, compressed RLE, a dropped polygon, crowd flags and source ids; a broken
    /// image whose annotations go with it; and more samples and annotations than one batch holds.
    @Test func everyAnnotationIsStoredAsRead() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("train2017/a.jpg", Fixtures.jpeg(width: 64, height: 48))
        src.write("train2017/b.jpg", Fixtures.jpeg(width: 64, height: 48))
        let good = Fixtures.jpeg(width: 64, height: 48)
        src.write("train2017/c.jpg", good.prefix(good.count / 2))
        var images = [#"{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}"#,
                      #"{"id": 2, "file_name": "b.jpg", "width": 64, "height": 48}"#,
                      #"{"id": 3, "file_name": "c.jpg", "width": 64, "height": 48}"#]
        var annotations = [
            #"{"id": 10, "image_id": 1, "category_id": 1, "bbox": [4, 4, 20, 10], "segmentation": [[4, 4, 24, 4, 24, 14, 4, 14]], "iscrowd": 0}"#,
            #"{"id": 11, "image_id": 1, "category_id": 2, "segmentation": [0, 0, 10, 0, 10, 5]}"#,
            #"{"id": 12, "image_id": 1, "category_id": 2, "bbox": [50, 40, 30, 30], "iscrowd": 1}"#,
            #"{"id": 13, "image_id": 1, "category_id": 2, "bbox": [100, 100, 5, 5]}"#,
            #"{"id": 14, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "segmentation": {"size": [48, 64], "counts": "0Pl2"}, "iscrowd": 1}"#,
            #"{"id": 15, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "segmentation": [[1, 2, 3, 4], [0, 0, 5, 0, 5, 5]]}"#,
            #"{"id": 16, "image_id": 3, "category_id": 1, "bbox": [1, 1, 2, 2]}"#,
        ]
        // 70 annotations on b (more than a batch of rows), and 70 more images with one each.
        for i in 0..<70 {
            annotations.append(#"{"id": \#(100 + i), "image_id": 2, "category_id": \#(1 + i % 2), "bbox": [\#(i % 50), 1, 2, 3]}"#)
            src.write("train2017/e\(i).jpg", Fixtures.jpeg(width: 64, height: 48))
            images.append(#"{"id": \#(1000 + i), "file_name": "e\#(i).jpg", "width": 64, "height": 48}"#)
            annotations.append(#"{"id": \#(2000 + i), "image_id": \#(1000 + i), "category_id": 2, "bbox": [\#(i % 60), 0, 4, 4]}"#)
        }
        let json = src.write("annotations/instances_train2017.json", """
            {"images": [\(images.joined(separator: ", "))],
             "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
             "annotations": [\(annotations.joined(separator: ",\n"))]}
            """)
        let id = try ws.createDataset(name: "coco", type: .instanceSegmentation).id
        let result = try ws.importDataset(id, from: json, format: .coco, mode: .register)
        #expect(result.images == 72)
        #expect(result.annotations == 5 + 70 + 70)

        let (content, _) = try ws.content(id)
        #expect(content.labels == ["cat", "dog"])
        #expect(content.samples.map(\.path) == ["train2017/a.jpg", "train2017/b.jpg"] + (0..<70).map { "train2017/e\($0).jpg" })
        #expect(content.samples.allSatisfy { $0.split == .train && $0.size == ImageSize(width: 64, height: 48) })
        let a = content.samples[0].annotations
        #expect(a == [
            StoredAnnotation(labelIndex: 0, box: Box(x: 4, y: 4, width: 20, height: 10),
                             segmentation: .polygons([[4, 4, 24, 4, 24, 14, 4, 14]]), isCrowd: false, sourceID: 10),
            StoredAnnotation(labelIndex: 1, box: Box(x: 0, y: 0, width: 10, height: 5),
                             segmentation: .polygons([[0, 0, 10, 0, 10, 5]]), isCrowd: false, sourceID: 11),
            StoredAnnotation(labelIndex: 1, box: Box(x1: 50, y1: 40, x2: 64, y2: 48), isCrowd: true, sourceID: 12),
            StoredAnnotation(labelIndex: 0, box: Box(x: 1, y: 1, width: 2, height: 2),
                             segmentation: .compressedRLE(height: 48, width: 64, counts: "0Pl2"), isCrowd: true, sourceID: 14),
            StoredAnnotation(labelIndex: 0, box: Box(x: 0, y: 0, width: 5, height: 5),
                             segmentation: .polygons([[0, 0, 5, 0, 5, 5]]), isCrowd: false, sourceID: 15),
        ])
        let b = content.samples[1].annotations
        #expect(b.map(\.sourceID) == (0..<70).map { Int64(100 + $0) })
        #expect(b.map(\.box) == (0..<70).map { Box(x: Double($0 % 50), y: 1, width: 2, height: 3) })
        #expect(b.map(\.labelIndex) == (0..<70).map { $0 % 2 })
        for (i, sample) in content.samples.dropFirst(2).enumerated() {
            #expect(sample.annotations == [StoredAnnotation(labelIndex: 1, box: Box(x: Double(i % 60), y: 0, width: 4, height: 4), sourceID: Int64(2000 + i))])
        }

        let summary = try ws.summary(id)
        #expect(summary.labels.map(\.count) == [3 + 35, 2 + 35 + 70])
        let reasons = summary.failed.map(\.reason)
        #expect(reasons.contains { $0.contains("annotation 15: segmentation polygon needs an even count of at least 6 numbers (3 points); 1 dropped") })
        #expect(reasons.contains("object 4 ('dog') box [100.0, 100.0, 105.0, 105.0] lies outside the 64×48 image; dropped"))
        #expect(summary.failed.contains { $0.path == "train2017/c.jpg" && $0.reason.contains("fix or remove the file") })
        #expect(summary.failed.count == 3)
        _ = _folder
    }

    /// A second import into the same workspace gets sample ids after the first one's, as
    /// AUTOINCREMENT would give them, and a reimport replaces the rows.
    @Test func sampleIdsFollowEarlierOnes() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        var images: [String] = [], annotations: [String] = []
        for i in 0..<3 {
            src.write("val2017/\(i).jpg", Fixtures.jpeg(width: 64, height: 48))
            images.append(#"{"id": \#(i), "file_name": "\#(i).jpg"}"#)
            annotations.append(#"{"id": \#(i), "image_id": \#(i), "category_id": 1, "bbox": [1, 1, 2, 2]}"#)
        }
        let json = src.write("annotations/instances_val2017.json", """
            {"images": [\(images.joined(separator: ", "))], "categories": [{"id": 1, "name": "car"}],
             "annotations": [\(annotations.joined(separator: ", "))]}
            """)
        let first = try ws.createDataset(name: "one", type: .detection).id
        let second = try ws.createDataset(name: "two", type: .detection).id
        try ws.importDataset(first, from: json, format: .coco, mode: .register)
        try ws.importDataset(second, from: json, format: .coco, mode: .register)
        try ws.importDataset(first, from: json, format: .coco, mode: .register, replace: true)
        let rows = try ws.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT sample.id AS sid, sample.datasetId AS d, count(annotation.id) AS n FROM sample LEFT JOIN annotation ON annotation.sampleId = sample.id GROUP BY sample.id ORDER BY sample.id")
        }
        #expect(rows.map { $0["sid"] as Int64 } == [4, 5, 6, 7, 8, 9])
        #expect(rows.map { $0["d"] as String } == [second, second, second, first, first, first])
        #expect(rows.allSatisfy { ($0["n"] as Int) == 1 })
        _ = _folder
    }

    /// Polygons are encoded as they are read: bad ones are dropped with the same messages as
    /// before, a skipped annotation leaves none of its polygons behind, and a degenerate polygon
    /// defines no box.
    @Test func polygonsReadInPlaceKeepTheirMessages() throws {
        let src = TempFolder()
        src.write("a.jpg", Fixtures.jpeg())
        src.write("a.json", """
            {"images": [{"id": 1, "file_name": "a.jpg"}], "categories": [{"id": 1, "name": "cat"}],
             "annotations": [
              {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "segmentation": [[1, 2, 3, 4], "x", [0, 0, 5, 0, 5, 5], []]},
              {"id": 2, "image_id": 1, "category_id": 1, "bbox": [1, 2, -3, 4], "segmentation": [[0, 0, 9, 0, 9, 9]]},
              {"id": 3, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 1, 1, 1, 1]]},
              {"id": 4, "image_id": 1, "category_id": 1, "segmentation": [[7, 7, 8, 7, 8, 8]], "iscrowd": 1}
             ]}
            """)
        let parsed = try COCOParser().parse(root: src.url, type: .instanceSegmentation)
        #expect(parsed.issues.map(\.reason) == [
            "annotation 1: segmentation polygon is not a list of numbers; that polygon was dropped",
            "annotation 1: segmentation polygon needs an even count of at least 6 numbers (3 points); 2 dropped",
            "annotation 2: bbox has a negative width or height (-3 × 4); skipped",
        ])
        #expect(parsed.samples[0].annotations == [
            ParsedAnnotation(label: "cat", box: Box(x: 1, y: 1, width: 2, height: 2), segmentation: .polygons([[0, 0, 5, 0, 5, 5]]), sourceID: 1),
            ParsedAnnotation(label: "cat", box: nil, segmentation: .polygons([[1, 1, 1, 1, 1, 1]]), sourceID: 3),
            ParsedAnnotation(label: "cat", box: Box(x: 7, y: 7, width: 1, height: 1), segmentation: .polygons([[7, 7, 8, 7, 8, 8]]),
                             isCrowd: true, sourceID: 4),
        ])
    }

    /// The queue probes every image it is given, in any order, and reports each by its index;
    /// a cancelled import's queue stops taking images.
    @Test func probeQueueReportsEveryImageByIndex() throws {
        let src = TempFolder()
        let good = src.write("good.jpg", Fixtures.jpeg(width: 32, height: 16))
        let bad = src.write("bad.jpg", Data("not an image".utf8))
        let queue = ImageProbeQueue(verification: .header, workers: 2, isCancelled: { false })
        for i in 0..<300 { queue.submit(i, i % 7 == 0 ? bad : good) }
        let results = queue.finish()
        #expect(results.count == 300)
        for i in 0..<300 {
            switch results[i] {
            case .success(let image)?: #expect(i % 7 != 0 && image.stored == ImageSize(width: 32, height: 16))
            case .failure?: #expect(i % 7 == 0)
            case nil: Issue.record("image \(i) not probed")
            }
        }
        let cancelled = ImageProbeQueue(verification: .header, isCancelled: { true })
        for i in 0..<300 { cancelled.submit(i, good) }
        #expect(cancelled.finish().isEmpty)
        #expect(ImageProbeQueue(verification: .full, isCancelled: { false }).finish().isEmpty)
    }
}

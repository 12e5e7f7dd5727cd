import Foundation
import Testing
@testable import AIArtsEngine

/// dataset.json, written for the PyTorch trainers from datasets imported in the test.
@Suite struct TrainingManifestTests {
    /// Writes the manifest of `id` and reads it back as JSON.
    static func manifest(_ ws: Workspace, _ id: String) throws -> (json: [String: Any], url: URL) {
        let url = ws.root.appendingPathComponent("tasks/T0001/dataset.json")
        try ws.writeTrainingManifest(dataset: id, to: url)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return (try #require(object as? [String: Any]), url)
    }

    static func samples(_ json: [String: Any], _ split: String) -> [[String: Any]] {
        ((json["splits"] as? [String: Any])?[split] as? [[String: Any]]) ?? []
    }

    @Test func classification() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("train/cat/a.jpg", Fixtures.jpeg(width: 40, height: 30))
        src.write("train/dog/b.jpg", Fixtures.jpeg(width: 50, height: 20))
        src.write("val/dog/c.jpg", Fixtures.jpeg())
        let id = try ws.createDataset(name: "pets", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        let (json, url) = try Self.manifest(ws, id)
        #expect(json["dataset"] as? String == id)
        #expect(json["name"] as? String == "pets")
        #expect(json["type"] as? String == "classification")
        #expect(json["labels"] as? [String] == ["cat", "dog"])
        #expect(json["unassigned"] as? Int == 0)
        let train = Self.samples(json, "train").sorted { ($0["file"] as? String ?? "") < ($1["file"] as? String ?? "") }
        #expect(train.count == 2)
        let dataFolder = try #require(ws.dataset(id).folder)
        let b = try #require(train.first { ($0["file"] as? String)?.hasSuffix("b.jpg") == true })
        let file = try #require(b["file"] as? String)
        #expect(b["image"] as? String == ws.resolveFolder(dataFolder).appendingPathComponent(file).path)
        #expect(FileManager.default.fileExists(atPath: b["image"] as? String ?? ""))
        #expect(b["width"] as? Int == 50)
        #expect(b["height"] as? Int == 20)
        #expect(b["label"] as? Int == 1)
        #expect((b["annotations"] as? [[String: Any]])?.first?["label"] as? Int == 1)
        #expect((b["annotations"] as? [[String: Any]])?.first?["bbox"] == nil)
        #expect(Self.samples(json, "val").count == 1)
        #expect(Self.samples(json, "test").isEmpty)
        // Atomic: no temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["dataset.json"])
        _ = _folder
    }

    @Test func detection() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("JPEGImages/a.jpg", Fixtures.jpeg(width: 100, height: 80))
        src.write("Annotations/a.xml", Fixtures.voc("a.jpg", width: 100, height: 80, objects: [
            ("cat", 10, 20, 50, 60), ("dog", 0, 0, 30, 30),
        ]))
        let id = try ws.createDataset(name: "d", type: .detection).id
        try ws.importDataset(id, from: src.url, format: .voc)
        // Not split yet: the manifest lists nothing but says how many are left out.
        var (json, _) = try Self.manifest(ws, id)
        #expect(json["unassigned"] as? Int == 1)
        try ws.split(id, val: 0, test: 0, seed: 1)
        (json, _) = try Self.manifest(ws, id)
        #expect(json["labels"] as? [String] == ["cat", "dog"])
        let sample = try #require(Self.samples(json, "train").first)
        #expect(sample["file"] as? String == "JPEGImages/a.jpg")
        #expect(sample["label"] == nil)
        let annotations = try #require(sample["annotations"] as? [[String: Any]])
        let boxes = annotations.compactMap { $0["bbox"] as? [Double] }
        let content = try ws.content(id).0
        let expected = content.samples[0].annotations.compactMap(\.box).map { [$0.x, $0.y, $0.width, $0.height] }
        #expect(boxes == expected)
        #expect(annotations.map { $0["label"] as? Int } == content.samples[0].annotations.map(\.labelIndex))
        #expect(annotations.allSatisfy { $0["iscrowd"] as? Bool == false && $0["difficult"] as? Bool == false })
        _ = _folder
    }

    @Test func semanticSegmentation() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("labels.txt", "background\nroad\n")
        for i in 0..<2 {
            src.write("images/img\(i).jpg", Fixtures.jpeg(width: 32, height: 24))
            src.write("annotations/img\(i).png", Fixtures.mask(width: 32, height: 24) { x, _ in UInt8(x < 8 ? 0 : 1) })
        }
        let id = try ws.createDataset(name: "s", type: .segmentation).id
        try ws.importDataset(id, from: src.url, format: .seg)
        try ws.split(id, val: 0.5, test: 0, seed: 2)
        let (json, _) = try Self.manifest(ws, id)
        #expect(json["labels"] as? [String] == ["background", "road"])
        let all = Self.samples(json, "train") + Self.samples(json, "val")
        #expect(all.count == 2)
        for sample in all {
            let mask = try #require(sample["mask"] as? String)
            let maskFile = try #require(sample["mask_file"] as? String)
            #expect(mask.hasSuffix("/" + maskFile))
            #expect(FileManager.default.fileExists(atPath: mask))
            // The labels present in the mask, without boxes.
            #expect((sample["annotations"] as? [[String: Any]])?.allSatisfy { $0["bbox"] == nil && $0["label"] is Int } == true)
        }
        _ = _folder
    }

    @Test func instanceSegmentationCarriesPolygonsAndRLE() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("train/a.jpg", Fixtures.jpeg(width: 40, height: 30))
        src.write("annotations/instances_train.json", """
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 40, "height": 30}],
             "categories": [{"id": 7, "name": "cat"}],
             "annotations": [
               {"id": 1, "image_id": 1, "category_id": 7, "bbox": [2, 3, 10, 12], "iscrowd": 0, "area": 120,
                "segmentation": [[2, 3, 12, 3, 12, 15, 2, 15]]},
               {"id": 2, "image_id": 1, "category_id": 7, "bbox": [20, 5, 4, 4], "iscrowd": 1, "area": 16,
                "segmentation": {"size": [30, 40], "counts": [605, 4, 26, 4, 561]}}]}
            """)
        let id = try ws.createDataset(name: "i", type: .instanceSegmentation).id
        try ws.importDataset(id, from: src.url, format: .coco)
        let (json, _) = try Self.manifest(ws, id)
        #expect(json["type"] as? String == "instance_segmentation")
        let sample = try #require(Self.samples(json, "train").first)
        let annotations = try #require(sample["annotations"] as? [[String: Any]])
        #expect(annotations.count == 2)
        let polygon = try #require(annotations.first { $0["iscrowd"] as? Bool == false })
        #expect(polygon["segmentation"] as? [[Double]] == [[2, 3, 12, 3, 12, 15, 2, 15]])
        #expect(polygon["bbox"] as? [Double] == [2, 3, 10, 12])
        let crowd = try #require(annotations.first { $0["iscrowd"] as? Bool == true })
        let rle = try #require(crowd["segmentation"] as? [String: Any])
        #expect(rle["size"] as? [Int] == [30, 40])
        #expect(rle["counts"] as? [Int] == [605, 4, 26, 4, 561])
        _ = _folder
    }

    @Test func unknownDatasetIsAnError() throws {
        let (ws, _folder) = try Fixtures.workspace()
        #expect(throws: AIArtsError.self) { try ws.writeTrainingManifest(dataset: "D0042", to: ws.root.appendingPathComponent("x.json")) }
        let id = try ws.createDataset(name: "empty", type: .classification).id
        #expect(throws: AIArtsError.self) { try ws.writeTrainingManifest(dataset: id, to: ws.root.appendingPathComponent("x.json")) }
        _ = _folder
    }
}

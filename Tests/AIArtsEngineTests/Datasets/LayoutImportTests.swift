import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// Real tools' layouts imported end to end with real images: the records stored, the summary, and
/// messages that name the files as the user has them.
@Suite struct LayoutImportTests {
    /// The VOC colour map labelme's lblsave writes into its palette PNGs (imgviz.label_colormap).
    static let vocPalette: [RGBColor] = (0..<256).map { index in
        var r = 0, g = 0, b = 0, id = index
        for shift in stride(from: 7, through: 0, by: -1) {
            r |= (id & 1) << shift; g |= ((id >> 1) & 1) << shift; b |= ((id >> 2) & 1) << shift
            id >>= 3
        }
        return RGBColor(UInt8(r), UInt8(g), UInt8(b))
    }

    static func paletteMask(width: Int, height: Int, _ value: (Int, Int) -> UInt8) -> Data {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { pixels[y * width + x] = value(x, y) } }
        return Data(try! ImageCodec.encodeMask(IndexedImage(width: width, height: height, values: pixels), palette: vocPalette))
    }

    @Test func labelImgFolderSaysHowManyImagesHaveNoAnnotations() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("a.jpg", Fixtures.jpeg(width: 64, height: 48))
        src.write("a.xml", labelImgXML(folder: "shots", filename: "a.jpg", path: "/home/me/shots/a.jpg", size: (64, 48),
                                       objects: [("dog", 4, 4, 30, 30), ("cat", 10, 10, 60, 40)]))
        src.write("b.jpg", Fixtures.jpeg(width: 64, height: 48))
        src.write("c.png", Fixtures.png(width: 32, height: 24))
        let id = try ws.createDataset(name: "d", type: .detection).id
        let result = try ws.importDataset(id, from: src.url, format: .voc)
        #expect(result.images == 3 && result.annotations == 2 && result.failed == 0)
        #expect(result.message == "imported 3 images (2 without annotations), 2 annotations")
        let (content, _) = try ws.content(id)
        #expect(content.labels == ["cat", "dog"])
        #expect(content.samples.map(\.path).sorted() == ["a.jpg", "b.jpg", "c.png"])
        let a = try #require(content.samples.first { $0.path == "a.jpg" })
        #expect(a.annotations.map(\.labelIndex) == [1, 0])
        #expect(a.annotations.compactMap(\.box) == [Box(x1: 4, y1: 4, x2: 30, y2: 30), Box(x1: 10, y1: 10, x2: 60, y2: 40)])
        #expect(content.samples.filter { $0.annotations.isEmpty }.map(\.path).sorted() == ["b.jpg", "c.png"])
        _ = _folder
    }

    @Test func labelme2vocPaletteMasksWithIgnoredPixels() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("class_names.txt", "_background_\ncat\ndog")
        src.write("JPEGImages/a.jpg", Fixtures.jpeg(width: 32, height: 24))
        src.write("SegmentationClass/a.npy", npyInt32(width: 32, height: 24, value: 0))
        // Background, a cat, and __ignore__ (-1 in the array, 255 in the PNG).
        src.write("SegmentationClassPNG/a.png", Self.paletteMask(width: 32, height: 24) { x, _ in x < 10 ? 0 : x < 20 ? 1 : 255 })
        src.write("SegmentationClassVisualization/a.jpg", Fixtures.jpeg(width: 32, height: 24))
        src.write("JPEGImages/b.jpg", Fixtures.jpeg(width: 32, height: 24))
        src.write("SegmentationClassPNG/b.png", Self.paletteMask(width: 16, height: 24) { _, _ in 2 })
        let id = try ws.createDataset(name: "s", type: .segmentation).id
        let result = try ws.importDataset(id, from: src.url, format: .seg)
        #expect(result.images == 1)
        let summary = try ws.summary(id)
        #expect(summary.labels.map(\.name) == ["_background_", "cat", "dog"])
        #expect(summary.labels.map(\.count) == [1, 1, 0])
        // The failure names the mask where the user has it, not where the dataset would store it.
        #expect(summary.failed.count == 1)
        #expect(summary.failed.first?.path == "SegmentationClassPNG/b.png")
        #expect(summary.failed.first?.reason.contains("but its image JPEGImages/b.jpg is 32×24") == true)
        let (content, _) = try ws.content(id)
        #expect(content.samples.map(\.maskPath) == ["annotations/a.png"])
        _ = _folder
    }

    /// datumaro's COCO export: annotations/<task>_<subset>.json, images in images/<subset>/.
    @Test func datumaroCOCOLayoutWithOtherTasksBeside() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        let categories = #"[{"id": 1, "name": "cat", "supercategory": ""}, {"id": 2, "name": "dog", "supercategory": ""}]"#
        src.write("images/train/000001.jpg", Fixtures.jpeg(width: 64, height: 48))
        src.write("images/train/000002.jpg", Fixtures.jpeg(width: 64, height: 48))
        src.write("images/validation/000003.jpg", Fixtures.jpeg(width: 64, height: 48))
        src.write("annotations/instances_train.json", """
            {"licenses": [{"name": "", "id": 0, "url": ""}], "info": {"contributor": "", "date_created": "", "description": "", "url": "", "version": "", "year": ""},
             "categories": \(categories),
             "images": [{"id": 1, "width": 64, "height": 48, "file_name": "000001.jpg", "license": 0, "flickr_url": "", "coco_url": "", "date_captured": 0},
                        {"id": 2, "width": 64, "height": 48, "file_name": "000002.jpg", "license": 0, "flickr_url": "", "coco_url": "", "date_captured": 0}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 2, "segmentation": [], "area": 200.0, "bbox": [4.0, 6.0, 20.0, 10.0], "iscrowd": 0, "attributes": {"occluded": false}}]}
            """)
        src.write("annotations/instances_validation.json", """
            {"categories": \(categories),
             "images": [{"id": 1, "width": 64, "height": 48, "file_name": "000003.jpg"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [], "area": 24.0, "bbox": [1.0, 2.0, 4.0, 6.0], "iscrowd": 0}]}
            """)
        for task in ["captions", "person_keypoints", "labels", "image_info", "panoptic"] {
            src.write("annotations/\(task)_train.json", #"{"images": [], "annotations": [], "categories": []}"#)
        }
        let id = try ws.createDataset(name: "c", type: .detection).id
        let result = try ws.importDataset(id, from: src.url, format: .coco)
        #expect(result.images == 3 && result.annotations == 2)
        #expect(result.message.hasPrefix("imported 3 images (1 without annotations), 2 annotations"))
        let (content, _) = try ws.content(id)
        #expect(content.labels == ["cat", "dog"])
        let splits = Dictionary(uniqueKeysWithValues: content.samples.map { ($0.path, $0.split) })
        #expect(splits == ["images/000001.jpg": .train, "images/000002.jpg": .train, "images/000003.jpg": .val])
        let first = try #require(content.samples.first { $0.path == "images/000001.jpg" })
        #expect(first.annotations.map(\.labelIndex) == [1])
        #expect(first.annotations.first?.box == Box(x: 4, y: 6, width: 20, height: 10))
        let failed = try ws.summary(id).failed
        #expect(failed.map(\.path) == ["captions_train.json", "image_info_train.json", "labels_train.json",
                                       "panoptic_train.json", "person_keypoints_train.json"].map { "annotations/" + $0 })
        #expect(failed[0].reason == "skipped: captions, not boxes; only the instances_*.json files beside it are read")
        _ = _folder
    }

    /// With a captions file beside the instances file and no image found, the first problem named is the
    /// image that was looked for (where), not the skipped captions file.
    @Test func missingImagesAreTheFirstProblemNamed() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("annotations/captions_train2017.json", #"{"images": [], "annotations": []}"#)
        src.write("annotations/instances_train2017.json", """
            {"images": [{"id": 9, "file_name": "000000000009.jpg", "width": 64, "height": 48}],
             "annotations": [], "categories": [{"id": 1, "name": "cat"}]}
            """)
        src.write("val2017/000000000009.jpg", Fixtures.jpeg())  // in the wrong split's folder
        let id = try ws.createDataset(name: "c", type: .detection).id
        do {
            _ = try ws.importDataset(id, from: src.url, format: .coco)
            Issue.record("expected the import to fail")
        } catch let error as AIArtsError {
            #expect(error.message.contains("First problem: annotations/instances_train2017.json:1: image file '000000000009.jpg' not found: "
                + "looked for annotations/000000000009.jpg, annotations/images/000000000009.jpg, annotations/train2017/000000000009.jpg, "
                + "annotations/images/train2017/000000000009.jpg, 000000000009.jpg, images/000000000009.jpg, train2017/000000000009.jpg, "
                + "images/train2017/000000000009.jpg; skipped with its annotations"))
        }
        _ = _folder
    }

    /// COCO images are stored as images/<name>, but a bad one is named by the path it has in the source.
    @Test func aBrokenCOCOImageIsNamedWhereItIs() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("annotations/instances_train2017.json", """
            {"images": [{"id": 1, "file_name": "1.jpg"}, {"id": 2, "file_name": "2.jpg"}],
             "annotations": [], "categories": [{"id": 1, "name": "cat"}]}
            """)
        src.write("train2017/1.jpg", Fixtures.jpeg())
        let good = Fixtures.jpeg()
        src.write("train2017/2.jpg", good.prefix(good.count / 2))
        let id = try ws.createDataset(name: "c", type: .detection).id
        let result = try ws.importDataset(id, from: src.url, format: .coco)
        #expect(result.images == 1)
        #expect(result.message == "imported 1 images (1 without annotations), 0 annotations; 1 problems (see `aiarts dataset show \(id)`)")
        let failed = try ws.summary(id).failed
        #expect(failed.map(\.path) == ["train2017/2.jpg"])
        #expect(try ws.content(id).0.samples.map(\.path) == ["images/1.jpg"])
        _ = _folder
    }
}

import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// WebP images (X-AnyLabeling, Roboflow, web-scraped sets) import like JPEG and PNG in every layout.
@Suite struct WebPImportTests {
    static func lossless(width: Int, height: Int, color: RGBColor = RGBColor(30, 90, 200)) -> Data {
        Data(try! ImageCodec.encodeLosslessWebP(RGBImage(width: width, height: height, color: color)))
    }

    static func lossy(width: Int, height: Int) -> Data {
        Data(try! ImageCodec.encodeWebP(RGBImage(width: width, height: height, color: RGBColor(200, 90, 30)), quality: 80))
    }

    /// Lossy with alpha: written as VP8X + ALPH + VP8.
    static func translucent(width: Int, height: Int) -> Data {
        let pixels = [[UInt8]](repeating: [10, 20, 30, 128], count: width * height).flatMap { $0 }
        return Data(try! ImageCodec.encodeWebP(RGBImage(width: width, height: height, channels: 4, pixels: pixels), quality: 80))
    }

    @Test(arguments: [ImageVerification.full, .header])
    func imageNetFolderImportsWebP(verification: ImageVerification) throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("cat/a.webp", Self.lossless(width: 40, height: 30))
        src.write("cat/b.jpg", Fixtures.jpeg())
        src.write("dog/c.WEBP", Self.lossy(width: 33, height: 17))
        src.write("dog/d.webp", Self.translucent(width: 12, height: 8))
        let cut = Self.lossless(width: 50, height: 50)
        src.write("dog/cut.webp", cut.prefix(30))  // the header survives, the pixels do not
        let id = try ws.createDataset(name: "pets", type: .classification).id
        let result = try ws.importDataset(id, from: src.url, format: .imagenet, verification: verification)
        let (content, folder) = try ws.content(id)
        let sizes = Dictionary(uniqueKeysWithValues: content.samples.map { ($0.path, $0.size) })
        #expect(sizes["cat/a.webp"] == ImageSize(width: 40, height: 30))
        #expect(sizes["dog/c.WEBP"] == ImageSize(width: 33, height: 17))
        #expect(sizes["dog/d.webp"] == ImageSize(width: 12, height: 8))
        #expect(sizes["cat/b.jpg"] == ImageSize(width: 64, height: 48))
        #expect(try ws.summary(id).labels.map(\.count) == [2, verification == .full ? 2 : 3])
        if verification == .full {
            // Decoding finds what reading the header cannot.
            #expect(result.images == 4 && result.failed == 1)
            let failed = try ws.summary(id).failed
            #expect(failed.map(\.path) == ["dog/cut.webp"] && failed[0].reason.contains("ends early"))
        } else {
            #expect(result.images == 5 && result.failed == 0)
        }
        #expect(try Data(contentsOf: folder.appendingPathComponent("cat/a.webp")) == Self.lossless(width: 40, height: 30))
        _ = _folder
    }

    @Test func yoloDatasetWithWebPImages() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("classes.txt", "cat\ndog\n")
        src.write("images/train/a.webp", Self.lossless(width: 200, height: 100))
        src.write("labels/train/a.txt", "1 0.5 0.5 0.5 0.4\n")
        src.write("images/val/b.webp", Self.translucent(width: 40, height: 40))
        src.write("labels/val/b.txt", "0 0.25 0.25 0.5 0.5\n")
        let id = try ws.createDataset(name: "boxes", type: .detection).id
        let result = try ws.importDataset(id, from: src.url, format: .yolo)
        #expect(result.images == 2 && result.failed == 0)
        let (content, _) = try ws.content(id)
        let byPath = Dictionary(uniqueKeysWithValues: content.samples.map { ($0.path, $0) })
        let a = try #require(byPath.first { $0.key.hasSuffix("a.webp") }?.value)
        #expect(a.size == ImageSize(width: 200, height: 100) && a.split == .train)
        #expect(a.annotations.map(\.labelIndex) == [1] && a.annotations[0].box == Box(x1: 50, y1: 30, x2: 150, y2: 70))
        let b = try #require(byPath.first { $0.key.hasSuffix("b.webp") }?.value)
        #expect(b.split == .val && b.annotations[0].box == Box(x1: 0, y1: 0, x2: 20, y2: 20))
        _ = _folder
    }

    @Test func labelmeAndVOCWithWebPImages() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("shots/a.webp", Self.lossy(width: 64, height: 48))
        src.write("shots/a.json", labelmeJSON(imagePath: "a.webp", shapes: [labelmeShape("car", "polygon", [[1, 1], [30, 2], [20, 40]])]))
        let id = try ws.createDataset(name: "labelme", type: .detection).id
        #expect(try ws.importDataset(id, from: src.url, format: .labelme).images == 1)
        let sample = try ws.content(id).0.samples[0]
        #expect(sample.path == "shots/a.webp" && sample.size == ImageSize(width: 64, height: 48))
        #expect(sample.annotations[0].box == Box(x1: 1, y1: 1, x2: 30, y2: 40))

        // VOC: <filename> without an extension finds the .webp in JPEGImages/.
        let voc = TempFolder()
        voc.write("JPEGImages/v.webp", Self.lossless(width: 100, height: 80))
        voc.write("Annotations/v.xml", Fixtures.voc("v", width: 100, height: 80, objects: [("cat", 10, 10, 50, 40)]))
        let vocID = try ws.createDataset(name: "voc", type: .detection).id
        #expect(try ws.importDataset(vocID, from: voc.url, format: .voc).images == 1)
        #expect(try ws.content(vocID).0.samples.map(\.path) == ["JPEGImages/v.webp"])
        _ = _folder
    }
}

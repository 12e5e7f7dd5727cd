import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// labelme files whose image is only in `imageData`, or whose `imagePath` names the JSON itself.
@Suite struct LabelmeEmbeddedImageTests {
    let png = Fixtures.png(width: 40, height: 30)
    let jpeg = Fixtures.jpeg(width: 64, height: 48)
    let webp = Data(try! ImageCodec.encodeLosslessWebP(RGBImage(width: 20, height: 10, color: RGBColor(1, 2, 3))))
    let box = labelmeShape("cat", "rectangle", [[2, 3], [12, 9]])

    func files(under folder: URL) -> [String] {
        let all = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
        return all.filter { !FileManager.default.isDirectory(folder.appendingPathComponent($0)) }.sorted()
    }

    @Test func imageDataIsWrittenOutUnderTheJSONStemWithTheSniffedExtension() throws {
        let src = TempFolder(), out = TempFolder()
        // labelme 5 writes imagePath relative to the JSON; the file is gone, the bytes are in imageData.
        src.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [box], width: 40, height: 30, imageData: png.base64EncodedString()))
        src.write("sub/b.json", labelmeJSON(imagePath: "C:\\\\shots\\\\b.jpg", shapes: [box], width: 20, height: 10,
                                           imageData: webp.base64EncodedString()))
        let result = try LabelmeParser(embeddedImages: out.url).parse(root: src.url, type: .detection)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.samples.map(\.relativePath) == ["a.png", "sub/b.webp"])
        #expect(result.samples.map(\.embeddedIn) == ["a.json", "sub/b.json"])
        #expect(result.samples.map(\.origin) == ["a.json", "sub/b.json"])
        #expect(result.samples[0].source == out.path("a.png"))
        #expect(result.samples[0].annotations == [ParsedAnnotation(label: "cat", box: Box(x1: 2, y1: 3, x2: 12, y2: 9))])
        #expect(result.samples[1].declaredSize == ImageSize(width: 20, height: 10))
        // Exactly the embedded bytes, and no temporary file left behind.
        #expect(try Data(contentsOf: out.path("a.png")) == png)
        #expect(try Data(contentsOf: out.path("sub/b.webp")) == webp)
        #expect(files(under: out.url) == ["a.png", "sub/b.webp"])
        // Nothing is written into the source.
        #expect(files(under: src.url) == ["a.json", "sub/b.json"])
    }

    @Test func theFileWinsOverImageData() throws {
        let src = TempFolder(), out = TempFolder()
        src.write("c.jpg", jpeg)
        src.write("c.json", labelmeJSON(imagePath: "c.jpg", shapes: [box], imageData: png.base64EncodedString()))
        let result = try LabelmeParser(embeddedImages: out.url).parse(root: src.url, type: .detection)
        #expect(result.issues.isEmpty)
        #expect(result.samples.map(\.relativePath) == ["c.jpg"] && result.samples[0].embeddedIn == nil)
        #expect(result.samples[0].source.lastPathComponent == "c.jpg")
        #expect(files(under: out.url).isEmpty)
    }

    @Test func imagePathNamingTheJSONItselfFindsTheImageWithItsStem() throws {
        let src = TempFolder(), out = TempFolder()
        src.write("frames/d.webp", webp)
        src.write("frames/d.json", labelmeJSON(imagePath: "d.json", shapes: [box], width: 20, height: 10))
        src.write("frames/e.PNG", png)
        src.write("frames/e.json", labelmeJSON(imagePath: "e.json", shapes: [box], width: 40, height: 30))
        // Nothing beside it, but the image is embedded.
        src.write("frames/f.json", labelmeJSON(imagePath: "f.json", shapes: [box], imageData: jpeg.base64EncodedString()))
        // Nothing beside it and nothing embedded.
        src.write("frames/g.json", labelmeJSON(imagePath: "g.json", shapes: [box]))
        let result = try LabelmeParser(embeddedImages: out.url).parse(root: src.url, type: .detection)
        #expect(result.samples.map(\.relativePath) == ["frames/d.webp", "frames/e.PNG", "frames/f.jpg"])
        #expect(result.samples.map(\.embeddedIn) == [nil, nil, "frames/f.json"])
        #expect(result.issues.map(\.path) == ["frames/g.json"])
        #expect(result.issues[0].reason.contains("imagePath 'g.json' names this JSON file and no image with its stem (g.jpg"))
    }

    @Test func badBase64AndNonImagesAreSkippedWithTheirReason() throws {
        let src = TempFolder(), out = TempFolder()
        src.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [box], imageData: "iVBORw0K!!not-base64"))
        src.write("b.json", labelmeJSON(imagePath: "b.jpg", shapes: [box], imageData: Data("GIF89a, or anything else".utf8).base64EncodedString()))
        src.write("c.json", labelmeJSON(imagePath: "c.jpg", shapes: [box], imageData: "iVBORw0KG"))  // cut inside a 4-character group
        src.write("d.json", labelmeJSON(imagePath: "d.jpg", shapes: [box], width: 40, height: 30, imageData: png.base64EncodedString()))
        let result = try LabelmeParser(embeddedImages: out.url).parse(root: src.url, type: .detection)
        #expect(result.samples.map(\.relativePath) == ["d.png"])
        #expect(result.issues.map(\.path) == ["a.json", "b.json", "c.json"])
        #expect(result.issues[0].reason == "embedded 'imageData' is not valid base64; skipped")
        #expect(result.issues[0].line == 8)  // the line of "imageData" in labelme's indented layout
        #expect(result.issues[1].reason == "embedded 'imageData' is not a JPEG, PNG or WebP image (it starts with 47 49 46 38); skipped")
        #expect(result.issues[2].reason == "embedded 'imageData' is not valid base64; skipped")
        #expect(files(under: out.url) == ["d.png"])
    }

    @Test func theWrittenNameNeverTakesAnotherImagesName() throws {
        let src = TempFolder(), out = TempFolder()
        // h.png in the source is another picture, which i.json describes.
        src.write("h.png", Fixtures.png(width: 8, height: 8))
        src.write("h.json", labelmeJSON(imagePath: "gone.png", shapes: [box], width: 40, height: 30, imageData: png.base64EncodedString()))
        src.write("i.json", labelmeJSON(imagePath: "h.png", shapes: [box], width: 8, height: 8))
        let result = try LabelmeParser(embeddedImages: out.url).parse(root: src.url, type: .detection)
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.samples.map(\.relativePath) == ["h_1.png", "h.png"])
        #expect(result.samples.map(\.embeddedIn) == ["h.json", nil])
    }

    @Test func withoutAFolderForThemEmbeddedImagesAreReported() throws {
        let src = TempFolder()
        src.write("a.json", labelmeJSON(imagePath: "a.jpg", shapes: [box], imageData: png.base64EncodedString()))
        src.write("b.json", labelmeJSON(imagePath: nil, shapes: [box], imageData: png.base64EncodedString()))
        src.write("c.json", labelmeJSON(imagePath: nil, shapes: [box]))
        let result = try LabelmeParser().parse(root: src.url, type: .detection)
        #expect(result.samples.isEmpty)
        #expect(result.issues.map(\.path) == ["a.json", "b.json", "c.json"])
        #expect(result.issues[0].reason.hasPrefix("image 'a.jpg' not found and its embedded 'imageData' cannot be written out by an import that registers files in place"))
        #expect(result.issues[1].reason.hasPrefix("no 'imagePath'; the embedded 'imageData' cannot be written out"))
        #expect(result.issues[2].reason == "no 'imagePath' and no 'imageData'; skipped")
    }

    @Test func base64Decoding() {
        #expect(LabelmeEmbeddedImage.base64(Array("aGVsbG8=".utf8)) == Array("hello".utf8))
        #expect(LabelmeEmbeddedImage.base64(Array("aGVsbG8".utf8)) == Array("hello".utf8))       // padding left out
        #expect(LabelmeEmbeddedImage.base64(Array("aGVs\r\nbG8=".utf8)) == Array("hello".utf8))  // wrapped lines
        #expect(LabelmeEmbeddedImage.base64(Array("+/8=".utf8)) == [0xFB, 0xFF])
        #expect(LabelmeEmbeddedImage.base64(Array("aGVsbG8=x".utf8)) == nil)  // data after the padding
        #expect(LabelmeEmbeddedImage.base64(Array("aGVsb".utf8)) == nil)      // a lone sixth bit group
        #expect(LabelmeEmbeddedImage.base64(Array("aG-s".utf8)) == nil)       // base64url is not what labelme writes
        #expect(LabelmeEmbeddedImage.base64(Array("".utf8)) == [])
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 37) }
        #expect(LabelmeEmbeddedImage.base64(Array(Data(bytes).base64EncodedString().utf8)) == bytes)
        // A data URL, as some web tools store it.
        let decoded = try? LabelmeEmbeddedImage.decode("data:image/png;base64," + png.base64EncodedString())
        #expect(decoded?.format == .png && decoded?.bytes == [UInt8](png))
    }
}

/// The same files through the whole import: checked like any other image, copied into the workspace.
@Suite struct LabelmeEmbeddedImportTests {
    @Test func embeddedImagesAreCheckedAndStoredLikeFiles() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        let box = labelmeShape("cat", "rectangle", [[2, 3], [12, 9]])
        src.write("a.json", labelmeJSON(imagePath: "a.png", shapes: [box], width: 40, height: 30,
                                         imageData: Fixtures.png(width: 40, height: 30).base64EncodedString()))
        // Declares 100×100 but the embedded JPEG is 64×48: noted, boxes clamped to the real image.
        src.write("b.json", labelmeJSON(imagePath: "b.jpg", shapes: [labelmeShape("dog", "rectangle", [[50, 40], [90, 90]])],
                                         width: 100, height: 100, imageData: Fixtures.jpeg(width: 64, height: 48).base64EncodedString()))
        // A PNG cut in half: it fails the check like a file would, reported against the JSON.
        let png = Fixtures.png(width: 40, height: 30)
        src.write("c.json", labelmeJSON(imagePath: "c.png", shapes: [box], width: 40, height: 30,
                                         imageData: png.prefix(png.count / 2).base64EncodedString()))
        let id = try ws.createDataset(name: "embedded", type: .detection).id
        let result = try ws.importDataset(id, from: src.url, format: .labelme)
        #expect(result.images == 2)
        let (content, _) = try ws.content(id)
        #expect(content.samples.map(\.path) == ["a.png", "b.jpg"])
        #expect(content.samples.map(\.size) == [ImageSize(width: 40, height: 30), ImageSize(width: 64, height: 48)])
        #expect(content.samples[1].annotations.compactMap(\.box) == [Box(x1: 50, y1: 40, x2: 64, y2: 48)])
        let dataset = ws.root.appendingPathComponent("datasets/\(id)")
        #expect(try ImageCodec.info(contentsOf: dataset.appendingPathComponent("a.png").path).width == 40)
        #expect(try ImageCodec.info(contentsOf: dataset.appendingPathComponent("b.jpg").path).format == .jpeg)
        let failed = try ws.summary(id).failed
        let notes = Dictionary(grouping: failed, by: \.path)
        #expect(notes["b.json"]?.first?.reason.contains("declares 100×100 but its embedded 'imageData' is 64×48") == true)
        #expect(notes["c.json"]?.first?.reason.hasPrefix("embedded 'imageData': image data ends early") == true)
        #expect(!failed.contains { $0.path.hasSuffix(".png") || $0.path.hasSuffix(".jpg") })
        // The staging folder, with the written-out images, is gone; the source is untouched.
        let staging = ws.datasetsFolder.appendingPathComponent(".staging")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: src.url.path).sorted() == ["a.json", "b.json", "c.json"])
        _ = _folder
    }

    @Test func registeringInPlaceSkipsEmbeddedImagesWithAReason() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        let box = labelmeShape("cat", "rectangle", [[2, 3], [12, 9]])
        src.write("a.json", labelmeJSON(imagePath: "a.png", shapes: [box], imageData: Fixtures.png().base64EncodedString()))
        src.write("d.jpg", Fixtures.jpeg())
        src.write("d.json", labelmeJSON(imagePath: "d.jpg", shapes: [box]))
        let id = try ws.createDataset(name: "in-place", type: .detection).id
        let result = try ws.importDataset(id, from: src.url, format: .labelme, mode: .register)
        #expect(result.images == 1)
        #expect(try ws.content(id).0.samples.map(\.path) == ["d.jpg"])
        let failed = try ws.summary(id).failed
        #expect(failed.map(\.path) == ["a.json"])
        #expect(failed[0].reason.contains("cannot be written out by an import that registers files in place"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: src.url.path).sorted() == ["a.json", "d.jpg", "d.json"])
        _ = _folder
    }
}

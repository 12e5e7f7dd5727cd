import Foundation
import Testing
@testable import AIArtsImaging

@Suite struct AnnotateTests {
    let gray = RGBColor(100, 100, 100)

    @Test func boxOutlineIsDrawnInItsClassColourAndNotInside() {
        let image = RGBImage(width: 64, height: 64, color: gray)
        let box = PredictedBox(label: "", x: 10, y: 20, width: 30, height: 20, classIndex: 2)
        let out = PredictionDrawing.draw(on: image, boxes: [box], style: .init(lineThickness: 2))
        let c = ClassPalette.color(forClass: 2)
        for (x, y) in [(10, 20), (11, 21), (39, 20), (10, 39), (39, 39), (25, 20), (25, 38), (38, 30)] {
            #expect(out.color(x: x, y: y) == c, "outline pixel (\(x), \(y))")
        }
        for (x, y) in [(12, 22), (25, 30), (37, 37), (9, 20), (40, 20), (10, 40), (10, 19)] {
            #expect(out.color(x: x, y: y) == gray, "pixel (\(x), \(y)) should be untouched")
        }
        #expect(ClassPalette.color(forClass: 2) != ClassPalette.color(forClass: 3))
        #expect(ClassPalette.color(forClass: 2 + ClassPalette.colors.count) == c)
    }

    @Test func labelTagCoversItsAreaAndTextDiffersFromBackground() {
        let image = RGBImage(width: 100, height: 80, color: gray)
        let box = PredictedBox(label: "cat", score: 0.912, x: 20, y: 40, width: 50, height: 30, classIndex: 0)
        let text = PredictionDrawing.labelText(box.label, score: box.score)
        #expect(text == "cat 0.91")
        let out = PredictionDrawing.draw(on: image, boxes: [box], style: .init(textScale: 1))
        let tag = Annotator.tagSize(lines: [text], scale: 1)
        #expect(tag.width == 8 * 6 - 1 + 2 && tag.height == 7 + 2)
        // Room above the box: the tag sits on top of it, starting at x = 20.
        let top = 40 - tag.height
        let bg = ClassPalette.color(forClass: 0)
        let fg = ClassPalette.textColor(on: bg)
        var bgCount = 0, fgCount = 0
        for y in top..<40 {
            for x in 20..<(20 + tag.width) {
                let c = out.color(x: x, y: y)
                if c == bg { bgCount += 1 } else if c == fg { fgCount += 1 }
            }
        }
        #expect(bgCount + fgCount == tag.width * tag.height)
        #expect(fgCount > 20 && bgCount > fgCount)
        #expect(fg != bg)
        // The padding row and the pixels just outside are as expected.
        #expect(out.color(x: 20, y: top) == bg)
        #expect(out.color(x: 20 + tag.width, y: top) == gray)
        #expect(out.color(x: 20, y: top - 1) == gray)
    }

    @Test func tagStaysInsideTheImageForBoxesAtTheEdges() {
        let image = RGBImage(width: 40, height: 30, color: gray)
        // Box at the top-right: no room above, the tag moves inside and left.
        let box = PredictedBox(label: "person", score: 1, x: 30, y: 0, width: 10, height: 10, classIndex: 1)
        let out = PredictionDrawing.draw(on: image, boxes: [box], style: .init(textScale: 1))
        let tag = Annotator.tagSize(lines: ["person 1.00"], scale: 1)
        #expect(tag.width < 80)
        let pos = PredictionDrawing.tagPosition(box: (30, 0, 10, 10), tag: tag, imageWidth: 40, imageHeight: 30)
        #expect(pos.x == 0 && pos.y == 0) // wider than the image: starts at the left edge
        #expect(out.color(x: 0, y: 0) == ClassPalette.color(forClass: 1))
        let small = PredictionDrawing.tagPosition(box: (35, 25, 5, 5), tag: (10, 9), imageWidth: 40, imageHeight: 30)
        #expect(small.x == 30 && small.y == 16)
    }

    @Test func textClippedAtTheEdgesAndWildInputsDoNotCrash() {
        var a = Annotator(image: RGBImage(width: 16, height: 16, color: gray))
        a.drawText("clipped text é😀", x: 10, y: 12, scale: 3, .white)
        a.drawText("left", x: -20, y: -5, scale: 2, .white)
        a.drawText("far", x: Int.max - 10, y: Int.min + 5, scale: 100, .white)
        a.drawTag(lines: ["a", "bb"], x: 14, y: 14, scale: 4, background: .black)
        a.strokeRect(x: Int.min, y: Int.min, width: Int.max, height: Int.max, .white, thickness: 3)
        a.drawLine(from: .init(x: -1e300, y: 0), to: .init(x: .nan, y: 1e300), .white, thickness: 2)
        a.fillPolygon([.init(x: 0, y: 0), .init(x: .infinity, y: 3), .init(x: 2, y: 9)], .white)
        a.fillRect(x: 0, y: 0, width: 4, height: 4, .white, alpha: .nan)
        #expect(a.image.pixels.count == 16 * 16 * 3)
        let boxes = [
            PredictedBox(label: "x", score: .nan, x: .nan, y: 0, width: 5, height: 5, classIndex: -1),
            PredictedBox(label: "y", score: .infinity, x: -1e308, y: -1e308, width: .infinity, height: 1e308, classIndex: 7),
            PredictedBox(label: "", score: nil, x: 2, y: 2, width: -5, height: 3, classIndex: Int.max),
        ]
        let out = PredictionDrawing.draw(on: RGBImage(width: 16, height: 16), boxes: boxes,
                                         topLabels: [.init(label: "ünïcode", score: -0.004)])
        #expect(out.width == 16 && out.height == 16)
        #expect(PredictionDrawing.labelText("y", score: .infinity) == "y")
        #expect(PredictionDrawing.labelText("a", score: 0.005) == "a 0.01")
        #expect(PredictionDrawing.labelText("a", score: 12.3456) == "a 12.35")
    }

    @Test func nonASCIICharactersDrawAPlaceholderBox() {
        var a = Annotator(image: RGBImage(width: 10, height: 10))
        a.drawText("é", x: 0, y: 0, scale: 1, .white)
        // Hollow box: border set, centre clear.
        #expect(a.image.color(x: 0, y: 0) == .white && a.image.color(x: 4, y: 6) == .white)
        #expect(a.image.color(x: 2, y: 3) == .black)
        #expect(BitmapFont.isSet("A", col: 0, row: 3) && !BitmapFont.isSet("A", col: 0, row: 0))
        #expect(BitmapFont.table.count == 95 * 7)
    }

    @Test func fontScaleGrowsWithImageSize() {
        #expect(BitmapFont.scale(forWidth: 64, height: 64) == 1)
        #expect(BitmapFont.scale(forWidth: 640, height: 480) == 1)
        #expect(BitmapFont.scale(forWidth: 4000, height: 3000) == 8)
        #expect(BitmapFont.measure("ab", scale: 2) == (22, 14))
    }

    @Test func maskBlendingGivesTheMixedColour() {
        let image = RGBImage(width: 4, height: 2, color: RGBColor(0, 100, 200))
        // Class 1 on the left half, 255 (ignore) on the right.
        let mask = IndexedImage(width: 4, height: 2, values: [1, 1, 255, 255, 1, 1, 255, 255])
        let out = PredictionDrawing.draw(on: image, mask: mask, style: .init(maskAlpha: 0.5))
        let c = ClassPalette.color(forClass: 1)
        func mixed(_ a: UInt8, _ b: UInt8) -> Int { (Int(a) + Int(b)) / 2 }
        let got = out.color(x: 0, y: 1)
        #expect(abs(Int(got.r) - mixed(0, c.r)) <= 1)
        #expect(abs(Int(got.g) - mixed(100, c.g)) <= 1)
        #expect(abs(Int(got.b) - mixed(200, c.b)) <= 1)
        #expect(out.color(x: 3, y: 0) == RGBColor(0, 100, 200))
        // A half-size mask is stretched to the image.
        let small = IndexedImage(width: 2, height: 1, values: [3, 255])
        var a = Annotator(image: image)
        a.overlayMask(small, alpha: 1)
        #expect(a.image.color(x: 1, y: 1) == ClassPalette.color(forClass: 3))
        #expect(a.image.color(x: 2, y: 1) == RGBColor(0, 100, 200))
    }

    @Test func polygonFillAndOutline() {
        var a = Annotator(image: RGBImage(width: 20, height: 20))
        let square = [AnnotationPoint(x: 5, y: 5), .init(x: 15, y: 5), .init(x: 15, y: 15), .init(x: 5, y: 15)]
        a.fillPolygon(square, .white)
        #expect(a.image.color(x: 5, y: 5) == .white && a.image.color(x: 14, y: 14) == .white)
        #expect(a.image.color(x: 15, y: 10) == .black && a.image.color(x: 4, y: 10) == .black)
        var b = Annotator(image: RGBImage(width: 20, height: 20))
        b.strokePolygon(square, .white)
        #expect(b.image.color(x: 10, y: 5) == .white && b.image.color(x: 15, y: 10) == .white)
        #expect(b.image.color(x: 10, y: 10) == .black)
    }

    @Test func fileRoundTripKeepsSizeAndBoxColour() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jpg").path
        let output = dir.appendingPathComponent("out.jpg").path
        let source = RGBImage(width: 96, height: 64, color: gray)
        try Data(ImageCodec.encodeJPEG(source, quality: 95)).write(to: URL(fileURLWithPath: input))
        let box = PredictedBox(label: "dog", score: 0.5, x: 16, y: 24, width: 48, height: 32, classIndex: 0)
        let size = try PredictionDrawing.drawFile(input, to: output, boxes: [box], topLabels: [.init(label: "dog", score: 0.5)],
                                                  style: .init(lineThickness: 4))
        #expect(size == ImageSize(width: 96, height: 64))
        let decoded = try ImageCodec.decode(contentsOf: output)
        #expect(decoded.image.size == size)
        let c = ClassPalette.color(forClass: 0)
        #expect(decoded.image.color(x: 17, y: 40).distance(to: c) < 40) // middle of the left edge
        #expect(decoded.image.color(x: 40, y: 45).distance(to: gray) < 20) // inside the box
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(leftovers == ["in.jpg", "out.jpg"])
    }

    @Test func corruptInputIsAClearError() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("bad.jpg").path
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: input))
        let output = dir.appendingPathComponent("out.jpg").path
        do {
            try PredictionDrawing.drawFile(input, to: output)
            Issue.record("a corrupt file should throw")
        } catch {
            #expect("\(error)".contains("bad.jpg"))
            if case .input = error {} else { Issue.record("expected an input error, got \(error)") }
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        do {
            try PredictionDrawing.drawFile(dir.appendingPathComponent("missing.png").path, to: output)
            Issue.record("a missing file should throw")
        } catch {
            #expect("\(error)".contains("missing.png"))
        }
        // Unwritable destination: a folder that does not exist.
        let good = dir.appendingPathComponent("good.jpg").path
        try Data(ImageCodec.encodeJPEG(RGBImage(width: 8, height: 8), quality: 90)).write(to: URL(fileURLWithPath: good))
        do {
            try PredictionDrawing.drawFile(good, to: dir.appendingPathComponent("no/such/out.jpg").path)
            Issue.record("an unwritable output should throw")
        } catch {
            if case .output = error {} else { Issue.record("expected an output error, got \(error)") }
        }
    }
}

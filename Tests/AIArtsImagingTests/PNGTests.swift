import Testing
@testable import AIArtsImaging

@Suite struct PNGTests {
    // PNG colour types.
    let gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

    @Test func rgbAndRGBARoundTripExactly() throws {
        var canvas = Canvas(width: 7, height: 5, background: Fixture.green)
        var rng = SeededRandom(seed: 5)
        canvas.noise(&rng, amplitude: 40)
        let bytes = try ImageCodec.encodePNG(canvas.image)
        #expect(ImageFormat.detect(bytes) == .png)
        let back = try ImageCodec.decode(bytes)
        #expect(back.image == canvas.image && !back.isDamaged && back.warning == nil)
        #expect(back.info.colorModel == .rgb && back.info.bitDepth == 8)

        let px: [UInt8] = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255]
        let withAlpha = RGBImage(width: 3, height: 1, channels: 4, pixels: px)
        let rgbaBytes = try ImageCodec.encodePNG(withAlpha)
        #expect(try ImageCodec.decode(rgbaBytes).image == withAlpha)
        let dropped = try ImageCodec.decode(rgbaBytes, options: DecodeOptions(keepAlpha: false)).image
        #expect(dropped.channels == 3 && dropped.pixels == [10, 20, 30, 40, 50, 60, 70, 80, 90])
    }

    @Test func sixteenBitIsScaledToEight() throws {
        // 0x8080 / 257 == 128 exactly.
        let row: [UInt8] = [0xFF, 0xFF, 0x00, 0x00, 0x80, 0x80]
        let bytes = Fixture.png(width: 1, height: 1, bitDepth: 16, colorType: rgb, rows: [row])
        let img = try ImageCodec.decode(bytes).image
        #expect(img.pixels == [255, 0, 128])
        #expect(try ImageCodec.info(bytes).bitDepth == 16)
        let g16 = Fixture.png(width: 2, height: 1, bitDepth: 16, colorType: gray, rows: [[0x80, 0x80, 0xFF, 0xFF]])
        #expect(try ImageCodec.decode(g16).image.pixels == [128, 128, 128, 255, 255, 255])
    }

    @Test func grayAndLowBitGrayExpandToRGB() throws {
        let g8 = Fixture.png(width: 2, height: 1, bitDepth: 8, colorType: gray, rows: [[17, 200]])
        #expect(try ImageCodec.decode(g8).image.pixels == [17, 17, 17, 200, 200, 200])
        // 1-bit: 0b1010_0000 → pixels 1, 0, 1 → white, black, white.
        let g1 = Fixture.png(width: 3, height: 1, bitDepth: 1, colorType: gray, rows: [[0b1010_0000]])
        #expect(try ImageCodec.decode(g1).image.pixels == [255, 255, 255, 0, 0, 0, 255, 255, 255])
        let encoded = try ImageCodec.encodeGrayPNG(width: 2, height: 1, gray: [3, 250])
        #expect(try ImageCodec.info(encoded).colorModel == .gray)
        #expect(try ImageCodec.decode(encoded).image.pixels == [3, 3, 3, 250, 250, 250])
    }

    @Test func grayAlphaKeepsAlpha() throws {
        let bytes = Fixture.png(width: 2, height: 1, bitDepth: 8, colorType: grayAlpha, rows: [[90, 255, 30, 0]])
        #expect(try ImageCodec.info(bytes).colorModel == .grayAlpha)
        let img = try ImageCodec.decode(bytes).image
        #expect(img.channels == 4 && img.pixels == [90, 90, 90, 255, 30, 30, 30, 0])
        let flat = try ImageCodec.decode(bytes, options: DecodeOptions(keepAlpha: false)).image
        #expect(flat.pixels == [90, 90, 90, 30, 30, 30])
    }

    @Test func paletteExpandsWithTransparency() throws {
        let plte: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let bytes = Fixture.png(width: 3, height: 1, bitDepth: 8, colorType: palette, rows: [[2, 1, 0]],
                                plte: plte, trns: [255, 64])
        let img = try ImageCodec.decode(bytes).image
        #expect(img.channels == 4)
        #expect(img.pixels == [0, 0, 255, 255, 0, 255, 0, 64, 255, 0, 0, 255])
        let opaque = try ImageCodec.decode(bytes, options: DecodeOptions(keepAlpha: false)).image
        #expect(opaque.pixels == [0, 0, 255, 0, 255, 0, 255, 0, 0])
        // 4-bit palette, no tRNS: RGB.
        let p4 = Fixture.png(width: 3, height: 1, bitDepth: 4, colorType: palette, rows: [[0x12, 0x00]], plte: plte)
        #expect(try ImageCodec.decode(p4).image.pixels == [0, 255, 0, 0, 0, 255, 255, 0, 0])
    }

    @Test func maskDecodeReturnsRawValues() throws {
        let plte: [UInt8] = [0, 0, 0, 128, 0, 0, 0, 128, 0]
        let indexed = Fixture.png(width: 3, height: 2, bitDepth: 8, colorType: palette,
                                  rows: [[0, 1, 2], [2, 2, 1]], plte: plte)
        let mask = try ImageCodec.decodeMask(indexed)
        #expect(mask.width == 3 && mask.height == 2 && mask.values == [0, 1, 2, 2, 2, 1])
        #expect(mask.palette == [RGBColor(0, 0, 0), RGBColor(128, 0, 0), RGBColor(0, 128, 0)])
        // Low bit depths are unpacked, not rescaled to 0...255.
        let p2 = Fixture.png(width: 4, height: 1, bitDepth: 2, colorType: palette, rows: [[0b00_01_10_01]], plte: plte)
        #expect(try ImageCodec.decodeMask(p2).values == [0, 1, 2, 1])
        let g1 = Fixture.png(width: 3, height: 1, bitDepth: 1, colorType: gray, rows: [[0b0100_0000]])
        #expect(try ImageCodec.decodeMask(g1).values == [0, 1, 0])
        let g8 = Fixture.png(width: 2, height: 1, bitDepth: 8, colorType: gray, rows: [[7, 255]])
        #expect(try ImageCodec.decodeMask(g8).values == [7, 255])
        let ga = Fixture.png(width: 2, height: 1, bitDepth: 8, colorType: grayAlpha, rows: [[3, 0, 4, 255]])
        #expect(try ImageCodec.decodeMask(ga).values == [3, 4])
        // 16-bit masks with small class ids narrow losslessly; big ids are refused.
        let g16 = Fixture.png(width: 2, height: 1, bitDepth: 16, colorType: gray, rows: [[0, 5, 0, 255]])
        #expect(try ImageCodec.decodeMask(g16).values == [5, 255])
        let big = Fixture.png(width: 1, height: 1, bitDepth: 16, colorType: gray, rows: [[1, 44]])
        let bigError = expectError { try ImageCodec.decodeMask(big) }
        #expect(bigError?.kind == "unsupported" && bigError?.description.contains("300") == true)
        // Colour images are not class-index masks.
        let colour = Fixture.png(width: 1, height: 1, bitDepth: 8, colorType: rgb, rows: [[1, 2, 3]])
        #expect(expectError { try ImageCodec.decodeMask(colour) }?.kind == "unsupported")
        #expect(expectError { try ImageCodec.decodeMask(try Fixture.quadrantJPEG(width: 16, height: 16)) }?.kind
                == "unsupported")
    }

    @Test func maskEncodeRoundTrips() throws {
        let mask = IndexedImage(width: 4, height: 2, values: [0, 1, 2, 3, 3, 2, 1, 0])
        let colours = [RGBColor(0, 0, 0), RGBColor(255, 0, 0), RGBColor(0, 255, 0), RGBColor(0, 0, 255)]
        let bytes = try ImageCodec.encodeMask(mask, palette: colours)
        #expect(try ImageCodec.info(bytes).colorModel == .palette)
        let back = try ImageCodec.decodeMask(bytes)
        #expect(back.values == mask.values && back.palette == colours)
        // The palette shows through a normal decode.
        #expect(try ImageCodec.decode(bytes).image.color(x: 1, y: 0) == RGBColor(255, 0, 0))
        let grayMask = try ImageCodec.encodeMask(mask)
        #expect(try ImageCodec.info(grayMask).colorModel == .gray)
        #expect(try ImageCodec.decodeMask(grayMask).values == mask.values)
        #expect(expectError { try ImageCodec.encodeMask(mask, palette: Array(colours[0..<2])) }?.kind
                == "invalidArgument")
    }

    @Test func corruptAndTruncatedPNGsThrow() throws {
        let bytes = try ImageCodec.encodePNG(Fixture.quadrants(width: 64, height: 64))
        // IHDR CRC.
        var badHeader = bytes
        badHeader[29] ^= 0xFF
        #expect(expectError { try ImageCodec.decode(badHeader) }?.kind == "corrupt")
        // A flipped byte inside IDAT: CRC mismatch on a critical chunk.
        var badData = bytes
        badData[bytes.count / 2] ^= 0x55
        #expect(expectError { try ImageCodec.decode(badData) }?.kind == "corrupt")
        #expect(expectError { try ImageCodec.check(badData) }?.kind == "corrupt")
        // Cut in half.
        let half = Array(bytes[0..<(bytes.count / 2)])
        #expect(expectError { try ImageCodec.decode(half) }?.kind == "truncated")
        #expect(expectError { try ImageCodec.check(half) }?.kind == "truncated")
        // Only IEND missing: every pixel is there, so decode keeps the image
        // but flags it; check refuses it.
        let noEnd = Array(bytes[0..<(bytes.count - 12)])
        let partial = try ImageCodec.decode(noEnd)
        #expect(partial.isTruncated && partial.image.width == 64)
        #expect(expectError { try ImageCodec.check(noEnd) }?.kind == "truncated")
        // Signature then garbage.
        var rng = SeededRandom(seed: 9)
        let garbage = Array(bytes[0..<8]) + (0..<500).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(expectError { try ImageCodec.decode(garbage) }?.kind == "corrupt")
        #expect(try ImageCodec.check(bytes).width == 64)
    }

    @Test func badAncillaryChunkIsOnlyAWarning() throws {
        var bytes = Fixture.png(width: 1, height: 1, bitDepth: 8, colorType: gray, rows: [[77]])
        var text = Fixture.chunk("tEXt", Array("Comment\u{0}hello".utf8))
        text[text.count - 1] ^= 0xFF  // break its CRC
        bytes.insert(contentsOf: text, at: 33) // after IHDR
        let decoded = try ImageCodec.decode(bytes)
        #expect(decoded.image.pixels == [77, 77, 77])
        #expect(!decoded.isDamaged && decoded.warning != nil)
        #expect(try ImageCodec.check(bytes).width == 1)
    }

    @Test func absurdDeclaredSizeIsRefused() throws {
        let huge = Fixture.png(width: 70000, height: 70000, bitDepth: 8, colorType: rgb, rows: [])
        #expect(expectError { try ImageCodec.decode(huge) } == .tooLarge(width: 70000, height: 70000))
        #expect(expectError { try ImageCodec.decodeMask(huge) } == .tooLarge(width: 70000, height: 70000))
        #expect(expectError { try ImageCodec.info(huge) } == .tooLarge(width: 70000, height: 70000))
        // Under the side limit but over the pixel limit.
        let wide = Fixture.png(width: 60000, height: 60000, bitDepth: 8, colorType: gray, rows: [])
        #expect(expectError { try ImageCodec.check(wide) } == .tooLarge(width: 60000, height: 60000))
        #expect(ImageError.tooLarge(width: 70000, height: 70000).description.contains("70000x70000"))
    }

    @Test func interlacedPNGDecodesAndChecks() throws {
        // Adam7 on 2x2: pass 1 holds (0,0), pass 6 holds (1,0), pass 7 holds row 1.
        let bytes = Fixture.png(width: 2, height: 2, bitDepth: 8, colorType: gray,
                                rows: [[10], [20], [30, 40]], interlaced: true)
        #expect(try ImageCodec.info(bytes).progressive)
        #expect(try ImageCodec.decode(bytes).image.pixels == [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40])
        #expect(try ImageCodec.decodeMask(bytes).values == [10, 20, 30, 40])
        #expect(try ImageCodec.check(bytes).width == 2)
        let cut = Array(bytes[0..<(bytes.count - 20)])
        #expect(expectError { try ImageCodec.check(cut) }?.kind == "truncated")
    }

    @Test func explicitScaleShrinksPNGToo() throws {
        let bytes = try ImageCodec.encodePNG(Fixture.quadrants(width: 40, height: 20))
        let quarter = try ImageCodec.decode(bytes, options: DecodeOptions(scale: .quarter))
        #expect(quarter.image.width == 10 && quarter.image.height == 5 && quarter.scale == .quarter)
        let fit = try ImageCodec.decode(bytes, fitting: ImageSize(width: 8, height: 8))
        #expect(fit.image.width == 8 && fit.image.height == 4)
    }
}

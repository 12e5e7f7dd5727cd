import Foundation
import Testing
@testable import AIArtsImaging

@Suite struct WebPTests {
    /// The fourcc of the first chunk after 'RIFF size WEBP': which header kind a file carries.
    func firstChunk(_ bytes: [UInt8]) -> String { String(decoding: bytes[12..<16], as: UTF8.self) }

    @Test func losslessRoundTripsExactlyWithAndWithoutAlpha() throws {
        var canvas = Canvas(width: 13, height: 7, background: Fixture.green)
        var rng = SeededRandom(seed: 3)
        canvas.noise(&rng, amplitude: 60)
        let bytes = try ImageCodec.encodeLosslessWebP(canvas.image)
        #expect(ImageFormat.detect(bytes) == .webp && firstChunk(bytes) == "VP8L")
        let info = try ImageCodec.info(bytes)
        #expect(info.format == .webp && info.width == 13 && info.height == 7)
        #expect(info.colorModel == .rgb && info.bitDepth == 8 && !info.isAnimated && info.orientation == .normal)
        let back = try ImageCodec.decode(bytes)
        #expect(back.image == canvas.image && !back.isDamaged && !back.isTruncated && back.warning == nil)
        #expect(try ImageCodec.check(bytes).storedSize == ImageSize(width: 13, height: 7))

        let px: [UInt8] = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255]
        let withAlpha = RGBImage(width: 3, height: 1, channels: 4, pixels: px)
        let rgba = try ImageCodec.encodeLosslessWebP(withAlpha)
        #expect(try ImageCodec.info(rgba).colorModel == .rgba)
        // libwebp's lossless encoder may change the colour of fully transparent pixels; the rest is exact.
        let decoded = try ImageCodec.decode(rgba).image
        #expect(decoded.channels == 4 && Array(decoded.pixels[3...]) == Array(px[3...]))
        let dropped = try ImageCodec.decode(rgba, options: DecodeOptions(keepAlpha: false)).image
        #expect(dropped.channels == 3 && Array(dropped.pixels[3...]) == [40, 50, 60, 70, 80, 90])
    }

    @Test func lossyDecodesCloseToTheSource() throws {
        let image = Fixture.quadrants(width: 64, height: 48)
        let bytes = try ImageCodec.encodeWebP(image, quality: 90)
        #expect(firstChunk(bytes) == "VP8 ")
        let info = try ImageCodec.info(bytes)
        #expect(info.width == 64 && info.height == 48 && info.colorModel == .ycbcr)
        let decoded = try ImageCodec.decode(bytes).image
        #expect(decoded.size == image.size && decoded.channels == 3)
        for (x, y, colour) in [(16, 12, Fixture.red), (48, 12, Fixture.green), (16, 36, Fixture.blue), (48, 36, Fixture.yellow)] {
            #expect(decoded.color(x: x, y: y).distance(to: colour) <= 12, "\(x),\(y): \(decoded.color(x: x, y: y))")
        }
        // Lossy with alpha is written as VP8X + ALPH + VP8.
        let translucent = RGBImage(width: 16, height: 16, channels: 4,
                                   pixels: (0..<256).flatMap { [200, 100, 50, UInt8($0)] as [UInt8] })
        let vp8x = try ImageCodec.encodeWebP(translucent, quality: 80)
        #expect(firstChunk(vp8x) == "VP8X")
        let alpha = try ImageCodec.decode(vp8x).image
        #expect(alpha.channels == 4 && alpha.width == 16)
        #expect(abs(Int(alpha.pixels[4 * 200 + 3]) - 200) <= 2)
    }

    @Test func headerAloneGivesTheSizeForVP8VP8LAndVP8X() throws {
        let image = Fixture.quadrants(width: 300, height: 200)
        var rgba: [UInt8] = []
        for i in 0..<(300 * 200) { rgba += [image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2], 128] }
        let translucent = RGBImage(width: 300, height: 200, channels: 4, pixels: rgba)
        let files = [try ImageCodec.encodeWebP(image, quality: 75), try ImageCodec.encodeLosslessWebP(image),
                     try ImageCodec.encodeWebP(translucent, quality: 75)]
        #expect(files.map(firstChunk) == ["VP8 ", "VP8L", "VP8X"])
        for bytes in files {
            // 30 bytes hold every kind of header (VP8X: its own chunk; VP8: frame tag and size).
            let head = Array(bytes[0..<30])
            let info = try ImageCodec.info(head)
            #expect(info.width == 300 && info.height == 200 && info.format == ImageFormat.webp, "\(firstChunk(bytes))")
            // The same prefix cannot be decoded: the data ends before the image does.
            #expect(expectError { try ImageCodec.decode(head) }?.kind == "truncated", "\(firstChunk(bytes))")
        }
        #expect(expectError { try ImageCodec.info(Array(files[0][0..<16])) }?.kind == "truncated")
    }

    @Test func fittingAndScaleDecodeShrunk() throws {
        let bytes = try ImageCodec.encodeLosslessWebP(Fixture.quadrants(width: 400, height: 300))
        let fitted = try ImageCodec.decode(bytes, fitting: ImageSize(width: 100, height: 100))
        #expect(fitted.image.size == ImageSize(width: 100, height: 75) && fitted.info.width == 400)
        #expect(fitted.image.color(x: 25, y: 18).distance(to: Fixture.red) <= 2)
        #expect(fitted.image.color(x: 75, y: 56).distance(to: Fixture.yellow) <= 2)
        let quarter = try ImageCodec.decode(bytes, options: DecodeOptions(scale: .quarter))
        #expect(quarter.image.size == ImageSize(width: 100, height: 75) && quarter.scale == .quarter)
        // Never enlarged.
        #expect(try ImageCodec.decode(bytes, fitting: ImageSize(width: 4000, height: 4000)).image.size == ImageSize(width: 400, height: 300))
    }

    @Test func truncatedFilesAreErrorsNotCrashes() throws {
        var canvas = Canvas(image: Fixture.quadrants(width: 128, height: 96))
        var rng = SeededRandom(seed: 9)
        canvas.noise(&rng, amplitude: 40)
        for bytes in [try ImageCodec.encodeWebP(canvas.image, quality: 80), try ImageCodec.encodeLosslessWebP(canvas.image)] {
            let half = Array(bytes[0..<(bytes.count / 2)])
            #expect(expectError { try ImageCodec.decode(half) }?.kind == "truncated")
            #expect(expectError { try ImageCodec.check(half) }?.kind == "truncated")
            // The header survives, so the size is still known without decoding.
            #expect(try ImageCodec.info(half).width == 128)
            #expect(expectError { try ImageCodec.decode(Array(bytes[0..<14])) }?.kind == "truncated")
            #expect(try ImageCodec.check(bytes).height == 96)
        }
    }

    @Test func corruptFilesAreErrorsNotCrashes() throws {
        let image = Fixture.quadrants(width: 64, height: 64)
        var lossy = try ImageCodec.encodeWebP(image, quality: 80)
        // VP8 key frames carry the start code 9D 01 2A after the 3-byte frame tag.
        #expect(Array(lossy[23..<26]) == [0x9D, 0x01, 0x2A])
        lossy[24] = 0x77
        #expect(expectError { try ImageCodec.decode(lossy) }?.kind == "corrupt")
        #expect(expectError { try ImageCodec.check(lossy) }?.kind == "corrupt")
        var lossless = try ImageCodec.encodeLosslessWebP(image)
        #expect(lossless[20] == 0x2F)  // the VP8L signature byte
        lossless[20] = 0x2E
        #expect(expectError { try ImageCodec.info(lossless) }?.kind == "corrupt")
        #expect(expectError { try ImageCodec.decode(lossless) }?.kind == "corrupt")
        // 'RIFF....WEBP' followed by noise: a clean error every time.
        for seed in 1...30 {
            var r = SeededRandom(seed: UInt64(seed))
            let body = (0..<1024).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            let bytes = Array("RIFF".utf8) + Fixture.le32(1028) + Array("WEBP".utf8) + body
            #expect(ImageFormat.detect(bytes) == .webp)
            let kind = expectError { try ImageCodec.decode(bytes) }?.kind
            #expect(["corrupt", "truncated", "unsupported"].contains(kind), "seed \(seed): \(String(describing: kind))")
            _ = expectError { try ImageCodec.check(bytes) }
        }
        // Another RIFF file (WAV) is not taken for WebP.
        #expect(ImageFormat.detect(Array("RIFF".utf8) + Fixture.le32(4) + Array("WAVEfmt ".utf8)) == nil)
    }

    @Test func absurdDeclaredSizeIsRefusedBeforeDecoding() throws {
        let bytes = try ImageCodec.encodeLosslessWebP(Fixture.quadrants(width: 32, height: 32))
        // VP8L: 14 bits each for width - 1 and height - 1 right after the signature byte: at most
        // 16384x16384, 268 megapixels, over the 200-megapixel limit.
        let huge = Fixture.patchVP8L(bytes, width: 16384, height: 16384)
        #expect(expectError { try ImageCodec.info(huge) } == .tooLarge(width: 16384, height: 16384))
        #expect(expectError { try ImageCodec.decode(huge) } == .tooLarge(width: 16384, height: 16384))
        #expect(expectError { try ImageCodec.check(huge) } == .tooLarge(width: 16384, height: 16384))
        // VP8X canvases have 24-bit sides: an animation declaring 60000x60000 is refused from its first chunk.
        let frame = try Fixture.losslessChunk(RGBImage(width: 2, height: 2, color: Fixture.red))
        let canvas = Fixture.animatedWebP(width: 60000, height: 60000, frames: [(0, 0, 2, 2, frame)])
        #expect(expectError { try ImageCodec.info(canvas) } == .tooLarge(width: 60000, height: 60000))
        #expect(expectError { try ImageCodec.decode(canvas) } == .tooLarge(width: 60000, height: 60000))
        let tight = ImageLimits(maxSide: 31, maxPixels: 1_000_000)
        #expect(expectError { try ImageCodec.decode(bytes, options: DecodeOptions(limits: tight)) } == .tooLarge(width: 32, height: 32))
        #expect(expectError { try ImageCodec.check(bytes, limits: tight) } == .tooLarge(width: 32, height: 32))
    }

    @Test func animationDecodesItsFirstFrameOnTheCanvas() throws {
        let first = try Fixture.losslessChunk(RGBImage(width: 4, height: 2, color: Fixture.red))
        let second = try Fixture.losslessChunk(RGBImage(width: 8, height: 6, color: Fixture.blue))
        let bytes = Fixture.animatedWebP(width: 8, height: 6, frames: [(2, 2, 4, 2, first), (0, 0, 8, 6, second)])
        let info = try ImageCodec.info(bytes)
        #expect(info.isAnimated && info.width == 8 && info.height == 6 && info.format == .webp)
        #expect(try ImageCodec.check(bytes).isAnimated)
        let rgba = try ImageCodec.decode(bytes).image
        #expect(rgba.channels == 4 && rgba.size == ImageSize(width: 8, height: 6))
        for y in 0..<6 {
            for x in 0..<8 {
                let i = (y * 8 + x) * 4
                let inside = (2..<6).contains(x) && (2..<4).contains(y)
                let expected: [UInt8] = inside ? [Fixture.red.r, Fixture.red.g, Fixture.red.b, 255] : [0, 0, 0, 0]
                #expect(Array(rgba.pixels[i..<(i + 4)]) == expected, "pixel \(x),\(y)")
            }
        }
        let rgb = try ImageCodec.decode(bytes, options: DecodeOptions(keepAlpha: false)).image
        #expect(rgb.channels == 3 && rgb.color(x: 3, y: 2) == Fixture.red && rgb.color(x: 0, y: 0) == .black)
        let small = try ImageCodec.decode(bytes, fitting: ImageSize(width: 4, height: 4)).image
        #expect(small.size == ImageSize(width: 4, height: 3))

        // A frame from a lossy image with alpha carries ALPH + VP8 (a still file's VP8X is not part of a frame).
        let pixels = [[UInt8]](repeating: [0, 200, 0, 100], count: 48).flatMap { $0 }
        let translucent = try ImageCodec.encodeWebP(RGBImage(width: 8, height: 6, channels: 4, pixels: pixels), quality: 90)
        #expect(firstChunk(translucent) == "VP8X")
        let alphaFrame = Array(translucent[30...])
        #expect(String(decoding: alphaFrame[0..<4], as: UTF8.self) == "ALPH")
        let lossyAnimation = Fixture.animatedWebP(width: 8, height: 6, frames: [(0, 0, 8, 6, alphaFrame)])
        let green = try ImageCodec.decode(lossyAnimation).image
        #expect(green.channels == 4 && abs(Int(green.pixels[4 * 20 + 3]) - 100) <= 2 && green.pixels[4 * 20 + 1] > 180)

        // Cut inside the second frame: the first could be shown, but the file is incomplete.
        let cut = Array(bytes[0..<(bytes.count - 6)])
        #expect(expectError { try ImageCodec.check(cut) }?.kind == "truncated")
        // A frame that does not fit the canvas is refused.
        let outside = Fixture.animatedWebP(width: 8, height: 6, frames: [(6, 0, 4, 2, first)])
        #expect(expectError { try ImageCodec.decode(outside) }?.kind == "corrupt")
        #expect(expectError { try ImageCodec.check(outside) }?.kind == "corrupt")
        // A damaged later frame fails the check, which walks every frame.
        var damaged = second
        damaged[8] ^= 0xFF  // the VP8L signature of frame 2
        let bad = Fixture.animatedWebP(width: 8, height: 6, frames: [(2, 2, 4, 2, first), (0, 0, 8, 6, damaged)])
        #expect(expectError { try ImageCodec.check(bad) }?.kind == "corrupt")
    }

    @Test func formatIsSniffedNotTakenFromTheName() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("photo.jpg")
        try Data(try ImageCodec.encodeLosslessWebP(Fixture.quadrants(width: 20, height: 10))).write(to: url)
        #expect(try ImageCodec.info(contentsOf: url.path).format == .webp)
        #expect(try ImageCodec.decode(contentsOf: url.path).image.color(x: 15, y: 8) == Fixture.yellow)
        #expect(ImageFormat.webp.fileExtension == "webp")
    }

    @Test func encoderRejectsBadArguments() {
        let img = RGBImage(width: 4, height: 4)
        #expect(expectError { try ImageCodec.encodeWebP(img, quality: 101) }?.kind == "invalidArgument")
        #expect(expectError { try ImageCodec.encodeLosslessWebP(RGBImage(width: 0, height: 0)) }?.kind == "invalidArgument")
        #expect(expectError { try ImageCodec.encodeLosslessWebP(RGBImage(width: 16384, height: 1)) }?.kind == "invalidArgument")
    }
}

extension Fixture {
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le24(_ v: Int) -> [UInt8] { (0..<3).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// A RIFF chunk: fourcc, little-endian size, payload, a pad byte to an even length.
    static func riffChunk(_ fourcc: String, _ payload: [UInt8]) -> [UInt8] {
        Array(fourcc.utf8) + le32(payload.count) + payload + (payload.count % 2 == 1 ? [0] : [])
    }

    /// The 'VP8L' chunk (header and payload) of a lossless encoding: the image data of an animation frame.
    static func losslessChunk(_ image: RGBImage) throws -> [UInt8] {
        Array(try ImageCodec.encodeLosslessWebP(image)[12...])
    }

    /// An animated WebP as libwebp's muxer lays it out: VP8X (animation flag), ANIM, then one
    /// ANMF per frame (x, y, width, height, image chunk). Offsets must be even (stored halved).
    static func animatedWebP(width: Int, height: Int, frames: [(Int, Int, Int, Int, [UInt8])]) -> [UInt8] {
        let alphaAndAnimation: UInt8 = 0x10 | 0x02
        var body = Array("WEBP".utf8)
        body += riffChunk("VP8X", [alphaAndAnimation, 0, 0, 0] + le24(width - 1) + le24(height - 1))
        body += riffChunk("ANIM", [255, 255, 255, 255, 0, 0])
        for (x, y, w, h, chunk) in frames {
            // Duration 100 ms; flags: no blending, no disposal.
            body += riffChunk("ANMF", le24(x / 2) + le24(y / 2) + le24(w - 1) + le24(h - 1) + le24(100) + [0x02] + chunk)
        }
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    /// Rewrites a simple lossless file's declared size (VP8L header after the 0x2F signature).
    static func patchVP8L(_ bytes: [UInt8], width: Int, height: Int) -> [UInt8] {
        var out = bytes
        let old = Int(bytes[21]) | Int(bytes[22]) << 8 | Int(bytes[23]) << 16 | Int(bytes[24]) << 24
        let kept = old & ~((1 << 28) - 1)  // alpha hint and version bits
        let packed = (width - 1) | (height - 1) << 14 | kept
        out.replaceSubrange(21..<25, with: le32(packed))
        return out
    }
}

import Foundation
import Testing
@testable import AIArtsImaging

@Suite struct JPEGTests {
    @Test func encodeDecodeRoundTripKeepsSizeAndColours() throws {
        let bytes = try Fixture.quadrantJPEG(width: 64, height: 48)
        #expect(ImageFormat.detect(bytes) == .jpeg)
        let decoded = try ImageCodec.decode(bytes)
        let img = decoded.image
        #expect(img.width == 64 && img.height == 48 && img.channels == 3)
        #expect(!decoded.isDamaged && !decoded.isTruncated)
        #expect(img.color(x: 8, y: 8).distance(to: Fixture.red) <= 8)
        #expect(img.color(x: 56, y: 8).distance(to: Fixture.green) <= 8)
        #expect(img.color(x: 8, y: 40).distance(to: Fixture.blue) <= 8)
        #expect(img.color(x: 56, y: 40).distance(to: Fixture.yellow) <= 8)
        let info = try ImageCodec.info(bytes)
        #expect(info.format == .jpeg && info.width == 64 && info.height == 48)
        #expect(info.colorModel == .ycbcr && info.orientation == .normal)
    }

    @Test(arguments: [(DecodeScale.full, 200, 120), (.half, 100, 60), (.quarter, 50, 30), (.eighth, 25, 15)])
    func scaledDecodeSizes(scale: DecodeScale, width: Int, height: Int) throws {
        let bytes = try Fixture.quadrantJPEG(width: 200, height: 120)
        let decoded = try ImageCodec.decode(bytes, options: DecodeOptions(scale: scale))
        #expect(decoded.image.width == width && decoded.image.height == height)
        #expect(decoded.scale == scale)
        #expect(decoded.image.color(x: 2, y: 2).distance(to: Fixture.red) <= 10)
    }

    @Test func scaledSizesRoundUp() throws {
        let bytes = try Fixture.quadrantJPEG(width: 101, height: 37)
        let eighth = try ImageCodec.decode(bytes, options: DecodeOptions(scale: .eighth)).image
        #expect(eighth.width == 13 && eighth.height == 5)
    }

    @Test func fittingPicksCheapestCoveringScaleThenBoxShrinks() throws {
        let bytes = try Fixture.quadrantJPEG(width: 1600, height: 1200, quality: 80)
        let decoded = try ImageCodec.decode(bytes, fitting: ImageSize(width: 160, height: 90))
        #expect(decoded.scale == .eighth)  // 200x150 still covers 120x90
        #expect(decoded.image.width == 120 && decoded.image.height == 90)
        #expect(decoded.image.color(x: 10, y: 10).distance(to: Fixture.red) <= 10)
        #expect(decoded.image.color(x: 110, y: 80).distance(to: Fixture.yellow) <= 10)
        // A box close to full size needs full scale.
        let big = try ImageCodec.decode(bytes, fitting: ImageSize(width: 1500, height: 2000))
        #expect(big.scale == .full && big.image.width == 1500 && big.image.height == 1125)
        // Never enlarges.
        let small = try ImageCodec.decode(try Fixture.quadrantJPEG(width: 32, height: 32),
                                          fitting: ImageSize(width: 300, height: 300))
        #expect(small.image.width == 32 && small.image.height == 32)
    }

    @Test func grayscaleJPEGDecodesToRGB() throws {
        let gray = (0..<(32 * 16)).map { UInt8($0 % 32 < 16 ? 40 : 200) }
        let bytes = try ImageCodec.encodeGrayJPEG(width: 32, height: 16, gray: gray, quality: 95)
        #expect(try ImageCodec.info(bytes).colorModel == .gray)
        let img = try ImageCodec.decode(bytes).image
        #expect(img.channels == 3)
        let left = img.color(x: 4, y: 8), right = img.color(x: 28, y: 8)
        #expect(left.r == left.g && left.g == left.b && abs(Int(left.r) - 40) <= 6)
        #expect(right.r == right.g && right.g == right.b && abs(Int(right.r) - 200) <= 6)
    }

    /// Left half red, right half a 50% grey made of black ink only.
    private func cmykPixels(inverted: Bool) -> [UInt8] {
        var px: [UInt8] = []
        for _ in 0..<16 {
            for x in 0..<32 {
                let ink: [UInt8] = x < 16 ? [0, 255, 255, 0] : [0, 0, 0, 128]
                px += inverted ? ink.map { 255 - $0 } : ink
            }
        }
        return px
    }

    @Test(arguments: [(0, false, ColorModel.cmyk), (1, true, .cmyk), (2, true, .ycck)])
    func cmykAndYCCKDecodeToRGB(adobe: Int, inverted: Bool, model: ColorModel) throws {
        let bytes = try ImageCodec.encodeCMYKJPEG(width: 32, height: 16, cmyk: cmykPixels(inverted: inverted),
                                                  adobe: adobe)
        let info = try ImageCodec.info(bytes)
        #expect(info.colorModel == model)
        let decoded = try ImageCodec.decode(bytes)
        #expect(decoded.image.channels == 3 && decoded.image.width == 32)
        #expect(decoded.image.color(x: 4, y: 8).distance(to: RGBColor(255, 0, 0)) <= 10)
        #expect(decoded.image.color(x: 28, y: 8).distance(to: RGBColor(127, 127, 127)) <= 10)
        #expect(try ImageCodec.check(bytes).colorModel == model)
    }

    @Test func truncatedJPEGDecodesAsDamagedAndFailsCheck() throws {
        let whole = try Fixture.noisyJPEG(width: 256, height: 256)
        let half = Array(whole[0..<(whole.count / 2)])
        #expect(Fixture.scanData(whole).contains(half.count))
        let decoded = try ImageCodec.decode(half)
        #expect(decoded.isTruncated && decoded.isDamaged)
        #expect(decoded.warning?.contains("Premature end") == true)
        #expect(decoded.image.width == 256 && decoded.image.height == 256)
        let failure = expectError { try ImageCodec.check(half) }
        #expect(failure?.kind == "truncated")
        #expect(failure?.description.contains("Premature end") == true)
        // Cut inside the header: nothing to decode at all.
        #expect(expectError { try ImageCodec.decode(Array(whole[0..<40])) }?.kind == "truncated")
        // The intact file passes.
        #expect(try ImageCodec.check(whole).width == 256)
    }

    @Test func damagedEntropyDataIsReported() throws {
        var bytes = try Fixture.noisyJPEG(width: 128, height: 128)
        // Overwrite the middle of the scan with a restart marker libjpeg does
        // not expect: the decoder must resync and say so.
        let scan = Fixture.scanData(bytes)
        let mid = (scan.lowerBound + scan.upperBound) / 2
        bytes[mid] = 0xFF
        bytes[mid + 1] = 0xD3
        let decoded = try ImageCodec.decode(bytes)
        #expect(decoded.isDamaged && !decoded.isTruncated)
        #expect(decoded.warning?.contains("Corrupt JPEG data") == true)
        #expect(expectError { try ImageCodec.check(bytes) }?.kind == "corrupt")
    }

    @Test func emptyGarbageAndNonImages() throws {
        #expect(expectError { try ImageCodec.decode([]) } == .empty)
        #expect(expectError { try ImageCodec.info([]) } == .empty)
        var rng = SeededRandom(seed: 7)
        let noise = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(expectError { try ImageCodec.decode(noise) } == .unknownFormat)
        #expect(expectError { try ImageCodec.decode(Array("GIF89a not really".utf8)) } == .unknownFormat)
        // JPEG magic followed by garbage: a clean error, never a crash.
        for seed in 1...20 {
            var r = SeededRandom(seed: UInt64(seed))
            let body = (0..<2048).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            let bytes: [UInt8] = [0xFF, 0xD8, 0xFF] + body
            let kind = expectError { try ImageCodec.decode(bytes) }?.kind
            #expect(kind == "corrupt" || kind == "truncated", "seed \(seed)")
        }
        // A marker segment with a bogus length is corrupt, not truncated.
        let bogus: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x01, 0x00, 0x00]
        #expect(expectError { try ImageCodec.decode(bogus) }?.kind == "corrupt")
    }

    @Test func absurdDeclaredSizeIsRefusedBeforeDecoding() throws {
        let bytes = try Fixture.quadrantJPEG(width: 64, height: 64)
        // SOF fields are 16 bits: 65535x65535 is the JPEG maximum, ~4.3
        // gigapixels. libjpeg-turbo itself stops at 65500 per side; either
        // way the caller sees .tooLarge with the declared size.
        let huge = Fixture.patchSOF(bytes, width: 65535, height: 65535)
        #expect(expectError { try ImageCodec.decode(huge) } == .tooLarge(width: 65535, height: 65535))
        #expect(expectError { try ImageCodec.info(huge) } == .tooLarge(width: 65535, height: 65535))
        #expect(expectError { try ImageCodec.check(huge) } == .tooLarge(width: 65535, height: 65535))
        // Within libjpeg's ceiling but over our 200-megapixel limit.
        let big = Fixture.patchSOF(bytes, width: 20000, height: 20000)
        #expect(expectError { try ImageCodec.decode(big) } == .tooLarge(width: 20000, height: 20000))
        #expect(expectError { try ImageCodec.check(big) } == .tooLarge(width: 20000, height: 20000))
        #expect(ImageError.tooLarge(width: 65535, height: 65535).description.contains("65535x65535"))
        let tight = ImageLimits(maxSide: 63, maxPixels: 1_000_000)
        #expect(expectError { try ImageCodec.decode(bytes, options: DecodeOptions(limits: tight)) }
                == .tooLarge(width: 64, height: 64))
    }

    @Test func decodeFromFileAndMissingFile() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("photo.png") // wrong extension on purpose
        try Data(try Fixture.quadrantJPEG(width: 48, height: 32)).write(to: url)
        let decoded = try ImageCodec.decode(contentsOf: url.path)
        #expect(decoded.info.format == .jpeg && decoded.image.width == 48)
        #expect(try ImageCodec.info(contentsOf: url.path).height == 32)
        let missing = expectError { try ImageCodec.decode(contentsOf: dir.path + "/nope.jpg") }
        #expect(missing?.kind == "io" && missing?.description.contains("nope.jpg") == true)
        #expect(expectError { try ImageCodec.decode(contentsOf: dir.path) }?.kind == "io")
        let empty = dir.appendingPathComponent("empty.jpg")
        try Data().write(to: empty)
        #expect(expectError { try ImageCodec.check(contentsOf: empty.path) } == .empty)
    }

    @Test func encoderRejectsBadArguments() {
        let img = RGBImage(width: 4, height: 4)
        #expect(expectError { try ImageCodec.encodeJPEG(img, quality: 0) }?.kind == "invalidArgument")
        #expect(expectError { try ImageCodec.encodeGrayJPEG(width: 4, height: 4, gray: [1]) }?.kind == "invalidArgument")
    }
}

/// The ImageError a call throws, or nil when it succeeds. (Closures do not
/// infer typed throws yet, so the cast happens here; the API throws only
/// ImageError, which the cast also checks.)
func expectError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
    do {
        _ = try body()
        return nil
    } catch let error as ImageError {
        return error
    } catch {
        Issue.record("threw a non-ImageError: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension ImageError {
    /// The case name, so tests can match a case without its payload.
    var kind: String {
        switch self {
        case .empty: "empty"
        case .unknownFormat: "unknownFormat"
        case .tooLarge: "tooLarge"
        case .corrupt: "corrupt"
        case .truncated: "truncated"
        case .unsupported: "unsupported"
        case .outOfMemory: "outOfMemory"
        case .invalidArgument: "invalidArgument"
        case .io: "io"
        }
    }
}

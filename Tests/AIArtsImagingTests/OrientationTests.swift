import Testing
@testable import AIArtsImaging

@Suite struct OrientationTests {
    /// Stored 64x32 quadrants (red TL, green TR, blue BL, yellow BR) with an
    /// EXIF orientation spliced in after SOI.
    private func orientedJPEG(_ orientation: Int, bigEndian: Bool = true) throws -> [UInt8] {
        Fixture.splice(Fixture.exifSegment(orientation: orientation, bigEndian: bigEndian),
                       into: try Fixture.quadrantJPEG(width: 64, height: 32))
    }

    private func corners(_ img: RGBImage) -> [RGBColor] {
        let w = img.width, h = img.height
        return [img.color(x: 3, y: 3), img.color(x: w - 4, y: 3), img.color(x: 3, y: h - 4), img.color(x: w - 4, y: h - 4)]
    }

    private func expectCorners(_ img: RGBImage, _ expected: [RGBColor], sourceLocation: SourceLocation = #_sourceLocation) {
        for (got, want) in zip(corners(img), expected) {
            #expect(got.distance(to: want) <= 10, "got \(got), want \(want)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [true, false])
    func orientation6RotatesClockwise(bigEndian: Bool) throws {
        let bytes = try orientedJPEG(6, bigEndian: bigEndian)
        let info = try ImageCodec.info(bytes)
        #expect(info.orientation == .rotate90CW)
        #expect(info.width == 64 && info.height == 32 && info.displayWidth == 32 && info.displayHeight == 64)
        let img = try ImageCodec.decode(bytes).image
        #expect(img.width == 32 && img.height == 64)
        // Stored top-left (red) ends up top-right; the left column comes from the stored bottom row.
        expectCorners(img, [Fixture.blue, Fixture.red, Fixture.yellow, Fixture.green])
    }

    @Test func orientation8RotatesCounterClockwise() throws {
        let bytes = try orientedJPEG(8)
        #expect(try ImageCodec.info(bytes).orientation == .rotate270CW)
        let img = try ImageCodec.decode(bytes).image
        #expect(img.width == 32 && img.height == 64)
        // Stored top-left (red) ends up bottom-left.
        expectCorners(img, [Fixture.green, Fixture.yellow, Fixture.red, Fixture.blue])
    }

    @Test func orientationAppliesAfterScaledDecode() throws {
        let bytes = try orientedJPEG(6)
        let half = try ImageCodec.decode(bytes, options: DecodeOptions(scale: .half))
        #expect(half.image.width == 16 && half.image.height == 32)
        expectCorners(half.image, [Fixture.blue, Fixture.red, Fixture.yellow, Fixture.green])
        // The fitting box is in displayed orientation: 32x64 into 20x20 gives 10x20.
        let fit = try ImageCodec.decode(bytes, fitting: ImageSize(width: 20, height: 20))
        #expect(fit.image.width == 10 && fit.image.height == 20)
    }

    @Test func orientationCanBeLeftUnapplied() throws {
        let bytes = try orientedJPEG(6)
        let stored = try ImageCodec.decode(bytes, applyOrientation: false)
        #expect(stored.info.orientation == .rotate90CW)
        #expect(stored.image.width == 64 && stored.image.height == 32)
        expectCorners(stored.image, [Fixture.red, Fixture.green, Fixture.blue, Fixture.yellow])
        // With orientation off, the fitting box applies to the stored image.
        let fit = try ImageCodec.decode(bytes, options: DecodeOptions(fitting: ImageSize(width: 32, height: 32),
                                                                       applyOrientation: false))
        #expect(fit.image.width == 32 && fit.image.height == 16)
    }

    @Test func transformsComposeLikeTheirDefinitions() {
        var rng = SeededRandom(seed: 3)
        let px = (0..<(5 * 3 * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let img = RGBImage(width: 5, height: 3, pixels: px)
        let cw = img.oriented(.rotate90CW)
        #expect(cw.width == 3 && cw.height == 5)
        #expect(cw.oriented(.rotate90CW).oriented(.rotate90CW).oriented(.rotate90CW) == img)
        #expect(cw.oriented(.rotate90CW) == img.oriented(.rotate180))
        #expect(img.oriented(.rotate90CW).oriented(.rotate270CW) == img)
        #expect(img.oriented(.flipHorizontal).oriented(.flipHorizontal) == img)
        #expect(img.oriented(.rotate180).oriented(.flipHorizontal) == img.oriented(.flipVertical))
        // EXIF 5 = mirror horizontally then rotate 270° CW; 7 = mirror then rotate 90° CW.
        #expect(img.oriented(.transpose) == img.oriented(.flipHorizontal).oriented(.rotate270CW))
        #expect(img.oriented(.transverse) == img.oriented(.flipHorizontal).oriented(.rotate90CW))
        #expect(img.oriented(.transpose).color(x: 2, y: 4) == img.color(x: 4, y: 2))
        // RGBA keeps alpha with the pixel.
        let rgba = RGBImage(width: 2, height: 1, channels: 4, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(rgba.oriented(.flipHorizontal).pixels == [5, 6, 7, 8, 1, 2, 3, 4])
    }

    @Test func exifParserSurvivesGarbage() throws {
        let jpeg = try Fixture.quadrantJPEG(width: 16, height: 16)
        let seg = Fixture.exifSegment(orientation: 6)
        #expect(ExifReader.orientation(jpeg: Fixture.splice(seg, into: jpeg)) == .rotate90CW)
        // Out-of-range value, wrong type, no Exif at all.
        #expect(ExifReader.orientation(jpeg: Fixture.splice(Fixture.exifSegment(orientation: 9), into: jpeg)) == .normal)
        #expect(ExifReader.orientation(jpeg: jpeg) == .normal)
        #expect(ExifReader.orientation(jpeg: [0xFF, 0xD8]) == .normal)
        // Every prefix of a file with Exif, and thousands of random mutations:
        // the parser must return something valid and never read out of bounds.
        let full = Fixture.splice(seg, into: jpeg)
        for n in 0..<min(full.count, 120) { _ = ExifReader.orientation(jpeg: Array(full[0..<n])) }
        var rng = SeededRandom(seed: 11)
        for _ in 0..<3000 {
            var b = full
            for _ in 0..<rng.int(in: 1...6) {
                let at = rng.int(in: 2...(4 + seg.count)) // inside the segment
                b[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            let o = ExifReader.orientation(jpeg: b)
            #expect(ExifOrientation.allCases.contains(o))
        }
        // IFD offset pointing far outside the segment; entry count far too big.
        var farIFD = seg
        farIFD[4 + 6 + 4] = 0x7F
        #expect(ExifReader.orientation(jpeg: Fixture.splice(farIFD, into: jpeg)) == .normal)
        var manyEntries = seg
        manyEntries[4 + 6 + 8] = 0xFF
        manyEntries[4 + 6 + 9] = 0xFF
        _ = ExifReader.orientation(jpeg: Fixture.splice(manyEntries, into: jpeg))
        // libjpeg still decodes a file whose Exif is nonsense.
        #expect(try ImageCodec.decode(Fixture.splice(farIFD, into: jpeg)).image.width == 16)
    }
}

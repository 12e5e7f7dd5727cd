import Testing
@testable import AIArtsImaging

/// The pixel kernels of dataset preprocessing on tiny images with exact expectations. The
/// brightness, contrast and median expectations were produced by Pillow 13 on the same bytes
/// (ImageEnhance.Brightness(0.4), ImageEnhance.Contrast(1.2), ImageFilter.MedianFilter(3 / 5)).
@Suite struct PreprocessKernelTests {
    /// 5×4 RGB, byte i = (37·i + 11) mod 256.
    static let source = RGBImage(width: 5, height: 4, pixels: (0..<60).map { UInt8((37 * $0 + 11) % 256) })

    /// A w×h RGB image whose pixel (x, y) is (x, y, 10x + y): positions can be read back.
    static func coordinates(_ w: Int, _ h: Int) -> RGBImage {
        var px = [UInt8]()
        for y in 0..<h { for x in 0..<w { px += [UInt8(x), UInt8(y), UInt8(10 * x + y)] } }
        return RGBImage(width: w, height: h, pixels: px)
    }

    @Test func flipsMoveEveryPixel() {
        let img = Self.coordinates(3, 2)
        let h = img.flippedHorizontally(), v = img.flippedVertically()
        #expect(h.color(x: 0, y: 0) == RGBColor(2, 0, 20))
        #expect(h.color(x: 2, y: 1) == RGBColor(0, 1, 1))
        #expect(v.color(x: 0, y: 0) == RGBColor(0, 1, 1))
        #expect(v.color(x: 1, y: 1) == RGBColor(1, 0, 10))
        #expect(h.flippedHorizontally() == img)
        #expect(v.flippedVertically() == img)
    }

    @Test func quarterTurnsAreCounterClockwise() {
        let img = Self.coordinates(3, 2)
        let ccw = img.rotated(quarterTurns: 1)
        #expect(ccw.width == 2 && ccw.height == 3)
        // Counter-clockwise: the top-right corner comes to the top-left.
        #expect(ccw.color(x: 0, y: 0) == RGBColor(2, 0, 20))
        #expect(ccw.color(x: 1, y: 0) == RGBColor(2, 1, 21))
        #expect(ccw.color(x: 0, y: 2) == RGBColor(0, 0, 0))
        let cw = img.rotated(quarterTurns: -1)
        #expect(cw == img.rotated(quarterTurns: 3))
        #expect(cw.color(x: 0, y: 0) == RGBColor(0, 1, 1))   // the bottom-left corner comes to the top-left
        #expect(img.rotated(quarterTurns: 2) == img.flippedHorizontally().flippedVertically())
        var r = img
        for _ in 0..<4 { r = r.rotated(quarterTurns: 1) }
        #expect(r == img)
    }

    @Test func cropAndPad() {
        let img = Self.coordinates(4, 3)
        let c = img.cropped(x: 1, y: 1, width: 2, height: 2)
        #expect(c.width == 2 && c.height == 2)
        #expect(c.color(x: 0, y: 0) == RGBColor(1, 1, 11))
        #expect(c.color(x: 1, y: 1) == RGBColor(2, 2, 22))
        // Clamped to the image, never empty.
        let clamped = img.cropped(x: 3, y: 2, width: 10, height: 10)
        #expect(clamped.width == 1 && clamped.height == 1 && clamped.color(x: 0, y: 0) == RGBColor(3, 2, 32))
        let p = img.padded(left: 1, top: 2, right: 0, bottom: 1, fill: RGBColor(7, 7, 7))
        #expect(p.width == 5 && p.height == 6)
        #expect(p.color(x: 0, y: 0) == RGBColor(7, 7, 7))
        #expect(p.color(x: 1, y: 2) == RGBColor(0, 0, 0))
        #expect(p.color(x: 4, y: 4) == RGBColor(3, 2, 32))
        #expect(p.color(x: 4, y: 5) == RGBColor(7, 7, 7))
        #expect(p.cropped(x: 1, y: 2, width: 4, height: 3) == img)
    }

    @Test func brightnessAndContrastMatchPillow() {
        #expect(Self.source.brightnessAdjusted(0.4).pixels == [4, 19, 34, 48, 63, 78, 93, 5, 20, 35, 50, 64, 79, 94, 6, 21, 36, 51, 66, 80, 95, 8, 22, 37, 52, 67, 82, 96, 9, 24, 38, 53, 68, 83, 98, 10, 25, 40, 54, 69, 84, 99, 11, 26, 41, 56, 70, 85, 100, 12, 27, 42, 57, 72, 86, 101, 14, 28, 43, 58])
        #expect(Self.source.contrastAdjusted(1.2).pixels == [0, 31, 76, 120, 164, 209, 253, 0, 35, 79, 124, 168, 212, 255, 0, 38, 83, 127, 172, 216, 255, 0, 42, 86, 131, 175, 220, 255, 1, 46, 90, 134, 179, 223, 255, 5, 49, 94, 138, 182, 227, 255, 8, 53, 97, 142, 186, 230, 255, 12, 56, 101, 145, 190, 234, 255, 15, 60, 104, 149])
        #expect(Self.source.brightnessAdjusted(1) == Self.source)
        #expect(Self.source.contrastAdjusted(1) == Self.source)
    }

    @Test func gammaUsesTheLookupFormula() {
        let img = RGBImage(width: 2, height: 1, pixels: [0, 64, 128, 192, 255, 10])
        // round(255 · (v/255)^0.5)
        #expect(img.gammaAdjusted(0.5).pixels == [0, 128, 181, 221, 255, 50])
        #expect(img.gammaAdjusted(1) == img)
    }

    @Test func alphaPassesThroughPhotometricOps() {
        let img = RGBImage(width: 1, height: 1, channels: 4, pixels: [100, 200, 50, 77])
        #expect(img.brightnessAdjusted(0.5).pixels == [50, 100, 25, 77])
        #expect(img.gammaAdjusted(2).pixels[3] == 77)
        #expect(img.medianFiltered(size: 3).pixels == img.pixels)
        #expect(img.gaussianBlurred(sigma: 1, size: 3).pixels == img.pixels)
    }

    @Test func medianMatchesPillow() {
        #expect(Self.source.medianFiltered(size: 3).pixels == [54, 91, 128, 122, 57, 94, 122, 125, 162, 199, 125, 60, 199, 168, 60, 97, 134, 128, 97, 100, 128, 131, 159, 162, 131, 100, 103, 174, 125, 103, 140, 134, 171, 106, 134, 137, 165, 168, 137, 106, 109, 137, 131, 109, 103, 140, 177, 171, 140, 143, 171, 208, 143, 69, 106, 143, 146, 72, 109, 146])
        #expect(Self.source.medianFiltered(size: 5).pixels == [54, 57, 85, 88, 100, 128, 122, 125, 103, 174, 159, 94, 199, 125, 60, 97, 91, 128, 106, 125, 137, 122, 125, 128, 165, 125, 103, 174, 109, 94, 106, 134, 171, 131, 143, 162, 131, 134, 137, 131, 109, 103, 106, 109, 103, 140, 143, 180, 140, 168, 171, 140, 143, 146, 106, 109, 137, 72, 109, 146])
        #expect(Self.source.medianFiltered(size: 1) == Self.source)
        // Salt noise on a flat image disappears.
        var noisy = RGBImage(width: 5, height: 5, color: RGBColor(40, 40, 40))
        noisy.pixels[(2 * 5 + 2) * 3] = 255
        #expect(noisy.medianFiltered(size: 3) == RGBImage(width: 5, height: 5, color: RGBColor(40, 40, 40)))
    }

    /// Brute force: the median of each replicated-border window, sorted.
    @Test func medianAgreesWithSortingOnLargerImages() {
        var state: UInt32 = 12345
        let px = (0..<(17 * 11 * 3)).map { _ -> UInt8 in state = state &* 1_664_525 &+ 1_013_904_223; return UInt8(state >> 24) }
        let img = RGBImage(width: 17, height: 11, pixels: px)
        for k in [3, 7] {
            let got = img.medianFiltered(size: k), r = k / 2
            for y in 0..<11 { for x in 0..<17 { for c in 0..<3 {
                var window = [UInt8]()
                for dy in -r...r { for dx in -r...r {
                    let sx = min(16, max(0, x + dx)), sy = min(10, max(0, y + dy))
                    window.append(px[(sy * 17 + sx) * 3 + c])
                } }
                #expect(got.pixels[(y * 17 + x) * 3 + c] == window.sorted()[window.count / 2])
            } } }
        }
    }

    @Test func gaussianIsNormalisedAndReflects() {
        let flat = RGBImage(width: 6, height: 4, color: RGBColor(90, 91, 92))
        #expect(flat.gaussianBlurred(sigma: 1.5, size: 11) == flat)
        // A single bright pixel spreads symmetrically; the centre keeps the largest share.
        var dot = RGBImage(width: 7, height: 7, color: .black)
        dot.pixels[(3 * 7 + 3) * 3] = 255
        let b = dot.gaussianBlurred(sigma: 1, size: 3)
        // 1-D weights for sigma 1, size 3: e^-0.5 / (1 + 2e^-0.5) = 0.27407, 1 / (…) = 0.45186.
        #expect(b.color(x: 3, y: 3).r == 52)    // 255 · 0.45186²
        #expect(b.color(x: 2, y: 3).r == 32)    // 255 · 0.45186 · 0.27407
        #expect(b.color(x: 4, y: 3).r == 32)
        #expect(b.color(x: 2, y: 2).r == 19)    // 255 · 0.27407²
        #expect(b.color(x: 1, y: 3).r == 0)
        // Reflect-101 at the edge: [a b c …] sees b on its left, so a step at the border is kept smooth.
        let edge = RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 255, 255, 255, 255, 255, 255])
        let e = edge.gaussianBlurred(sigma: 1, size: 3)
        #expect(e.pixels[0] == 140)   // 0 · 0.45186 + 2 · 255 · 0.27407 = 139.8
    }

    @Test func nearestResizeKeepsClassValues() {
        let mask = IndexedImage(width: 4, height: 2, values: [0, 0, 1, 1, 2, 2, 3, 3])
        let up = mask.resizedNearest(to: ImageSize(width: 8, height: 4))
        #expect(Set(up.values) == [0, 1, 2, 3])
        #expect(up.value(x: 0, y: 0) == 0 && up.value(x: 7, y: 0) == 1 && up.value(x: 7, y: 3) == 3)
        let down = mask.resizedNearest(to: ImageSize(width: 2, height: 1))
        #expect(down.values.allSatisfy { [0, 1, 2, 3].contains($0) })
        #expect(mask.rotated(quarterTurns: 1).values == [1, 3, 1, 3, 0, 2, 0, 2])
        #expect(mask.padded(left: 1, top: 0, right: 0, bottom: 0, fill: 0).values == [0, 0, 0, 1, 1, 0, 2, 2, 3, 3])
    }
}

import Testing
@testable import AIArtsImaging

@Suite struct CanvasTests {
    @Test func seededRandomIsDeterministic() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
        // SplitMix64 reference value for seed 0 (first output).
        var zero = SeededRandom(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        var r = SeededRandom(seed: 1)
        for _ in 0..<1000 {
            let v = r.int(in: -3...3)
            #expect((-3...3).contains(v))
            let u = r.unit()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func shapesFillTheRightPixels() {
        var canvas = Canvas(width: 20, height: 20, background: .white)
        canvas.fillRect(x: -5, y: -5, width: 8, height: 8, Fixture.red) // clipped to 0..<3
        #expect(canvas.image.color(x: 2, y: 2) == Fixture.red)
        #expect(canvas.image.color(x: 3, y: 3) == .white)
        canvas.fillCircle(cx: 10, cy: 10, radius: 3, Fixture.blue)
        #expect(canvas.image.color(x: 10, y: 10) == Fixture.blue)
        #expect(canvas.image.color(x: 12, y: 9) == Fixture.blue)
        #expect(canvas.image.color(x: 13, y: 13) == .white)   // outside the disc, inside its box
        #expect(canvas.image.color(x: 10, y: 14) == .white)
        canvas.fillTriangle((x: 0, y: 20), (x: 20, y: 20), (x: 0, y: 12), Fixture.green)
        #expect(canvas.image.color(x: 1, y: 19) == Fixture.green)
        #expect(canvas.image.color(x: 19, y: 13) == .white)  // above the hypotenuse
        // Wildly out-of-range shapes are clipped, never trap.
        canvas.fillCircle(cx: -1e9, cy: 5, radius: 1e9 - 3, Fixture.yellow)
        canvas.fillTriangle((x: -1e6, y: -1e6), (x: 1e6, y: -1e6), (x: 0, y: .nan), Fixture.yellow)
        canvas.fillRect(x: Int.max - 1, y: 0, width: Int.max, height: 3, Fixture.yellow)
        canvas.fill(Fixture.green)
        #expect(canvas.image.pixels.count == 20 * 20 * 3)
        #expect(canvas.image.color(x: 19, y: 19) == Fixture.green)
    }

    @Test func noiseIsDeterministicAndBounded() {
        func make(_ seed: UInt64) -> RGBImage {
            var canvas = Canvas(width: 16, height: 16, background: RGBColor(250, 128, 3))
            var rng = SeededRandom(seed: seed)
            canvas.noise(&rng, amplitude: 10)
            return canvas.image
        }
        #expect(make(1) == make(1))
        #expect(make(1) != make(2))
        let img = make(1)
        for y in 0..<16 {
            for x in 0..<16 {
                let c = img.color(x: x, y: y)
                #expect(c.r >= 240 && abs(Int(c.g) - 128) <= 10 && c.b <= 13)
            }
        }
    }
}

@Suite struct ResizeTests {
    @Test func fittedKeepsAspectAndNeverEnlarges() {
        #expect(ImageSize(width: 4000, height: 3000).fitted(into: ImageSize(width: 160, height: 90))
                == ImageSize(width: 120, height: 90))
        #expect(ImageSize(width: 3000, height: 4000).fitted(into: ImageSize(width: 160, height: 90))
                == ImageSize(width: 68, height: 90))
        #expect(ImageSize(width: 50, height: 40).fitted(into: ImageSize(width: 160, height: 90))
                == ImageSize(width: 50, height: 40))
        #expect(ImageSize(width: 10000, height: 1).fitted(into: ImageSize(width: 100, height: 100))
                == ImageSize(width: 100, height: 1))
    }

    @Test func areaAverageOfWholeBlocks() {
        // 4x2 → 2x1: each output pixel is the mean of a 2x2 block.
        let px: [UInt8] = [0, 0, 0, 100, 100, 100, 10, 10, 10, 20, 20, 20,
                           50, 50, 50, 250, 250, 250, 30, 30, 30, 40, 40, 40]
        let small = RGBImage(width: 4, height: 2, pixels: px).resized(to: ImageSize(width: 2, height: 1))
        #expect(small.pixels == [100, 100, 100, 25, 25, 25])
    }

    @Test func fractionalRatiosWeighByCoverage() {
        // 3 → 2 pixels: output 0 covers 1 + 0.5 source pixels.
        let img = RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 90, 90, 90, 180, 180, 180])
        let out = img.resized(to: ImageSize(width: 2, height: 1))
        #expect(out.pixels == [30, 30, 30, 150, 150, 150])
        // A flat image stays flat at any size, including enlarging, and RGBA.
        let flat = RGBImage(width: 7, height: 5, channels: 4, pixels: Array(repeating: 77, count: 7 * 5 * 4))
        #expect(flat.resized(to: ImageSize(width: 3, height: 2)).pixels.allSatisfy { $0 == 77 })
        #expect(flat.resized(to: ImageSize(width: 11, height: 13)).pixels.allSatisfy { $0 == 77 })
    }
}

// A tiny rasteriser for generated demo datasets. Pure Swift and
// deterministic: the same seed and calls give the same bytes on every
// machine and Swift version, so generated fixtures and demo data are
// reproducible.

/// SplitMix64: small, fast, statistically decent, and fully specified here
/// (unlike the standard library's generator, which is not seedable).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range`. Our own reduction instead of `Int.random(in:using:)`
    /// because the standard library does not promise that algorithm stays
    /// the same; the modulo bias is negligible for small ranges.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) } // full 64-bit range
        return range.lowerBound + Int(next() % span)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// Draws into an RGBImage. Shapes are filled where a pixel's centre lies
/// inside them; coordinates outside the image are clipped, never trap.
/// With 4 channels only colour is written; alpha is left as it is.
public struct Canvas: Sendable {
    public private(set) var image: RGBImage

    public init(width: Int, height: Int, background: RGBColor = .black) {
        image = RGBImage(width: width, height: height, channels: 3, color: background)
    }

    public init(image: RGBImage) { self.image = image }

    public var width: Int { image.width }
    public var height: Int { image.height }

    public mutating func fill(_ color: RGBColor) {
        fillRect(x: 0, y: 0, width: width, height: height, color)
    }

    /// Adds independent uniform noise in -amplitude...amplitude to every
    /// channel of every pixel, clamped to 0...255.
    public mutating func noise(_ rng: inout SeededRandom, amplitude: Int) {
        guard amplitude > 0 else { return }
        let c = image.channels, n = width * height
        image.pixels.withUnsafeMutableBufferPointer { px in
            for p in 0..<n {
                for k in 0..<3 {
                    let v = Int(px[p * c + k]) + rng.int(in: -amplitude...amplitude)
                    px[p * c + k] = UInt8(max(0, min(255, v)))
                }
            }
        }
    }

    public mutating func setPixel(x: Int, y: Int, _ color: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * image.channels
        image.pixels[i] = color.r
        image.pixels[i + 1] = color.g
        image.pixels[i + 2] = color.b
    }

    /// Axis-aligned rectangle of whole pixels, clipped to the image.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x.addingReportingOverflow(w).overflow ? width : x + w)
        let y1 = min(height, y.addingReportingOverflow(h).overflow ? height : y + h)
        guard x0 < x1, y0 < y1 else { return }
        fillSpans(y0..<y1, color) { _ in (x0, x1) }
    }

    /// Disc centred at (cx, cy) in pixel coordinates (pixel centres are at
    /// +0.5), radius r.
    public mutating func fillCircle(cx: Double, cy: Double, radius r: Double, _ color: RGBColor) {
        guard r > 0, cx.isFinite, cy.isFinite, r.isFinite else { return }
        let y0 = max(0, Int((cy - r).rounded(.down))), y1 = min(height, Int((cy + r).rounded(.up)) + 1)
        guard y0 < y1 else { return }
        fillSpans(y0..<y1, color) { y in
            let dy = Double(y) + 0.5 - cy
            let d2 = r * r - dy * dy
            guard d2 >= 0 else { return nil }
            let half = d2.squareRoot()
            // Pixels whose centre x + 0.5 lies in [cx - half, cx + half].
            return (Int((cx - half - 0.5).rounded(.up)), Int((cx + half - 0.5).rounded(.down)) + 1)
        }
    }

    /// Triangle through three points (any winding).
    public mutating func fillTriangle(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double),
                                      _ c: (x: Double, y: Double), _ color: RGBColor) {
        let pts = [a, b, c]
        guard pts.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let minY = pts.map(\.y).min()!, maxY = pts.map(\.y).max()!
        let y0 = max(0, Int(minY.rounded(.down))), y1 = min(height, Int(maxY.rounded(.up)) + 1)
        guard y0 < y1 else { return }
        let edges = [(a, b), (b, c), (c, a)]
        fillSpans(y0..<y1, color) { y in
            // Intersect the scanline through the pixel centres with each edge.
            let sy = Double(y) + 0.5
            var lo = Double.infinity, hi = -Double.infinity
            for (p, q) in edges where (p.y <= sy && sy < q.y) || (q.y <= sy && sy < p.y) {
                let x = p.x + (sy - p.y) * (q.x - p.x) / (q.y - p.y)
                lo = min(lo, x)
                hi = max(hi, x)
            }
            guard lo <= hi else { return nil }
            return (Int((lo - 0.5).rounded(.up)), Int((hi - 0.5).rounded(.down)) + 1)
        }
    }

    /// Paints, for each row, the pixel span [x0, x1) that `span` returns,
    /// clipped to the image; the one place that bounds-checks shapes.
    private mutating func fillSpans(_ rows: Range<Int>, _ color: RGBColor, _ span: (Int) -> (Int, Int)?) {
        let c = image.channels, w = width
        image.pixels.withUnsafeMutableBufferPointer { px in
            for y in rows {
                guard let (a, b) = span(y) else { continue }
                let x0 = max(0, a), x1 = min(w, b)
                guard x0 < x1 else { continue }
                for x in x0..<x1 {
                    let i = (y * w + x) * c
                    px[i] = color.r
                    px[i + 1] = color.g
                    px[i + 2] = color.b
                }
            }
        }
    }
}

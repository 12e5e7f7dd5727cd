// Drawing primitives for prediction overlays: clipped rectangles, outlines,
// lines, polygons, text tags and class-mask blending on an RGBImage (3 or 4
// channels; alpha is left untouched). Every call clips to the image, accepts
// any coordinates (huge, negative, NaN) without trapping, and allocates
// nothing per pixel.

/// A point in image pixel coordinates (x to the right, y down).
public struct AnnotationPoint: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// Colours for class indices: a fixed palette of 20 well separated colours,
/// repeated for larger indices. Negative indices are grey.
public enum ClassPalette {
    public static let colors: [RGBColor] = [
        RGBColor(230, 25, 75), RGBColor(60, 180, 75), RGBColor(0, 130, 200), RGBColor(245, 130, 48),
        RGBColor(145, 30, 180), RGBColor(70, 240, 240), RGBColor(240, 50, 230), RGBColor(210, 245, 60),
        RGBColor(250, 190, 212), RGBColor(0, 128, 128), RGBColor(220, 190, 255), RGBColor(170, 110, 40),
        RGBColor(255, 250, 200), RGBColor(128, 0, 0), RGBColor(170, 255, 195), RGBColor(128, 128, 0),
        RGBColor(255, 215, 180), RGBColor(0, 0, 128), RGBColor(255, 225, 25), RGBColor(128, 128, 128),
    ]

    public static func color(forClass index: Int) -> RGBColor {
        guard index >= 0 else { return RGBColor(160, 160, 160) }
        return colors[index % colors.count]
    }

    /// Black or white, whichever reads better on `background`.
    public static func textColor(on background: RGBColor) -> RGBColor {
        let luma = 299 * Int(background.r) + 587 * Int(background.g) + 114 * Int(background.b)
        return luma > 140_000 ? .black : .white
    }
}

/// Draws onto an image it owns; take `image` back when done.
public struct Annotator: Sendable {
    public var image: RGBImage

    public init(image: RGBImage) { self.image = image }

    public var width: Int { image.width }
    public var height: Int { image.height }

    /// Double coordinate to Int, safe for NaN and huge values.
    @inline(__always)
    static func clampInt(_ v: Double) -> Int {
        guard v.isFinite else { return v == .infinity ? 1 << 40 : -(1 << 40) }
        return Int(max(-1e12, min(1e12, v.rounded())))
    }

    /// Text arithmetic stays far from overflow with these bounds.
    static func safeScale(_ s: Int) -> Int { max(1, min(1024, s)) }
    static func safeCoord(_ v: Int) -> Int { max(-(1 << 40), min(1 << 40, v)) }

    /// The part of a rectangle inside the image, or nil.
    @inline(__always)
    func clip(x: Int, y: Int, w: Int, h: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int)? {
        guard w > 0, h > 0 else { return nil }
        let x0 = max(0, x), y0 = max(0, y)
        let (xe, ox) = x.addingReportingOverflow(w), (ye, oy) = y.addingReportingOverflow(h)
        let x1 = ox ? width : min(width, xe), y1 = oy ? height : min(height, ye)
        guard x0 < x1, y0 < y1 else { return nil }
        return (x0, y0, x1, y1)
    }

    /// Fills a rectangle with `color` blended at `alpha` (0...1; 1 = opaque).
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor, alpha: Double = 1) {
        guard let c = clip(x: x, y: y, w: w, h: h) else { return }
        let a = Int((max(0, min(1, alpha.isNaN ? 1 : alpha)) * 255).rounded())
        guard a > 0 else { return }
        let ch = image.channels, stride = image.width * ch
        let cr = Int(color.r), cg = Int(color.g), cb = Int(color.b)
        image.pixels.withUnsafeMutableBufferPointer { px in
            for yy in c.y0..<c.y1 {
                var i = yy * stride + c.x0 * ch
                for _ in c.x0..<c.x1 {
                    if a == 255 {
                        px[i] = color.r; px[i + 1] = color.g; px[i + 2] = color.b
                    } else {
                        px[i] = Self.mix(px[i], cr, a)
                        px[i + 1] = Self.mix(px[i + 1], cg, a)
                        px[i + 2] = Self.mix(px[i + 2], cb, a)
                    }
                    i += ch
                }
            }
        }
    }

    /// (src * (255 - a) + dst * a) / 255, rounded.
    @inline(__always)
    static func mix(_ src: UInt8, _ over: Int, _ a: Int) -> UInt8 {
        UInt8((Int(src) * (255 - a) + over * a + 127) / 255)
    }

    /// A rectangle outline `thickness` pixels wide, drawn inside the
    /// rectangle (its outer edge is the rectangle's edge).
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor, thickness: Int = 1) {
        guard w > 0, h > 0 else { return }
        let t = max(1, min(thickness, min(w, h) / 2 + min(w, h) % 2))
        fillRect(x: x, y: y, width: w, height: t, color)                 // top
        fillRect(x: x, y: y &+ h &- t, width: w, height: t, color)       // bottom
        fillRect(x: x, y: y &+ t, width: t, height: h - 2 * t, color)    // left
        fillRect(x: x &+ w &- t, y: y &+ t, width: t, height: h - 2 * t, color) // right
    }

    /// A straight line with a square brush `thickness` pixels wide.
    public mutating func drawLine(from a: AnnotationPoint, to b: AnnotationPoint, _ color: RGBColor, thickness: Int = 1) {
        var x0 = Self.clampInt(a.x), y0 = Self.clampInt(a.y)
        let x1 = Self.clampInt(b.x), y1 = Self.clampInt(b.y)
        let t = max(1, thickness), half = (t - 1) / 2
        // Clip trivially: a line wholly off one side draws nothing.
        let m = t + 1
        if (x0 < -m && x1 < -m) || (y0 < -m && y1 < -m) || (x0 > width + m && x1 > width + m)
            || (y0 > height + m && y1 > height + m) { return }
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        guard dx <= 1 << 20 && -dy <= 1 << 20 else { return } // absurd segment: skip rather than loop forever
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            fillRect(x: x0 - half, y: y0 - half, width: t, height: t, color)
            if x0 == x1 && y0 == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x0 += sx }
            if e2 <= dx { err += dx; y0 += sy }
        }
    }

    /// A closed polygon outline.
    public mutating func strokePolygon(_ points: [AnnotationPoint], _ color: RGBColor, thickness: Int = 1) {
        guard points.count >= 2 else { return }
        for i in 0..<points.count {
            drawLine(from: points[i], to: points[(i + 1) % points.count], color, thickness: thickness)
        }
    }

    /// Fills a polygon (even-odd rule, pixel centres) with `color` at `alpha`.
    public mutating func fillPolygon(_ points: [AnnotationPoint], _ color: RGBColor, alpha: Double = 1) {
        guard points.count >= 3, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let minY = max(0, Int(max(-1, points.map(\.y).min() ?? 0).rounded(.down)))
        let maxY = min(height - 1, Int(min(Double(height), points.map(\.y).max() ?? 0).rounded(.up)))
        guard minY <= maxY else { return }
        var xs = [Double]()
        xs.reserveCapacity(points.count)
        for yy in minY...maxY {
            let cy = Double(yy) + 0.5
            xs.removeAll(keepingCapacity: true)
            for i in 0..<points.count {
                let p = points[i], q = points[(i + 1) % points.count]
                if (p.y <= cy && q.y > cy) || (q.y <= cy && p.y > cy) {
                    xs.append(p.x + (cy - p.y) / (q.y - p.y) * (q.x - p.x))
                }
            }
            xs.sort()
            var k = 0
            while k + 1 < xs.count {
                // Pixels whose centre lies in [xs[k], xs[k+1]).
                let a = Int(max(-1, min(Double(width + 1), (xs[k] - 0.5).rounded(.up))))
                let b = Int(max(-1, min(Double(width + 1), (xs[k + 1] - 0.5).rounded(.up))))
                fillRect(x: a, y: yy, width: b - a, height: 1, color, alpha: alpha)
                k += 2
            }
        }
    }

    /// Draws one line of text with its top-left corner at (x, y); glyph
    /// pixels are `scale`x`scale` squares. Clipped at the image edges.
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, _ color: RGBColor) {
        let s = Self.safeScale(scale), y = Self.safeCoord(y)
        var cx = Self.safeCoord(x)
        for scalar in text.unicodeScalars {
            if cx >= width { break }
            if cx + BitmapFont.glyphWidth * s > 0 && y < height && y + BitmapFont.glyphHeight * s > 0 {
                let rows = BitmapFont.rows(for: scalar)
                for (r, bits) in rows.enumerated() where bits != 0 {
                    for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(col)) != 0 {
                        fillRect(x: cx + col * s, y: y + r * s, width: s, height: s, color)
                    }
                }
            }
            cx += BitmapFont.cellWidth * s
        }
    }

    /// Size of a tag (text plus padding) as drawn by `drawTag`.
    public static func tagSize(lines: [String], scale: Int) -> (width: Int, height: Int) {
        let s = safeScale(scale), pad = s
        let w = lines.map { BitmapFont.measure($0, scale: s).width }.max() ?? 0
        let n = lines.count
        return (w + 2 * pad, n == 0 ? 0 : n * BitmapFont.cellHeight * s - s + 2 * pad)
    }

    /// Text lines on a filled background rectangle whose top-left corner is
    /// (x, y). Text colour is black or white, whichever contrasts more.
    public mutating func drawTag(lines: [String], x: Int, y: Int, scale: Int, background: RGBColor, alpha: Double = 1) {
        let s = Self.safeScale(scale), x = Self.safeCoord(x), y = Self.safeCoord(y)
        let size = Self.tagSize(lines: lines, scale: s)
        fillRect(x: x, y: y, width: size.width, height: size.height, background, alpha: alpha)
        let fg = ClassPalette.textColor(on: background)
        for (i, line) in lines.enumerated() {
            drawText(line, x: x + s, y: y + s + i * BitmapFont.cellHeight * s, scale: s, fg)
        }
    }

    /// Blends a class-index mask over the image: each pixel whose class is
    /// not in `skip` is mixed with its class colour at `alpha`. A mask of
    /// another size is stretched to the image (nearest neighbour).
    public mutating func overlayMask(_ mask: IndexedImage, alpha: Double = 0.5, skip: Set<UInt8> = [255],
                                     colors: [RGBColor]? = nil) {
        guard mask.width > 0, mask.height > 0, width > 0, height > 0 else { return }
        let a = Int((max(0, min(1, alpha.isNaN ? 0.5 : alpha)) * 255).rounded())
        guard a > 0 else { return }
        // Per-class lookup tables, built once per call.
        var draw = [Bool](repeating: true, count: 256)
        var lut = [Int](repeating: 0, count: 256 * 3)
        for v in 0..<256 {
            draw[v] = !skip.contains(UInt8(v))
            let c = colors.flatMap { v < $0.count ? $0[v] : nil } ?? ClassPalette.color(forClass: v)
            lut[v * 3] = Int(c.r); lut[v * 3 + 1] = Int(c.g); lut[v * 3 + 2] = Int(c.b)
        }
        let w = width, h = height, mw = mask.width, mh = mask.height, ch = image.channels
        let mapX = (0..<w).map { $0 * mw / w }
        image.pixels.withUnsafeMutableBufferPointer { px in
            mask.values.withUnsafeBufferPointer { mv in
                for y in 0..<h {
                    let mrow = (y * mh / h) * mw
                    var i = y * w * ch
                    for x in 0..<w {
                        let v = Int(mv[mrow + mapX[x]])
                        if draw[v] {
                            px[i] = Self.mix(px[i], lut[v * 3], a)
                            px[i + 1] = Self.mix(px[i + 1], lut[v * 3 + 1], a)
                            px[i + 2] = Self.mix(px[i + 2], lut[v * 3 + 2], a)
                        }
                        i += ch
                    }
                }
            }
        }
    }
}

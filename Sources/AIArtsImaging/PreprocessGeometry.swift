// Geometric kernels of dataset preprocessing (docs/preprocessing.md): flips, quarter turns, crop,
// pad and a nearest-neighbour resize. They move whole pixels, so one implementation serves
// colour images (3 or 4 bytes a pixel) and class masks (1 byte a pixel) alike.

/// A packed pixel plane: `channels` bytes a pixel, rows top to bottom, no padding.
struct PixelPlane {
    var width: Int
    var height: Int
    var channels: Int
    var bytes: [UInt8]

    func mirrored(horizontally: Bool) -> PixelPlane {
        let c = channels, w = width, h = height, rowBytes = w * c
        guard w > 0, h > 0 else { return self }
        let out = [UInt8](unsafeUninitializedCapacity: bytes.count) { dst, n in
            bytes.withUnsafeBufferPointer { src in
                for y in 0..<h {
                    let sy = horizontally ? y : h - 1 - y
                    let srow = sy * rowBytes, drow = y * rowBytes
                    if horizontally && c == 3 {
                        // The common case spelled out, so the copy is three moves, not a loop.
                        for x in 0..<w {
                            let s = srow + (w - 1 - x) * 3, d = drow + x * 3
                            dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                        }
                    } else if horizontally {
                        for x in 0..<w {
                            let s = srow + (w - 1 - x) * c, d = drow + x * c
                            for k in 0..<c { dst[d + k] = src[s + k] }
                        }
                    } else {
                        (dst.baseAddress! + drow).initialize(from: src.baseAddress! + srow, count: rowBytes)
                    }
                }
            }
            n = bytes.count
        }
        return PixelPlane(width: w, height: h, channels: c, bytes: out)
    }

    /// Turned counter-clockwise by `quarterTurns` × 90° (any integer; taken modulo 4).
    func rotated(quarterTurns: Int) -> PixelPlane {
        let q = ((quarterTurns % 4) + 4) % 4
        if q == 0 || width == 0 || height == 0 { return self }
        if q == 2 { return mirrored(horizontally: true).mirrored(horizontally: false) }
        let c = channels, w = width, h = height
        // Output is h wide and w high. Counter-clockwise: out(x', y') = in(w-1-y', x');
        // clockwise (q == 3): out(x', y') = in(y', h-1-x').
        let out = [UInt8](unsafeUninitializedCapacity: bytes.count) { dst, n in
            bytes.withUnsafeBufferPointer { src in
                for oy in 0..<w {
                    let drow = oy * h * c
                    for ox in 0..<h {
                        let sx = q == 1 ? w - 1 - oy : oy
                        let sy = q == 1 ? ox : h - 1 - ox
                        let s = (sy * w + sx) * c, d = drow + ox * c
                        if c == 3 { dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2] }
                        else { for k in 0..<c { dst[d + k] = src[s + k] } }
                    }
                }
            }
            n = bytes.count
        }
        return PixelPlane(width: h, height: w, channels: c, bytes: out)
    }

    /// The part inside (x, y, w, h), clamped to the plane; at least 1×1 when the plane is not empty
    /// (a rectangle wholly outside keeps the nearest corner pixel). Callers that must refuse such a
    /// crop check it first (`PreprocessOp` does, per image).
    func cropped(x: Int, y: Int, width cw: Int, height ch: Int) -> PixelPlane {
        guard width > 0, height > 0 else { return self }
        let x0 = min(max(0, x), width - 1), y0 = min(max(0, y), height - 1)
        let x1 = max(x0 + 1, min(width, x.addingReportingOverflow(max(0, cw)).overflow ? width : x + max(0, cw)))
        let y1 = max(y0 + 1, min(height, y.addingReportingOverflow(max(0, ch)).overflow ? height : y + max(0, ch)))
        let ow = x1 - x0, oh = y1 - y0, c = channels
        if ow == width && oh == height { return self }
        var out = [UInt8]()
        out.reserveCapacity(ow * oh * c)
        bytes.withUnsafeBufferPointer { src in
            for row in y0..<y1 {
                let s = (row * width + x0) * c
                out.append(contentsOf: src[s..<(s + ow * c)])
            }
        }
        return PixelPlane(width: ow, height: oh, channels: c, bytes: out)
    }

    /// A border of `fill` (one value a channel) around the plane.
    func padded(left: Int, top: Int, right: Int, bottom: Int, fill: [UInt8]) -> PixelPlane {
        precondition(left >= 0 && top >= 0 && right >= 0 && bottom >= 0 && fill.count == channels)
        let c = channels, ow = width + left + right, oh = height + top + bottom
        if ow == width && oh == height { return self }
        var out = [UInt8](unsafeUninitializedCapacity: ow * oh * c) { dst, n in
            for p in 0..<(ow * oh) { for k in 0..<c { dst[p * c + k] = fill[k] } }
            n = ow * oh * c
        }
        out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in
                for row in 0..<height {
                    let d = ((row + top) * ow + left) * c, s = row * width * c
                    for i in 0..<(width * c) { dst[d + i] = src[s + i] }
                }
            }
        }
        return PixelPlane(width: ow, height: oh, channels: c, bytes: out)
    }

    /// Nearest-neighbour resample: output pixel centre (x + 0.5) maps to source (x + 0.5) · sw / tw.
    func resizedNearest(width tw: Int, height th: Int) -> PixelPlane {
        precondition(tw > 0 && th > 0, "resize target must be at least 1x1")
        if tw == width && th == height { return self }
        let c = channels
        guard width > 0, height > 0 else {
            return PixelPlane(width: tw, height: th, channels: c, bytes: [UInt8](repeating: 0, count: tw * th * c))
        }
        let xs = (0..<tw).map { min(width - 1, Int((Double($0) + 0.5) * Double(width) / Double(tw))) }
        let ys = (0..<th).map { min(height - 1, Int((Double($0) + 0.5) * Double(height) / Double(th))) }
        let out = [UInt8](unsafeUninitializedCapacity: tw * th * c) { dst, n in
            bytes.withUnsafeBufferPointer { src in
                for oy in 0..<th {
                    let srow = ys[oy] * width * c, drow = oy * tw * c
                    for ox in 0..<tw {
                        let s = srow + xs[ox] * c, d = drow + ox * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
            n = tw * th * c
        }
        return PixelPlane(width: tw, height: th, channels: c, bytes: out)
    }
}

extension RGBImage {
    var plane: PixelPlane { PixelPlane(width: width, height: height, channels: channels, bytes: pixels) }
    init(_ plane: PixelPlane) { self.init(width: plane.width, height: plane.height, channels: plane.channels, pixels: plane.bytes) }

    /// Left and right swapped (a mirror about the vertical axis).
    public func flippedHorizontally() -> RGBImage { RGBImage(plane.mirrored(horizontally: true)) }
    /// Top and bottom swapped.
    public func flippedVertically() -> RGBImage { RGBImage(plane.mirrored(horizontally: false)) }
    /// Turned counter-clockwise by quarterTurns × 90° (as Pillow's `rotate(90)`); negative turns clockwise.
    public func rotated(quarterTurns: Int) -> RGBImage { RGBImage(plane.rotated(quarterTurns: quarterTurns)) }
    /// The rectangle (x, y, w, h) clamped to the image, at least 1×1.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        RGBImage(plane.cropped(x: x, y: y, width: width, height: height))
    }
    /// A border of `fill` (alpha, when there is one, is opaque).
    public func padded(left: Int, top: Int, right: Int, bottom: Int, fill: RGBColor) -> RGBImage {
        let f: [UInt8] = channels == 4 ? [fill.r, fill.g, fill.b, 255] : [fill.r, fill.g, fill.b]
        return RGBImage(plane.padded(left: left, top: top, right: right, bottom: bottom, fill: f))
    }
}

extension IndexedImage {
    var plane: PixelPlane { PixelPlane(width: width, height: height, channels: 1, bytes: values) }
    init(_ plane: PixelPlane, palette: [RGBColor]?) {
        self.init(width: plane.width, height: plane.height, values: plane.bytes, palette: palette)
    }

    public func flippedHorizontally() -> IndexedImage { IndexedImage(plane.mirrored(horizontally: true), palette: palette) }
    public func flippedVertically() -> IndexedImage { IndexedImage(plane.mirrored(horizontally: false), palette: palette) }
    public func rotated(quarterTurns: Int) -> IndexedImage { IndexedImage(plane.rotated(quarterTurns: quarterTurns), palette: palette) }
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> IndexedImage {
        IndexedImage(plane.cropped(x: x, y: y, width: width, height: height), palette: palette)
    }
    public func padded(left: Int, top: Int, right: Int, bottom: Int, fill: UInt8) -> IndexedImage {
        IndexedImage(plane.padded(left: left, top: top, right: right, bottom: bottom, fill: [fill]), palette: palette)
    }
    /// Nearest-neighbour: a class index is never blended into another.
    public func resizedNearest(to size: ImageSize) -> IndexedImage {
        IndexedImage(plane.resizedNearest(width: size.width, height: size.height), palette: palette)
    }
}

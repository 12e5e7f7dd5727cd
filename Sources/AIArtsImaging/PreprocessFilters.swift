import Foundation

// Photometric kernels of dataset preprocessing (docs/preprocessing.md). Each changes the colour
// channels only; an alpha channel passes through untouched. The formulas are Pillow's where Pillow
// has the operation (ImageEnhance's brightness and contrast, MedianFilter) so that a benchmark's
// peers do the same work; gaussian blur follows OpenCV's GaussianBlur.

extension RGBImage {
    /// Applies a 256-entry table to the colour channels.
    func mappingColour(_ table: [UInt8]) -> RGBImage {
        precondition(table.count == 256)
        let c = channels, count = width * height
        var out = pixels
        table.withUnsafeBufferPointer { lut in
            out.withUnsafeMutableBufferPointer { px in
                if c == 3 {
                    for i in 0..<(count * 3) { px[i] = lut[Int(px[i])] }
                } else {
                    for p in 0..<count {
                        let i = p * c
                        px[i] = lut[Int(px[i])]; px[i + 1] = lut[Int(px[i + 1])]; px[i + 2] = lut[Int(px[i + 2])]
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, channels: c, pixels: out)
    }

    /// Pillow's blend of a constant `base` with the image: `base + factor·(v − base)` in 32-bit
    /// floats, truncated toward zero and clamped to 0…255 (Blend.c).
    static func blendTable(base: Float, factor: Float) -> [UInt8] {
        (0..<256).map { v -> UInt8 in
            let t = base + factor * (Float(v) - base)
            return !(t > 0) ? 0 : t >= 255 ? 255 : UInt8(t)   // NaN (an infinite factor times 0) is 0
        }
    }

    /// ImageEnhance.Brightness(factor): `v · factor`, truncated, clamped. 0 is black, 1 the image.
    public func brightnessAdjusted(_ factor: Double) -> RGBImage {
        mappingColour(RGBImage.blendTable(base: 0, factor: Float(factor)))
    }

    /// ImageEnhance.Contrast(factor): `m + factor·(v − m)` where m is the mean luma of the whole
    /// image (ITU-R 601 weights in Pillow's fixed point), rounded to an integer.
    public func contrastAdjusted(_ factor: Double) -> RGBImage {
        mappingColour(RGBImage.blendTable(base: Float(meanLuma()), factor: Float(factor)))
    }

    /// `int(mean(L) + 0.5)` with L = (19595 R + 38470 G + 7471 B + 32768) >> 16, as Pillow's
    /// `convert("L")` and `ImageStat`.
    func meanLuma() -> Int {
        let c = channels, count = width * height
        guard count > 0 else { return 0 }
        var total = 0
        pixels.withUnsafeBufferPointer { px in
            for p in 0..<count {
                let i = p * c
                total += (Int(px[i]) * 19595 + Int(px[i + 1]) * 38470 + Int(px[i + 2]) * 7471 + 0x8000) >> 16
            }
        }
        return Int(Double(total) / Double(count) + 0.5)
    }

    /// `round(255 · (v / 255)^gamma)`: gamma below 1 brightens, above 1 darkens (OpenCV's
    /// tutorial lookup table).
    public func gammaAdjusted(_ gamma: Double) -> RGBImage {
        let table = (0..<256).map { v -> UInt8 in
            let t = (255 * pow(Double(v) / 255, gamma)).rounded()
            return t.isFinite ? UInt8(max(0, min(255, t))) : 255
        }
        return mappingColour(table)
    }

    /// Copies channel `k` of every pixel into a plane with `r` pixels of border replicated on each side.
    private func borderedPlane(channel k: Int, radius r: Int) -> [UInt8] {
        let c = channels, w = width, h = height, pw = w + 2 * r, ph = h + 2 * r
        return [UInt8](unsafeUninitializedCapacity: pw * ph) { dst, n in
            pixels.withUnsafeBufferPointer { px in
                for py in 0..<ph {
                    let sy = min(h - 1, max(0, py - r))
                    let srow = sy * w * c, drow = py * pw
                    for pxx in 0..<pw {
                        let sx = min(w - 1, max(0, pxx - r))
                        dst[drow + pxx] = px[srow + sx * c + k]
                    }
                }
            }
            n = pw * ph
        }
    }

    /// The median of each k×k neighbourhood, per channel, with the border replicated (Pillow's
    /// MedianFilter, OpenCV's medianBlur). `size` must be odd and at least 1. Huang's sliding
    /// histogram: each step along a row removes one column and adds one, so the cost grows with k,
    /// not k².
    public func medianFiltered(size: Int) -> RGBImage {
        precondition(size >= 1 && size % 2 == 1, "median size must be odd")
        if size == 1 || width == 0 || height == 0 { return self }
        let r = size / 2, c = channels, w = width, h = height, pw = w + 2 * r
        let half = (size * size) / 2   // the median is the value with `half` values below it
        var out = pixels
        for k in 0..<min(c, 3) {
            let plane = borderedPlane(channel: k, radius: r)
            if size == 3 {
                Self.median3(plane, paddedWidth: pw, width: w, height: h, channel: k, channels: c, into: &out)
                continue
            }
            plane.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    var hist = [Int32](repeating: 0, count: 256)
                    hist.withUnsafeMutableBufferPointer { hist in
                        for y in 0..<h {
                            for i in 0..<256 { hist[i] = 0 }
                            for wy in 0..<size {
                                let row = (y + wy) * pw
                                for wx in 0..<size { hist[Int(src[row + wx])] += 1 }
                            }
                            var m = 0, below = 0
                            while below + Int(hist[m]) <= half { below += Int(hist[m]); m += 1 }
                            dst[(y * w) * c + k] = UInt8(m)
                            for x in 1..<max(1, w) {
                                let outCol = x - 1, inCol = x - 1 + size
                                for wy in 0..<size {
                                    let row = (y + wy) * pw
                                    let a = Int(src[row + outCol]), b = Int(src[row + inCol])
                                    hist[a] -= 1; if a < m { below -= 1 }
                                    hist[b] += 1; if b < m { below += 1 }
                                }
                                while below > half { m -= 1; below -= Int(hist[m]) }
                                while below + Int(hist[m]) <= half { below += Int(hist[m]); m += 1 }
                                dst[(y * w + x) * c + k] = UInt8(m)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, channels: c, pixels: out)
    }

    /// 3×3 medians by a 19-exchange network (Devillard's opt_med9): no histogram walk, no branches
    /// that depend on the data.
    private static func median3(_ plane: [UInt8], paddedWidth pw: Int, width w: Int, height h: Int,
                                channel k: Int, channels c: Int, into out: inout [UInt8]) {
        plane.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let r0 = y * pw, r1 = r0 + pw, r2 = r1 + pw
                    for x in 0..<w {
                        var p0 = src[r0 + x], p1 = src[r0 + x + 1], p2 = src[r0 + x + 2]
                        var p3 = src[r1 + x], p4 = src[r1 + x + 1], p5 = src[r1 + x + 2]
                        var p6 = src[r2 + x], p7 = src[r2 + x + 1], p8 = src[r2 + x + 2]
                        @inline(__always) func sort(_ a: inout UInt8, _ b: inout UInt8) { let lo = min(a, b); b = max(a, b); a = lo }
                        sort(&p1, &p2); sort(&p4, &p5); sort(&p7, &p8)
                        sort(&p0, &p1); sort(&p3, &p4); sort(&p6, &p7)
                        sort(&p1, &p2); sort(&p4, &p5); sort(&p7, &p8)
                        sort(&p0, &p3); sort(&p5, &p8); sort(&p4, &p7)
                        sort(&p3, &p6); sort(&p1, &p4); sort(&p2, &p5)
                        sort(&p4, &p7); sort(&p4, &p2); sort(&p6, &p4)
                        sort(&p4, &p2)
                        dst[(y * w + x) * c + k] = p4
                    }
                }
            }
        }
    }

    /// Separable gaussian blur with kernel `size` (odd) and `sigma`, border reflected without
    /// repeating the edge pixel (OpenCV's BORDER_REFLECT_101), rounded to nearest.
    public func gaussianBlurred(sigma: Double, size: Int) -> RGBImage {
        precondition(size >= 1 && size % 2 == 1 && sigma > 0, "gaussian needs an odd size and a positive sigma")
        if size == 1 || width == 0 || height == 0 { return self }
        let r = size / 2, c = channels, w = width, h = height
        var weights = (0..<size).map { i -> Float in
            let d = Double(i - r)
            return Float(exp(-(d * d) / (2 * sigma * sigma)))
        }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            var i = i
            while i < 0 || i >= n { i = i < 0 ? -i : 2 * n - 2 - i }
            return i
        }
        let xIndex = (-r..<(w + r)).map { reflect($0, w) }
        let yIndex = (-r..<(h + r)).map { reflect($0, h) }
        // Pass 1: horizontal, into floats (colour channels only). Each row is first widened to
        // floats with its reflected border, so the taps read contiguous memory (vectorised).
        let cc = min(c, 3)
        var mid = [Float](repeating: 0, count: w * h * cc)
        var row = [Float](repeating: 0, count: (w + 2 * r) * cc)
        pixels.withUnsafeBufferPointer { px in
            mid.withUnsafeMutableBufferPointer { m in
                row.withUnsafeMutableBufferPointer { row in
                    for y in 0..<h {
                        let srow = y * w * c
                        for (i, sx) in xIndex.enumerated() {
                            for k in 0..<cc { row[i * cc + k] = Float(px[srow + sx * c + k]) }
                        }
                        let mrow = y * w * cc, n = w * cc
                        for i in 0..<n { m[mrow + i] = 0 }
                        for j in 0..<size {
                            let wt = weights[j], off = j * cc
                            for i in 0..<n { m[mrow + i] += row[off + i] * wt }
                        }
                    }
                }
            }
        }
        // Pass 2: vertical, a row at a time (contiguous reads), rounded back to bytes.
        var out = pixels
        var acc = [Float](repeating: 0, count: w * cc)
        mid.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { dst in
                acc.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<h {
                        for i in 0..<(w * cc) { acc[i] = 0 }
                        for j in 0..<size {
                            let wt = weights[j], mrow = yIndex[y + j] * w * cc
                            for i in 0..<(w * cc) { acc[i] += m[mrow + i] * wt }
                        }
                        let drow = y * w * c
                        for x in 0..<w {
                            for k in 0..<cc { dst[drow + x * c + k] = UInt8(max(0, min(255, acc[x * cc + k] + 0.5))) }
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, channels: c, pixels: out)
    }
}

// Area-average resize: each output pixel is the mean of the source area it
// covers, with partial pixels weighted by coverage. For shrinking that is
// the right filter (no aliasing, no ringing) and it is cheap: two separable
// passes over precomputed weights.

/// Source span feeding each output index along one axis.
private struct AxisWeights {
    var first: [Int] = []   // first source index per output index
    var offset: [Int] = []  // start of this output's weights in `weights`
    var count: [Int] = []
    var weights: [Float] = []

    init(source: Int, target: Int) {
        let step = Double(source) / Double(target)
        for o in 0..<target {
            let a = Double(o) * step, b = min(Double(source), Double(o + 1) * step)
            let lo = min(source - 1, Int(a.rounded(.down)))
            let hi = max(lo + 1, min(source, Int(b.rounded(.up))))
            first.append(lo)
            offset.append(weights.count)
            count.append(hi - lo)
            var total = 0.0
            var ws: [Double] = []
            for i in lo..<hi {
                let w = max(0, min(b, Double(i + 1)) - max(a, Double(i)))
                ws.append(w)
                total += w
            }
            // Normalise so weights sum to 1 even where spans are clipped.
            for w in ws { weights.append(Float(total > 0 ? w / total : 1 / Double(ws.count))) }
        }
    }
}

extension RGBImage {
    /// Resamples to exactly `size` by area averaging (also handles
    /// enlarging, as a soft nearest-neighbour). Channels are kept.
    public func resized(to size: ImageSize) -> RGBImage {
        precondition(size.width > 0 && size.height > 0, "resize target must be at least 1x1")
        if size == self.size { return self }
        guard width > 0 && height > 0 else {
            return RGBImage(width: size.width, height: size.height, channels: channels)
        }
        let c = channels, sw = width, sh = height, tw = size.width, th = size.height
        let xs = AxisWeights(source: sw, target: tw)
        let ys = AxisWeights(source: sh, target: th)

        // Pass 1: shrink every source row horizontally into floats.
        var rows = [Float](repeating: 0, count: sh * tw * c)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { mid in
                for y in 0..<sh {
                    let srow = y * sw * c, mrow = y * tw * c
                    for ox in 0..<tw {
                        let w0 = xs.offset[ox], x0 = xs.first[ox]
                        for k in 0..<c {
                            var acc: Float = 0
                            for j in 0..<xs.count[ox] {
                                acc += Float(src[srow + (x0 + j) * c + k]) * xs.weights[w0 + j]
                            }
                            mid[mrow + ox * c + k] = acc
                        }
                    }
                }
            }
        }
        // Pass 2: combine rows vertically and round back to bytes.
        let outCount = tw * th * c
        let out = [UInt8](unsafeUninitializedCapacity: outCount) { dst, initialized in
            rows.withUnsafeBufferPointer { mid in
                for oy in 0..<th {
                    let w0 = ys.offset[oy], y0 = ys.first[oy], n = ys.count[oy]
                    let orow = oy * tw * c
                    for i in 0..<(tw * c) {
                        var acc: Float = 0
                        for j in 0..<n { acc += mid[(y0 + j) * tw * c + i] * ys.weights[w0 + j] }
                        dst[orow + i] = UInt8(max(0, min(255, acc + 0.5)))
                    }
                }
            }
            initialized = outCount
        }
        return RGBImage(width: tw, height: th, channels: c, pixels: out)
    }
}

import Foundation

/// A binary mask as COCO run lengths: column-major, alternating background and foreground runs,
/// starting with background. Built from polygons, uncompressed or compressed RLE with the
/// semantics of pycocotools' maskApi (rleFrPoly, rleFrString, merge), so mask IoU and areas
/// match pycocotools' pixel for pixel.
public struct RLE: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var counts: [Int]

    public init(height: Int, width: Int, counts: [Int]) {
        self.height = height; self.width = width; self.counts = counts
    }

    /// A mask from a stored segmentation; polygons are drawn on an image of `height` × `width`
    /// (RLE carries its own size). Several polygons make one mask, their union.
    public init(_ segmentation: Segmentation, height: Int, width: Int) throws {
        switch segmentation {
        case .polygons(let polygons):
            guard height > 0, width > 0, height < 1 << 31, width < 1 << 31, height * width < 1 << 31 else {
                throw AIArtsError(.badInput, "polygons need the image's size to be drawn; got \(width)x\(height)")
            }
            try Self.checkReach(polygons, height: height, width: width)
            var mask = RLE(height: height, width: width, counts: [height * width])
            for (n, polygon) in polygons.enumerated() {
                let one = RLE.fromPolygon(polygon, height: height, width: width)
                mask = n == 0 ? one : mask.union(one)
            }
            self = mask
        case .rle(let h, let w, let counts):
            guard h >= 0, w >= 0, counts.allSatisfy({ $0 >= 0 }) else { throw AIArtsError(.badInput, "RLE with negative counts or size") }
            self.init(height: h, width: w, counts: counts)
            try checkTotal()
        case .compressedRLE(let h, let w, let text):
            guard h >= 0, w >= 0 else { throw AIArtsError(.badInput, "RLE with a negative size") }
            self.init(height: h, width: w, counts: try RLE.decodeCounts(text))
            try checkTotal()
        }
    }

    /// Runs must cover the mask exactly; anything else is a damaged file (and would stall a walk).
    /// Sizes and counts come from files: the sums are checked, never trapped on.
    private func checkTotal() throws {
        let (pixels, tooLarge) = height.multipliedReportingOverflow(by: width)
        guard !tooLarge else { throw AIArtsError(.badInput, "RLE size \(width)x\(height) is too large") }
        var total = 0
        for c in counts {
            let (sum, overflow) = total.addingReportingOverflow(c)
            if overflow || sum > pixels { total = overflow ? Int.max : sum; break }
            total = sum
        }
        guard total == pixels else {
            throw AIArtsError(.badInput, "RLE counts cover \(total == Int.max ? "too many" : String(total)) pixels, but the mask is \(width)x\(height) (\(pixels))")
        }
    }

    /// rleFrPoly walks every edge pixel by pixel at 5× scale, so one coordinate such as
    /// 4294967295 would walk billions of pixels (minutes, then out of memory; pycocotools too).
    /// Points may lie outside the image, but not more than a few image sizes away, and the
    /// whole walk is bounded.
    static func checkReach(_ polygons: [[Double]], height: Int, width: Int) throws {
        let reach = Double(4 * max(height, width) + 64)
        var walk = 0.0
        for polygon in polygons {
            var previous: (Double, Double)?
            var j = 0
            while j + 1 < polygon.count {
                let x = polygon[j], y = polygon[j + 1]
                guard x.isFinite, y.isFinite, abs(x) <= reach, abs(y) <= reach else {
                    throw AIArtsError(.badInput, "polygon point (\(x), \(y)) lies far outside the \(width)x\(height) image")
                }
                if let (px, py) = previous { walk += max(abs(x - px), abs(y - py)) + 1 }
                previous = (x, y)
                j += 2
            }
            if let (px, py) = previous, polygon.count >= 2 { walk += max(abs(polygon[0] - px), abs(polygon[1] - py)) + 1 }
        }
        guard walk * 5 <= 1e8 else {
            throw AIArtsError(.badInput, "polygons on the \(width)x\(height) image are too long to draw (\(Int(walk)) pixels of edges)")
        }
    }

    /// Foreground pixels.
    public var area: Int {
        var total = 0
        var i = 1
        while i < counts.count { total += counts[i]; i += 2 }
        return total
    }

    /// rleFrString: the LEB128-like text of compressed COCO counts (6 bits per character from
    /// 48, continuation bit 0x20, sign bit 0x10 on the last), each count after the second stored
    /// as a difference from the one two before.
    static func decodeCounts(_ text: String) throws -> [Int] {
        var counts: [Int] = []
        let bytes = Array(text.utf8)
        var p = 0
        while p < bytes.count {
            var x = 0, k = 0, more = true
            while more {
                guard p < bytes.count, k < 12 else { throw AIArtsError(.badInput, "compressed RLE counts end in the middle of a number") }
                let c = Int(bytes[p]) - 48
                guard c >= 0, c < 64 else { throw AIArtsError(.badInput, "compressed RLE counts hold an invalid character") }
                x |= (c & 0x1f) << (5 * k)
                more = c & 0x20 != 0
                p += 1; k += 1
                if !more && c & 0x10 != 0 { x |= -1 << (5 * k) }
            }
            if counts.count > 2 {
                let (sum, overflow) = x.addingReportingOverflow(counts[counts.count - 2])
                guard !overflow else { throw AIArtsError(.badInput, "compressed RLE counts decode to a run too long for any mask") }
                x = sum
            }
            guard x >= 0 else { throw AIArtsError(.badInput, "compressed RLE counts decode to a negative run") }
            counts.append(x)
        }
        return counts
    }

    /// rleFrPoly: the polygon upsampled 5×, its boundary walked, and pixels whose centre lies
    /// inside filled, column by column.
    static func fromPolygon(_ xy: [Double], height h: Int, width w: Int) -> RLE {
        let k = xy.count / 2
        let scale = 5.0
        func toInt(_ v: Double) -> Int {  // C's (int) cast: toward zero, saturating instead of undefined
            guard v.isFinite else { return 0 }
            return Int(max(min(v, 1e9), -1e9))
        }
        var x = [Int](repeating: 0, count: k + 1), y = [Int](repeating: 0, count: k + 1)
        for j in 0..<k { x[j] = toInt(scale * xy[2 * j] + 0.5); y[j] = toInt(scale * xy[2 * j + 1] + 0.5) }
        if k > 0 { x[k] = x[0]; y[k] = y[0] }
        var u: [Int] = [], v: [Int] = []
        for j in 0..<k {
            var xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1]
            let dx = abs(xe - xs), dy = abs(ys - ye)
            let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
            if flip { swap(&xs, &xe); swap(&ys, &ye) }
            let s = dx >= dy ? Double(ye - ys) / Double(dx) : Double(xe - xs) / Double(dy)
            if dx >= dy {
                for d in 0...dx {
                    let t = flip ? dx - d : d
                    u.append(t + xs); v.append(toInt(Double(ys) + s * Double(t) + 0.5))
                }
            } else {
                for d in 0...dy {
                    let t = flip ? dy - d : d
                    v.append(t + ys); u.append(toInt(Double(xs) + s * Double(t) + 0.5))
                }
            }
        }
        // Points where the boundary crosses a column centre, back at the original scale.
        var a: [Int] = []
        if u.count > 1 {
            for j in 1..<u.count where u[j] != u[j - 1] {
                var xd = Double(u[j] < u[j - 1] ? u[j] : u[j] - 1)
                xd = (xd + 0.5) / scale - 0.5
                if xd.rounded(.down) != xd || xd < 0 || xd > Double(w - 1) { continue }
                var yd = Double(v[j] < v[j - 1] ? v[j] : v[j - 1])
                yd = (yd + 0.5) / scale - 0.5
                if yd < 0 { yd = 0 } else if yd > Double(h) { yd = Double(h) }
                yd = yd.rounded(.up)
                a.append(Int(xd) * h + Int(yd))
            }
        }
        a.append(h * w)
        a.sort()
        var previous = 0
        for j in 0..<a.count { let t = a[j]; a[j] -= previous; previous = t }
        // Zero-length runs cancel: the run after one joins the run before it.
        var b: [Int] = [a[0]]
        var j = 1
        while j < a.count {
            if a[j] > 0 {
                b.append(a[j]); j += 1
            } else {
                j += 1
                if j < a.count { b[b.count - 1] += a[j]; j += 1 }
            }
        }
        return RLE(height: h, width: w, counts: b)
    }

    /// Foreground intervals [start, end) in column-major pixel order.
    public func intervals() -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var at = 0
        for (i, c) in counts.enumerated() {
            if i % 2 == 1 && c > 0 { out.append((at, at + c)) }
            at += c
        }
        return out
    }

    /// The union of two masks of the same size.
    func union(_ other: RLE) -> RLE {
        let merged = (intervals() + other.intervals()).sorted { $0.0 < $1.0 }
        var counts: [Int] = []
        var at = 0
        var current: (Int, Int)?
        func flush(_ run: (Int, Int)) {
            counts.append(run.0 - at); counts.append(run.1 - run.0); at = run.1
        }
        for run in merged {
            if let c = current, run.0 <= c.1 {
                current = (c.0, max(c.1, run.1))
            } else {
                if let c = current { flush(c) }
                current = run
            }
        }
        if let c = current { flush(c) }
        let total = height * width
        if at < total || counts.isEmpty { counts.append(total - at) }
        return RLE(height: height, width: width, counts: counts)
    }

    /// rleIou: intersection over union of the pixels, or over the detection's own area when the
    /// ground truth is a crowd region; -1 for masks of different sizes, 0 without overlap.
    static func iou(_ dt: RLE, _ gt: RLE, crowd: Bool) -> Double {
        guard dt.height == gt.height, dt.width == gt.width else { return -1 }
        var a = 0, b = 0
        var ca = dt.counts.first ?? 0, cb = gt.counts.first ?? 0
        var va = false, vb = false
        var inter = 0, union = 0
        var more = true
        a = 1; b = 1
        while more {
            let c = min(ca, cb)
            if va || vb { union += c; if va && vb { inter += c } }
            var remaining = 0
            ca -= c
            if ca == 0 && a < dt.counts.count { ca = dt.counts[a]; a += 1; va.toggle() }
            remaining += ca
            cb -= c
            if cb == 0 && b < gt.counts.count { cb = gt.counts[b]; b += 1; vb.toggle() }
            remaining += cb
            more = remaining > 0
        }
        if inter == 0 { return 0 }
        if crowd { union = dt.area }
        return Double(inter) / Double(union)
    }
}

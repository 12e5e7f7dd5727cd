import AIArtsImaging
import Foundation

/// Annotations after an op list: what is kept, and how many were dropped because a crop left
/// nothing of them.
public struct PreprocessedAnnotations: Sendable, Equatable {
    public var annotations: [StoredAnnotation]
    public var dropped: Int
}

extension PreprocessPipeline {
    /// Moves annotations made on an image of `imageSize` with the geometric ops (photometric ones
    /// change nothing). Coordinates are continuous pixel edges: a flip maps x to W − x, a
    /// counter-clockwise quarter turn (x, y) to (y, W − x), a resize scales, a pad shifts, a crop
    /// shifts and clips. Boxes are clipped to a crop and dropped when no area is left; polygons are
    /// clipped (Sutherland–Hodgman) and a polygon with fewer than three points left is removed; an
    /// annotation is dropped when its box, or else all of its polygons, are gone. RLE masks are
    /// decoded, moved like a class mask (nearest neighbour) and stored as uncompressed RLE; one with
    /// no foreground left is dropped.
    public static func transform(annotations: [StoredAnnotation], imageSize: ImageSize, ops: [PreprocessOp]) -> PreprocessedAnnotations {
        let geometric = ops.filter(\.isGeometric)
        guard !geometric.isEmpty else { return PreprocessedAnnotations(annotations: annotations, dropped: 0) }
        var kept: [StoredAnnotation] = [], dropped = 0
        for annotation in annotations {
            if let moved = transform(annotation, imageSize: imageSize, ops: geometric) { kept.append(moved) } else { dropped += 1 }
        }
        return PreprocessedAnnotations(annotations: kept, dropped: dropped)
    }

    /// One annotation, or nil when the ops leave nothing of it.
    static func transform(_ annotation: StoredAnnotation, imageSize: ImageSize, ops: [PreprocessOp]) -> StoredAnnotation? {
        var out = annotation
        var box = annotation.box
        var polygons: [[Double]]?
        var mask: IndexedImage?
        switch annotation.segmentation {
        case .polygons(let p)?: polygons = p
        case let segmentation?:
            // A mask that cannot be read is dropped rather than kept in the wrong place.
            guard let rle = try? RLE(segmentation, height: imageSize.height, width: imageSize.width) else { return nil }
            mask = rle.indexedImage()
        case nil: break
        }
        var size = imageSize
        for op in ops {
            let next = (try? PreprocessPipeline.outputSize([op], for: size)) ?? size
            if case .crop(let cx, let cy, let cw, let ch) = op {
                let rect = (x0: Double(cx), y0: Double(cy), x1: Double(cx + cw), y1: Double(cy + ch))
                if let b = box {
                    let x0 = max(b.x, rect.x0), y0 = max(b.y, rect.y0), x1 = min(b.x2, rect.x1), y1 = min(b.y2, rect.y1)
                    guard x1 > x0, y1 > y0 else { return nil }
                    box = Box(x1: x0 - rect.x0, y1: y0 - rect.y0, x2: x1 - rect.x0, y2: y1 - rect.y0)
                }
                if let p = polygons {
                    polygons = p.compactMap { clip($0, to: rect) }.map { poly in
                        var shifted = poly
                        for i in stride(from: 0, to: shifted.count - 1, by: 2) { shifted[i] -= rect.x0; shifted[i + 1] -= rect.y0 }
                        return shifted
                    }
                    if box == nil && polygons?.isEmpty == true { return nil }
                }
            } else {
                if let b = box {
                    let (ax, ay) = map(b.x, b.y, op, size, next), (bx, by) = map(b.x2, b.y2, op, size, next)
                    box = Box(x1: min(ax, bx), y1: min(ay, by), x2: max(ax, bx), y2: max(ay, by))
                }
                if let p = polygons {
                    polygons = p.map { poly in
                        var moved = poly
                        for i in stride(from: 0, to: moved.count - 1, by: 2) {
                            (moved[i], moved[i + 1]) = map(poly[i], poly[i + 1], op, size, next)
                        }
                        return moved
                    }
                }
            }
            if let m = mask { mask = PreprocessPipeline.apply([op], to: m) }
            size = next
        }
        out.box = box
        if let polygons {
            out.segmentation = polygons.isEmpty ? nil : .polygons(polygons)
        } else if let mask {
            let rle = RLE(mask)
            guard rle.area > 0 else { return nil }
            out.segmentation = .rle(height: rle.height, width: rle.width, counts: rle.counts)
        }
        return out
    }

    /// Where a point on an image of `size` lands after a geometric op (not a crop) giving `next`.
    static func map(_ x: Double, _ y: Double, _ op: PreprocessOp, _ size: ImageSize, _ next: ImageSize) -> (Double, Double) {
        let w = Double(size.width), h = Double(size.height)
        switch op {
        case .flipHorizontal: return (w - x, y)
        case .flipVertical: return (x, h - y)
        case .rotate(let q):
            switch ((q % 4) + 4) % 4 {
            case 1: return (y, w - x)
            case 2: return (w - x, h - y)
            case 3: return (h - y, x)
            default: return (x, y)
            }
        case .resize, .resizeLongest:
            guard size.width > 0, size.height > 0 else { return (x, y) }
            return (x * Double(next.width) / w, y * Double(next.height) / h)
        case .pad(let l, let t, _, _, _): return (x + Double(l), y + Double(t))
        case .crop(let cx, let cy, _, _): return (x - Double(cx), y - Double(cy))
        case .brightness, .contrast, .gamma, .median, .gaussian: return (x, y)
        }
    }

    /// Sutherland–Hodgman clipping of a flat x,y polygon to a rectangle; nil when fewer than
    /// three points remain.
    static func clip(_ flat: [Double], to r: (x0: Double, y0: Double, x1: Double, y1: Double)) -> [Double]? {
        var points: [(Double, Double)] = stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
        let edges: [(inside: ((Double, Double)) -> Bool, cross: ((Double, Double), (Double, Double)) -> (Double, Double))] = [
            ({ $0.0 >= r.x0 }, { a, b in let t = (r.x0 - a.0) / (b.0 - a.0); return (r.x0, a.1 + t * (b.1 - a.1)) }),
            ({ $0.0 <= r.x1 }, { a, b in let t = (r.x1 - a.0) / (b.0 - a.0); return (r.x1, a.1 + t * (b.1 - a.1)) }),
            ({ $0.1 >= r.y0 }, { a, b in let t = (r.y0 - a.1) / (b.1 - a.1); return (a.0 + t * (b.0 - a.0), r.y0) }),
            ({ $0.1 <= r.y1 }, { a, b in let t = (r.y1 - a.1) / (b.1 - a.1); return (a.0 + t * (b.0 - a.0), r.y1) }),
        ]
        for edge in edges {
            guard let last = points.last else { return nil }
            var result: [(Double, Double)] = []
            var previous = last
            for point in points {
                let inNow = edge.inside(point), inBefore = edge.inside(previous)
                if inNow {
                    if !inBefore { result.append(edge.cross(previous, point)) }
                    result.append(point)
                } else if inBefore {
                    result.append(edge.cross(previous, point))
                }
                previous = point
            }
            points = result
        }
        guard points.count >= 3 else { return nil }
        return points.flatMap { [$0.0, $0.1] }
    }
}

extension RLE {
    /// The mask as an image of 0 and 1 (COCO counts are column-major).
    func indexedImage() -> IndexedImage {
        var values = [UInt8](repeating: 0, count: width * height)
        var at = 0, on = false
        for count in counts {
            if on {
                for i in at..<min(at + count, values.count) {
                    values[(i % max(1, height)) * width + i / max(1, height)] = 1
                }
            }
            at += count
            on.toggle()
        }
        return IndexedImage(width: width, height: height, values: values)
    }

    /// Run lengths of a mask's non-zero pixels, column-major, starting with background.
    init(_ mask: IndexedImage) {
        var counts: [Int] = [], run = 0, on = false
        for x in 0..<mask.width {
            for y in 0..<mask.height {
                let v = mask.values[y * mask.width + x] != 0
                if v != on { counts.append(run); run = 0; on = v }
                run += 1
            }
        }
        counts.append(run)
        self.init(height: mask.height, width: mask.width, counts: counts)
    }
}

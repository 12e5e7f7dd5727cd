import Foundation

/// The members of an annotation object the reader uses, found in one walk over it (the first
/// of a repeated key, as `JSON[key]` would find). Half a million annotations make a lookup
/// per field, each comparing keys from the start, a visible cost.
/// The values are views (no counted reference): the reader keeps the document alive.
struct COCOAnnotationFields {
    var id: JSONView?
    var imageID: JSONView?
    var categoryID: JSONView?
    var segmentation: JSONView?
    var bbox: JSONView?
    var iscrowd: JSONView?

    init(_ json: JSONView) {
        json.forEachMember { key, value in
            func named(_ name: StaticString) -> Bool {
                key.count == name.utf8CodeUnitCount && memcmp(key.baseAddress!, name.utf8Start, key.count) == 0
            }
            switch key.count {
            case 2: if id == nil, named("id") { id = value }
            case 4: if bbox == nil, named("bbox") { bbox = value }
            case 7: if iscrowd == nil, named("iscrowd") { iscrowd = value }
            case 8: if imageID == nil, named("image_id") { imageID = value }
            case 11: if categoryID == nil, named("category_id") { categoryID = value }
            case 12: if segmentation == nil, named("segmentation") { segmentation = value }
            default: break
            }
        }
    }
}

extension COCOID {
    init?(_ json: JSONView?) {
        guard let json else { return nil }
        if let n = json.int64 { self = .number(n) } else if let s = json.json.string { self = .text(s) } else { return nil }
    }
}

/// Reads one COCO annotation record (bbox, segmentation, iscrowd), collecting issues about it.
/// Files converted from labelme or written by hand often lack fields; absent optional fields
/// are tolerated, malformed ones reported.
struct COCORecord {
    let sourceID: Int64?
    let position: Int
    let path: String
    /// Where the record starts; turned into a line only when an issue needs one.
    let offset: Int?
    let lines: JSONLineIndex
    var issues: [ImportIssue] = []

    init(sourceID: Int64?, position: Int, path: String, offset: Int?, lines: JSONLineIndex) {
        self.sourceID = sourceID; self.position = position; self.path = path; self.offset = offset; self.lines = lines
    }

    private var name: String { sourceID.map { "annotation \($0)" } ?? "annotation \(position) (no 'id')" }

    private mutating func issue(_ reason: String) {
        issues.append(ImportIssue(path: path, line: offset.map { lines.line(at: $0) }, reason: "\(name): \(reason)"))
    }

    /// Reads the annotation into `columns` (nothing when it has nothing usable; issues say why).
    /// Polygons are encoded as they are read instead of built as arrays.
    mutating func append(_ json: COCOAnnotationFields, sample: Int, label: Int, to columns: inout AnnotationColumns) {
        let start = columns.pendingSegmentationStart
        var polygonBounds: Box?
        var hasSegmentation = false
        if let segmentation = json.segmentation, !segmentation.isNull {
            if segmentation.kind == .array {
                hasSegmentation = columns.withSegmentationBytes { writePolygons(segmentation, into: &$0, bounds: &polygonBounds) }
            } else if let other = readSegmentation(segmentation.json) {
                columns.appendSegmentation(other)
                hasSegmentation = true
            }
        }
        func drop() { columns.withSegmentationBytes { $0.removeSubrange(start...) } }
        var box: Box?
        if let bbox = json.bbox, !bbox.isNull {
            guard let values = Self.fourNumbers(bbox) else {
                let found = bbox.kind == .array ? "\(bbox.count) values" : "a \(bbox.kind)"
                issue("bbox must be [x, y, width, height] (4 numbers), found \(found); skipped")
                return drop()
            }
            guard values.2 >= 0, values.3 >= 0 else {
                issue("bbox has a negative width or height (\(format(values.2)) × \(format(values.3))); skipped")
                return drop()
            }
            guard values.2 > 0, values.3 > 0 else {
                issue("bbox has zero width or height; skipped")
                return drop()
            }
            box = Box(x: values.0, y: values.1, width: values.2, height: values.3)
        } else {
            box = polygonBounds  // some converters leave bbox out; the polygon defines it
        }
        if box == nil && !hasSegmentation {
            issue("has neither 'bbox' nor 'segmentation'; skipped")
            return drop()
        }
        let crowd: Bool
        if let flag = json.iscrowd {
            crowd = flag.bool ?? ((flag.double ?? 0) != 0)
        } else {
            crowd = false
        }
        columns.append(sample: sample, label: label, box: box, isCrowd: crowd, sourceID: sourceID)
    }

    /// Polygons `[[x, y, ...], ...]` (or one flat `[x, y, ...]`) encoded straight into `out` as
    /// `SegmentationCoding` writes them; false, with nothing left in `out`, when none is usable.
    /// `bounds` is set to the usable polygons' bounding box (`COCOGeometry.bounds`).
    private mutating func writePolygons(_ json: JSONView, into out: inout [UInt8], bounds: inout Box?) -> Bool {
        if json.count == 0 { return false }
        let start = out.count
        out.append(UInt8(ascii: "P"))
        SegmentationCoding.appendU32(0, to: &out)
        var listed = 0, written = 0
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        func write(_ polygon: JSONView, count: Int) {
            listed += 1
            guard count >= 6, count % 2 == 0 else { return }
            written += 1
            SegmentationCoding.appendU32(count, to: &out)
            var isX = true
            polygon.forEachNumber { value in
                SegmentationCoding.appendF64(value, to: &out)
                if isX { minX = min(minX, value); maxX = max(maxX, value) } else { minY = min(minY, value); maxY = max(maxY, value) }
                isX.toggle()
            }
        }
        if let count = json.numberArrayCount {
            write(json, count: count)
        } else {
            for element in json.elements {
                guard let count = element.numberArrayCount else {
                    issue("segmentation polygon is not a list of numbers; that polygon was dropped")
                    continue
                }
                write(element, count: count)
            }
        }
        if written < listed {
            issue("segmentation polygon needs an even count of at least 6 numbers (3 points); \(listed - written) dropped")
        }
        guard written > 0 else {
            out.removeSubrange(start...)
            return false
        }
        SegmentationCoding.patchU32(written, at: start + 1, in: &out)
        if minX.isFinite, maxX > minX, maxY > minY { bounds = Box(x1: minX, y1: minY, x2: maxX, y2: maxY) }
        return true
    }

    /// `[x, y, width, height]` when `json` is an array of exactly four numbers; read in place
    /// rather than through an array allocated per box.
    private static func fourNumbers(_ json: JSONView) -> (Double, Double, Double, Double)? {
        guard json.kind == .array, json.count == 4 else { return nil }
        var iterator = json.elements.makeIterator()
        guard let x = iterator.next()?.double, let y = iterator.next()?.double,
              let width = iterator.next()?.double, let height = iterator.next()?.double else { return nil }
        return (x, y, width, height)
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A segmentation that is not a list of polygons (those are read by `writePolygons`): RLE
    /// `{"size": [h, w], "counts": [...] or "..."}`; null means none, anything else is reported.
    private mutating func readSegmentation(_ json: JSON?) -> Segmentation? {
        guard let json, !json.isNull else { return nil }
        switch json.kind {
        case .object:
            guard let size = json["size"]?.doubles, size.count == 2,
                  let height = Int(exactly: size[0]), let width = Int(exactly: size[1]), height > 0, width > 0 else {
                issue("RLE segmentation needs 'size': [height, width]; segmentation dropped")
                return nil
            }
            guard let counts = json["counts"] else {
                issue("RLE segmentation has no 'counts'; segmentation dropped")
                return nil
            }
            if let text = counts.string {
                return .compressedRLE(height: height, width: width, counts: text)
            }
            if let values = counts.doubles, let runs = Optional(values.compactMap { Int(exactly: $0) }),
               runs.count == values.count, runs.allSatisfy({ $0 >= 0 }) {
                guard runs.reduce(0, +) == height * width else {
                    issue("RLE counts add up to \(runs.reduce(0, +)), not height × width = \(height * width); segmentation dropped")
                    return nil
                }
                return .rle(height: height, width: width, counts: runs)
            }
            issue("RLE 'counts' must be a list of non-negative integers or a string; segmentation dropped")
            return nil
        default:  // arrays never come here
            issue("segmentation must be a list of polygons or an RLE object; segmentation dropped")
            return nil
        }
    }
}

/// Geometry helpers shared by the COCO reader and writer.
enum COCOGeometry {
    static func bounds(_ polygons: [[Double]]) -> Box? {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for polygon in polygons {
            var i = 0
            while i + 1 < polygon.count {
                minX = min(minX, polygon[i]); maxX = max(maxX, polygon[i])
                minY = min(minY, polygon[i + 1]); maxY = max(maxY, polygon[i + 1])
                i += 2
            }
        }
        guard minX.isFinite, maxX > minX, maxY > minY else { return nil }
        return Box(x1: minX, y1: minY, x2: maxX, y2: maxY)
    }

    /// Area as pycocotools computes it for evaluation's small/medium/large ranges: polygon
    /// area (shoelace), foreground pixels for RLE, box area otherwise.
    static func area(_ segmentation: Segmentation?, box: Box?) -> Double {
        switch segmentation {
        case let .polygons(polygons)?:
            return polygons.reduce(0) { sum, p in
                var twice = 0.0
                let n = p.count / 2
                for k in 0..<n {
                    let j = (k + 1) % n
                    twice += p[2 * k] * p[2 * j + 1] - p[2 * j] * p[2 * k + 1]
                }
                return sum + abs(twice) / 2
            }
        case let .rle(_, _, counts)?:
            return Double(stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] })
        case let .compressedRLE(_, _, text)?:
            guard let counts = decodeCompressedCounts(text) else { return box.map { $0.width * $0.height } ?? 0 }
            return Double(stride(from: 1, to: counts.count, by: 2).reduce(0) { $0 + counts[$1] })
        case nil:
            return box.map { $0.width * $0.height } ?? 0
        }
    }

    /// Decodes the run lengths of a compressed COCO RLE string: each count is a little-endian
    /// sequence of 5-bit groups offset by 48 ('0'), bit 0x20 meaning "more groups follow" and
    /// bit 0x10 of the last group the sign; from the third count on, values are deltas from the
    /// count two places back. Returns nil for a malformed string.
    static func decodeCompressedCounts(_ text: String) -> [Int]? {
        var counts: [Int] = []
        var iterator = text.utf8.makeIterator()
        while var byte = iterator.next() {
            var value = 0
            var shift = 0
            while true {
                guard byte >= 48, byte < 48 + 64, shift < 60 else { return nil }
                let group = Int(byte) - 48
                value |= (group & 0x1F) << shift
                shift += 5
                if group & 0x20 == 0 {
                    if group & 0x10 != 0 { value |= -1 << shift }
                    break
                }
                guard let next = iterator.next() else { return nil }
                byte = next
            }
            if counts.count > 2 { value += counts[counts.count - 2] }
            counts.append(value)
        }
        return counts
    }
}

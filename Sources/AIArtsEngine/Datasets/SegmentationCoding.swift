import Foundation

/// Segmentation is stored as a compact little-endian blob: imports write hundreds of thousands of
/// polygons, and formatting each number as text cost more than the rest of storing them.
///   'P' u32 polygonCount { u32 valueCount, f64 × valueCount }*
///   'R' u32 height u32 width u32 countCount { u32 }*            uncompressed RLE
///   'C' u32 height u32 width utf8…                              compressed RLE string
enum SegmentationCoding {
    /// Encodes into `out` (emptied first), so a bulk insert can reuse one buffer for every row.
    static func encode(_ segmentation: Segmentation, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        encode(segmentation, appendingTo: &out)
    }

    /// Encodes after what `out` already holds (an import keeps every blob in one buffer).
    static func encode(_ segmentation: Segmentation, appendingTo out: inout [UInt8]) {
        func u32(_ v: Int) {
            let x = UInt32(truncatingIfNeeded: v)
            out.append(UInt8(x & 0xFF)); out.append(UInt8(x >> 8 & 0xFF)); out.append(UInt8(x >> 16 & 0xFF)); out.append(UInt8(x >> 24))
        }
        switch segmentation {
        case .polygons(let polygons):
            out.append(UInt8(ascii: "P"))
            u32(polygons.count)
            for polygon in polygons {
                u32(polygon.count)
                for value in polygon {
                    let bits = value.bitPattern
                    for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
                }
            }
        case .rle(let height, let width, let counts):
            out.append(UInt8(ascii: "R"))
            u32(height); u32(width); u32(counts.count)
            for count in counts { u32(count) }
        case .compressedRLE(let height, let width, let counts):
            out.append(UInt8(ascii: "C"))
            u32(height); u32(width)
            out.append(contentsOf: counts.utf8)
        }
    }

    /// Appends a little-endian u32 (polygon headers written while reading a COCO file).
    static func appendU32(_ v: Int, to out: inout [UInt8]) {
        var x = UInt32(truncatingIfNeeded: v).littleEndian
        withUnsafeBytes(of: &x) { out.append(contentsOf: $0) }
    }

    /// Overwrites the u32 at `at` (a count known only once its items are written).
    static func patchU32(_ v: Int, at: Int, in out: inout [UInt8]) {
        let x = UInt32(truncatingIfNeeded: v)
        out[at] = UInt8(x & 0xFF); out[at + 1] = UInt8(x >> 8 & 0xFF); out[at + 2] = UInt8(x >> 16 & 0xFF); out[at + 3] = UInt8(x >> 24)
    }

    static func appendF64(_ value: Double, to out: inout [UInt8]) {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
    }

    static func decode(_ data: Data) -> Segmentation? {
        let bytes = [UInt8](data)
        var at = 1
        func u32() -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            defer { at += 4 }
            return Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        }
        func f64() -> Double? {
            guard at + 8 <= bytes.count else { return nil }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += 8
            return Double(bitPattern: bits)
        }
        switch bytes.first {
        case UInt8(ascii: "P"):
            guard let count = u32(), count <= bytes.count else { return nil }
            var polygons: [[Double]] = []
            for _ in 0..<count {
                guard let n = u32(), n * 8 <= bytes.count - at else { return nil }
                var polygon: [Double] = []
                polygon.reserveCapacity(n)
                for _ in 0..<n { guard let v = f64() else { return nil }; polygon.append(v) }
                polygons.append(polygon)
            }
            return .polygons(polygons)
        case UInt8(ascii: "R"):
            guard let h = u32(), let w = u32(), let n = u32(), n * 4 <= bytes.count - at else { return nil }
            var counts: [Int] = []
            for _ in 0..<n { guard let c = u32() else { return nil }; counts.append(c) }
            return .rle(height: h, width: w, counts: counts)
        case UInt8(ascii: "C"):
            guard let h = u32(), let w = u32() else { return nil }
            return .compressedRLE(height: h, width: w, counts: String(decoding: bytes[at...], as: UTF8.self))
        default:
            return nil
        }
    }
}

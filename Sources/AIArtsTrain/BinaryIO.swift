import Foundation

/// Little-endian writer for the checkpoint files.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }

    mutating func floats(_ values: [Float]) {
        u64(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { u32(v.bitPattern) }
    }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        raw(utf8)
    }

    /// Appends the CRC-32 of everything written so far, so truncation or bit rot is caught on load.
    mutating func seal() { u32(CRC32.checksum(bytes[...])) }
}

/// Bounds-checked little-endian reader: checkpoint files are untrusted input, so every count is
/// checked against the bytes that are actually left before anything is allocated.
struct ByteReader {
    let bytes: [UInt8]
    let what: String
    private(set) var at = 0

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var remaining: Int { bytes.count - at }

    mutating func raw(_ n: Int) throws(TrainError) -> [UInt8] {
        guard n >= 0, n <= remaining else { throw TrainError("\(what) is truncated (needed \(n) more bytes at offset \(at))") }
        defer { at += n }
        return Array(bytes[at..<(at + n)])
    }

    mutating func u32() throws(TrainError) -> UInt32 {
        let b = try raw(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func u64() throws(TrainError) -> UInt64 {
        UInt64(try u32()) | UInt64(try u32()) << 32
    }

    mutating func f32() throws(TrainError) -> Float { Float(bitPattern: try u32()) }

    mutating func floats(max: Int) throws(TrainError) -> [Float] {
        let n = try u64()
        guard n <= UInt64(max), n <= UInt64(remaining / 4) else { throw TrainError("\(what) declares \(n) values, more than it holds") }
        var out = [Float](repeating: 0, count: Int(n))
        for i in 0..<Int(n) { out[i] = Float(bitPattern: try u32()) }
        return out
    }

    mutating func string(maxBytes: Int) throws(TrainError) -> String {
        let n = Int(try u32())
        guard n <= maxBytes else { throw TrainError("\(what) has a \(n)-byte string, over the \(maxBytes)-byte limit") }
        return String(decoding: try raw(n), as: UTF8.self)
    }

    /// Checks the trailing CRC-32 against the bytes before it; call first, before parsing.
    func verifySeal() throws(TrainError) {
        guard bytes.count >= 4 else { throw TrainError("\(what) is empty or truncated") }
        let body = bytes[0..<(bytes.count - 4)]
        let t = bytes.count - 4
        let stored = UInt32(bytes[t]) | UInt32(bytes[t + 1]) << 8 | UInt32(bytes[t + 2]) << 16 | UInt32(bytes[t + 3]) << 24
        guard stored == CRC32.checksum(body) else { throw TrainError("\(what) is damaged (checksum mismatch)") }
    }
}

/// CRC-32 (IEEE 802.3, the one zlib and PNG use), table-driven.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

import AIArtsEngine
import Foundation

/// Test-only archive writers. They write exactly what a test asks for, including the broken and
/// hostile things real tools refuse to produce (bad CRCs, '..' names, lying sizes).
enum Fixture {
    struct ZipItem {
        var name: String
        var data: [UInt8] = []
        var deflate = false
        var crc: UInt32?  // override to corrupt
        var declaredSize: Int?  // override to lie
        var flags: UInt16 = 0
        var method: UInt16?  // override (e.g. 12 = bzip2)
        var unixMode: UInt32?  // e.g. 0o120777 for a symlink
        var rawName: [UInt8]?  // bytes instead of UTF-8 `name`
        var compressedOverride: [UInt8]?
        var declaredPacked: Int?  // central directory only: claims more data than is there
    }

    static func zip(_ items: [ZipItem], zip64: Bool = false, comment: String = "", prefix: [UInt8] = []) -> [UInt8] {
        var out = prefix
        var central: [UInt8] = []
        for item in items {
            let nameBytes = item.rawName ?? Array(item.name.utf8)
            let packed = item.compressedOverride ?? (item.deflate ? deflateRaw(item.data) : item.data)
            let crc = item.crc ?? crc(item.data)
            let size = UInt64(item.declaredSize ?? item.data.count)
            let method = item.method ?? (item.deflate ? 8 : 0)
            let offset = UInt64(out.count - prefix.count)
            var extra: [UInt8] = []
            if zip64 {
                extra = le16(1) + le16(24) + le64(size) + le64(UInt64(item.declaredPacked ?? packed.count)) + le64(offset)
            }
            let small = { (v: UInt64) -> UInt32 in zip64 ? 0xFFFF_FFFF : UInt32(v) }
            out += le32(0x0403_4B50) + le16(20) + le16(item.flags) + le16(method) + le16(0) + le16(0x21)
            out += le32(crc) + le32(small(UInt64(packed.count))) + le32(small(size))
            out += le16(UInt16(nameBytes.count)) + le16(UInt16(extra.count)) + nameBytes + extra + packed
            let madeBy: UInt16 = item.unixMode == nil ? 20 : (3 << 8) | 20
            central += le32(0x0201_4B50) + le16(madeBy) + le16(20) + le16(item.flags) + le16(method)
            let packedClaim = UInt64(item.declaredPacked ?? packed.count)
            central += le16(0) + le16(0x21) + le32(crc) + le32(small(packedClaim)) + le32(small(size))
            central += le16(UInt16(nameBytes.count)) + le16(UInt16(extra.count)) + le16(0) + le16(0) + le16(0)
            central += le32((item.unixMode ?? 0) << 16) + le32(small(offset)) + nameBytes + extra
        }
        let cdOffset = UInt64(out.count - prefix.count)
        out += central
        if zip64 {
            let recordOffset = UInt64(out.count - prefix.count)
            out += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            out += le64(UInt64(items.count)) + le64(UInt64(items.count)) + le64(UInt64(central.count)) + le64(cdOffset)
            out += le32(0x0706_4B50) + le32(0) + le64(recordOffset) + le32(1)
        }
        let count: UInt16 = zip64 ? 0xFFFF : UInt16(items.count)
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(count) + le16(count)
        out += le32(zip64 ? 0xFFFF_FFFF : UInt32(central.count)) + le32(zip64 ? 0xFFFF_FFFF : UInt32(cdOffset))
        out += le16(UInt16(comment.utf8.count)) + Array(comment.utf8)
        return out
    }

    struct TarItem {
        var name: String
        var data: [UInt8] = []
        var type: Character = "0"
        var link = ""
        var longName = false  // GNU 'L' header
        var pax = false  // pax 'x' header with path=
        var prefixSplit = false  // ustar prefix field
        var declaredSize: Int?
    }

    static func tar(_ items: [TarItem], endBlocks: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for item in items {
            var headerName = item.name
            var prefix = ""
            if item.longName {
                let data = Array(item.name.utf8) + [0]
                out += header(name: "././@LongLink", size: data.count, type: "L") + padded(data)
                headerName = String(item.name.prefix(99))
            } else if item.pax {
                let body = " path=\(item.name)\n"
                var length = body.utf8.count + 1
                while length != body.utf8.count + "\(length)".count { length = body.utf8.count + "\(length)".count }
                let record = "\(length)" + body
                out += header(name: "PaxHeaders/x", size: record.utf8.count, type: "x") + padded(Array(record.utf8))
                headerName = "pax-placeholder"
            } else if item.prefixSplit, let slash = item.name.lastIndex(of: "/") {
                prefix = String(item.name[..<slash])
                headerName = String(item.name[item.name.index(after: slash)...])
            }
            let size = item.declaredSize ?? item.data.count
            out += header(name: headerName, size: size, type: item.type, link: item.link, prefix: prefix)
            out += padded(item.data)
        }
        if endBlocks { out += [UInt8](repeating: 0, count: 1024) }
        return out
    }

    static func header(name: String, size: Int, type: Character, link: String = "", prefix: String = "") -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { block[offset + i] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            put(String(value, radix: 8).leftPadded(to: width - 1), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(0, at: 136, width: 12)
        block[156] = type.asciiValue!
        put(link, at: 157, width: 100)
        put("ustar\000", at: 257, width: 8)
        put(prefix, at: 345, width: 155)
        put("        ", at: 148, width: 8)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(String(sum, radix: 8).leftPadded(to: 6) + "\0 ", at: 148, width: 8)
        return block
    }

    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    static func crc(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBytes { ZlibStream.crc32(0, $0) }
    }

    /// Raw deflate (zip), or gzip.
    static func deflateRaw(_ data: [UInt8], format: ZlibStream.Format = .raw) -> [UInt8] {
        ZlibStream.compress(data, format: format)!
    }

    static func gzip(_ data: [UInt8]) -> [UInt8] { deflateRaw(data, format: .gzip) }

    /// The overlapping-entry bomb: one local header and one deflate stream, and a central directory
    /// whose `count` entries (x0.bin, x1.bin, ...) all point at that same header and data.
    static func overlappingZip(count: Int, data: [UInt8]) -> [UInt8] {
        let packed = deflateRaw(data)
        let crc = crc(data)
        let first = Array("x0.bin".utf8)
        var out = le32(0x0403_4B50) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21)
        out += le32(crc) + le32(UInt32(packed.count)) + le32(UInt32(data.count))
        out += le16(UInt16(first.count)) + le16(0) + first + packed
        let cdOffset = out.count
        var central: [UInt8] = []
        for i in 0..<count {
            let name = Array("x\(i).bin".utf8)
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21)
            central += le32(crc) + le32(UInt32(packed.count)) + le32(UInt32(data.count))
            central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + name
        }
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(count)) + le16(UInt16(count))
        out += le32(UInt32(central.count)) + le32(UInt32(cdOffset)) + le16(0)
        return out
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
    static func le64(_ v: UInt64) -> [UInt8] { le32(UInt32(v & 0xFFFF_FFFF)) + le32(UInt32(v >> 32)) }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A scratch folder per test, holding the archive and a `dest` folder inside it, so tests can
/// check that nothing landed next to `dest`.
struct Scratch {
    let root: URL
    var dest: URL { root.appendingPathComponent("dest") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func write(_ bytes: [UInt8], as name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func text(_ relative: String) -> String? {
        (try? Data(contentsOf: dest.appendingPathComponent(relative))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every path under `root`, relative, sorted: shows stray files and leftover temporaries.
    func allPaths(under url: URL? = nil) -> [String] {
        let base = url ?? root
        let items = FileManager.default.subpaths(atPath: base.path) ?? []
        return items.sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

import Foundation

/// Reads an image's width and height from its header alone (JPEG SOF, PNG IHDR, GIF, BMP, WebP),
/// so the YOLO parser can turn normalised rows into pixels without decoding pixels.
/// Anything unrecognised or damaged gives nil; the caller records an issue.
enum YOLOImageSize {
    static func read(_ url: URL) -> ImageSize? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 32).map({ [UInt8]($0) }), head.count >= 10 else { return nil }
        let size: ImageSize?
        if head.starts(with: [0xFF, 0xD8]) { size = jpeg(handle) }
        else if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { size = png(head) }
        else if head.starts(with: Array("GIF8".utf8)) { size = ImageSize(width: le16(head, 6), height: le16(head, 8)) }
        else if head.starts(with: Array("BM".utf8)) { size = bmp(head) }
        else if head.starts(with: Array("RIFF".utf8)), head.count >= 30, Array(head[8..<12]) == Array("WEBP".utf8) { size = webp(head) }
        else { size = nil }
        // Refuse nonsense rather than convert boxes against it.
        guard let size, size.width > 0, size.height > 0, size.width <= 1 << 17, size.height <= 1 << 17 else { return nil }
        return size
    }

    static func be16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func be32(_ b: [UInt8], _ i: Int) -> Int { be16(b, i) << 16 | be16(b, i + 2) }
    static func le32s(_ b: [UInt8], _ i: Int) -> Int { Int(Int32(bitPattern: UInt32(le16(b, i) | le16(b, i + 2) << 16))) }

    static func png(_ b: [UInt8]) -> ImageSize? {
        guard b.count >= 24, Array(b[12..<16]) == Array("IHDR".utf8) else { return nil }
        return ImageSize(width: be32(b, 16), height: be32(b, 20))
    }

    static func bmp(_ b: [UInt8]) -> ImageSize? {
        guard b.count >= 26 else { return nil }
        if le32s(b, 14) == 12 { return ImageSize(width: le16(b, 18), height: le16(b, 20)) }  // OS/2 header
        return ImageSize(width: abs(le32s(b, 18)), height: abs(le32s(b, 22)))  // negative height = top-down rows
    }

    static func webp(_ b: [UInt8]) -> ImageSize? {
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ": return ImageSize(width: le16(b, 26) & 0x3FFF, height: le16(b, 28) & 0x3FFF)
        case "VP8L":
            guard b[20] == 0x2F else { return nil }
            let (b0, b1, b2, b3) = (Int(b[21]), Int(b[22]), Int(b[23]), Int(b[24]))
            return ImageSize(width: 1 + (b0 | (b1 & 0x3F) << 8), height: 1 + (b1 >> 6 | b2 << 2 | (b3 & 0x0F) << 10))
        case "VP8X":
            return ImageSize(width: 1 + (Int(b[24]) | Int(b[25]) << 8 | Int(b[26]) << 16),
                             height: 1 + (Int(b[27]) | Int(b[28]) << 8 | Int(b[29]) << 16))
        default: return nil
        }
    }

    /// Walks JPEG marker segments (skipping EXIF and other APPn data by their lengths) to the first SOFn.
    static func jpeg(_ handle: FileHandle) -> ImageSize? {
        var offset: UInt64 = 2
        for _ in 0..<512 {
            guard (try? handle.seek(toOffset: offset)) != nil,
                  let d = try? handle.read(upToCount: 10).map({ [UInt8]($0) }), d.count >= 4 else { return nil }
            var i = 0
            while i < d.count - 1, d[i] == 0xFF, d[i + 1] == 0xFF { i += 1 }  // fill bytes
            guard d[i] == 0xFF, i + 1 < d.count else { return nil }
            let marker = d[i + 1]
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { offset += UInt64(i + 2); continue }  // no length
            if marker == 0xD9 || marker == 0xDA { return nil }  // image data before any frame header
            guard i + 3 < d.count else { return nil }
            let length = be16(d, i + 2)
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                guard i + 8 < d.count else { return nil }
                return ImageSize(width: be16(d, i + 7), height: be16(d, i + 5))
            }
            offset += UInt64(i + 2 + length)
        }
        return nil
    }
}

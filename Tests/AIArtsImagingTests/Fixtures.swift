// Fixture builders: every test makes its own images, in memory or in a
// temporary folder, so nothing depends on files checked into the repo.
import Foundation
@testable import AIArtsImaging

enum Fixture {
    static let red = RGBColor(220, 30, 40)
    static let green = RGBColor(30, 200, 60)
    static let blue = RGBColor(20, 40, 210)
    static let yellow = RGBColor(240, 220, 30)

    /// Four flat quadrants: red top-left, green top-right, blue bottom-left,
    /// yellow bottom-right. Sizes that are multiples of 16 keep JPEG blocks
    /// from mixing colours across quadrant borders.
    static func quadrants(width: Int, height: Int) -> RGBImage {
        var canvas = Canvas(width: width, height: height)
        canvas.fillRect(x: 0, y: 0, width: width / 2, height: height / 2, red)
        canvas.fillRect(x: width / 2, y: 0, width: width - width / 2, height: height / 2, green)
        canvas.fillRect(x: 0, y: height / 2, width: width / 2, height: height - height / 2, blue)
        canvas.fillRect(x: width / 2, y: height / 2, width: width - width / 2, height: height - height / 2, yellow)
        return canvas.image
    }

    static func quadrantJPEG(width: Int, height: Int, quality: Int = 95) throws -> [UInt8] {
        try ImageCodec.encodeJPEG(quadrants(width: width, height: height), quality: quality)
    }

    /// Quadrants with strong noise: plenty of entropy-coded data, so cutting
    /// the file in half lands inside the scan rather than in the tables.
    static func noisyJPEG(width: Int, height: Int, seed: UInt64 = 1) throws -> [UInt8] {
        var canvas = Canvas(image: quadrants(width: width, height: height))
        var rng = SeededRandom(seed: seed)
        canvas.noise(&rng, amplitude: 30)
        return try ImageCodec.encodeJPEG(canvas.image, quality: 90)
    }

    /// Offset of the first byte after the SOS header, and the end of the file.
    static func scanData(_ jpeg: [UInt8]) -> Range<Int> {
        for i in 2..<(jpeg.count - 4) where jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA {
            return (i + 2 + (Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3])))..<(jpeg.count - 2)
        }
        return jpeg.count..<jpeg.count
    }

    /// A fresh folder under the system temp dir, removed by the caller.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("aiarts-imaging-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    // MARK: JPEG surgery

    /// APP1 "Exif" segment holding only IFD0 with an Orientation entry.
    static func exifSegment(orientation: Int, bigEndian: Bool = true) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] {
            bigEndian ? [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)]
        }
        func u32(_ v: Int) -> [UInt8] {
            bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16)
        }
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        tiff += u16(42) + u32(8)                 // magic, offset of IFD0
        tiff += u16(2)                           // two entries: an unrelated one first
        tiff += u16(0x010F) + u16(2) + u32(4) + [0x41, 0x42, 0x43, 0]  // Make "ABC"
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
        tiff += u32(0)                           // no next IFD
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// Inserts a segment right after SOI.
    static func splice(_ segment: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
    }

    /// Rewrites the frame size in the first SOF0/SOF2 marker.
    static func patchSOF(_ jpeg: [UInt8], width: Int, height: Int) -> [UInt8] {
        var b = jpeg
        var i = 2
        while i + 9 < b.count {
            if b[i] == 0xFF && (b[i + 1] == 0xC0 || b[i + 1] == 0xC2) {
                b[i + 5] = UInt8(height >> 8); b[i + 6] = UInt8(height & 0xFF)
                b[i + 7] = UInt8(width >> 8); b[i + 8] = UInt8(width & 0xFF)
                return b
            }
            i += 1
        }
        return b
    }

    // MARK: hand-made PNGs

    /// PNG from raw (unfiltered) scanlines, for bit depths and colour types
    /// our encoder does not write. Deflate uses stored blocks, which any
    /// inflater accepts.
    static func png(width: Int, height: Int, bitDepth: Int, colorType: Int, rows: [[UInt8]],
                    plte: [UInt8]? = nil, trns: [UInt8]? = nil, interlaced: Bool = false) -> [UInt8] {
        // With `interlaced`, `rows` are the Adam7 pass scanlines in order.
        var ihdr = be32(width) + be32(height)
        ihdr += [UInt8(bitDepth), UInt8(colorType), 0, 0, interlaced ? 1 : 0]
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row } // filter type 0 (None)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", ihdr)
        if let plte { out += chunk("PLTE", plte) }
        if let trns { out += chunk("tRNS", trns) }
        out += chunk("IDAT", zlibStored(raw))
        out += chunk("IEND", [])
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(data.count) + typeBytes + data + be32(Int(crc32(typeBytes + data)))
    }

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let final: UInt8 = i + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + be32(Int(b << 16 | a))
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

import AIArtsImaging
import Foundation

/// The image seeds of fuzz/corpus/image and fuzz/corpus/webp, made by the codecs aiarts reads them with.
enum ImageSeeds {
    static func write(to folder: String) {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let w = 12, h = 8
        let rgb = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let gray = (0..<64).map { UInt8($0 * 4) }
        let seeds: [(String, [UInt8])] = [
            ("a.jpg", try! ImageCodec.encodeJPEG(rgb, quality: 50)),
            ("gray.jpg", try! ImageCodec.encodeGrayJPEG(width: 8, height: 8, gray: gray)),
            ("a.png", try! ImageCodec.encodePNG(rgb)),
            ("gray.png", try! ImageCodec.encodeGrayPNG(width: 8, height: 8, gray: gray)),
            ("mask.png", try! ImageCodec.encodeMask(IndexedImage(width: 8, height: 8, values: gray.map { $0 % 3 }))),
            ("a.webp", try! ImageCodec.encodeWebP(rgb, quality: 50)),
        ]
        for (name, bytes) in seeds { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes)) }
    }

    /// One of each WebP kind libwebp reads: lossy (VP8), lossless (VP8L), lossy with alpha
    /// (VP8X + ALPH + VP8) and an animation (VP8X + ANIM + ANMF frames).
    static func writeWebP(to folder: String) {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let w = 12, h = 8
        let rgb = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let rgba = RGBImage(width: w, height: h, channels: 4, pixels: (0..<(w * h * 4)).map { UInt8(truncatingIfNeeded: $0 * 5) })
        let frame1 = try! ImageCodec.encodeLosslessWebP(RGBImage(width: 4, height: 2, color: RGBColor(200, 0, 0)))
        let frame2 = try! ImageCodec.encodeWebP(rgba, quality: 40)
        let seeds: [(String, [UInt8])] = [
            ("lossy.webp", try! ImageCodec.encodeWebP(rgb, quality: 50)),
            ("lossless.webp", try! ImageCodec.encodeLosslessWebP(rgb)),
            ("alpha.webp", try! ImageCodec.encodeWebP(rgba, quality: 50)),
            ("anim.webp", animation(width: w, height: h, frames: [(2, 2, 4, 2, frame1), (0, 0, w, h, frame2)])),
        ]
        for (name, bytes) in seeds { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes)) }
    }

    /// An animated WebP laid out as libwebp's muxer writes it, from still files whose image
    /// chunks become the frames (x, y even: the file stores them halved).
    static func animation(width: Int, height: Int, frames: [(Int, Int, Int, Int, [UInt8])]) -> [UInt8] {
        func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func chunk(_ fourcc: String, _ payload: [UInt8]) -> [UInt8] {
            Array(fourcc.utf8) + le(payload.count, 4) + payload + (payload.count % 2 == 1 ? [0] : [])
        }
        var body = Array("WEBP".utf8)
        body += chunk("VP8X", [0x12, 0, 0, 0] + le(width - 1, 3) + le(height - 1, 3))  // alpha and animation flags
        body += chunk("ANIM", [0, 0, 0, 0, 0, 0])
        for (x, y, w, h, still) in frames {
            // The still file's chunks after 'RIFF size WEBP' (VP8X of a still is dropped: frames carry ALPH + VP8).
            var image = Array(still[12...])
            if image.starts(with: Array("VP8X".utf8)) { image = Array(image[18...]) }
            body += chunk("ANMF", le(x / 2, 3) + le(y / 2, 3) + le(w - 1, 3) + le(h - 1, 3) + le(80, 3) + [0] + image)
        }
        return Array("RIFF".utf8) + le(body.count, 4) + body
    }
}

import AIArtsImaging
import Foundation

/// The image seeds of fuzz/corpus/image, made by the codecs aiarts reads them with.
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
        ]
        for (name, bytes) in seeds { FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes)) }
    }
}

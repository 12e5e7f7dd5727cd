import AIArtsImaging
import Foundation

/// What the import pipeline needs to know of an image file, read by really decoding it.
struct ProbedImage: Sendable {
    /// Size as stored in the file (what most annotation tools see).
    var stored: ImageSize
    /// Size once EXIF orientation is applied.
    var display: ImageSize
}

struct ProbedMask: Sendable {
    var size: ImageSize
    /// Which of the 256 values occur in the mask.
    var present: [Bool]
}

/// Decodes images to check them: a truncated, corrupt or empty file is refused with the codec's reason.
enum ImageProbe {
    static func probe(_ url: URL) throws -> ProbedImage {
        let bytes = try readBytes(url)
        let info = try ImageCodec.check(bytes)
        return ProbedImage(stored: ImageSize(width: info.width, height: info.height),
                           display: ImageSize(width: info.displayWidth, height: info.displayHeight))
    }

    static func probeMask(_ url: URL) throws -> ProbedMask {
        let bytes = try readBytes(url)
        let mask = try ImageCodec.decodeMask(bytes)
        var present = [Bool](repeating: false, count: 256)
        for value in mask.values { present[Int(value)] = true }
        return ProbedMask(size: ImageSize(width: mask.width, height: mask.height), present: present)
    }

    static func readBytes(_ url: URL) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw AIArtsError(.badInput, "cannot open the file (missing or unreadable)")
        }
        defer { try? handle.close() }
        let data = (try? handle.readToEnd()) ?? Data()
        return [UInt8](data)
    }
}

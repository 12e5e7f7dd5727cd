import AIArtsImaging
import Foundation

/// How much of each image an import reads to check it.
public enum ImageVerification: String, Sendable, Codable, CaseIterable {
    /// Decode every image: truncated and corrupt files are caught (the default).
    case full
    /// Read only the header: size and format are checked, damage further in is not. For very
    /// large datasets registered in place, where decoding everything would take minutes.
    case header
}

/// What the import pipeline needs to know of an image file.
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

/// Checks images by decoding them: a truncated, corrupt or empty file is refused with the codec's reason.
enum ImageProbe {
    /// Headers (with EXIF and ICC segments) fit in this much for all but odd files, which are read whole.
    static let headerPrefix = 256 * 1024

    static func probe(_ url: URL, verification: ImageVerification) throws -> ProbedImage {
        let info: ImageInfo
        switch verification {
        case .full:
            info = try ImageCodec.check(readBytes(url))
        case .header:
            let (prefix, complete) = try readBytes(url, limit: headerPrefix)
            do {
                info = try ImageCodec.info(prefix)
            } catch where !complete {
                // The header ran past the prefix: read the whole file once.
                info = try ImageCodec.info(readBytes(url))
            }
        }
        return ProbedImage(stored: info.storedSize, display: info.displaySize)
    }

    static func probeMask(_ url: URL) throws -> ProbedMask {
        let mask = try ImageCodec.decodeMask(readBytes(url))
        var present = [Bool](repeating: false, count: 256)
        for value in mask.values { present[Int(value)] = true }
        return ProbedMask(size: ImageSize(width: mask.width, height: mask.height), present: present)
    }

    static func readBytes(_ url: URL) throws -> [UInt8] {
        try readBytes(url, limit: ImageCodec.maxFileBytes).bytes
    }

    /// Reads up to `limit` bytes with plain POSIX calls (Foundation's file handles cost more than
    /// decoding a small image); `complete` says whether that was the whole file.
    static func readBytes(_ url: URL, limit: Int) throws -> (bytes: [UInt8], complete: Bool) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw AIArtsError(.badInput, "cannot open the file (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw AIArtsError(.badInput, "not a regular file")
        }
        let size = Int(info.st_size)
        let wanted = min(size, limit)
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, wanted - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        if done < wanted { bytes.removeSubrange(done...) }
        return (bytes, done == size)
    }
}

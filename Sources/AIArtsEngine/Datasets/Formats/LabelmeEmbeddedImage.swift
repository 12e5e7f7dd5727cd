import AIArtsImaging
import Foundation

/// labelme's `imageData`: the image file's bytes in base64 (labelme re-encodes the image as JPEG or
/// PNG, with its EXIF orientation applied; other tools store the original file, WebP included).
/// Used when the file `imagePath` names is not there: the bytes are written into the import's
/// staging folder and imported like any other image file.
enum LabelmeEmbeddedImage {
    /// Why an embedded image was not usable, in words for the import report.
    struct Failure: Error, Equatable {
        var reason: String
    }

    /// The decoded bytes and the format their first bytes show (never the name's extension).
    static func decode(_ text: String) throws(Failure) -> (bytes: [UInt8], format: ImageFormat) {
        var payload = Substring(text)
        // A data URL ('data:image/png;base64,...') as some web tools write it.
        if payload.hasPrefix("data:"), let comma = payload.firstIndex(of: ",") {
            payload = payload[payload.index(after: comma)...]
        }
        guard let bytes = base64(payload.utf8) else {
            throw Failure(reason: "embedded 'imageData' is not valid base64")
        }
        guard !bytes.isEmpty else { throw Failure(reason: "embedded 'imageData' is empty") }
        guard let format = ImageFormat.detect(bytes) else {
            let head = bytes.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw Failure(reason: "embedded 'imageData' is not a JPEG, PNG or WebP image (it starts with \(head))")
        }
        return (bytes, format)
    }

    /// Standard base64 (RFC 4648, '+' and '/'), padding optional; line breaks and spaces, as
    /// wrapping encoders write them, are skipped. nil for any other character or a dangling
    /// sixth bit group.
    static func base64<S: Sequence>(_ text: S) -> [UInt8]? where S.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.underestimatedCount / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text {
            let value: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                if padding > 2 { return nil }
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: return nil
            }
            if padding > 0 { return nil }  // data after '='
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // 6 leftover bits cannot come from whole bytes; 2 or 4 are the padding of a short last group.
        return bits == 6 ? nil : out
    }

    /// Writes `bytes` to `target` through a temporary name in the same folder, renamed into place,
    /// so a file at `target` is always whole. Never writes through an existing file or link.
    static func store(_ bytes: [UInt8], at target: URL) throws(Failure) {
        let folder = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure(reason: "could not create a folder for the embedded image: \(error.localizedDescription)")
        }
        let partial = folder.appendingPathComponent(".\(target.lastPathComponent).partial")
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure(reason: "could not write the embedded image: \(String(cString: strerror(errno)))")
        }
        var done = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        close(fd)
        if failure == 0, rename(partial.path, target.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(partial.path)
            throw Failure(reason: "could not write the embedded image: \(String(cString: strerror(failure)))")
        }
    }
}

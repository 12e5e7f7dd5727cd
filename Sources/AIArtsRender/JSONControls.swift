import Foundation

/// JSON for a terminal: JSONEncoder escapes C0 controls but writes C1 controls (U+0080–U+009F,
/// which some terminals obey like ESC sequences) and bidirectional controls (which make text read
/// differently from what it is) as raw UTF-8. This rewrites them as \uXXXX escapes. Those
/// characters can only stand inside JSON strings, and their UTF-8 lead bytes never occur inside
/// another character, so a byte-level rewrite keeps the document's meaning exactly.
public enum JSONControls {
    public static func escape(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        guard bytes.contains(where: { $0 == 0xC2 || $0 == 0xD8 || $0 == 0xE2 }) else { return data }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = control(at: i, in: bytes) {
                out += Array(String(format: "\\u%04X", scalar).utf8)
                i += length
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return Data(out)
    }

    /// The code point and UTF-8 length of a C1 or bidi control starting at `i`, if one does.
    static func control(at i: Int, in b: [UInt8]) -> (UInt32, Int)? {
        switch b[i] {
        case 0xC2 where i + 1 < b.count && (0x80...0x9F).contains(b[i + 1]):
            return (UInt32(b[i + 1]), 2)                                    // U+0080–U+009F
        case 0xD8 where i + 1 < b.count && b[i + 1] == 0x9C:
            return (0x061C, 2)                                              // ARABIC LETTER MARK
        case 0xE2 where i + 2 < b.count:
            let scalar = (UInt32(b[i] & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
            switch scalar {
            case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return (scalar, 3)
            default: return nil
            }
        default:
            return nil
        }
    }
}

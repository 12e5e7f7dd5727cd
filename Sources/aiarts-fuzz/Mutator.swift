/// A small deterministic RNG (splitmix64): the same seed replays the same run.
struct FuzzRNG {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
}

/// Mutations aimed at what breaks parsers of logs, JSON, XML, YAML and binary containers:
/// the numbers that overflow, lengths that lie, nesting that recurses, lines that never end,
/// bytes that are not text.
struct Mutator {
    static let maxSize = 256 << 10

    /// Values that have broken (or could break) number handling somewhere.
    static let numbers: [String] = [
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
        "99999999999999999999", "4294967295", "4294967296", "2147483647", "-2147483648", "65535", "65536",
        "9007199254740993", "1e308", "-1e308", "1e309", "2e-308", "4.9e-324", "1.7976931348623157e308",
        "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "-Infinity", "-0", "-0.0", "0", "-1", "1.5", "0x7fffffff",
        "1" + String(repeating: "0", count: 400), "0." + String(repeating: "9", count: 400),
    ]

    /// Text that bothers tokenizers and terminals.
    static let tokens: [String] = [
        "\u{1B}[2J", "\u{1B}]0;title\u{07}", "\r", "\u{08}", "\0", "\n", "\r\n", "\t", ",", ":", "=", "/", "[", "]", "{", "}",
        "\"", "'", "\\", "<", ">", "&", "&#xFFFFFFFF;", "&#0;", "&amp;", "<![CDATA[", "]]>", "<!DOCTYPE a [<!ENTITY x \"y\">]>",
        "../../../../etc/passwd", "/etc/passwd", "..", "~", "é", "\u{202E}", "\u{FEFF}", "👍", "Epoch=", "Step=", "step",
        "epoch", "- ", ": ", "#", "null", "true", "[]", "{}", "\"\"",
    ]

    /// Invalid UTF-8 and control bytes.
    static let rawBytes: [[UInt8]] = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x00], [0x7F], [0x1B]]

    static let interestingInts: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                            0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 1 << 20, 1 << 31, 1 << 32]

    var rng: FuzzRNG

    /// A mutated copy of `input`; `other` is another seed to splice with.
    mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...rng.below(4) { step(&bytes, other: other) }
        if bytes.count > Self.maxSize { bytes.removeLast(bytes.count - Self.maxSize) }
        return bytes
    }

    private mutating func step(_ b: inout [UInt8], other: [UInt8]) {
        let at = rng.below(b.count + 1)
        switch rng.below(15) {
        case 0 where !b.isEmpty:  // flip a bit
            let i = rng.below(b.count); b[i] ^= 1 << UInt8(rng.below(8))
        case 1 where !b.isEmpty:  // a random byte
            b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 2:  // insert random bytes
            b.insert(contentsOf: (0..<(1 + rng.below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 3 where !b.isEmpty:  // delete a range
            let n = min(b.count - min(at, b.count - 1), 1 + rng.below(rng.chance(4) ? b.count : 16))
            b.removeSubrange(min(at, b.count - 1)..<(min(at, b.count - 1) + n))
        case 4 where !b.isEmpty:  // duplicate a range elsewhere
            let start = rng.below(b.count), n = min(b.count - start, 1 + rng.below(64))
            b.insert(contentsOf: Array(b[start..<(start + n)]), at: rng.below(b.count + 1))
        case 5 where !other.isEmpty:  // splice: this one's head, the other's tail
            b = Array(b.prefix(at)) + Array(other.suffix(from: rng.below(other.count)))
        case 6:  // an interesting number
            b.insert(contentsOf: Array(Self.numbers[rng.below(Self.numbers.count)].utf8), at: at)
        case 7:  // replace a run of digits with an interesting number
            replaceNumber(&b)
        case 8 where !b.isEmpty:  // an interesting integer, 1-8 bytes, either byte order
            let width = [1, 2, 4, 8][rng.below(4)]
            let v = Self.interestingInts[rng.below(Self.interestingInts.count)] &+ UInt64(bitPattern: Int64(rng.below(3) - 1))
            let i = rng.below(b.count)
            let bigEndian = rng.chance(2)
            for k in 0..<width where i + k < b.count {
                let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
                b[i + k] = UInt8(truncatingIfNeeded: v >> shift)
            }
        case 9 where !b.isEmpty:  // truncate
            b.removeLast(b.count - rng.below(b.count))
        case 10:  // an overlong run of one byte (a line that never ends, a huge field)
            let byte: UInt8 = [0x41, 0x30, 0x20, 0x2C, 0x00, 0xFF, 0x2F][rng.below(7)]
            b.insert(contentsOf: [UInt8](repeating: byte, count: 1 << (10 + rng.below(7))), at: at)
        case 11:  // deep nesting
            let open = ["[", "{\"a\":", "<a>", "- ", "  ", "(", "[[", "{"][rng.below(8)]
            b.insert(contentsOf: Array(String(repeating: open, count: 1 << (4 + rng.below(10))).utf8), at: at)
        case 12:  // text tokens and control bytes
            b.insert(contentsOf: Array(Self.tokens[rng.below(Self.tokens.count)].utf8), at: at)
        case 13:  // invalid UTF-8
            b.insert(contentsOf: Self.rawBytes[rng.below(Self.rawBytes.count)], at: at)
        default:  // line level: duplicate or drop a line
            lineStep(&b)
        }
    }

    private mutating func replaceNumber(_ b: inout [UInt8]) {
        let isDigit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
        let starts = b.indices.filter { isDigit(b[$0]) && ($0 == 0 || !isDigit(b[$0 - 1])) }
        guard !starts.isEmpty else { return }
        let start = starts[rng.below(starts.count)]
        var end = start
        while end < b.count, isDigit(b[end]) || b[end] == 0x2E { end += 1 }
        b.replaceSubrange(start..<end, with: Array(Self.numbers[rng.below(Self.numbers.count)].utf8))
    }

    private mutating func lineStep(_ b: inout [UInt8]) {
        var lines = b.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { return }
        let i = rng.below(lines.count)
        switch rng.below(3) {
        case 0: lines.insert(lines[i], at: rng.below(lines.count + 1))
        case 1 where lines.count > 1: lines.remove(at: i)
        default: lines.swapAt(i, rng.below(lines.count))
        }
        b = Array(lines.joined(separator: [0x0A]))
    }
}

import Foundation

/// Reads the numeric members of a Python dict as `print(dict)` or `str(dict)` writes it:
/// single or double quoted keys, nan/inf, True/False/None, and numpy 2 scalars printed as
/// `np.float64(0.5)`. Non-numeric members (strings, lists, nested dicts) are skipped, not errors.
public enum PythonDictLiteral {
    /// The numeric members in order, or nil when `text` does not start with a dict.
    public static func numericMembers<S: StringProtocol>(_ text: S) -> [(key: String, value: Double)]? {
        var s = Scanner(Array(text.utf8))
        return s.dict()
    }

    private struct Scanner {
        let b: [UInt8]
        var i = 0
        init(_ bytes: [UInt8]) { b = bytes }

        var peek: UInt8? { i < b.count ? b[i] : nil }
        mutating func spaces() { while let c = peek, c == 0x20 || c == 0x09 { i += 1 } }

        mutating func dict() -> [(key: String, value: Double)]? {
            spaces()
            guard peek == UInt8(ascii: "{") else { return nil }
            i += 1
            var out: [(key: String, value: Double)] = []
            while true {
                spaces()
                if peek == UInt8(ascii: "}") { return out }
                guard let key = quoted() else { return nil }
                spaces()
                guard peek == UInt8(ascii: ":") else { return nil }
                i += 1
                spaces()
                // transformers 5 prints values quoted: {'loss': '19.85', …}.
                if let v = number() ?? quotedNumber() { out.append((key, v)) } else if !skipValue() { return nil }
                spaces()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                if peek == UInt8(ascii: "}") { return out }
                return nil
            }
        }

        /// A quoted string that holds a number ('19.85', '4.9e-05'); nothing is consumed otherwise.
        mutating func quotedNumber() -> Double? {
            let start = i
            if let text = quoted(), let v = MetricText.number(text.trimmingCharacters(in: .whitespaces)) { return v }
            i = start
            return nil
        }

        mutating func quoted() -> String? {
            guard let q = peek, q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            while let c = peek, c != q {
                if c == UInt8(ascii: "\\") { i += 1 }
                i += 1
            }
            guard peek == q else { return nil }
            defer { i += 1 }
            return String(decoding: b[start..<i], as: UTF8.self)
        }

        /// A number, possibly wrapped as np.float64(...) / np.float32(...) / np.int64(...).
        mutating func number() -> Double? {
            let save = i
            var wrapped = false
            if b[i...].starts(with: "np.".utf8) || b[i...].starts(with: "numpy.".utf8) {
                guard let open = b[i...].firstIndex(of: UInt8(ascii: "(")) else { return nil }
                i = open + 1
                wrapped = true
            }
            let start = i
            while let c = peek, c != UInt8(ascii: ","), c != UInt8(ascii: "}"), c != UInt8(ascii: ")"), c != 0x20 { i += 1 }
            guard let v = MetricText.number(String(decoding: b[start..<i], as: UTF8.self)) else { i = save; return nil }
            if wrapped {
                guard peek == UInt8(ascii: ")") else { i = save; return nil }
                i += 1
            }
            return v
        }

        /// Skips one value of any shape (strings with escapes, nested brackets).
        mutating func skipValue() -> Bool {
            var depth = 0
            while let c = peek {
                switch c {
                case UInt8(ascii: "'"), UInt8(ascii: "\""): guard quoted() != nil else { return false }; continue
                case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: ")"), UInt8(ascii: "]"): depth -= 1
                case UInt8(ascii: "}"): if depth == 0 { return true }; depth -= 1
                case UInt8(ascii: ","): if depth == 0 { return true }
                default: break
                }
                i += 1
            }
            return false
        }
    }
}

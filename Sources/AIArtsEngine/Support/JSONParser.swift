import Foundation

/// A JSON syntax error with a position a person can find in an editor.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// 1-based line and column (column counts characters, not bytes).
    public var line: Int
    public var column: Int
    /// Byte offset into the input.
    public var offset: Int
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }

    /// Builds an error for `offset`, computing line and column from the bytes before it.
    static func at(_ offset: Int, in bytes: UnsafeBufferPointer<UInt8>, _ message: String) -> JSONParseError {
        let end = min(offset, bytes.count)
        var line = 1
        var column = 1
        var index = 0
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1; column = 1
            } else if byte & 0xC0 != 0x80 {  // count UTF-8 lead bytes only, so columns are characters
                column += 1
            }
            index += 1
        }
        return JSONParseError(line: line, column: column, offset: offset, message: message)
    }
}

/// Kinds of JSON values. Raw values are stored in the document's node tape.
public enum JSONKind: UInt8, Sendable {
    case null, bool, number, string, array, object
}

/// One entry of the document's tape (16 bytes: the tape of a 150 MB COCO file has ~20 million
/// entries, and memory traffic is most of the parse time). Values are laid out in document
/// order; a container is followed by its children (an object's children alternate key, value)
/// and records the index just past its last descendant, so siblings are found without recursion.
@usableFromInline
struct JSONNode: Sendable {
    /// Numbers: the Double's bit pattern. Others: input offset of the value in the high 32 bits;
    /// in the low 32 bits, containers keep the index past their last descendant and strings
    /// their byte start (in the input, or in the unescaped buffer when `escaped`).
    @usableFromInline var payload: UInt64
    /// Containers: element (array) or member (object) count. Strings: byte length. Bools: 0 or 1.
    @usableFromInline var count: UInt32
    /// Low byte: kind; bit 8: string text lives in the unescaped buffer.
    @usableFromInline var tag: UInt32

    init(kind: JSONKind, escaped: Bool = false, count: UInt32, low: UInt32, offset: Int) {
        payload = UInt64(truncatingIfNeeded: offset) << 32 | UInt64(low)
        self.count = count
        tag = UInt32(kind.rawValue) | (escaped ? 0x100 : 0)
    }

    init(number: Double) {
        payload = number.bitPattern
        count = 0
        tag = UInt32(JSONKind.number.rawValue)
    }

    @inlinable var kind: JSONKind { JSONKind(rawValue: UInt8(truncatingIfNeeded: tag)) ?? .null }
    @inlinable var escaped: Bool { tag & 0x100 != 0 }
    @inlinable var low: Int { Int(UInt32(truncatingIfNeeded: payload)) }
    /// Input offset; numbers do not keep one.
    @inlinable var offset: Int? { kind == .number ? nil : Int(payload >> 32) }
}

/// The finished node array of a document; immutable once built.
@usableFromInline
final class JSONTape: @unchecked Sendable {  // written only by the builder, before it is shared
    @usableFromInline let nodes: UnsafeMutablePointer<JSONNode>
    @usableFromInline let count: Int

    init(nodes: UnsafeMutablePointer<JSONNode>, count: Int) {
        self.nodes = nodes
        self.count = count
    }

    deinit { free(nodes) }

    @inlinable subscript(index: Int) -> JSONNode {
        precondition(index >= 0 && index < count, "JSON node index out of range")
        return nodes[index]
    }
}

/// Parses bytes into a `JSONDocument` tape. Iterative (no recursion), so deep input cannot
/// exhaust the stack; nesting beyond `maxDepth` is a syntax error instead.
struct JSONTapeBuilder {
    /// Node storage, managed by hand rather than as [JSONNode]: an array append pays a
    /// uniqueness check per value, and realloc of a large block grows it without copying.
    /// Ownership passes to a `JSONTape` (`finish()`) or is freed (`discard()`).
    var nodes: UnsafeMutablePointer<JSONNode>
    var nodeCount = 0
    var nodeCapacity: Int
    var unescaped: [UInt8] = []
    let maxDepth: Int

    init(maxDepth: Int, sizeHint: Int) {
        self.maxDepth = maxDepth
        // COCO-like files hold about one value per 7 bytes; starting a little above that avoids
        // growing, and untouched pages of the allocation cost no memory.
        nodeCapacity = max(16, sizeHint / 5)
        nodes = malloc(nodeCapacity * MemoryLayout<JSONNode>.stride)!.assumingMemoryBound(to: JSONNode.self)
    }

    @inline(__always)
    private mutating func append(_ node: JSONNode) {
        if nodeCount == nodeCapacity { grow() }
        nodes[nodeCount] = node  // JSONNode is a trivial type: plain stores into raw memory are fine
        nodeCount += 1
    }

    @inline(never)
    private mutating func grow() {
        nodeCapacity *= 2
        nodes = realloc(nodes, nodeCapacity * MemoryLayout<JSONNode>.stride)!.assumingMemoryBound(to: JSONNode.self)
    }

    func finish() -> JSONTape { JSONTape(nodes: nodes, count: nodeCount) }
    func discard() { free(nodes) }

    mutating func parse(_ p: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        let n = p.count
        if n > Int(UInt32.max) {
            throw JSONParseError(line: 1, column: 1, offset: 0, message: "input larger than 4 GiB is not supported")
        }
        var i = 0
        if n >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }  // UTF-8 BOM written by Windows tools
        var stack: [Int] = []
        stack.reserveCapacity(64)
        i = skipSpace(p, i)

        valueLoop: while true {
            guard i < n else {
                throw .at(i, in: p, stack.isEmpty ? "empty input; expected a JSON value" : "unexpected end of input; expected a value")
            }
            let c = p[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if stack.count >= maxDepth {
                    throw .at(i, in: p, "nesting deeper than \(maxDepth) levels")
                }
                let isObject = c == UInt8(ascii: "{")
                append(JSONNode(kind: isObject ? .object : .array, count: 0, low: 0, offset: i))
                let index = nodeCount - 1
                i = skipSpace(p, i + 1)
                if i < n, p[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    nodes[index].payload |= UInt64(nodeCount)
                    i += 1
                } else {
                    stack.append(index)
                    if isObject { i = try parseKey(p, i) }
                    continue valueLoop
                }
            case UInt8(ascii: "\""):
                i = try parseString(p, i)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = try parseNumber(p, i)
            case UInt8(ascii: "t"):
                try expectLiteral(p, i, "true")
                append(JSONNode(kind: .bool, count: 1, low: 0, offset: i))
                i += 4
            case UInt8(ascii: "f"):
                try expectLiteral(p, i, "false")
                append(JSONNode(kind: .bool, count: 0, low: 0, offset: i))
                i += 5
            case UInt8(ascii: "n"):
                try expectLiteral(p, i, "null")
                append(JSONNode(kind: .null, count: 0, low: 0, offset: i))
                i += 4
            case UInt8(ascii: "N"), UInt8(ascii: "I"):
                throw .at(i, in: p, "NaN and Infinity are not valid JSON numbers")
            default:
                throw .at(i, in: p, "unexpected \(describe(c)); expected a value")
            }

            // A value just ended: continue the enclosing container, closing as many as end here.
            while true {
                guard let top = stack.last else {
                    i = skipSpace(p, i)
                    if i < n { throw .at(i, in: p, "unexpected \(describe(p[i])) after the JSON value") }
                    return
                }
                nodes[top].count &+= 1
                i = skipSpace(p, i)
                let isObject = nodes[top].kind == .object
                guard i < n else {
                    throw .at(i, in: p, isObject ? "unexpected end of input; expected ',' or '}' after object member"
                                                 : "unexpected end of input; expected ',' or ']' after array element")
                }
                let c = p[i]
                if c == UInt8(ascii: ",") {
                    i = skipSpace(p, i + 1)
                    if isObject { i = try parseKey(p, i) }
                    continue valueLoop
                }
                if c == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    nodes[top].payload |= UInt64(nodeCount)
                    stack.removeLast()
                    i += 1
                    continue
                }
                throw .at(i, in: p, isObject ? "expected ',' or '}' after object member" : "expected ',' or ']' after array element")
            }
        }
    }

    /// Parses `"key"` and the `:` after it; returns the index of the member's value.
    private mutating func parseKey(_ p: UnsafeBufferPointer<UInt8>, _ start: Int) throws(JSONParseError) -> Int {
        guard start < p.count else { throw .at(start, in: p, "unexpected end of input; expected a string key") }
        guard p[start] == UInt8(ascii: "\"") else {
            if p[start] == UInt8(ascii: "}") { throw .at(start, in: p, "trailing comma before '}'") }
            throw .at(start, in: p, "expected a string key in double quotes, found \(describe(p[start]))")
        }
        var i = try parseString(p, start)
        i = skipSpace(p, i)
        guard i < p.count, p[i] == UInt8(ascii: ":") else {
            throw .at(i, in: p, "expected ':' after object key")
        }
        return skipSpace(p, i + 1)
    }

    @inline(__always)
    private func skipSpace(_ p: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < p.count {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
        return i
    }

    private func expectLiteral(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let ok = i + count <= p.count && word.withUTF8Buffer { w in
            var k = 0
            while k < count { if p[i + k] != w[k] { return false }; k += 1 }
            return true
        }
        if !ok { throw .at(i, in: p, "invalid literal; expected '\(word)'") }
    }

    /// Scans a string starting at its opening quote; returns the index after the closing quote.
    /// Strings without escapes are referenced in place; the rest are decoded once into `unescaped`.
    private mutating func parseString(_ p: UnsafeBufferPointer<UInt8>, _ quote: Int) throws(JSONParseError) -> Int {
        let start = quote + 1
        var i = start
        let n = p.count
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                append(JSONNode(kind: .string, count: UInt32(i - start), low: UInt32(start), offset: quote))
                return i + 1
            }
            if c == UInt8(ascii: "\\") { return try parseEscapedString(p, quote, plainUpTo: i) }
            if c < 0x20 { throw .at(i, in: p, "control character \(describe(c)) in string; escape it (\\n, \\t, \\u00XX)") }
            i += 1
        }
        throw .at(quote, in: p, "unterminated string")
    }

    private mutating func parseEscapedString(_ p: UnsafeBufferPointer<UInt8>, _ quote: Int, plainUpTo first: Int) throws(JSONParseError) -> Int {
        let outStart = unescaped.count
        unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: p[(quote + 1)..<first]))
        var i = first
        let n = p.count
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                append(JSONNode(kind: .string, escaped: true, count: UInt32(unescaped.count - outStart),
                                      low: UInt32(outStart), offset: quote))
                return i + 1
            }
            if c < 0x20 { throw .at(i, in: p, "control character \(describe(c)) in string; escape it (\\n, \\t, \\u00XX)") }
            if c != UInt8(ascii: "\\") { unescaped.append(c); i += 1; continue }
            guard i + 1 < n else { break }
            let e = p[i + 1]
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(e)
            case UInt8(ascii: "b"): unescaped.append(0x08)
            case UInt8(ascii: "f"): unescaped.append(0x0C)
            case UInt8(ascii: "n"): unescaped.append(0x0A)
            case UInt8(ascii: "r"): unescaped.append(0x0D)
            case UInt8(ascii: "t"): unescaped.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(p, i + 2, escapeAt: i)
                var consumed = 6
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must pair with a following \uDC00-\uDFFF escape.
                    if i + 11 < n, p[i + 6] == UInt8(ascii: "\\"), p[i + 7] == UInt8(ascii: "u"),
                       let low = try? hex4(p, i + 8, escapeAt: i + 6), (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        consumed = 12
                    } else {
                        scalar = 0xFFFD  // lone surrogate: Python accepts these; replace rather than reject the file
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar)
                i += consumed
                continue
            default:
                throw .at(i, in: p, "invalid escape '\\\(describeRaw(e))' in string")
            }
            i += 2
        }
        throw .at(quote, in: p, "unterminated string")
    }

    private func hex4(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, escapeAt: Int) throws(JSONParseError) -> UInt32 {
        guard at + 4 <= p.count else { throw .at(escapeAt, in: p, "incomplete \\u escape; expected 4 hex digits") }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = p[at + k]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw .at(escapeAt, in: p, "invalid \\u escape; expected 4 hex digits")
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80: unescaped.append(UInt8(scalar))
        case 0x80..<0x800:
            unescaped.append(UInt8(0xC0 | scalar >> 6)); unescaped.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            unescaped.append(UInt8(0xE0 | scalar >> 12)); unescaped.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        default:
            unescaped.append(UInt8(0xF0 | scalar >> 18)); unescaped.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar >> 6 & 0x3F)); unescaped.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Exact powers of ten representable in a Double (10^22 is the largest). A switch of
    /// literals compiles to a constant table; a static array would cost a lazy-initialisation
    /// check and a retain per number.
    @inline(__always)
    private func powerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1e0; case 1: 1e1; case 2: 1e2; case 3: 1e3; case 4: 1e4; case 5: 1e5; case 6: 1e6; case 7: 1e7
        case 8: 1e8; case 9: 1e9; case 10: 1e10; case 11: 1e11; case 12: 1e12; case 13: 1e13; case 14: 1e14
        case 15: 1e15; case 16: 1e16; case 17: 1e17; case 18: 1e18; case 19: 1e19; case 20: 1e20; case 21: 1e21
        default: 1e22
        }
    }

    /// Validates the JSON number grammar and converts. Most numbers take Clinger's fast path
    /// (mantissa below 2^53, power of ten up to 22: one exactly-rounded multiply or divide);
    /// the rest go through the standard library's locale-independent correctly-rounded parser.
    private mutating func parseNumber(_ p: UnsafeBufferPointer<UInt8>, _ start: Int) throws(JSONParseError) -> Int {
        let n = p.count
        var i = start
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        @inline(__always) func isDigit(_ i: Int) -> Bool { i < n && p[i] &- UInt8(ascii: "0") < 10 }

        guard isDigit(i) else {
            if i < n, p[i] == UInt8(ascii: "I") { throw .at(start, in: p, "NaN and Infinity are not valid JSON numbers") }
            throw .at(i, in: p, "invalid number: expected a digit after '-'")
        }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw .at(start, in: p, "invalid number: leading zeros are not allowed") }
        } else {
            while isDigit(i) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(p[i] - UInt8(ascii: "0")) } else { exponent += 1 }
                if mantissa != 0 { digits += 1 }
                i += 1
            }
        }
        var truncated = digits > 19
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw .at(i, in: p, "invalid number: expected a digit after '.'") }
            while isDigit(i) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] - UInt8(ascii: "0"))
                    exponent -= 1
                    if mantissa != 0 { digits += 1 }
                } else if p[i] != UInt8(ascii: "0") {
                    truncated = true
                }
                i += 1
            }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { expNegative = p[i] == UInt8(ascii: "-"); i += 1 }
            guard isDigit(i) else { throw .at(i, in: p, "invalid number: expected a digit in the exponent") }
            var e = 0
            while isDigit(i) {
                if e < 100_000 { e = e * 10 + Int(p[i] - UInt8(ascii: "0")) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        var value: Double
        if !truncated, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            value = Double(mantissa)
            if exponent >= 0 { value *= powerOfTen(exponent) } else { value /= powerOfTen(-exponent) }
            if negative { value = -value }
        } else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
            guard let parsed = Double(text) else { throw .at(start, in: p, "invalid number '\(text)'") }
            value = parsed
        }
        if !value.isFinite { throw .at(start, in: p, "number out of range (larger than a double)") }
        append(JSONNode(number: value))
        return i
    }

    private func describe(_ c: UInt8) -> String {
        if c < 0x20 || c == 0x7F { return "control character U+" + String(format: "%04X", c) }
        if c >= 0x80 { return "non-ASCII byte 0x" + String(format: "%02X", c) }
        return "'\(describeRaw(c))'"
    }

    private func describeRaw(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : String(format: "\\x%02X", c)
    }
}

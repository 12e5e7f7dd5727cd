import Foundation

/// One element of a parsed XML document. Only what annotation formats need: no namespaces, no mixed-content order.
public struct XMLElement: Equatable, Sendable {
    public var name: String
    public var attributes: [String: String]
    public var children: [XMLElement]
    /// All character data directly inside this element (text and CDATA), concatenated, untrimmed.
    public var text: String
    /// 1-based line of the start tag, for messages.
    public var line: Int

    public init(name: String, attributes: [String: String] = [:], children: [XMLElement] = [], text: String = "", line: Int = 0) {
        self.name = name; self.attributes = attributes; self.children = children; self.text = text; self.line = line
    }

    /// The first child called `name`.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every child called `name`, in document order.
    public func children(named name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The trimmed text of the first child called `name`; nil when there is no such child.
    public func childText(_ name: String) -> String? {
        guard let text = child(name)?.text else { return nil }
        // Annotation values are short ASCII with ASCII padding: trim that without Foundation, which is slow
        // per call on Linux; anything else takes the general path.
        let u = text.utf8
        guard let first = u.firstIndex(where: { !XMLElement.isASCIISpace($0) }) else {
            return text.unicodeScalars.allSatisfy(\.isASCII) ? "" : text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let last = u.lastIndex(where: { !XMLElement.isASCIISpace($0) })!
        // Both ends fall on whole characters: spaces are single bytes, so the slice is valid UTF-8.
        let trimmed = String(decoding: u[first...last], as: UTF8.self)
        // Only a non-ASCII end can be a Unicode space (looking up scalar properties is slow, so ASCII skips it).
        if u[first] >= 0x80 || u[last] >= 0x80,
           trimmed.unicodeScalars.first?.properties.isWhitespace == true || trimmed.unicodeScalars.last?.properties.isWhitespace == true {
            return trimmed.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return trimmed
    }

    static func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }
}

/// Why a document did not parse, with where (1-based line and column, columns counted in characters).
public struct XMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A small non-validating XML parser for annotation files.
/// It never fetches or expands anything external: a DOCTYPE (with any internal subset) is skipped whole,
/// and only the five predefined entities and numeric references are decoded, so entity-expansion
/// attacks ("billion laughs") and external-entity reads cannot happen. Nesting depth is bounded.
public enum XML {
    public static func parse(_ data: Data, maxDepth: Int = 256) throws(XMLError) -> XMLElement {
        var parser = Parser(bytes: [UInt8](data), maxDepth: maxDepth)
        return try parser.document()
    }

    public static func parse(_ string: String, maxDepth: Int = 256) throws(XMLError) -> XMLElement {
        try parse(Data(string.utf8), maxDepth: maxDepth)
    }

    /// Escapes text for use in element content or a double-quoted attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0; drop them.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    var pos = 0
    /// Where the last line lookup stopped, so element lines are counted in one forward pass.
    /// Rescanning from the start for every element made a 10,000-object file quadratic.
    var lineCursor = 0
    var lineAtCursor = 1

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes; self.maxDepth = maxDepth
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    // MARK: errors carry a position computed only when needed

    func error(_ message: String, at offset: Int? = nil) -> XMLError {
        let end = min(offset ?? pos, bytes.count)
        var line = 1, column = 1
        var i = 0
        while i < end {
            let b = bytes[i]
            if b == 0x0A { line += 1; column = 1 }
            else if b == 0x0D {
                // CRLF counts as one line end.
                if i + 1 < end, bytes[i + 1] == 0x0A { i += 1 }
                line += 1; column = 1
            } else if b & 0xC0 != 0x80 { column += 1 }  // count characters, not UTF-8 continuation bytes
            i += 1
        }
        return XMLError(line: line, column: column, message: message)
    }

    /// The 1-based line of `offset`, counted on from the previous lookup (offsets only grow while parsing).
    /// A CR ends a line unless an LF follows it, so CRLF counts once even across two lookups.
    mutating func lineAt(_ offset: Int) -> Int {
        let end = min(offset, bytes.count)
        if end < lineCursor { lineCursor = 0; lineAtCursor = 1 }
        var i = lineCursor, line = lineAtCursor
        while i < end {
            let b = bytes[i]
            if b == 0x0A || (b == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A)) { line += 1 }
            i += 1
        }
        lineCursor = end; lineAtCursor = line
        return line
    }

    // MARK: low-level scanning

    var atEnd: Bool { pos >= bytes.count }

    /// True when the bytes at `pos` spell `s`. A StaticString compares in place: building an array per
    /// call (this runs at every '<') cost more than the rest of the parse.
    func peek(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return false }
        return s.withUTF8Buffer { u in
            for i in 0..<n where bytes[pos + i] != u[i] { return false }
            return true
        }
    }

    mutating func skipWhitespace() {
        while pos < bytes.count, Self.isSpace(bytes[pos]) { pos += 1 }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func isNameByte(_ b: UInt8, first: Bool) -> Bool {
        if b >= 0x80 { return true }  // any non-ASCII character: we do not police Unicode name classes
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return !first
        default:
            return false
        }
    }

    /// Skips past `terminator`, or fails naming what was left open.
    mutating func skip(past terminator: String, what: String) throws(XMLError) {
        let start = pos
        let t = Array(terminator.utf8)
        while pos + t.count <= bytes.count {
            if bytes[pos] == t[0], bytes[pos..<pos + t.count].elementsEqual(t) { pos += t.count; return }
            pos += 1
        }
        throw error("\(what) is never closed (missing '\(terminator)')", at: start)
    }

    mutating func name() throws(XMLError) -> String {
        let start = pos
        guard pos < bytes.count, Self.isNameByte(bytes[pos], first: true) else {
            throw error(atEnd ? "file ends where a tag name was expected" : "expected a tag or attribute name")
        }
        while pos < bytes.count, Self.isNameByte(bytes[pos], first: false) { pos += 1 }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    // MARK: document structure

    mutating func document() throws(XMLError) -> XMLElement {
        try misc(allowDoctype: true)
        guard !atEnd else { throw error("no root element: the file is empty or holds only comments") }
        guard bytes[pos] == UInt8(ascii: "<") else { throw error("text before the root element") }
        let root = try element(depth: 1)
        try misc(allowDoctype: false)
        if !atEnd { throw error("content after the end of the root element </\(root.name)>") }
        return root
    }

    /// Whitespace, comments, processing instructions (the XML declaration too) and, before the root, one DOCTYPE.
    mutating func misc(allowDoctype: Bool) throws(XMLError) {
        while true {
            skipWhitespace()
            if peek("<?") { try skip(past: "?>", what: "processing instruction") }
            else if peek("<!--") { pos += 4; try skip(past: "-->", what: "comment") }
            else if peek("<!DOCTYPE") {
                guard allowDoctype else { throw error("DOCTYPE is only allowed before the root element") }
                try skipDoctype()
            } else { return }
        }
    }

    /// Skips a DOCTYPE including an internal subset, honouring quotes, without interpreting any of it.
    mutating func skipDoctype() throws(XMLError) {
        let start = pos
        pos += 9
        var bracketDepth = 0
        var quote: UInt8? = nil
        while pos < bytes.count {
            let b = bytes[pos]
            pos += 1
            if let q = quote { if b == q { quote = nil }; continue }
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = b
            case UInt8(ascii: "["): bracketDepth += 1
            case UInt8(ascii: "]"): bracketDepth -= 1
            case UInt8(ascii: ">") where bracketDepth <= 0: return
            default: break
            }
        }
        throw error("DOCTYPE is never closed", at: start)
    }

    mutating func element(depth: Int) throws(XMLError) -> XMLElement {
        let start = pos
        if depth > maxDepth { throw error("elements nested deeper than \(maxDepth) levels", at: start) }
        pos += 1  // '<'
        var element = XMLElement(name: try name(), line: lineAt(start))
        // Attributes, then '>' or '/>'.
        while true {
            let hadSpace = pos < bytes.count && Self.isSpace(bytes[pos])
            skipWhitespace()
            guard !atEnd else { throw error("file ends inside the start tag <\(element.name)>", at: start) }
            if peek("/>") { pos += 2; return element }
            if bytes[pos] == UInt8(ascii: ">") { pos += 1; break }
            guard hadSpace else { throw error("expected a space, '>' or '/>' in <\(element.name)>") }
            let attrStart = pos
            let attr = try name()
            skipWhitespace()
            guard !atEnd, bytes[pos] == UInt8(ascii: "=") else { throw error("attribute '\(attr)' has no '=' and value") }
            pos += 1
            skipWhitespace()
            guard !atEnd, bytes[pos] == UInt8(ascii: "\"") || bytes[pos] == UInt8(ascii: "'") else {
                throw error("value of attribute '\(attr)' must be in quotes")
            }
            let value = try attributeValue()
            if element.attributes[attr] != nil { throw error("attribute '\(attr)' appears twice", at: attrStart) }
            element.attributes[attr] = value
        }
        // Content until the matching end tag.
        var text: [UInt8] = []
        while true {
            guard !atEnd else {
                throw error("file ends inside <\(element.name)> (missing </\(element.name)>)")
            }
            let b = bytes[pos]
            if b == UInt8(ascii: "<") {
                if peek("</") {
                    let closeStart = pos
                    pos += 2
                    let closing = try name()
                    skipWhitespace()
                    guard !atEnd, bytes[pos] == UInt8(ascii: ">") else { throw error("expected '>' to end </\(closing)>") }
                    pos += 1
                    guard closing == element.name else {
                        throw error("closing tag </\(closing)> does not match <\(element.name)>", at: closeStart)
                    }
                    element.text = String(decoding: text, as: UTF8.self)
                    return element
                } else if peek("<!--") {
                    pos += 4; try skip(past: "-->", what: "comment")
                } else if peek("<![CDATA[") {
                    pos += 9
                    let cdStart = pos
                    try skip(past: "]]>", what: "CDATA section")
                    text.append(contentsOf: bytes[cdStart..<pos - 3])
                } else if peek("<?") {
                    try skip(past: "?>", what: "processing instruction")
                } else if peek("<!") {
                    throw error("unexpected '<!' inside <\(element.name)> (DOCTYPE and declarations belong before the root)")
                } else {
                    element.children.append(try self.element(depth: depth + 1))
                }
            } else if b == UInt8(ascii: "&") {
                try entity(into: &text)
            } else {
                text.append(b)
                pos += 1
            }
        }
    }

    mutating func attributeValue() throws(XMLError) -> String {
        let quote = bytes[pos]
        let start = pos
        pos += 1
        var value: [UInt8] = []
        while true {
            guard !atEnd else { throw error("attribute value is never closed", at: start) }
            let b = bytes[pos]
            if b == quote { pos += 1; break }
            if b == UInt8(ascii: "<") { throw error("'<' is not allowed in an attribute value; write &lt;") }
            if b == UInt8(ascii: "&") { try entity(into: &value) } else { value.append(b); pos += 1 }
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// Decodes one entity reference at `pos` ('&...;') and appends its UTF-8.
    mutating func entity(into out: inout [UInt8]) throws(XMLError) {
        let start = pos
        pos += 1
        var ref: [UInt8] = []
        while pos < bytes.count, bytes[pos] != UInt8(ascii: ";"), ref.count < 16 {
            ref.append(bytes[pos]); pos += 1
        }
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ";") else {
            throw error("'&' must start an entity such as &amp; (write a literal & as &amp;)", at: start)
        }
        pos += 1
        let name = String(decoding: ref, as: UTF8.self)
        switch name {
        case "lt": out.append(UInt8(ascii: "<"))
        case "gt": out.append(UInt8(ascii: ">"))
        case "amp": out.append(UInt8(ascii: "&"))
        case "quot": out.append(UInt8(ascii: "\""))
        case "apos": out.append(UInt8(ascii: "'"))
        default:
            var code: UInt32? = nil
            if name.hasPrefix("#x") || name.hasPrefix("#X") { code = UInt32(name.dropFirst(2), radix: 16) }
            else if name.hasPrefix("#") { code = UInt32(name.dropFirst(), radix: 10) }
            else {
                throw error("unknown entity &\(name); (only &lt; &gt; &amp; &quot; &apos; and numeric references are supported)", at: start)
            }
            guard let c = code, c != 0, let scalar = Unicode.Scalar(c) else {
                throw error("character reference &\(name); is not a valid character", at: start)
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
    }
}

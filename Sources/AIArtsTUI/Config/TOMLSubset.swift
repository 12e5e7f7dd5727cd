/// The part of TOML that theme, keymap and config files use, read strictly: anything outside it is an
/// error naming the file and line, never a silent guess. Supported: `#` comments, `[section]` and
/// `[section.sub]` headers, bare keys, `key = value` with basic ("…", with escapes) or literal ('…')
/// strings, decimal integers, booleans, and arrays of those (which may span lines).
/// Not supported (refused with a message): dotted or quoted keys, `[[arrays of tables]]`, inline tables,
/// multi-line strings, floats, dates.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case array([TOMLValue])

    /// How the value's type is named in error messages.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .bool: "a boolean"
        case .array: "an array"
        }
    }
}

/// A value and the line it was written on, so later checks (an unknown colour name) can point at it.
public struct TOMLEntry: Equatable, Sendable {
    public var value: TOMLValue
    public var line: Int
}

/// One `[section]` (or the root, named ""), keys in file order.
public struct TOMLTable: Equatable, Sendable {
    public var name: String
    /// Line of the header; 0 for the root.
    public var line: Int
    public private(set) var keys: [String] = []
    public private(set) var entries: [String: TOMLEntry] = [:]

    public subscript(key: String) -> TOMLEntry? { entries[key] }

    mutating func set(_ key: String, _ entry: TOMLEntry) {
        keys.append(key)
        entries[key] = entry
    }
}

public struct TOMLDocument: Equatable, Sendable {
    /// The file name used in error messages.
    public var file: String
    /// Section names in file order, the root ("") first.
    public private(set) var tableNames: [String]
    public private(set) var tables: [String: TOMLTable]

    public subscript(table: String) -> TOMLTable? { tables[table] }

    /// An error at `line` of this document's file.
    public func error(_ message: String, line: Int?) -> ConfigError { ConfigError(file: file, line: line, message) }

    public static func parse(_ text: String, file: String) throws -> TOMLDocument {
        var parser = TOMLParser(text: text, file: file)
        return try parser.document()
    }

    fileprivate init(file: String) {
        self.file = file
        tableNames = [""]
        tables = ["": TOMLTable(name: "", line: 0)]
    }

    fileprivate mutating func addTable(_ name: String, line: Int) { tableNames.append(name); tables[name] = TOMLTable(name: name, line: line) }
    fileprivate mutating func set(_ key: String, _ entry: TOMLEntry, in table: String) { tables[table]?.set(key, entry) }
}

/// A one-pass reader over the text's Unicode scalars, counting lines as it goes.
private struct TOMLParser {
    let scalars: [Unicode.Scalar]
    let file: String
    var i = 0
    var line = 1

    init(text: String, file: String) {
        var s = Array(text.unicodeScalars)
        if s.first == "\u{FEFF}" { s.removeFirst() }  // a byte-order mark some editors write
        scalars = s
        self.file = file
    }

    var atEnd: Bool { i >= scalars.count }
    var current: Unicode.Scalar? { atEnd ? nil : scalars[i] }
    func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < scalars.count ? scalars[i + offset] : nil }

    func fail(_ message: String, line: Int? = nil) -> ConfigError { ConfigError(file: file, line: line ?? self.line, message) }

    static func isBareKey(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }

    /// How a scalar is named in a message: printable ones quoted, others by code point.
    static func describe(_ c: Unicode.Scalar?) -> String {
        guard let c else { return "end of file" }
        if c == "\n" || c == "\r" { return "end of line" }
        if c.value < 0x20 || c.value == 0x7F || !c.properties.isGraphemeBase { return "U+" + String(c.value, radix: 16, uppercase: true) }
        return "'\(c)'"
    }

    mutating func document() throws -> TOMLDocument {
        var doc = TOMLDocument(file: file)
        var table = ""
        while true {
            skipSpaces()
            guard let c = current else { break }
            if c == "#" {
                try skipComment()
            } else if try newline() {
                continue
            } else if c == "[" {
                table = try header(into: &doc)
                try endOfLine()
            } else if Self.isBareKey(c) {
                let keyLine = line
                let key = try keyValueKey()
                let value = try self.value()
                if let first = doc[table]?[key] {
                    let place = table.isEmpty ? "at the top of the file" : "in [\(table)]"
                    throw fail("\(key) is set twice \(place) (first on line \(first.line))", line: keyLine)
                }
                doc.set(key, TOMLEntry(value: value, line: keyLine), in: table)
                try endOfLine()
            } else if c == "\"" || c == "'" {
                throw fail("quoted keys are not supported; use a bare key (letters, digits, _ and -)")
            } else {
                throw fail("expected a key, a [section] or a comment, found \(Self.describe(c))")
            }
        }
        return doc
    }

    mutating func skipSpaces() {
        while let c = current, c == " " || c == "\t" { i += 1 }
    }

    mutating func skipComment() throws {
        while let c = current, c != "\n", c != "\r" {
            if c.value < 0x20 && c != "\t" || c.value == 0x7F { throw fail("control character \(Self.describe(c)) in a comment") }
            i += 1
        }
    }

    /// Consumes one line break (LF or CRLF) if there is one.
    mutating func newline() throws -> Bool {
        if current == "\n" { i += 1; line += 1; return true }
        if current == "\r" {
            guard peek(1) == "\n" else { throw fail("a carriage return must be followed by a line feed") }
            i += 2; line += 1
            return true
        }
        return false
    }

    /// After a header or a value only spaces and a comment may follow on that line.
    mutating func endOfLine() throws {
        skipSpaces()
        if current == "#" { try skipComment() }
        if atEnd { return }
        guard try newline() else { throw fail("expected the end of the line, found \(Self.describe(current))") }
    }

    mutating func bareKey() throws -> String {
        var key = ""
        while let c = current, Self.isBareKey(c) { key.unicodeScalars.append(c); i += 1 }
        if key.isEmpty { throw fail("expected a name (letters, digits, _ and -), found \(Self.describe(current))") }
        return key
    }

    mutating func header(into doc: inout TOMLDocument) throws -> String {
        let headerLine = line
        i += 1  // [
        if current == "[" { throw fail("arrays of tables ([[…]]) are not supported") }
        skipSpaces()
        var parts = [try bareKey()]
        skipSpaces()
        while current == "." {
            i += 1
            skipSpaces()
            parts.append(try bareKey())
            skipSpaces()
        }
        guard current == "]" else { throw fail("expected ] to close the section name, found \(Self.describe(current))") }
        i += 1
        let name = parts.joined(separator: ".")
        if let first = doc[name] { throw fail("section [\(name)] appears twice (first on line \(first.line))", line: headerLine) }
        let parent = parts.dropLast().joined(separator: ".")
        if let clash = doc[parent]?[parts.last!] {
            throw fail("[\(name)] clashes with the key \(parts.last!) set on line \(clash.line)", line: headerLine)
        }
        doc.addTable(name, line: headerLine)
        return name
    }

    /// `key =`, leaving the reader at the value.
    mutating func keyValueKey() throws -> String {
        let key = try bareKey()
        skipSpaces()
        if current == "." { throw fail("dotted keys (\(key).…) are not supported; use a [section]") }
        guard current == "=" else { throw fail("expected = after \(key), found \(Self.describe(current))") }
        i += 1
        skipSpaces()
        return key
    }

    mutating func value() throws -> TOMLValue {
        guard let c = current else { throw fail("expected a value after =, found end of file") }
        switch c {
        case "\"":
            if peek(1) == "\"" && peek(2) == "\"" { throw fail("multi-line strings (\"\"\") are not supported") }
            return .string(try basicString())
        case "'":
            if peek(1) == "'" && peek(2) == "'" { throw fail("multi-line strings (''') are not supported") }
            return .string(try literalString())
        case "[":
            return try array()
        case "{":
            throw fail("inline tables ({…}) are not supported; use a [section]")
        case "+", "-", "0"..."9":
            return .integer(try integer())
        default:
            let word = bareWord()
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            if !word.isEmpty { throw fail("strings must be quoted: \"\(word)\"") }
            throw fail("expected a value (\"string\", number, true/false or [array]), found \(Self.describe(c))")
        }
    }

    /// Letters and digits up to the next separator, for true/false and for a helpful message.
    mutating func bareWord() -> String {
        var word = ""
        while let c = current, Self.isBareKey(c) || c == "." { word.unicodeScalars.append(c); i += 1 }
        return word
    }

    mutating func integer() throws -> Int {
        var text = ""
        if current == "+" || current == "-" { text.unicodeScalars.append(current!); i += 1 }
        var digits = ""
        var lastWasDigit = false
        while let c = current, ("0"..."9").contains(c) || c == "_" || Self.isBareKey(c) || c == "." {
            if c == "_" {
                guard lastWasDigit, let next = peek(1), ("0"..."9").contains(next) else { throw fail("_ in a number must sit between digits") }
                lastWasDigit = false
            } else if ("0"..."9").contains(c) {
                digits.unicodeScalars.append(c)
                lastWasDigit = true
            } else if c == "." || c == "e" || c == "E" {
                throw fail("only whole numbers are supported (no fractions or exponents)")
            } else if c == "x" || c == "o" || c == "b" {
                throw fail("only decimal numbers are supported")
            } else {
                throw fail("unexpected \(Self.describe(c)) in a number")
            }
            i += 1
        }
        if digits.isEmpty { throw fail("expected digits after the sign") }
        if digits.count > 1 && digits.hasPrefix("0") { throw fail("numbers may not start with 0") }
        guard let n = Int(text + digits) else { throw fail("the number \(text + digits) is too large") }
        return n
    }

    mutating func basicString() throws -> String {
        i += 1  // "
        var s = String.UnicodeScalarView()
        while true {
            guard let c = current, c != "\n", c != "\r" else { throw fail("the string is not closed before the end of the line") }
            i += 1
            if c == "\"" { break }
            if c == "\\" {
                s.append(try escape())
            } else if c.value < 0x20 && c != "\t" || c.value == 0x7F {
                throw fail("control character \(Self.describe(c)) in a string; write it as an escape (\\u\(String(format4: c.value)))")
            } else {
                s.append(c)
            }
        }
        return String(s)
    }

    mutating func escape() throws -> Unicode.Scalar {
        guard let c = current else { throw fail("the string ends in the middle of an escape") }
        i += 1
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = c == "u" ? 4 : 8
            var hex = ""
            for _ in 0..<count {
                guard let h = current, h.properties.isASCIIHexDigit else {
                    throw fail("\\\(c) needs \(count) hexadecimal digits")
                }
                hex.unicodeScalars.append(h); i += 1
            }
            guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                throw fail("\\\(c)\(hex) is not a Unicode scalar value")
            }
            return scalar
        default:
            throw fail("unknown escape \\\(c) (use \\\\ \\\" \\n \\t \\r \\b \\f \\uXXXX \\UXXXXXXXX)")
        }
    }

    mutating func literalString() throws -> String {
        i += 1  // '
        var s = String.UnicodeScalarView()
        while true {
            guard let c = current, c != "\n", c != "\r" else { throw fail("the string is not closed before the end of the line") }
            i += 1
            if c == "'" { break }
            if c.value < 0x20 && c != "\t" || c.value == 0x7F { throw fail("control character \(Self.describe(c)) in a string") }
            s.append(c)
        }
        return String(s)
    }

    /// Spaces, line breaks and comments between array elements.
    mutating func skipArraySpace() throws {
        while true {
            skipSpaces()
            if current == "#" { try skipComment(); continue }
            if try !newline() { return }
        }
    }

    mutating func array() throws -> TOMLValue {
        let open = line
        i += 1  // [
        var items: [TOMLValue] = []
        while true {
            try skipArraySpace()
            guard let c = current else { throw fail("the array opened on line \(open) is not closed") }
            if c == "]" { i += 1; break }
            items.append(try value())
            try skipArraySpace()
            if current == "," { i += 1; continue }
            if current == "]" { i += 1; break }
            if atEnd { throw fail("the array opened on line \(open) is not closed") }
            throw fail("expected , or ] in the array, found \(Self.describe(current))")
        }
        return .array(items)
    }
}

private extension String {
    /// Four hex digits, for suggesting an escape.
    init(format4 value: UInt32) {
        let hex = String(value, radix: 16, uppercase: true)
        self = String(repeating: "0", count: Swift.max(0, 4 - hex.count)) + hex
    }
}

import Foundation

/// A JSON value as an ordinary tree, for small documents, tests and building output.
/// Objects keep member order (exporters write fields in a stable, readable order).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Builds the tree for a document value.
    public init(_ json: JSON) {
        switch json.kind {
        case .null: self = .null
        case .bool: self = .bool(json.bool ?? false)
        case .number: self = .number(json.double ?? 0)
        case .string: self = .string(json.string ?? "")
        case .array: self = .array(json.elements.map { JSONValue($0) })
        case .object: self = .object(json.members.map { (key: $0.key, value: JSONValue($0.value)) })
        }
    }

    /// Parses text into a tree.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        JSONValue(try JSONDocument(string: text).root)
    }

    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// Serialises compactly (or indented with two spaces when `pretty`).
    public func serialized(pretty: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty)
        writer.value(self)
        return writer.string
    }
}

/// Streams JSON text into a byte buffer: commas, colons and indentation are placed for the
/// caller, strings are escaped, numbers are written so they read back to the same Double.
/// Exporters use it directly so large files are written without building a tree first.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    /// One entry per open container: whether it already holds a value (so the next needs a comma).
    private var hasValue: [Bool] = []
    /// Set after `key(_:)`, so the following value is not preceded by a comma.
    private var afterKey = false

    public init(pretty: Bool = false) {
        self.pretty = pretty
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() { prefix(); bytes.append(UInt8(ascii: "{")); hasValue.append(false) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { prefix(); bytes.append(UInt8(ascii: "[")); hasValue.append(false) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes an object key; the next call writes its value.
    public mutating func key(_ name: String) {
        prefix()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        afterKey = true
    }

    public mutating func string(_ text: String) { prefix(); appendQuoted(text) }
    public mutating func bool(_ value: Bool) { prefix(); append(value ? "true" : "false") }
    public mutating func null() { prefix(); append("null") }

    /// JSON has no NaN or infinity; those are written as null rather than producing a file
    /// other readers reject.
    public mutating func number(_ value: Double) {
        prefix()
        if !value.isFinite { append("null"); return }
        if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int64(value))  // "12", not "12.0": what COCO tools expect for ids and sizes
        } else {
            append(value.description)  // shortest text that reads back to the same Double
        }
    }

    public mutating func number(_ value: Int) { prefix(); appendInteger(Int64(value)) }
    public mutating func number(_ value: Int64) { prefix(); appendInteger(value) }

    /// Convenience for `key` then a value.
    public mutating func member(_ name: String, _ value: String) { key(name); string(value) }
    public mutating func member(_ name: String, _ value: Int) { key(name); number(value) }
    public mutating func member(_ name: String, _ value: Double) { key(name); number(value) }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case let .bool(b): bool(b)
        case let .number(d): number(d)
        case let .string(s): string(s)
        case let .array(items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case let .object(members):
            beginObject()
            for member in members { key(member.key); self.value(member.value) }
            endObject()
        }
    }

    // MARK: - Layout

    private mutating func prefix() {
        if afterKey { afterKey = false; return }
        guard !hasValue.isEmpty else { return }
        if hasValue[hasValue.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasValue[hasValue.count - 1] = true
        newline()
    }

    private mutating func close(_ bracket: UInt8) {
        let hadValue = hasValue.removeLast()
        if hadValue { newline() }
        bytes.append(bracket)
    }

    private mutating func newline() {
        guard pretty else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: hasValue.count * 2))
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Digits are produced backwards into stack scratch space (no allocation per number).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var position = 20
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<20]))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { p in
            var runStart = 0
            for i in 0..<p.count {
                let c = p[i]
                // Escape quotes, backslashes and control characters; everything else (UTF-8
                // included) is written as is.
                guard c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i]))
                bytes.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(c)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              Self.hexDigits[Int(c >> 4)], Self.hexDigits[Int(c & 0xF)]])
                }
                runStart = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<p.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else if n.isFinite { try c.encode(n) } else { try c.encodeNil() }
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let members):
            var c = encoder.container(keyedBy: AnyKey.self)
            for member in members { try c.encode(member.value, forKey: AnyKey(member.key)) }
        }
    }

    /// Strings as they are, anything else as compact JSON: what a text column shows.
    public var text: String {
        if case .string(let s) = self { return s }
        if case .null = self { return "" }
        return serialized()
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ key: String) { stringValue = key }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The one time format of every --json: RFC 3339 in UTC, whole seconds ("2026-12-06T02:08:25Z").
public enum RFC3339 {
    public static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

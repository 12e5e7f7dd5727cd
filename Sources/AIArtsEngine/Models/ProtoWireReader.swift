import Foundation

/// Why bytes are not the protobuf message they were read as: one line, with the byte offset.
public struct ProtobufError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

/// A bounded reader of protobuf's wire format (varints, fixed 32/64-bit values, length-delimited
/// fields) over bytes it never copies. Every length is checked against the end of the enclosing
/// message, nesting is limited, groups (wire types 3 and 4, long deprecated) are refused, so bad
/// bytes give a `ProtobufError` ("truncated at byte N", "field 7 of ModelProto has wire type 3"),
/// never a crash. Offsets in messages are from the start of the buffer.
struct ProtoWireReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// The field's bytes: `start..<end` of the buffer.
        case bytes(Range<Int>)
    }

    struct Field {
        var number: Int
        var value: Value
        /// Where the field's key starts.
        var offset: Int
    }

    static let maxDepth = 48

    let buffer: UnsafeRawBufferPointer
    /// The message's name, for errors ("ModelProto").
    let message: String
    let depth: Int
    private(set) var position: Int
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer, message: String) {
        self.init(buffer, range: 0..<buffer.count, message: message, depth: 0)
    }

    private init(_ buffer: UnsafeRawBufferPointer, range: Range<Int>, message: String, depth: Int) {
        self.buffer = buffer
        self.message = message
        self.depth = depth
        position = range.lowerBound
        end = range.upperBound
    }

    /// A reader of a length-delimited field's bytes as the message `name`.
    func nested(_ range: Range<Int>, as name: String) throws(ProtobufError) -> ProtoWireReader {
        guard depth + 1 <= Self.maxDepth else {
            throw ProtobufError("messages nested deeper than \(Self.maxDepth) levels at byte \(range.lowerBound)")
        }
        return ProtoWireReader(buffer, range: range, message: name, depth: depth + 1)
    }

    var isAtEnd: Bool { position >= end }

    /// The next field, or nil at the end of the message.
    mutating func next() throws(ProtobufError) -> Field? {
        guard position < end else { return nil }
        let offset = position
        let key = try readVarint()
        let number = key >> 3
        let wire = Int(key & 7)
        guard number >= 1, number <= 536_870_911 else {
            throw ProtobufError("field number \(number) at byte \(offset) in \(message) is out of range")
        }
        let n = Int(number)
        switch wire {
        case 0: return Field(number: n, value: .varint(try readVarint()), offset: offset)
        case 1:
            let bytes = try take(8)
            var v: UInt64 = 0
            for i in (0..<8).reversed() { v = v << 8 | UInt64(buffer[bytes.lowerBound + i]) }
            return Field(number: n, value: .fixed64(v), offset: offset)
        case 5:
            let bytes = try take(4)
            var v: UInt32 = 0
            for i in (0..<4).reversed() { v = v << 8 | UInt32(buffer[bytes.lowerBound + i]) }
            return Field(number: n, value: .fixed32(v), offset: offset)
        case 2:
            let lengthAt = position
            let length = try readVarint()
            guard length <= UInt64(end - position) else {
                throw ProtobufError("field \(n) of \(message) at byte \(offset) declares \(length) bytes from byte \(lengthAt), past the end at byte \(end)"
                                    + (end == buffer.count ? " (truncated at byte \(end))" : ""))
            }
            return Field(number: n, value: .bytes(try take(Int(length))), offset: offset)
        default:
            throw ProtobufError("protobuf field \(n) of \(message) has wire type \(wire) at byte \(offset)")
        }
    }

    private mutating func take(_ count: Int) throws(ProtobufError) -> Range<Int> {
        guard count <= end - position else { throw ProtobufError(truncated) }
        defer { position += count }
        return position..<(position + count)
    }

    private var truncated: String {
        end == buffer.count ? "truncated at byte \(end)" : "\(message) ends inside a field at byte \(end)"
    }

    private mutating func readVarint() throws(ProtobufError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end else { throw ProtobufError(truncated) }
            let byte = buffer[position]
            position += 1
            guard shift < 64 else { throw ProtobufError("varint longer than 10 bytes at byte \(start) in \(message)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    // MARK: Values

    /// A string field, cut to `limit` bytes and decoded leniently (bad UTF-8 becomes U+FFFD).
    func string(_ range: Range<Int>, limit: Int = 4096) -> String {
        let cut = range.lowerBound..<min(range.upperBound, range.lowerBound + limit)
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[cut]), as: UTF8.self)
    }

    /// Packed or single varints of a repeated field, at most `limit` of them.
    func varints(_ value: Value, limit: Int = 1 << 20) throws(ProtobufError) -> [UInt64] {
        switch value {
        case .varint(let v): return [v]
        case .bytes(let range):
            var inner = try nested(range, as: message)
            var out: [UInt64] = []
            while !inner.isAtEnd {
                guard out.count < limit else { throw ProtobufError("more than \(limit) packed values at byte \(range.lowerBound) in \(message)") }
                out.append(try inner.readVarint())
            }
            return out
        default: return []
        }
    }

    /// Checks a field's wire type against what the schema says, naming both when they differ.
    func expect(_ field: Field, bytes: Bool) throws(ProtobufError) -> Range<Int>? {
        if case .bytes(let range) = field.value { return range }
        if bytes {
            throw ProtobufError("protobuf field \(field.number) of \(message) has wire type \(field.wireType) where 2 (length-delimited) belongs, at byte \(field.offset)")
        }
        return nil
    }

    func int(_ field: Field) throws(ProtobufError) -> Int64 {
        switch field.value {
        case .varint(let v): return Int64(bitPattern: v)
        default:
            throw ProtobufError("protobuf field \(field.number) of \(message) has wire type \(field.wireType) where 0 (varint) belongs, at byte \(field.offset)")
        }
    }
}

extension ProtoWireReader.Field {
    var wireType: Int {
        switch value {
        case .varint: 0
        case .fixed64: 1
        case .bytes: 2
        case .fixed32: 5
        }
    }
}

import Foundation

/// A minimal protocol-buffers wire-format reader: enough to walk TensorBoard's Event messages
/// without generated code or a dependency. It never trusts a length: every read is checked
/// against the end of the enclosing message.
struct ProtobufReader {
    enum Failure: Error { case truncated, badWireType }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>? = nil) {
        self.bytes = bytes
        index = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    var atEnd: Bool { index >= end }

    /// The next field number and wire type, or nil at the end of the message.
    mutating func nextField() throws(Failure) -> (number: Int, wire: Int)? {
        guard index < end else { return nil }
        let key = try varint()
        return (Int(truncatingIfNeeded: key >> 3), Int(key & 7))
    }

    mutating func varint() throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < end {
            let b = bytes[index]
            index += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift >= 64 { throw .truncated }
        }
        throw .truncated
    }

    mutating func fixed32() throws(Failure) -> UInt32 {
        guard end - index >= 4 else { throw .truncated }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[index + k]) << (8 * k) }
        index += 4
        return v
    }

    mutating func fixed64() throws(Failure) -> UInt64 {
        guard end - index >= 8 else { throw .truncated }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[index + k]) << (8 * k) }
        index += 8
        return v
    }

    /// A length-delimited field's byte range.
    mutating func lengthDelimited() throws(Failure) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - index) else { throw .truncated }
        let range = index..<(index + Int(length))
        index = range.upperBound
        return range
    }

    mutating func skip(wire: Int) throws(Failure) {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw .badWireType  // groups (3, 4) are not used by these messages
        }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

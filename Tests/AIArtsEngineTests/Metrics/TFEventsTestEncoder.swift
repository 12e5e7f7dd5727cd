import Foundation
@testable import AIArtsEngine

/// Writes TensorBoard event files for tests: protobuf wire format by hand plus TFRecord framing.
enum TFEventsTestEncoder {
    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            out.append(b)
        } while v != 0
        return out
    }

    static func key(_ field: Int, _ wire: Int) -> [UInt8] { varint(UInt64(field << 3 | wire)) }
    static func bytes(_ field: Int, _ data: [UInt8]) -> [UInt8] { key(field, 2) + varint(UInt64(data.count)) + data }
    static func string(_ field: Int, _ s: String) -> [UInt8] { bytes(field, Array(s.utf8)) }
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    static func event(wallTime: Double = 0, step: Int64 = 0, fileVersion: String? = nil, values: [[UInt8]] = []) -> [UInt8] {
        var out = key(1, 1) + le(wallTime.bitPattern) + key(2, 0) + varint(UInt64(bitPattern: step))
        if let fileVersion { out += string(3, fileVersion) }
        if !values.isEmpty { out += bytes(5, values.flatMap { bytes(1, $0) }) }
        return out
    }

    static func simpleValue(_ tag: String, _ value: Float) -> [UInt8] {
        string(1, tag) + key(2, 5) + le(value.bitPattern)
    }

    static func metadata(plugin: String, dataClass: UInt64? = 1) -> [UInt8] {
        bytes(9, bytes(1, string(1, plugin)) + (dataClass.map { key(4, 0) + varint($0) } ?? []))
    }

    /// A tensor value; `shape` nil means rank 0.
    static func tensorValue(_ tag: String, dtype: UInt64, shape: [UInt64] = [], content: [UInt8]? = nil,
                            floats: [Float] = [], packed: Bool = true, doubles: [Double] = [], halves: [UInt16] = [],
                            plugin: String? = "scalars") -> [UInt8] {
        var tensor = key(1, 0) + varint(dtype)
        if !shape.isEmpty { tensor += bytes(2, shape.flatMap { bytes(2, key(1, 0) + varint($0)) }) }
        if let content { tensor += bytes(4, content) }
        if !floats.isEmpty {
            tensor += packed ? bytes(5, floats.flatMap { le($0.bitPattern) }) : floats.flatMap { key(5, 5) + le($0.bitPattern) }
        }
        if !doubles.isEmpty { tensor += bytes(6, doubles.flatMap { le($0.bitPattern) }) }
        if !halves.isEmpty { tensor += bytes(13, halves.flatMap { varint(UInt64($0)) }) }
        return string(1, tag) + bytes(8, tensor) + (plugin.map { metadata(plugin: $0, dataClass: $0 == "scalars" ? 1 : nil) } ?? [])
    }

    static func frame(_ data: [UInt8], corruptData: Bool = false) -> [UInt8] {
        let length = le(UInt64(data.count))
        var dataCRC = CRC32C.masked(CRC32C.checksum(data))
        if corruptData { dataCRC ^= 1 }
        return length + le(CRC32C.masked(CRC32C.checksum(length))) + data + le(dataCRC)
    }
}

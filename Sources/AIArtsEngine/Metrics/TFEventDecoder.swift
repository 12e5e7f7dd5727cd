import Foundation

/// One decoded TensorBoard Event: its header fields and the scalars it carries.
public struct TFEvent: Equatable, Sendable {
    public var wallTime: Double = 0
    public var step: Int64 = 0
    public var fileVersion: String?
    public var scalars: [(tag: String, value: Double)] = []

    public static func == (a: TFEvent, b: TFEvent) -> Bool {
        a.wallTime == b.wallTime && a.step == b.step && a.fileVersion == b.fileVersion
            && a.scalars.count == b.scalars.count && zip(a.scalars, b.scalars).allSatisfy { $0.tag == $1.tag && $0.value == $1.value }
    }
}

/// Decodes Event messages (tensorboard/compat/proto/event.proto and summary.proto), keeping
/// only scalars: `simple_value` (TF1, PyTorch) and single-element numeric tensors (TF2 writes
/// rank-0 tensors with plugin "scalars"; the metadata comes only with a tag's first value,
/// so the decoder remembers each tag's plugin).
public struct TFEventDecoder: Sendable {
    private var pluginByTag: [String: String] = [:]
    /// Recently seen tags, so a million records of a handful of tags do not build a million strings.
    private var tagCache: [(bytes: [UInt8], string: String)] = []

    public init() {}

    /// Decodes one record's data; nil when it is not a well-formed Event.
    public mutating func decode(_ data: [UInt8]) -> TFEvent? {
        data.withUnsafeBufferPointer { try? decode($0) }
    }

    mutating func decode(_ data: UnsafeBufferPointer<UInt8>) throws(ProtobufReader.Failure) -> TFEvent {
        var event = TFEvent()
        var r = ProtobufReader(data)
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, 1): event.wallTime = Double(bitPattern: try r.fixed64())
            case (2, 0): event.step = Int64(bitPattern: try r.varint())
            case (3, 2): event.fileVersion = r.string(try r.lengthDelimited())
            case (5, 2): try summary(data, try r.lengthDelimited(), into: &event)
            default: try r.skip(wire: wire)
            }
        }
        return event
    }

    private mutating func summary(_ data: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into event: inout TFEvent) throws(ProtobufReader.Failure) {
        var r = ProtobufReader(data, range: range)
        while let (field, wire) = try r.nextField() {
            guard field == 1, wire == 2 else { try r.skip(wire: wire); continue }
            if let scalar = try value(data, try r.lengthDelimited()) { event.scalars.append(scalar) }
        }
    }

    private mutating func value(_ data: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(ProtobufReader.Failure) -> (String, Double)? {
        var r = ProtobufReader(data, range: range)
        var tagRange: Range<Int>?, simple: Float?, tensor: Range<Int>?, plugin: String?, dataClass: UInt64?
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, 2): tagRange = try r.lengthDelimited()
            case (2, 5): simple = Float(bitPattern: try r.fixed32())
            case (8, 2): tensor = try r.lengthDelimited()
            case (9, 2): (plugin, dataClass) = try metadata(data, try r.lengthDelimited())
            default: try r.skip(wire: wire)
            }
        }
        guard let tagRange else { return nil }
        let tag = intern(data, tagRange)
        if let plugin { pluginByTag[tag] = plugin }
        if let simple { return (tag, Double(simple)) }
        guard let tensor else { return nil }
        let known = plugin ?? pluginByTag[tag]
        // Without metadata (e.g. reading resumed mid-file) a one-element numeric tensor is still a scalar.
        guard known == nil || known == "scalars" || dataClass == 1 else { return nil }
        return try Self.tensorScalar(data, tensor).map { (tag, $0) }
    }

    private func metadata(_ data: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(ProtobufReader.Failure) -> (String?, UInt64?) {
        var r = ProtobufReader(data, range: range)
        var plugin: String?, dataClass: UInt64?
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, 2):
                var p = ProtobufReader(data, range: try r.lengthDelimited())
                while let (f, w) = try p.nextField() {
                    if f == 1, w == 2 { plugin = p.string(try p.lengthDelimited()) } else { try p.skip(wire: w) }
                }
            case (4, 0): dataClass = try r.varint()
            default: try r.skip(wire: wire)
            }
        }
        return (plugin, dataClass)
    }

    /// The value of a one-element DT_FLOAT, DT_DOUBLE, DT_HALF or DT_BFLOAT16 tensor.
    static func tensorScalar(_ data: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(ProtobufReader.Failure) -> Double? {
        var r = ProtobufReader(data, range: range)
        var dtype: UInt64 = 0, elements: UInt64 = 1
        var content: Range<Int>?, values: [Double] = [], halves: [UInt64] = []
        while let (field, wire) = try r.nextField() {
            switch (field, wire) {
            case (1, 0): dtype = try r.varint()
            case (2, 2):  // TensorShapeProto: dim = 2 { size = 1 }
                var s = ProtobufReader(data, range: try r.lengthDelimited())
                while let (f, w) = try s.nextField() {
                    guard f == 2, w == 2 else { try s.skip(wire: w); continue }
                    var d = ProtobufReader(data, range: try s.lengthDelimited())
                    while let (df, dw) = try d.nextField() {
                        if df == 1, dw == 0 { elements &*= try d.varint() } else { try d.skip(wire: dw) }
                    }
                }
            case (4, 2): content = try r.lengthDelimited()
            case (5, 5): values.append(Double(Float(bitPattern: try r.fixed32())))
            case (5, 2):
                var p = ProtobufReader(data, range: try r.lengthDelimited())
                while !p.atEnd { values.append(Double(Float(bitPattern: try p.fixed32()))) }
            case (6, 1): values.append(Double(bitPattern: try r.fixed64()))
            case (6, 2):
                var p = ProtobufReader(data, range: try r.lengthDelimited())
                while !p.atEnd { values.append(Double(bitPattern: try p.fixed64())) }
            case (13, 0): halves.append(try r.varint())  // half_val: DT_HALF and DT_BFLOAT16 bits in int32s
            case (13, 2):
                var p = ProtobufReader(data, range: try r.lengthDelimited())
                while !p.atEnd { halves.append(try p.varint()) }
            default: try r.skip(wire: wire)
            }
        }
        guard elements == 1 else { return nil }
        let width: Int
        switch dtype {
        case 1: width = 4
        case 2: width = 8
        case 14, 19: width = 2
        default: return nil
        }
        if let content {
            guard content.count == width else { return nil }
            var bits: UInt64 = 0
            for k in 0..<width { bits |= UInt64(data[content.lowerBound + k]) << (8 * k) }
            return decode(bits: bits, dtype: dtype)
        }
        if dtype == 14 || dtype == 19 { return halves.first.map { decode(bits: $0 & 0xFFFF, dtype: dtype) } }
        return values.first
    }

    private static func decode(bits: UInt64, dtype: UInt64) -> Double {
        switch dtype {
        case 1: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case 2: return Double(bitPattern: bits)
        case 14: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits) << 16))  // bfloat16: the top half of a float
        default: return halfToDouble(UInt16(truncatingIfNeeded: bits))
        }
    }

    /// IEEE 754 binary16 to Double, by hand (Float16 is not on every platform Swift runs on).
    static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let fraction = Double(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24  // subnormal
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    private mutating func intern(_ data: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let slice = UnsafeBufferPointer(rebasing: data[range])
        for entry in tagCache where entry.bytes.count == slice.count {
            if entry.bytes.withUnsafeBufferPointer({ $0.elementsEqual(slice) }) { return entry.string }
        }
        let string = String(decoding: slice, as: UTF8.self)
        if tagCache.count >= 64 { tagCache.removeFirst() }
        tagCache.append((Array(slice), string))
        return string
    }
}

import CZlib

/// zlib, wrapped once for all of aiarts: streaming inflate (zip entries, .gz archives), streaming
/// deflate (the .tar.gz of a model export), whole-buffer compression (kitty graphics pixels) and CRC-32.
/// The z_stream lives on the heap because zlib keeps a pointer back to it and refuses to work if it moves.
public final class ZlibStream {
    /// The wrapper around the deflate data: zlib's (RFC 1950), gzip's (RFC 1952) or none (zip entries).
    public enum Format: Sendable {
        case zlib, gzip, raw

        var windowBits: Int32 {
            switch self {
            case .zlib: 15        // a 32 KiB window
            case .gzip: 15 + 16   // the same, with a gzip header and trailer
            case .raw: -15
            }
        }
    }

    public enum Status: Equatable, Sendable { case ok, streamEnd, dataError(String) }

    /// zlib refused to start (out of memory, or a level it does not know).
    public struct StartError: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { "zlib could not start (code \(code))" }
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let deflating: Bool

    /// A stream that decompresses `format` data. For gzip, each member is checked against its CRC and
    /// length trailer; `reset` starts the next one.
    public init(inflating format: Format) throws(StartError) {
        stream = try Self.started { inflateInit2_($0, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) }
        deflating = false
    }

    /// A stream that compresses into `format` at `level` (1 fastest … 9 smallest).
    public init(deflating format: Format, level: Int32) throws(StartError) {
        stream = try Self.started {
            deflateInit2_($0, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        }
        deflating = true
    }

    /// A z_stream on the heap, started by `start`; freed again when zlib refuses, before the object
    /// exists (a class whose init throws after setting every property still runs its deinit).
    private static func started(_ start: (UnsafeMutablePointer<z_stream>) -> Int32) throws(StartError) -> UnsafeMutablePointer<z_stream> {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = start(stream)
        guard rc == Z_OK else {
            stream.deallocate()
            throw StartError(code: rc)
        }
        return stream
    }

    deinit {
        if deflating { deflateEnd(stream) } else { inflateEnd(stream) }
        stream.deallocate()
    }

    public func reset() {
        if deflating { deflateReset(stream) } else { inflateReset(stream) }
    }

    /// One inflate or deflate call: how much input it took, how much output it made, and where it
    /// stands. Taking nothing and making nothing means it needs more input (or, with `finish`, more
    /// room). `finish` (deflate only) ends the stream once all input is in: call again until `.streamEnd`.
    public func step(_ input: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer, finish: Bool = false)
        -> (consumed: Int, produced: Int, status: Status) {
        let inCount = UInt32(min(input.count, Int(UInt32.max)))
        let outCount = UInt32(min(output.count, Int(UInt32.max)))
        // zlib never writes through next_in; the mutable pointer is only its C signature.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = inCount
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = outCount
        let rc = deflating ? deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH) : inflate(stream, Z_NO_FLUSH)
        let consumed = Int(inCount - stream.pointee.avail_in)
        let produced = Int(outCount - stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch rc {
        case Z_STREAM_END:
            return (consumed, produced, .streamEnd)
        case Z_OK, Z_BUF_ERROR:
            return (consumed, produced, .ok)
        default:
            let why = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            return (consumed, produced, .dataError(why))
        }
    }

    /// `bytes` compressed whole into `format`; nil only when zlib cannot start.
    public static func compress(_ bytes: [UInt8], format: Format = .zlib, level: Int32 = 6) -> [UInt8]? {
        guard let stream = try? ZlibStream(deflating: format, level: level) else { return nil }
        return drain(stream, bytes, finish: true)
    }

    /// `bytes` decompressed whole; nil when they are not one complete `format` stream or would make
    /// more than `limit` bytes.
    public static func decompress(_ bytes: [UInt8], format: Format = .zlib, limit: Int) -> [UInt8]? {
        guard let stream = try? ZlibStream(inflating: format) else { return nil }
        return drain(stream, bytes, finish: false, limit: limit)
    }

    private static func drain(_ stream: ZlibStream, _ bytes: [UInt8], finish: Bool, limit: Int = .max) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var start = 0
        return bytes.withUnsafeBytes { input -> [UInt8]? in
            while true {
                let step = chunk.withUnsafeMutableBytes { stream.step(UnsafeRawBufferPointer(rebasing: input[start...]), $0, finish: finish) }
                start += step.consumed
                out += chunk[0..<step.produced]
                if out.count > limit { return nil }
                switch step.status {
                case .streamEnd: return out
                case .dataError: return nil
                case .ok: if step.consumed == 0 && step.produced == 0 { return nil }  // cut short
                }
            }
        }
    }

    /// zlib's CRC-32 (the one zip and gzip store), continued from `crc` (0 to start).
    public static func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(truncatingIfNeeded: CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}

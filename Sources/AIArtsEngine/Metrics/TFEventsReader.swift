#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What one pass over event-file bytes produced.
public struct TFEventsChunk: Sendable {
    public var points: [MetricPoint] = []
    /// Records framed and checksummed correctly (scalar or not).
    public var records = 0
    /// The file shrank (replaced): points start again from its beginning.
    public var reset = false
}

/// Reads TensorBoard event files (TFRecord framing), incrementally by byte offset:
///
///     u64 LE length | u32 masked CRC32C(length bytes) | data | u32 masked CRC32C(data)
///
/// A file being written ends in a partial record: reading stops before it and picks it up
/// when the rest arrives. A record whose data checksum fails is skipped and counted. A length
/// whose checksum fails leaves nothing to frame the rest of the file by, so reading stops
/// there for good (`corruptAt`), as TensorBoard's own reader does.
public struct TFEventsReader: Sendable {
    public let path: String
    /// Byte offset of the first record not yet read; persist it with the task.
    public private(set) var offset: Int
    public private(set) var skipped = SkipTally()
    public private(set) var corruptAt: Int?
    /// Records larger than this are treated as corrupt (a scalar event is ~50 bytes).
    public static let maxRecordBytes = 64 << 20
    private var decoder = TFEventDecoder()

    public init(path: String = "", offset: Int = 0) {
        self.path = path; self.offset = offset
    }

    /// Reads what was appended to the file since the last call (at most ~`maxBytes`).
    public mutating func read(maxBytes: Int = 16 << 20) throws(MetricsError) -> TFEventsChunk {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return TFEventsChunk() }
            throw .unreadable(path, errno: errno, doing: "open it")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path, errno: errno, doing: "stat it") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw MetricsError(.notRegularFile, path: path, "is not a regular file; event files are read from plain files only")
        }
        let size = Int(info.st_size)
        if offset == 0, size < 1024, let pointer = Self.lfsPointer(fd: fd) {
            throw MetricsError(.corrupt, path: path, "is a Git LFS pointer (\(pointer)), not the event file itself; fetch the file with `git lfs pull` where it came from")
        }
        var reset = false
        if size < offset { offset = 0; corruptAt = nil; skipped = SkipTally(); decoder = TFEventDecoder(); reset = true }
        let count = min(size - offset, max(maxBytes, 1 << 16))
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 { if errno == EINTR { continue }; throw .unreadable(path, errno: errno, doing: "read it") }
            if n == 0 { break }
            done += n
        }
        bytes.removeSubrange(done...)
        var chunk = consume(bytes)
        chunk.reset = reset
        return chunk
    }

    /// What a Git LFS pointer file says of the object it stands for ("oid sha256:…, 1234 bytes"),
    /// or nil when the file is not one. A repository cloned without LFS holds these under the
    /// event files' names; their bytes would otherwise read as a checksum error.
    static func lfsPointer(fd: Int32) -> String? {
        var head = [UInt8](repeating: 0, count: 1024)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 1024, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: head.prefix(n), as: UTF8.self)
        guard text.hasPrefix("version https://git-lfs.github.com/spec/") else { return nil }
        var parts: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("oid ") { parts.append(String(line.prefix(24)) + "…") }
            if line.hasPrefix("size "), let bytes = Int(line.dropFirst(5)) { parts.append("\(bytes) bytes") }
        }
        return parts.joined(separator: ", ")
    }

    /// Reads records from bytes that continue the stream at `offset` (a whole file, or the
    /// bytes appended since); advances `offset` past the complete records.
    public mutating func consume(_ bytes: [UInt8]) -> TFEventsChunk {
        var chunk = TFEventsChunk()
        guard corruptAt == nil else { return chunk }
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            while p.count - i >= 12 {
                let length = Self.u64(p, i)
                let lengthCRC = Self.u32(p, i + 8)
                if CRC32C.masked(CRC32C.checksum(UnsafeBufferPointer(rebasing: p[i..<(i + 8)]))) != lengthCRC || length > UInt64(Self.maxRecordBytes) {
                    corruptAt = offset + i
                    skipped.record(.badChecksum, at: offset + i)
                    break
                }
                let total = 12 + Int(length) + 4
                guard p.count - i >= total else { break }  // partial record: wait for the rest
                let data = UnsafeBufferPointer(rebasing: p[(i + 12)..<(i + 12 + Int(length))])
                if CRC32C.masked(CRC32C.checksum(data)) != Self.u32(p, i + 12 + Int(length)) {
                    skipped.record(.badChecksum, at: offset + i)
                } else {
                    chunk.records += 1
                    do {
                        let event = try decoder.decode(data)
                        // ±2^53 at most (Int.min is MetricTable's "no step"); beyond is a broken record.
                        if let step = StepMath.bounded(Int(clamping: event.step)) {
                            for (tag, value) in event.scalars {
                                chunk.points.append(MetricPoint(series: tag, value: value, step: step, wallTime: event.wallTime))
                            }
                        } else if !event.scalars.isEmpty {
                            skipped.record(.numberOutOfRange, at: offset + i)
                        }
                    } catch {
                        skipped.record(.badRecord, at: offset + i)
                    }
                }
                i += total
            }
            offset += i
        }
        return chunk
    }

    private static func u64(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(p[i + k]) << (8 * k) }
        return v
    }

    private static func u32(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(p[i + k]) << (8 * k) }
        return v
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The archive on disk, read with pread so zip can jump around and tar can stream without
/// ever holding more than one buffer of it in memory.
final class ArchiveFile {
    let url: URL
    let name: String
    let size: Int64
    private let fd: Int32

    init(_ url: URL) throws(ArchiveError) {
        self.url = url
        name = url.lastPathComponent
        fd = open(url.path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw ArchiveError(url.lastPathComponent, .unreadable, "cannot open: \(errnoText())")
        }
        var info = stat()
        if fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw ArchiveError(url.lastPathComponent, .unreadable, "not a regular file")
        }
        size = Int64(info.st_size)
    }

    deinit { close(fd) }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws(ArchiveError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max(0, count))
        let got = try withMutableBytes(&out) { buffer throws(ArchiveError) in
            try read(at: offset, into: buffer)
        }
        out.removeSubrange(got...)
        return out
    }

    /// Fills `buffer` from `offset`; returns how many bytes were read (short only at end of file).
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        // Offsets come from archive headers; out-of-range ones simply read nothing.
        guard offset >= 0, offset < size else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ArchiveError(name, .unreadable, "read failed: \(errnoText())")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// A forward-only stream of bytes: the tar reader does not care whether they come straight
/// from the file or out of gzip.
protocol ByteSource: AnyObject {
    /// Fills as much of `buffer` as it can; 0 means the stream has ended.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int
    /// Bytes of the archive file used so far, for progress.
    var fileBytesConsumed: Int64 { get }
    /// Set when the stream ended because the file did (a gzip stream without its end).
    var endedEarly: Bool { get }
}

/// Reads the archive file front to back.
final class FileSource: ByteSource {
    private let file: ArchiveFile
    private(set) var fileBytesConsumed: Int64
    private let end: Int64
    var endedEarly: Bool { false }

    init(_ file: ArchiveFile, from start: Int64 = 0, to end: Int64? = nil) {
        self.file = file
        fileBytesConsumed = start
        self.end = end ?? file.size
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let want = Int(min(Int64(buffer.count), end - fileBytesConsumed))
        if want <= 0 { return 0 }
        let got = try file.read(at: fileBytesConsumed, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        fileBytesConsumed += Int64(got)
        return got
    }
}

/// Decompresses a gzip file as it is read, member after member (`cat a.gz b.gz` is valid gzip).
/// zlib checks each member's CRC and length trailer itself.
final class GzipSource: ByteSource {
    private let input: FileSource
    private let inflater: ZlibStream
    private let limits: ArchiveExtractor.Limits
    private let name: String
    private var pending = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, stop = 0
    private var finished = false
    private var produced: Int64 = 0
    private(set) var endedEarly = false

    init(_ file: ArchiveFile, limits: ArchiveExtractor.Limits) throws(ArchiveError) {
        input = FileSource(file)
        name = file.name
        self.limits = limits
        inflater = try AIArtsEngine.inflater(.gzip, archive: file.name)
    }

    var fileBytesConsumed: Int64 { input.fileBytesConsumed - Int64(stop - start) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        if buffer.isEmpty { return 0 }
        while !finished {
            if start == stop { _ = try refill() }
            let step = pending.withUnsafeBytes { all in
                inflater.step(UnsafeRawBufferPointer(rebasing: all[start..<stop]), buffer)
            }
            start += step.consumed
            produced += Int64(step.produced)
            switch step.status {
            case .dataError(let why):
                throw ArchiveError(name, .corrupt, "damaged gzip data after \(formatBytes(produced)) (\(why))")
            case .streamEnd:
                // Another member may follow; anything else after the end is ignored, as gzip does.
                if try !nextMemberFollows() { finished = true }
                inflater.reset()
            case .ok:
                break
            }
            if limits.ratioExceeded(produced: produced, consumed: fileBytesConsumed) {
                throw ArchiveError(name, .limitExceeded,
                                   "gzip data expands more than \(limits.ratioText) (\(formatBytes(produced)) "
                                   + "from \(formatBytes(fileBytesConsumed))); refusing it as a likely decompression bomb")
            }
            if step.produced > 0 { return step.produced }
            if step.status == .ok, step.consumed == 0, start == stop {
                // zlib wants more and the file has no more: the gzip stream was cut short.
                endedEarly = true
                finished = true
            }
        }
        return 0
    }

    /// Moves unread input to the front and tops it up; false when the file has nothing more.
    private func refill() throws(ArchiveError) -> Bool {
        if start > 0 {
            pending.replaceSubrange(0..<(stop - start), with: pending[start..<stop])
            stop -= start
            start = 0
        }
        let got = try withMutableBytes(&pending) { all throws(ArchiveError) in
            try input.read(into: UnsafeMutableRawBufferPointer(rebasing: all[stop...]))
        }
        stop += got
        return got > 0
    }

    private func nextMemberFollows() throws(ArchiveError) -> Bool {
        if stop - start < 2 { _ = try refill() }
        return stop - start >= 2 && pending[start] == 0x1F && pending[start + 1] == 0x8B
    }
}

/// A zlib inflate stream for `archive`, its start failure told as the archive's.
func inflater(_ format: ZlibStream.Format, archive: String) throws(ArchiveError) -> ZlibStream {
    do { return try ZlibStream(inflating: format) } catch { throw ArchiveError(archive, .unreadable, error.description) }
}

/// zlib's CRC-32, the one zip stores.
func crc32Update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 { ZlibStream.crc32(crc, bytes) }

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// Array's buffer accessor rethrows untyped errors; this keeps ArchiveError typed through it.
func withMutableBytes<R>(_ array: inout [UInt8],
                         _ body: (UnsafeMutableRawBufferPointer) throws(ArchiveError) -> R) throws(ArchiveError) -> R {
    var result: Result<R, ArchiveError>?
    array.withUnsafeMutableBytes { buffer in
        result = Result { () throws(ArchiveError) -> R in try body(buffer) }
    }
    return try result!.get()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where a tail left off in a file, small enough to store with the task so that reopening a
/// finished task reads nothing it has read before.
public struct TailPosition: Codable, Equatable, Sendable {
    /// Byte offset of the first line not yet returned (a partial line is read again next time,
    /// so a crash never loses or duplicates half a line).
    public var offset: Int
    /// The file's first line with its newline (at most `headCap` bytes), or its first bytes
    /// while that line is incomplete. A rewrite (Lightning's new header) changes it.
    public var head: [UInt8]
    /// Up to 32 bytes just before `offset`: a rewrite that kept the header and grew the file
    /// (a trainer that reopens with "w" and writes again) changes them.
    public var tail: [UInt8]
    /// Set while discarding the rest of a line longer than the reader's limit.
    public var skippingLongLine: Bool

    public static let start = TailPosition(offset: 0, head: [], tail: [], skippingLongLine: false)
    public static let headCap = 4096
    static let tailCap = 32
}

/// What one `read` found.
public struct TailChunk: Sendable {
    /// Complete lines without their line end ("\n" or "\r\n").
    public var lines: [ArraySlice<UInt8>] = []
    /// Byte offset in the file where each line starts (for "first bad line at byte N").
    public var lineOffsets: [Int] = []
    /// The file was truncated or rewritten: everything derived from it before is void, and
    /// `lines` start again from byte 0.
    public var reset = false
    /// False when the file does not exist (yet): not an error, a trainer creates it late.
    public var exists = true
    /// More bytes wait beyond this chunk's size limit: call `read` again.
    public var hasMore = false
    /// Lines dropped for exceeding the length limit (untrusted writers can print anything).
    public var skippedLongLines = 0

    /// The lines as text; invalid UTF-8 becomes U+FFFD rather than failing.
    public var strings: [String] { lines.map { String(decoding: $0, as: UTF8.self) } }
}

/// Tails a growing text file by byte offset.
public struct IncrementalReader: Sendable {
    public let path: String
    public private(set) var position: TailPosition
    public let maxLineBytes: Int

    public init(path: String, position: TailPosition = .start, maxLineBytes: Int = 1 << 20) {
        self.path = path; self.position = position; self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Opens a metrics file for reading with its stat; nil when it does not exist. Only plain
    /// files: O_NONBLOCK keeps a FIFO planted there from hanging the reader, and it is refused.
    static func openRegularFile(_ path: String) throws(MetricsError) -> (fd: Int32, info: stat)? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .unreadable(path, errno: errno, doing: "open it")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .unreadable(path, errno: code, doing: "stat it")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw MetricsError(.notRegularFile, path: path, "is not a regular file; metrics are read from plain files only")
        }
        return (fd, info)
    }

    /// Reads the complete lines written since the last call, at most about `maxBytes` of them.
    public mutating func read(maxBytes: Int = 4 << 20) throws(MetricsError) -> TailChunk {
        var chunk = TailChunk()
        guard let (fd, info) = try Self.openRegularFile(path) else { chunk.exists = false; return chunk }
        defer { close(fd) }
        let size = Int(info.st_size)

        if try !stillSameFile(fd: fd, size: size) {
            position = .start
            chunk.reset = true
        }
        let window = max(maxBytes, maxLineBytes + 1)
        let start = position.offset
        let bytes = try readAt(fd, offset: start, count: min(size - start, window))
        split(bytes, base: start, into: &chunk)
        chunk.hasMore = start + bytes.count < size
        try remember(fd: fd, size: size, bytes: bytes, start: start)
        return chunk
    }

    /// Like `read`, but returns the complete lines as one block of bytes (newlines included)
    /// instead of a slice per line: what the fast parsers of long logs scan with memchr.
    /// Lines longer than `maxLineBytes` may be in the block; `LineBlock.forEachLine` drops them.
    public mutating func readBlock(maxBytes: Int = 16 << 20) throws(MetricsError) -> LineBlock {
        var buffer: [UInt8] = []
        return try readBlock(maxBytes: maxBytes, reusing: &buffer)
    }

    /// `readBlock` into `buffer`'s memory (taken, left empty): a long file read block after
    /// block hands each block's `bytes` back (`swap(&buffer, &block.bytes)`), so its pages are
    /// faulted in once rather than once per block. Nothing at or after byte `limit` is read (a
    /// line start, where another reader takes over).
    public mutating func readBlock(maxBytes: Int, reusing buffer: inout [UInt8], upTo limit: Int = .max) throws(MetricsError) -> LineBlock {
        var block = LineBlock()
        guard let (fd, info) = try Self.openRegularFile(path) else { block.exists = false; return block }
        defer { close(fd) }
        let size = Int(info.st_size)
        if try !stillSameFile(fd: fd, size: size) {
            position = .start
            block.reset = true
        }
        let start = position.offset
        let stop = min(size, max(limit, start))
        var bytes: [UInt8] = []
        swap(&bytes, &buffer)
        try readAt(fd, offset: start, count: min(stop - start, max(maxBytes, maxLineBytes + 1)), into: &bytes)
        var from = 0
        if position.skippingLongLine {
            guard let nl = bytes.firstIndex(of: 0x0A) else {
                position.offset = start + bytes.count
                block.hasMore = start + bytes.count < stop
                try remember(fd: fd, size: size, bytes: bytes, start: start)
                return block
            }
            position.skippingLongLine = false
            from = nl + 1
        }
        var end = bytes.count
        while end > from, bytes[end - 1] != 0x0A { end -= 1 }
        if end == from, bytes.count - from > maxLineBytes {
            block.skippedLongLines += 1
            position.skippingLongLine = true
            end = bytes.count
            from = end
        }
        block.bytes = bytes
        block.range = from..<max(from, end)
        block.base = start
        block.maxLineBytes = maxLineBytes
        position.offset = start + max(from, end)
        block.hasMore = start + bytes.count < stop
        try remember(fd: fd, size: size, bytes: bytes, start: start)
        return block
    }

    /// Updates the head and tail fingerprints after a read that started at `start`.
    private mutating func remember(fd: Int32, size: Int, bytes: [UInt8], start: Int) throws(MetricsError) {
        if position.head.last != 0x0A, position.head.count < TailPosition.headCap {
            var head = try readAt(fd, offset: 0, count: min(size, TailPosition.headCap))
            if let newline = head.firstIndex(of: 0x0A) { head.removeSubrange((newline + 1)...) }
            position.head = head
        }
        let tailStart = max(0, position.offset - TailPosition.tailCap)
        position.tail = tailStart >= start
            ? Array(bytes[(tailStart - start)..<(position.offset - start)])
            : try readAt(fd, offset: tailStart, count: position.offset - tailStart)
    }

    /// False when the file was truncated or its first line or the bytes before our offset changed.
    private func stillSameFile(fd: Int32, size: Int) throws(MetricsError) -> Bool {
        if position.offset == 0 && position.head.isEmpty { return true }
        if size < position.offset || size < position.head.count { return false }
        if try readAt(fd, offset: 0, count: position.head.count) != position.head { return false }
        let tailStart = position.offset - position.tail.count
        return try readAt(fd, offset: tailStart, count: position.tail.count) == position.tail
    }

    private mutating func split(_ bytes: [UInt8], base: Int, into chunk: inout TailChunk) {
        var lineStart = 0
        var consumed = 0
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                // memchr is much faster than a byte loop on long logs.
                guard let hit = memchr(p.baseAddress! + i, 0x0A, p.count - i) else { break }
                let newline = p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var end = newline
                if end > lineStart, p[end - 1] == 0x0D { end -= 1 }
                if position.skippingLongLine {
                    position.skippingLongLine = false  // the tail end of a line already counted
                } else if newline - lineStart > maxLineBytes {
                    chunk.skippedLongLines += 1
                } else {
                    chunk.lines.append(bytes[lineStart..<end])
                    chunk.lineOffsets.append(base + lineStart)
                }
                lineStart = newline + 1
                consumed = lineStart
                i = lineStart
            }
        }
        if bytes.count - lineStart > maxLineBytes {
            // No end in sight: drop what we have and keep dropping up to the next newline.
            if !position.skippingLongLine { chunk.skippedLongLines += 1 }
            position.skippingLongLine = true
            consumed = bytes.count
        }
        position.offset = base + consumed
    }

    private func readAt(_ fd: Int32, offset: Int, count: Int) throws(MetricsError) -> [UInt8] {
        var out: [UInt8] = []
        try readAt(fd, offset: offset, count: count, into: &out)
        return out
    }

    /// Reads up to `count` bytes at `offset` into `bytes` (its memory reused when large enough),
    /// which then holds exactly the bytes read.
    private func readAt(_ fd: Int32, offset: Int, count: Int, into bytes: inout [UInt8]) throws(MetricsError) {
        guard count > 0 else { bytes.removeAll(keepingCapacity: true); return }
        // Uninitialised: a 16 MiB chunk is not zeroed only to be overwritten.
        if bytes.count < count { bytes = [UInt8](unsafeUninitializedCapacity: count) { $1 = count } }
        var failure: Int32 = 0
        var done = 0
        bytes.withUnsafeMutableBufferPointer { buffer in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }  // shrank while we read: the next call notices
                done += n
            }
        }
        bytes.removeLast(bytes.count - done)
        if failure != 0 { throw .unreadable(path, errno: failure, doing: "read it") }
    }
}

/// Complete lines read in one piece by `IncrementalReader.readBlock`.
public struct LineBlock: Sendable {
    public var bytes: [UInt8] = []
    /// The complete lines within `bytes`, each ending in a newline.
    public var range: Range<Int> = 0..<0
    /// File offset of `bytes[0]`.
    public var base = 0
    public var reset = false
    public var exists = true
    public var hasMore = false
    public var skippedLongLines = 0
    var maxLineBytes = Int.max

    /// Calls `body` with each line (without "\n" or "\r\n") and its file offset; lines over
    /// the reader's limit are counted in `skippedLongLines` instead.
    public mutating func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) rethrows {
        var skipped = 0
        let range = self.range, base = self.base, limit = maxLineBytes
        try bytes.withUnsafeBufferPointer { p in
            guard let start = p.baseAddress else { return }
            var i = range.lowerBound
            while i < range.upperBound {
                guard let hit = memchr(start + i, 0x0A, range.upperBound - i) else { break }
                let nl = start.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var end = nl
                if end > i, p[end - 1] == 0x0D { end -= 1 }
                if nl - i > limit { skipped += 1 } else { try body(UnsafeBufferPointer(start: start + i, count: end - i), base + i) }
                i = nl + 1
            }
        }
        skippedLongLines += skipped
    }
}

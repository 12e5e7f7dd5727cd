import Foundation

/// A piece of a task's train.log by byte offset, for clients that page through it or follow it
/// (`GET /ai_arts/api/trainings/{id}/log`). The text is raw (a trainer may print escape sequences)
/// but always whole UTF-8 characters: a page never ends inside one, and invalid bytes become U+FFFD.
public struct TaskLogPage: Codable, Equatable, Sendable {
    /// Byte offset of the first byte of `text` in the file.
    public var offset: Int64
    /// Where the next page starts: pass it as `offset` to read on (equals `size` at the end).
    public var nextOffset: Int64
    /// The file's size when it was read.
    public var size: Int64
    public var text: String
    /// True when the page reaches the end of the file.
    public var eof: Bool

    enum CodingKeys: String, CodingKey {
        case offset, nextOffset = "next_offset", size, text, eof
    }
}

extension Workspace {
    /// Up to `limit` bytes of the task's train.log from byte `offset`; with `tail` instead, the last
    /// `tail` lines (at most `limit` bytes of them). A task that wrote no log has an empty one.
    public func taskLogPage(_ id: String, offset: Int64? = nil, tail: Int? = nil, limit: Int = 256 << 10) throws -> TaskLogPage {
        _ = try task(id)
        guard limit > 0 else { throw AIArtsError(.invalidArgument, "limit must be at least 1 byte") }
        if let offset, offset < 0 { throw AIArtsError(.invalidArgument, "offset must be 0 or more") }
        if let tail, tail < 0 { throw AIArtsError(.invalidArgument, "tail must be 0 or more") }
        let url = taskFolder(id).appendingPathComponent("train.log")
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            return TaskLogPage(offset: 0, nextOffset: 0, size: 0, text: "", eof: true)
        }
        defer { try? handle.close() }
        let size = Int64((try? handle.seekToEnd()) ?? 0)
        var start: Int64
        if let tail, offset == nil {
            start = max(0, size - Int64(limit))
            try handle.seek(toOffset: UInt64(start))
            var bytes = [UInt8]((try handle.read(upToCount: Int(size - start))) ?? Data())
            // The last `tail` lines: cut after the newline that precedes them.
            var newlines = 0
            var cut = 0
            var i = bytes.count - 1
            if i >= 0, bytes[i] == UInt8(ascii: "\n") { i -= 1 }
            while i >= 0 {
                if bytes[i] == UInt8(ascii: "\n") {
                    newlines += 1
                    if newlines == tail { cut = i + 1; break }
                }
                i -= 1
            }
            if tail == 0 { cut = bytes.count }
            else if i < 0, start > 0 {
                // Fewer lines than asked in the window: start at a line boundary inside it.
                cut = (bytes.firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            }
            bytes.removeFirst(cut)
            start += Int64(cut)
            return TaskLogPage(offset: start, nextOffset: size, size: size, text: String(decoding: bytes, as: UTF8.self), eof: true)
        }
        start = min(offset ?? 0, size)
        try handle.seek(toOffset: UInt64(start))
        // At least one whole character, however small the limit, so that a reader always moves on.
        let want = min(Int64(max(limit, 4)), size - start)
        var bytes = [UInt8]((try handle.read(upToCount: Int(want))) ?? Data())
        let whole = bytes
        if bytes.count > limit { bytes.removeLast(bytes.count - limit) }
        // A page that stops inside a character ends before it; the next starts with it.
        if start + Int64(bytes.count) < size { bytes.removeLast(Self.incompleteUTF8Tail(bytes)) }
        if bytes.isEmpty, !whole.isEmpty {
            let first = whole[0]
            let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
            bytes = Array(whole.prefix(length))
        }
        let next = start + Int64(bytes.count)
        return TaskLogPage(offset: start, nextOffset: next, size: size, text: String(decoding: bytes, as: UTF8.self), eof: next >= size)
    }

    /// How many bytes at the end of `bytes` begin a UTF-8 character that is not complete (0...3).
    static func incompleteUTF8Tail(_ bytes: [UInt8]) -> Int {
        var back = 0
        var i = bytes.count - 1
        while i >= 0, back < 4 {
            let b = bytes[i]
            back += 1
            if b & 0xC0 != 0x80 {
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return need > back ? back : 0
            }
            i -= 1
        }
        return 0
    }
}

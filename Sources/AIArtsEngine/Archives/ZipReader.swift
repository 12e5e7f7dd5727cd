import Foundation

/// One entry as the central directory describes it. The central directory, not the local
/// headers, is authoritative: local sizes may be zero when a data descriptor follows the data.
struct ZipEntry {
    var name: String
    var flags: UInt16
    var method: UInt16
    var crc: UInt32
    var compressedSize: Int64
    var size: Int64
    var localHeaderOffset: Int64
    var isDirectory: Bool
    var isSymlink: Bool
}

/// Reads a zip through its central directory (PKWARE APPNOTE 4.3), including ZIP64.
struct ZipReader {
    let file: ArchiveFile
    let limits: ArchiveExtractor.Limits
    /// Bytes prepended before the zip proper (self-extracting stubs); offsets inside are relative.
    private(set) var shift: Int64 = 0

    init(_ file: ArchiveFile, limits: ArchiveExtractor.Limits) {
        self.file = file
        self.limits = limits
    }

    private func corrupt(_ message: String) -> ArchiveError { ArchiveError(file.name, .corrupt, message) }

    // MARK: Central directory

    /// Finds the end record, then parses every central directory entry.
    mutating func entries() throws(ArchiveError) -> [ZipEntry] {
        let eocdSize = 22
        guard file.size >= Int64(eocdSize) else {
            throw ArchiveError(file.name, .truncated, "truncated zip: only \(file.size) bytes, too short for a zip")
        }
        // The end record sits at the very end unless a comment (at most 65,535 bytes) follows it.
        let tailStart = max(0, file.size - Int64(eocdSize + 0xFFFF))
        let tail = LEBytes(try file.read(at: tailStart, count: Int(file.size - tailStart)))
        var found: Int?
        var loose: Int?
        for i in stride(from: tail.count - eocdSize, through: 0, by: -1) where tail.u32(i) == 0x0605_4B50 {
            let end = i + eocdSize + Int(tail.u16(i + 20))
            if end == tail.count { found = i; break }
            if end < tail.count, loose == nil { loose = i }  // trailing junk after the comment
        }
        guard let at = found ?? loose else {
            throw ArchiveError(file.name, .truncated,
                               "truncated or not a zip: no end-of-central-directory record in the last \(formatBytes(Int64(tail.count)))")
        }
        let eocdOffset = tailStart + Int64(at)
        if tail.u16(at + 4) != 0 && tail.u16(at + 4) != 0xFFFF {
            throw ArchiveError(file.name, .unsupported, "split (multi-disk) zip archives are not supported")
        }
        var count = Int64(tail.u16(at + 10))
        var cdSize = Int64(tail.u32(at + 12))
        var cdOffset = Int64(tail.u32(at + 16))
        var cdEnd = eocdOffset

        // ZIP64: a locator right before the end record points at the 64-bit end record.
        if eocdOffset >= 20 {
            let locator = LEBytes(try file.read(at: eocdOffset - 20, count: 20))
            if locator.u32(0) == 0x0706_4B50 {
                let recordOffset = Int64(bitPattern: locator.u64(8))
                let record = LEBytes(try file.read(at: recordOffset, count: 56))
                guard recordOffset >= 0, recordOffset < eocdOffset, record.count == 56, record.u32(0) == 0x0606_4B50 else {
                    throw corrupt("damaged zip: the ZIP64 end record is missing or damaged")
                }
                count = Int64(bitPattern: record.u64(32))
                cdSize = Int64(bitPattern: record.u64(40))
                cdOffset = Int64(bitPattern: record.u64(48))
                cdEnd = recordOffset
            }
        }
        guard count >= 0, cdSize >= 0, cdOffset >= 0, cdSize <= cdEnd else {
            throw corrupt("damaged zip: impossible central directory size or position")
        }
        if count > Int64(limits.maxEntries) {
            throw ArchiveError(file.name, .limitExceeded,
                               "zip lists \(count) entries, more than the limit of \(limits.maxEntries)")
        }
        // The directory ends where the end record starts; if it says otherwise, data was prepended.
        shift = cdEnd - cdSize - cdOffset
        if shift < 0 {
            throw ArchiveError(file.name, .truncated,
                               "truncated zip: the central directory should start at \(cdOffset) but the file "
                               + "has only \(cdEnd - cdSize) bytes before it")
        }
        return try parseDirectory(FileSource(file, from: cdOffset + shift, to: cdEnd), count: Int(count))
    }

    private func parseDirectory(_ source: FileSource, count: Int) throws(ArchiveError) -> [ZipEntry] {
        var entries: [ZipEntry] = []
        entries.reserveCapacity(count)
        var reader = SourceReader(source)
        for index in 0..<count {
            let fixed = LEBytes(try reader.take(46))
            guard fixed.count == 46, fixed.u32(0) == 0x0201_4B50 else {
                throw corrupt("damaged zip: central directory entry #\(index + 1) of \(count) is missing or damaged")
            }
            let nameBytes = try reader.take(Int(fixed.u16(28)))
            let extra = LEBytes(try reader.take(Int(fixed.u16(30))))
            let comment = try reader.take(Int(fixed.u16(32)))
            guard nameBytes.count == Int(fixed.u16(28)), extra.count == Int(fixed.u16(30)),
                  comment.count == Int(fixed.u16(32)) else {
                throw corrupt("damaged zip: central directory entry #\(index + 1) runs past the directory's end")
            }
            entries.append(try parseEntry(fixed, nameBytes, extra))
        }
        return entries
    }

    private func parseEntry(_ h: LEBytes, _ nameBytes: [UInt8], _ extra: LEBytes) throws(ArchiveError) -> ZipEntry {
        let flags = h.u16(8)
        var size = Int64(h.u32(24))
        var compressed = Int64(h.u32(20))
        var offset = Int64(h.u32(42))
        var unicodeName: String?
        var i = 0
        while i + 4 <= extra.count {
            let id = extra.u16(i), length = Int(extra.u16(i + 2))
            let body = i + 4
            guard body + length <= extra.count else { break }  // junk padding some tools leave; ignore
            if id == 0x0001 {
                // ZIP64 extended info: only the fields saturated in the fixed header, in this order.
                var at = body
                func next() -> Int64? {
                    guard at + 8 <= body + length else { return nil }
                    defer { at += 8 }
                    return Int64(bitPattern: extra.u64(at))
                }
                if size == 0xFFFF_FFFF { size = next() ?? -1 }
                if compressed == 0xFFFF_FFFF { compressed = next() ?? -1 }
                if offset == 0xFFFF_FFFF { offset = next() ?? -1 }
            } else if id == 0x7075, length > 5, extra.bytes[body] == 1 {
                // Info-ZIP Unicode Path: a UTF-8 name, valid while its CRC matches the plain name.
                let nameCRC = nameBytes.withUnsafeBytes { crc32Update(0, $0) }
                if extra.u32(body + 1) == nameCRC {
                    unicodeName = String(validating: extra.bytes[(body + 5)..<(body + length)], as: UTF8.self)
                }
            }
            i = body + length
        }
        let name = unicodeName ?? ZipNames.decode(nameBytes, utf8Flag: flags & 0x0800 != 0)
        guard size >= 0, compressed >= 0, offset >= 0 else {
            throw corrupt("damaged zip: entry '\(name)' has a ZIP64 marker but no ZIP64 sizes")
        }
        // Unix-made zips keep the st_mode in the high half of the external attributes.
        let host = h.u16(4) >> 8
        let mode = h.u32(38) >> 16
        let unixLike = host == 3 || host == 19
        let isSymlink = unixLike && mode & 0o170000 == 0o120000
        let dosDirectory = h.u32(38) & 0x10 != 0 && size == 0
        let isDirectory = name.hasSuffix("/") || name.hasSuffix("\\") || dosDirectory
            || (unixLike && mode & 0o170000 == 0o040000)
        return ZipEntry(name: name, flags: flags, method: h.u16(10), crc: h.u32(16),
                        compressedSize: compressed, size: size, localHeaderOffset: offset,
                        isDirectory: isDirectory, isSymlink: isSymlink)
    }

    // MARK: Entry data

    /// Where the entry's compressed bytes start, after its local header.
    /// Nil when the local header is damaged (a bad entry, not a bad archive).
    func dataStart(of entry: ZipEntry) throws(ArchiveError) -> Int64? {
        let at = entry.localHeaderOffset <= file.size - shift ? entry.localHeaderOffset + shift : file.size
        let local = LEBytes(try file.read(at: at, count: 30))
        if local.count < 30 {
            throw ArchiveError(file.name, .truncated,
                               "truncated zip: entry '\(entry.name)' starts at \(at) but the archive has only \(file.size) bytes")
        }
        guard local.u32(0) == 0x0403_4B50 else { return nil }
        let start = at + 30 + Int64(local.u16(26)) + Int64(local.u16(28))
        if entry.compressedSize > file.size - start {
            let have = max(0, file.size - start)
            throw ArchiveError(file.name, .truncated,
                               "truncated zip: entry '\(entry.name)' declares \(formatBytes(entry.compressedSize)) "
                               + "but the archive ends after \(formatBytes(have))")
        }
        return start
    }
}

/// Little-endian field access over a byte array; out-of-range reads give 0 rather than trapping,
/// and callers check lengths before trusting what they read.
struct LEBytes {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var count: Int { bytes.count }

    func u16(_ i: Int) -> UInt16 {
        guard i >= 0, i + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
    }

    func u32(_ i: Int) -> UInt32 {
        guard i >= 0, i + 4 <= bytes.count else { return 0 }
        return UInt32(u16(i)) | UInt32(u16(i + 2)) << 16
    }

    func u64(_ i: Int) -> UInt64 {
        guard i >= 0, i + 8 <= bytes.count else { return 0 }
        return UInt64(u32(i)) | UInt64(u32(i + 4)) << 32
    }
}

/// Pulls exact-length pieces out of a ByteSource through a buffer.
struct SourceReader {
    let source: ByteSource
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, stop = 0

    init(_ source: ByteSource) { self.source = source }

    /// Up to `count` bytes; fewer only when the source ends.
    mutating func take(_ count: Int) throws(ArchiveError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if start == stop {
                start = 0
                stop = try withMutableBytes(&buffer) { b throws(ArchiveError) in try source.read(into: b) }
                if stop == 0 { break }
            }
            let n = min(count - out.count, stop - start)
            out.append(contentsOf: buffer[start..<(start + n)])
            start += n
        }
        return out
    }

    /// Hands up to `count` bytes to `body` in buffer-sized pieces; returns how many there were.
    mutating func stream(_ count: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        var done: Int64 = 0
        while done < count {
            if start == stop {
                start = 0
                stop = try withMutableBytes(&buffer) { b throws(ArchiveError) in try source.read(into: b) }
                if stop == 0 { break }
            }
            let n = Int(min(count - done, Int64(stop - start)))
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + n)])) }
            start += n
            done += Int64(n)
        }
        return done
    }
}

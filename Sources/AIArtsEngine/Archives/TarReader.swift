import Foundation

/// One 512-byte tar header block (POSIX ustar, with the GNU and pax extensions handled by TarReader).
struct TarHeader {
    let block: [UInt8]

    var type: UInt8 { block[156] }

    /// The name as the header spells it: POSIX ustar joins prefix and name. GNU tar uses the
    /// prefix area for other fields, so it is only read when the magic is exactly "ustar\0".
    var name: String {
        let base = tarText(block[0..<100])
        let posix = block[257..<263].elementsEqual(Array("ustar\0".utf8))
        let prefix = posix ? tarText(block[345..<500]) : ""
        return prefix.isEmpty ? base : prefix + "/" + base
    }

    /// Declared data size; nil when the field is not a number.
    var size: Int64? { Self.number(block[124..<136]) }

    /// ustar magic, or (for pre-POSIX archives) a header whose checksum adds up.
    static func looksLikeHeader(_ block: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(block)
        if bytes[257..<262].elementsEqual(Array("ustar".utf8)) { return true }
        return bytes[0] != 0 && checksumMatches(bytes)
    }

    /// The checksum is the byte sum of the header with its own field read as spaces. Some old
    /// tars summed signed bytes, so either sum is accepted.
    static func checksumMatches(_ block: [UInt8]) -> Bool {
        guard let stored = number(block[148..<156]) else { return false }
        var unsigned: Int64 = 0, signed: Int64 = 0
        for (i, byte) in block.enumerated() {
            let b = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int64(b)
            signed += Int64(Int8(bitPattern: b))
        }
        return stored == unsigned || stored == signed
    }

    /// Octal (NUL/space padded), or GNU base-256 when the high bit of the first byte is set,
    /// which is how sizes of 8 GiB and more are written. Negative and overflowing values are nil.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            if first == 0xFF { return nil }
            var value = Int64(first & 0x7F)
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var digits = false, ended = false
        for byte in field {
            if byte == 0x20 || byte == 0 {
                if digits { ended = true }
                continue
            }
            guard !ended, (0x30...0x37).contains(byte), value <= Int64.max >> 3 else { return nil }
            value = value * 8 + Int64(byte - 0x30)
            digits = true
        }
        return value
    }
}

/// Header text up to its first NUL: UTF-8 when valid, else each byte as Latin-1.
func tarText(_ bytes: ArraySlice<UInt8>) -> String {
    let cut = bytes.prefix { $0 != 0 }
    if let text = String(validating: cut, as: UTF8.self) { return text }
    return String(String.UnicodeScalarView(cut.map { Unicode.Scalar($0) }))
}

/// Reads a tar stream header by header. Only regular files and folders are extracted; links,
/// devices and FIFOs are recorded as skipped and never created.
struct TarReader {
    let archiveName: String
    let label: String  // "tar" or "tar.gz", for messages
    let source: ByteSource
    let fileSize: Int64

    /// Long names and pax headers are a few KB at most; anything bigger is damage or mischief.
    private static let maxMetaSize: Int64 = 1 << 20

    func extractAll(into target: ExtractionTarget, progress: ((Int64, Int64) -> Void)?,
                    isCancelled: () -> Bool) throws {
        var reader = SourceReader(source)
        var offset: Int64 = 0  // in the tar stream, for messages
        var longName: String?
        var pax: [String: String] = [:]
        var sawHeader = false
        var zeroBlocks = 0
        while true {
            let block = try reader.take(512)
            if block.isEmpty {
                if source.endedEarly {
                    throw ArchiveError(archiveName, .truncated,
                                       "truncated \(label): the gzip stream is cut short after \(formatBytes(offset)) of tar data")
                }
                break  // no end-of-archive blocks; the archive is complete as far as anyone can tell
            }
            if block.count < 512 {
                throw ArchiveError(archiveName, .truncated,
                                   "truncated \(label): the archive ends inside the header at offset \(offset)")
            }
            let headerOffset = offset
            offset += 512
            if block.allSatisfy({ $0 == 0 }) {
                zeroBlocks += 1
                if zeroBlocks == 2 { break }
                continue
            }
            zeroBlocks = 0
            guard TarHeader.checksumMatches(block) else {
                throw ArchiveError(archiveName, .corrupt, sawHeader
                    ? "damaged \(label): the header at offset \(headerOffset) fails its checksum"
                    : "not a tar archive: the first header fails its checksum")
            }
            sawHeader = true
            let header = TarHeader(block: block)
            guard var size = header.size else {
                throw ArchiveError(archiveName, .corrupt,
                                   "damaged \(label): the header at offset \(headerOffset) has an unreadable size")
            }
            let type = Character(Unicode.Scalar(header.type))

            // Extension headers describe the entry that follows them.
            if ["L", "K", "x", "g"].contains(type) {
                if type == "g" {  // global pax settings: nothing here needs them
                    try skip(size, of: "pax global header", &reader, &offset)
                    try skip(padding(size), of: nil, &reader, &offset)
                    continue
                }
                guard size <= Self.maxMetaSize else {
                    throw ArchiveError(archiveName, .corrupt,
                                       "damaged \(label): a \(formatBytes(size)) extension header at offset \(headerOffset)")
                }
                let data = try reader.take(Int(size))
                if data.count < Int(size) { throw truncated("an extension header", size, Int64(data.count)) }
                offset += size
                try skip(padding(size), of: nil, &reader, &offset)
                if type == "L" { longName = tarText(data[...]) }
                if type == "x" {
                    guard let records = Self.paxRecords(data) else {
                        throw ArchiveError(archiveName, .corrupt, "damaged \(label): bad pax header at offset \(headerOffset)")
                    }
                    pax.merge(records) { $1 }
                }
                continue
            }

            if isCancelled() { throw CancellationError() }
            try target.countEntry()
            if let text = pax["size"] {
                guard let value = Int64(text), value >= 0 else {
                    throw ArchiveError(archiveName, .corrupt, "damaged \(label): pax size '\(text)' is not a size")
                }
                size = value
            }
            let name = pax["path"] ?? longName ?? header.name
            let sparse = pax.keys.contains { $0.hasPrefix("GNU.sparse.") } || type == "S"
            longName = nil
            pax = [:]
            // Links, devices, FIFOs and folders carry no data whatever their size field says.
            let dataSize = "123456".contains(type) ? 0 : size
            try entry(name, type: type, sparse: sparse, size: dataSize, target, &reader, &offset, isCancelled)
            progress?(source.fileBytesConsumed, fileSize)
        }
        progress?(fileSize, fileSize)
    }

    private func entry(_ name: String, type: Character, sparse: Bool, size: Int64, _ target: ExtractionTarget,
                       _ reader: inout SourceReader, _ offset: inout Int64, _ isCancelled: () -> Bool) throws {
        let isFile = type == "0" || type == "\0" || type == "7"
        switch type {
        case _ where sparse:
            target.skip(name, "GNU sparse files are not supported")
        case "\0" where name.hasSuffix("/"), "5":  // pre-POSIX tars mark folders only by the slash
            if target.isDestinationItself(name) { break }
            if let relative = target.accept(name) { target.makeDirectory(relative, shown: name) }
        case _ where isFile:
            guard let relative = target.accept(name), let out = target.createFile(relative, shown: name) else { break }
            do {
                var chunks = 0
                let got = try reader.stream(size) { chunk in
                    try out.write(chunk)
                    chunks += 1
                    if chunks % 256 == 0, isCancelled() { throw CancellationError() }
                }
                if got < size { throw truncated("entry '\(name)'", size, got) }
                offset += size
                try skip(padding(size), of: nil, &reader, &offset)
                _ = try out.commit()
            } catch {
                out.discard()
                throw error
            }
            return
        case "1": target.skip(name, "hard links are not extracted")
        case "2": target.skip(name, "symbolic links are not extracted")
        case "3", "4": target.skip(name, "device files are not extracted")
        case "6": target.skip(name, "FIFOs are not extracted")
        case "V": break  // a volume label, not a file
        default: target.skip(name, "tar entry type '\(type)' is not supported")
        }
        try skip(size, of: "entry '\(name)'", &reader, &offset)
        try skip(padding(size), of: nil, &reader, &offset)
    }

    /// Reads past `count` bytes. A short read is truncation, except inside the final padding,
    /// which some writers leave off.
    private func skip(_ count: Int64, of what: String?, _ reader: inout SourceReader, _ offset: inout Int64) throws {
        let got = try reader.stream(count) { _ in }
        offset += got
        if got < count, let what { throw truncated(what, count, got) }
    }

    private func padding(_ size: Int64) -> Int64 { (512 - size % 512) % 512 }

    private func truncated(_ what: String, _ declared: Int64, _ got: Int64) -> ArchiveError {
        let cut = source.endedEarly ? " (the gzip stream is cut short)" : ""
        return ArchiveError(archiveName, .truncated,
                            "truncated \(label): \(what) declares \(formatBytes(declared)) but the archive ends after "
                            + "\(formatBytes(got)) of it\(cut)")
    }

    /// pax records are "<length> <key>=<value>\n", the length counting the whole record.
    /// An empty value removes the key. Nil when the records do not parse.
    static func paxRecords(_ data: [UInt8]) -> [String: String]? {
        var records: [String: String] = [:]
        var i = 0
        while i < data.count, data[i] != 0 {
            var j = i, length = 0
            while j < data.count, (0x30...0x39).contains(data[j]) {
                length = length * 10 + Int(data[j] - 0x30)
                guard length <= data.count else { return nil }
                j += 1
            }
            guard j < data.count, data[j] == 0x20, length > j - i + 2, i + length <= data.count,
                  data[i + length - 1] == 0x0A else { return nil }
            let record = data[(j + 1)..<(i + length - 1)]
            guard let equals = record.firstIndex(of: 0x3D) else { return nil }
            let key = String(decoding: record[..<equals], as: UTF8.self)
            let value = tarText(record[(equals + 1)...])
            records[key] = value.isEmpty ? nil : value
            i += length
        }
        return records
    }
}

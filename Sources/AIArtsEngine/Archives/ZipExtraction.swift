import Foundation

/// A single entry that cannot be extracted; it is skipped with this reason and the rest goes on.
struct EntryProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

extension ZipReader {
    func extractAll(into target: ExtractionTarget, progress: ((Int64, Int64) -> Void)?,
                    isCancelled: () -> Bool) throws {
        var reader = self
        let entries = try reader.entries()
        // Fail before writing anything when the archive itself admits to being too big;
        // the real byte count is still enforced while writing, since headers can lie.
        try refuseOverlaps(entries)
        let bound = limits.totalBound(archiveSize: file.size)
        var declared: Int64 = 0
        // What would be written: an entry its own ratio check skips writes nothing.
        var writable: Int64 = 0
        for entry in entries where !entry.isDirectory {
            declared = declared.addingReportingOverflow(entry.size).overflow ? .max : declared + entry.size
            if limits.ratioExceeded(produced: entry.size, consumed: entry.compressedSize) { continue }
            writable = writable.addingReportingOverflow(entry.size).overflow ? .max : writable + entry.size
        }
        if declared > limits.maxTotalBytes {
            throw ArchiveError(file.name, .limitExceeded,
                               "zip declares \(formatBytes(declared)) of files, more than the limit of "
                               + formatBytes(limits.maxTotalBytes))
        }
        if writable > bound {
            throw ArchiveError(file.name, .limitExceeded,
                               "zip declares \(formatBytes(writable)) of files in a \(formatBytes(file.size)) archive, beyond the "
                               + "\(limits.ratioText) limit (likely a zip bomb); nothing was extracted")
        }
        target.byteLimit = bound
        let inflater = try inflater(.raw, archive: file.name)  // raw deflate, no wrapper
        for entry in entries {
            if isCancelled() { throw CancellationError() }
            try target.countEntry()
            try reader.extract(entry, into: target, inflater: inflater, isCancelled: isCancelled)
            // Header numbers can be anything; clamp instead of adding them (overflow would trap).
            let reached = min(entry.localHeaderOffset, file.size - reader.shift) + reader.shift
            progress?(min(file.size, reached + min(entry.compressedSize, file.size)), file.size)
        }
        progress?(file.size, file.size)
    }

    /// Refuses a zip whose entries share bytes. Real tools write each entry's local header and data
    /// once, one after another; entries pointing into each other's data let a few kilobytes of deflate
    /// stand for gigabytes (the overlapping-entry bomb). Each entry spans at least its 30-byte local
    /// header plus its packed data, so the check needs no reads.
    private func refuseOverlaps(_ entries: [ZipEntry]) throws(ArchiveError) {
        let order = entries.indices.sorted { entries[$0].localHeaderOffset < entries[$1].localHeaderOffset }
        var previous: Int? = nil
        var previousEnd: Int64 = 0
        for index in order {
            let entry = entries[index]
            if let p = previous, entry.localHeaderOffset < previousEnd {
                throw ArchiveError(file.name, .corrupt,
                                   "entries '\(entries[p].name)' and '\(entry.name)' overlap (they share the same bytes in the "
                                   + "archive): a crafted zip (zip bomb) or a damaged one; nothing was extracted")
            }
            // Header numbers can be anything: clamp so that the sum cannot trap.
            let span = 30 + min(max(0, entry.compressedSize), Int64.max - 30)
            let (packedEnd, overflow) = entry.localHeaderOffset.addingReportingOverflow(span)
            let end = overflow ? Int64.max : packedEnd
            if end > previousEnd || previous == nil { previous = index; previousEnd = max(previousEnd, end) }
        }
    }

    private func extract(_ entry: ZipEntry, into target: ExtractionTarget, inflater: ZlibStream,
                         isCancelled: () -> Bool) throws {
        if entry.isSymlink { return target.skip(entry.name, "symbolic links are not extracted") }
        if entry.isDirectory, target.isDestinationItself(entry.name) { return }
        guard let relative = target.accept(entry.name) else { return }
        if entry.isDirectory { return target.makeDirectory(relative, shown: entry.name) }
        if entry.flags & 0x0001 != 0 {
            return target.skip(entry.name, "encrypted entries are not supported; extract it with a password first")
        }
        guard entry.method == 0 || entry.method == 8 else {
            return target.skip(entry.name, "compression method \(ZipNames.method(entry.method)) is not supported "
                               + "(only stored and deflate)")
        }
        guard let start = try dataStart(of: entry) else {
            return target.skip(entry.name, "its local header is missing or damaged")
        }
        if limits.ratioExceeded(produced: entry.size, consumed: entry.compressedSize) {
            return target.skip(entry.name, ratioReason(entry.size, entry.compressedSize))
        }
        guard let out = target.createFile(relative, shown: entry.name) else { return }
        do {
            let source = FileSource(file, from: start, to: start + entry.compressedSize)
            let crc: UInt32
            if entry.method == 0 {
                guard entry.size == entry.compressedSize else {
                    throw EntryProblem("stored entry has different packed and unpacked sizes")
                }
                var reader = SourceReader(source)
                var sum: UInt32 = 0
                _ = try reader.stream(entry.size) { chunk in
                    sum = crc32Update(sum, chunk)
                    try out.write(chunk)
                }
                crc = sum
            } else {
                crc = try inflate(source, from: start, entry, inflater, out, isCancelled)
            }
            if out.written != entry.size {
                throw EntryProblem("unpacks to \(out.written) bytes but the archive says \(entry.size)")
            }
            if crc != entry.crc {
                throw EntryProblem(String(format: "CRC mismatch (archive says %08x, data gives %08x); the entry is damaged",
                                          entry.crc, crc))
            }
            _ = try out.commit()
        } catch let problem as EntryProblem {
            out.discard()
            target.skip(entry.name, problem.reason)
        } catch {
            out.discard()
            throw error
        }
    }

    /// Streams deflate data from `source` into `out`, watching size, ratio and cancellation as it goes.
    private func inflate(_ source: FileSource, from dataStart: Int64, _ entry: ZipEntry, _ inflater: ZlibStream, _ out: PartialFile,
                         _ isCancelled: () -> Bool) throws -> UInt32 {
        inflater.reset()
        var input = [UInt8](repeating: 0, count: 1 << 16)
        var output = [UInt8](repeating: 0, count: 1 << 16)
        var start = 0, stop = 0
        var crc: UInt32 = 0
        var rounds = 0
        while true {
            if start == stop {
                start = 0
                stop = try withMutableBytes(&input) { b throws(ArchiveError) in try source.read(into: b) }
            }
            let step = input.withUnsafeBytes { inBytes in
                output.withUnsafeMutableBytes { outBytes in
                    inflater.step(UnsafeRawBufferPointer(rebasing: inBytes[start..<stop]), outBytes)
                }
            }
            start += step.consumed
            if step.produced > 0 {
                if out.written + Int64(step.produced) > entry.size {
                    throw EntryProblem("unpacks to more than the \(entry.size) bytes the archive declares")
                }
                try output.withUnsafeBytes { all in
                    let chunk = UnsafeRawBufferPointer(rebasing: all[0..<step.produced])
                    crc = crc32Update(crc, chunk)
                    try out.write(chunk)
                }
                let used = source.fileBytesConsumed - dataStart - Int64(stop - start)
                if limits.ratioExceeded(produced: out.written, consumed: used) {
                    throw EntryProblem(ratioReason(out.written, used))
                }
            }
            switch step.status {
            case .streamEnd:
                return crc
            case .dataError(let why):
                throw EntryProblem("bad deflate data (\(why))")
            case .ok:
                if step.consumed == 0, step.produced == 0, start == stop {
                    throw EntryProblem("deflate data ends before the entry does")
                }
            }
            rounds += 1
            if rounds % 256 == 0, isCancelled() { throw CancellationError() }
        }
    }

    private func ratioReason(_ size: Int64, _ packed: Int64) -> String {
        "expands \(formatBytes(size)) from \(formatBytes(packed)), beyond the \(limits.ratioText) limit "
            + "(likely a zip bomb)"
    }
}

/// Entry names and method names for messages.
enum ZipNames {
    /// Bit 11 promises UTF-8. Without it the spec says CP437, but many tools write UTF-8 anyway
    /// without setting the bit, so bytes that are valid UTF-8 are taken as UTF-8; only the rest
    /// is read as CP437 (which maps every byte, so decoding never fails).
    static func decode(_ bytes: [UInt8], utf8Flag: Bool) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if utf8Flag { return String(decoding: bytes, as: UTF8.self) }
        var text = ""
        text.unicodeScalars.reserveCapacity(bytes.count)
        for byte in bytes {
            text.unicodeScalars.append(byte < 0x80 ? Unicode.Scalar(byte) : cp437High[Int(byte) - 0x80])
        }
        return text
    }

    /// CP437 bytes 0x80...0xFF.
    private static let cp437High: [Unicode.Scalar] = Array(
        ("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
            + "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}")
            .unicodeScalars)

    static func method(_ id: UInt16) -> String {
        switch id {
        case 9: "9 (deflate64)"
        case 12: "12 (bzip2)"
        case 14: "14 (LZMA)"
        case 93: "93 (zstd)"
        case 95: "95 (xz)"
        case 98: "98 (PPMd)"
        case 99: "99 (AES encryption)"
        default: "\(id)"
        }
    }
}

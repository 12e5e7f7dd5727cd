import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The destination folder. This is the only archive code that writes to disk, so confinement
/// and the byte limits live in one place:
/// - names go through SafePath.normalize (no absolute paths, drive letters or '..');
/// - folders are walked with lstat and never followed through a symlink, so an existing link
///   inside the destination cannot redirect a write outside it;
/// - files are created with O_EXCL | O_NOFOLLOW under a temporary name and renamed into place,
///   so a half-written file is never visible under its real name.
/// Archive permission bits are ignored (files 0644, folders 0755): no setuid bits from strangers.
final class ExtractionTarget {
    let archiveName: String
    let limits: ArchiveExtractor.Limits
    private(set) var report: ExtractionReport
    private let root: String
    private var entries = 0
    /// Bytes written including the file in progress, for the total limit.
    fileprivate var bytesInFlight: Int64 = 0
    /// The total-bytes limit in force: `maxTotalBytes`, or lower once a zip's own size bounds it.
    var byteLimit: Int64

    init(_ destination: URL, kind: ArchiveKind, archiveName: String,
         limits: ArchiveExtractor.Limits) throws(ArchiveError) {
        self.archiveName = archiveName
        self.limits = limits
        byteLimit = limits.maxTotalBytes
        report = ExtractionReport(kind: kind)
        do {
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError(archiveName, .writeFailed,
                               "cannot create the destination folder \(destination.path): \(error.localizedDescription)")
        }
        // The destination itself may be a symlink the user chose; everything below it may not.
        guard let real = SafePath.realPath(destination.path) else {
            throw ArchiveError(archiveName, .writeFailed, "cannot resolve the destination folder \(destination.path)")
        }
        root = real == "/" ? "" : real
    }

    /// Counts one archive entry against the entry limit.
    func countEntry() throws(ArchiveError) {
        entries += 1
        if entries > limits.maxEntries {
            throw ArchiveError(archiveName, .limitExceeded,
                               "more than \(limits.maxEntries) entries; refusing to extract the rest")
        }
    }

    func skip(_ path: String, _ reason: String) {
        report.skipped.append((path: path, reason: reason))
    }

    /// True for a folder entry that names the destination itself ("./" from `tar czf x.tgz -C dir .`):
    /// there is nothing to create and nothing wrong, so it is passed over without a word.
    func isDestinationItself(_ raw: String) -> Bool {
        raw.split(separator: "/", omittingEmptySubsequences: true).allSatisfy { $0 == "." }
    }

    /// The confined relative path for an archive name, or nil after recording why it was refused.
    func accept(_ raw: String) -> String? {
        do {
            return try SafePath.normalize(raw)
        } catch {
            skip(raw, error.reason)
            return nil
        }
    }

    /// Creates a folder entry (and its parents); refusals are recorded, not thrown.
    func makeDirectory(_ relative: String, shown raw: String) {
        if let why = ensureFolders(relative, includingLast: true) { skip(raw, why) }
    }

    /// Opens a temporary file where `relative` will go; nil after recording why it cannot.
    func createFile(_ relative: String, shown raw: String) -> PartialFile? {
        if let why = ensureFolders(relative, includingLast: false) {
            skip(raw, why)
            return nil
        }
        let finalPath = path(relative)
        if let why = blockerAtFinal(finalPath, relative) {
            skip(raw, why)
            return nil
        }
        let folder = (finalPath as NSString).deletingLastPathComponent
        for _ in 0..<8 {
            let temp = folder + "/.aiarts-partial-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return PartialFile(target: self, fd: fd, temp: temp, final: finalPath, relative: relative, raw: raw) }
            if errno != EEXIST {
                skip(raw, "cannot create the file: \(errnoText())")
                return nil
            }
        }
        skip(raw, "cannot find a free temporary name next to the file")
        return nil
    }

    fileprivate func commit(_ file: PartialFile) -> Bool {
        if let why = blockerAtFinal(file.finalPath, file.relative) {
            skip(file.raw, why)
            return false
        }
        if rename(file.tempPath, file.finalPath) != 0 {
            skip(file.raw, "cannot move the file into place: \(errnoText())")
            return false
        }
        report.filesExtracted += 1
        report.bytesWritten += file.written
        report.files.append(file.relative)
        return true
    }

    private func path(_ relative: String) -> String { root + "/" + relative }

    /// A symlink or folder already sitting at a file's final name. Replacing a symlink would be
    /// harmless (rename replaces the link, not its target) but the user put it there, so keep it.
    private func blockerAtFinal(_ full: String, _ relative: String) -> String? {
        var info = stat()
        guard lstat(full, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFLNK: return "'\(relative)' is a symlink in the destination; refusing to replace it"
        case S_IFDIR: return "'\(relative)' is already a folder in the destination"
        default: return nil
        }
    }

    /// Walks `relative` from the root creating missing folders; returns a refusal reason if a
    /// component is a symlink or a non-folder.
    private func ensureFolders(_ relative: String, includingLast: Bool) -> String? {
        var parts = relative.split(separator: "/")
        if !includingLast { parts.removeLast() }
        var current = root
        var shown = ""
        for part in parts {
            current += "/" + part
            shown += (shown.isEmpty ? "" : "/") + part
            var info = stat()
            if lstat(current, &info) != 0 {
                guard errno == ENOENT else { return "cannot inspect '\(shown)': \(errnoText())" }
                if mkdir(current, 0o755) == 0 {
                    report.directoriesCreated += 1
                } else if errno != EEXIST {
                    return "cannot create the folder '\(shown)': \(errnoText())"
                }
                // Look again: something else may have raced us to the name.
                guard lstat(current, &info) == 0 else { return "cannot inspect '\(shown)': \(errnoText())" }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFLNK: return "goes through the symlink '\(shown)' in the destination; symlinks are never followed"
            default: return "'\(shown)' is a file in the destination, not a folder"
            }
        }
        return nil
    }
}

/// A file being written under a temporary name. Either `commit` or `discard` ends it.
final class PartialFile {
    private unowned let target: ExtractionTarget
    private var fd: Int32
    fileprivate let tempPath: String
    fileprivate let finalPath: String
    let relative: String
    let raw: String
    private(set) var written: Int64 = 0
    private var finished = false

    fileprivate init(target: ExtractionTarget, fd: Int32, temp: String, final: String, relative: String, raw: String) {
        self.target = target
        self.fd = fd
        tempPath = temp
        finalPath = final
        self.relative = relative
        self.raw = raw
    }

    deinit { discard() }

    /// Appends bytes, enforcing the total-size limit before they reach the disk.
    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        let limit = target.byteLimit
        if target.bytesInFlight + Int64(bytes.count) > limit {
            throw ArchiveError(target.archiveName, .limitExceeded,
                               "extracting '\(raw)' would take the total past the limit of \(formatBytes(limit))")
        }
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ArchiveError(target.archiveName, .writeFailed, "cannot write '\(relative)': \(errnoText())")
            }
            done += n
        }
        written += Int64(bytes.count)
        target.bytesInFlight += Int64(bytes.count)
    }

    /// Closes and renames into place; false (with the reason recorded) when that was refused.
    func commit() throws(ArchiveError) -> Bool {
        let rc = close(fd)
        fd = -1
        if rc != 0 {
            throw ArchiveError(target.archiveName, .writeFailed, "cannot write '\(relative)': \(errnoText())")
        }
        if target.commit(self) {
            finished = true
            return true
        }
        discard()
        return false
    }

    /// Removes the temporary file and takes its bytes back off the total. Safe to call twice.
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !finished {
            finished = true
            unlink(tempPath)
            target.bytesInFlight -= written
        }
    }
}

/// write(2) under a name that PartialFile.write does not shadow.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

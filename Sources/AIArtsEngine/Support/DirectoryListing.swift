import Foundation

/// One folder's entries read with readdir, names kept as the bytes the disk holds.
/// FileManager and String(cString:) replace bytes that are not UTF-8 with U+FFFD, so a name
/// like "bad\xff.jpg" came back as a path that does not exist ("No such file or directory").
/// Here such a name is reported for what it is. Links are never followed.
enum DirectoryListing {
    enum Kind { case file, directory, symlink, other }

    struct Entry {
        /// The name as UTF-8, or nil when its bytes are not valid UTF-8.
        var name: String?
        /// The name for messages: invalid bytes shown as U+FFFD.
        var shown: String
        var kind: Kind
    }

    /// Reasons a listed entry is not imported, for the failed-files list.
    static let symlinkReason = "symbolic link, not followed; copy the file itself into the folder to import it"
    static let notUTF8Reason = "file name is not valid UTF-8 (the bad bytes are shown as �); rename it to import it"

    /// Entries of `path` except "." and "..", unsorted; empty when it cannot be opened.
    static func entries(_ path: String) -> [Entry] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [Entry] = []
        while let entry = readdir(dir) {
            let bytes: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            let name = String(validating: bytes, as: UTF8.self)
            var kind: Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN):
                // Some file systems don't report the type in the directory entry.
                var info = stat()
                let full = Array(path.utf8) + [0x2F] + bytes + [0]
                let ok = full.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { lstat($0.baseAddress!, &info) == 0 }
                }
                guard ok else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFREG: kind = .file
                case S_IFDIR: kind = .directory
                case S_IFLNK: kind = .symlink
                default: kind = .other
                }
            default: kind = .other
            }
            out.append(Entry(name: name, shown: name ?? String(decoding: bytes, as: UTF8.self), kind: kind))
        }
        return out
    }
}

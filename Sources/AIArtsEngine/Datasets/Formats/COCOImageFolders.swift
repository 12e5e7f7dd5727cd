import Foundation

/// The entries of one candidate image folder, read once with readdir.
///
/// Why: images are looked up in up to six folders; an lstat per folder per image was the
/// largest single cost of parsing a 100k-image file (five failed lookups before the hit in
/// the usual train2017/ layout). One directory listing answers all of them.
struct COCOFolderListing {
    /// What readdir says an entry is, as far as finding an image goes.
    enum Entry {
        /// A regular file (or other non-directory, non-link): found, no stat needed.
        case file
        case directory
        /// A symlink, or a file system that does not report types: stat it as before.
        case needsStat
    }

    /// Entry kind by name: empty when the folder does not exist (or is not a folder), so
    /// nothing is found there, as lstat would find nothing; nil when it exists but could not
    /// be listed (no read permission, say), in which case callers ask lstat, as before.
    let entries: [String: Entry]?

    init(path: String) {
        guard let directory = opendir(path) else {
            entries = errno == ENOENT || errno == ENOTDIR ? [:] : nil
            return
        }
        defer { closedir(directory) }
        var found: [String: Entry] = [:]
        while let entry = readdir(directory) {
            let type = entry.pointee.d_type
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            // d_type values are the same on Linux and Darwin: 0 unknown, 4 directory, 10 symlink.
            switch type {
            case 4: found[name] = .directory
            case 0, 10: found[name] = .needsStat
            default: found[name] = .file
            }
        }
        entries = found
    }
}

/// What a listing says about one name.
enum Lookup {
    case missing
    case file
    /// Ask lstat: a link, an unknown type, or a folder that could not be listed.
    case stat
}

extension COCOFolderListing {
    func lookup(_ name: String) -> Lookup {
        guard let entries else { return .stat }
        switch entries[name] {
        case nil, .directory?: return .missing
        case .file?: return .file
        case .needsStat?: return .stat
        }
    }
}

/// Image id → sample index; ids whose image was rejected map to nil. Integer ids, the usual
/// kind, are kept apart from text ones because hashing an Int64 costs much less than hashing
/// the enum, and every annotation looks its image up.
struct COCOImageTable {
    private var numbers: [Int64: Int?] = [:]
    private var texts: [String: Int?] = [:]

    mutating func reserveCapacity(_ count: Int) { numbers.reserveCapacity(count) }

    subscript(id: COCOID) -> Int?? {
        get {
            switch id {
            case let .number(n): numbers[n]
            case let .text(t): texts[t]
            }
        }
        set {
            switch id {
            case let .number(n): numbers[n] = newValue
            case let .text(t): texts[t] = newValue
            }
        }
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a folder being copied into or out of the registry, listed without following
/// symbolic links, so what is copied is exactly what was checked.
struct FileTree {
    struct Entry: Equatable {
        /// '/'-separated, relative to the root of the copy.
        var relative: String
        var isDirectory: Bool
        /// Bytes, for regular files.
        var size: Int64
        /// Where the bytes are read from (the link's path when a link is copied as its target).
        var source: URL
        var modified: Date
    }

    var entries: [Entry] = []

    var files: [Entry] { entries.filter { !$0.isDirectory } }
    var size: Int64 { files.reduce(0) { $0 + $1.size } }

    /// Lists `folder` recursively, with paths prefixed by `prefix` ("" for the folder's contents).
    /// `shown` names the folder in messages.
    /// `linkAdvice` replaces the advice given when links are refused.
    static func scan(_ folder: URL, prefix: String = "", symlinks: SymlinkPolicy, shown: String,
                     linkAdvice: String? = nil) throws -> FileTree {
        var tree = FileTree()
        var links: [String] = []
        var specials: [String] = []
        func walk(_ url: URL, _ relative: String) throws {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            } catch {
                throw AIArtsError(.io, "cannot list \(url.path): \(error.localizedDescription)")
            }
            for name in names {
                let child = url.appendingPathComponent(name)
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                guard let info = lstatInfo(child.path) else {
                    throw AIArtsError(.io, "cannot read \(child.path): \(String(cString: strerror(errno)))")
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    tree.entries.append(Entry(relative: childRelative, isDirectory: true, size: 0, source: child, modified: info.modified))
                    try walk(child, childRelative)
                case S_IFREG:
                    tree.entries.append(Entry(relative: childRelative, isDirectory: false, size: Int64(info.st_size), source: child, modified: info.modified))
                case S_IFLNK:
                    if symlinks == .copyTarget, let target = statInfo(child.path), target.st_mode & S_IFMT == S_IFREG {
                        tree.entries.append(Entry(relative: childRelative, isDirectory: false, size: Int64(target.st_size), source: child, modified: target.modified))
                    } else {
                        links.append(childRelative)
                    }
                default:
                    specials.append(childRelative)
                }
            }
        }
        try walk(folder, prefix)
        if !specials.isEmpty {
            throw AIArtsError(.badInput, "\(shown) holds \(specials.count) special file(s) (device, FIFO or socket), which cannot be copied: \(list(specials))")
        }
        if !links.isEmpty {
            let advice = symlinks == .refuse
                ? linkAdvice ?? "symbolic links are refused, since they may point anywhere; pass --follow-symlinks to copy the files they point to as plain files, or remove them"
                : "these links point to folders, to nothing, or to something other than a regular file, and are not copied"
            throw AIArtsError(.badInput, "\(shown) holds \(links.count) symbolic link(s) (\(list(links))): \(advice)")
        }
        return tree
    }

    /// A few names, then how many more.
    static func list(_ names: [String]) -> String {
        let shown = names.prefix(5).joined(separator: ", ")
        return names.count > 5 ? shown + " and \(names.count - 5) more" : shown
    }

    /// Copies the listed entries into `destination` (an existing, empty folder). `beforeFile` runs
    /// before each file is copied; tests use it to make a copy fail part way.
    func copy(into destination: URL, beforeFile: (String) throws -> Void = { _ in }) throws {
        let fm = FileManager.default
        for entry in entries {
            let target = destination.appendingPathComponent(entry.relative)
            if entry.isDirectory {
                do { try fm.createDirectory(at: target, withIntermediateDirectories: true) } catch {
                    throw AIArtsError(.io, "cannot create \(target.path): \(error.localizedDescription)")
                }
                continue
            }
            try beforeFile(entry.relative)
            do {
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileCopy.copy(entry.source.path, to: target.path)
                try Self.sync(target.path)
            } catch let error as AIArtsError {
                throw error
            } catch {
                throw AIArtsError(.io, "cannot copy \(entry.source.path): \(error)")
            }
            // The size was measured when listing; a file that changed since would make the
            // recorded size and manifest wrong.
            if let info = lstatInfo(target.path), Int64(info.st_size) != entry.size {
                throw AIArtsError(.io, "\(entry.source.path) changed while it was being copied; try again once nothing writes to it")
            }
        }
    }

    /// Flushes a copied file to disk, so a version the database lists is never an empty file after a crash.
    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AIArtsError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL {
            throw AIArtsError(.io, "cannot flush \(path) to disk: \(String(cString: strerror(errno)))")
        }
    }
}

struct FileInfo {
    var st_mode: mode_t
    var st_size: off_t
    var modified: Date
}

func lstatInfo(_ path: String) -> FileInfo? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return FileInfo(st_mode: info.st_mode, st_size: info.st_size, modified: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)))
}

func statInfo(_ path: String) -> FileInfo? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return FileInfo(st_mode: info.st_mode, st_size: info.st_size, modified: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)))
}

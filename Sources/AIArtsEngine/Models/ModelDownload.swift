import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Workspace {
    /// Copies a version (the newest when `version` is nil) out of the registry, manifest included.
    ///
    /// - Without `archive`, `destination` is a folder that must not exist yet or be empty; it
    ///   receives the version's files.
    /// - With `archive`, a .tar.gz holding one folder, `<id>-v<N>/`, is written to `destination`,
    ///   or to `destination/<id>-v<N>.tar.gz` when `destination` is an existing folder. An
    ///   existing file is never replaced.
    ///
    /// Either way the result appears only once complete: it is written beside the destination
    /// under a hidden name and renamed. Returns the folder or archive written.
    @discardableResult
    public func downloadModel(_ id: String, version: Int? = nil, to destination: URL, archive: Bool = false) throws -> URL {
        let chosen = try modelVersion(id, version: version)
        let folder = URL(fileURLWithPath: chosen.folder)
        guard FileManager.default.isDirectory(folder) else {
            throw AIArtsError(.io, "the files of \(id) \(chosen.name) are missing (\(folder.path))")
        }
        // The registry never writes links; one found there was planted, and is not followed out.
        let tree = try FileTree.scan(folder, symlinks: .refuse, shown: "\(id) \(chosen.name) (\(folder.path))",
                                     linkAdvice: "aiarts never writes links into the registry, so these were put there by something else; nothing was copied out")
        let dest = destination.standardizedFileURL
        return archive
            ? try writeArchive(tree, top: "\(id)-\(chosen.name)", to: dest)
            : try copyOut(tree, to: dest)
    }

    private func copyOut(_ tree: FileTree, to dest: URL) throws -> URL {
        let fm = FileManager.default
        var destIsEmptyFolder = false
        if let info = lstatInfo(dest.path) {
            let empty = info.st_mode & S_IFMT == S_IFDIR && ((try? fm.contentsOfDirectory(atPath: dest.path))?.isEmpty ?? false)
            guard empty else {
                throw AIArtsError(.conflict, "\(dest.path) already exists and is not an empty folder; name a new folder")
            }
            destIsEmptyFolder = true
        }
        let parent = dest.deletingLastPathComponent()
        guard fm.isDirectory(parent) else { throw AIArtsError(.notFound, "\(parent.path) does not exist") }
        let staging = parent.appendingPathComponent(".\(dest.lastPathComponent).aiarts-\(UUID().uuidString)")
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw AIArtsError(.io, "cannot create \(staging.path): \(error.localizedDescription)")
        }
        var done = false
        defer { if !done { try? fm.removeItem(at: staging) } }
        try tree.copy(into: staging)
        if destIsEmptyFolder, rmdir(dest.path) != 0 {
            throw AIArtsError(.io, "cannot replace the empty folder \(dest.path): \(String(cString: strerror(errno)))")
        }
        guard rename(staging.path, dest.path) == 0 else {
            throw AIArtsError(.io, "cannot move the copy to \(dest.path): \(String(cString: strerror(errno)))")
        }
        done = true
        return dest
    }

    /// Writes `tree` as a .tar.gz holding one folder `top` (dated `topModified`) at `dest` (or inside it,
    /// when it is a folder), which must not exist: written under a hidden name beside it and linked into
    /// place once complete. Model downloads and dataset archives (DatasetArchive.swift) share it.
    func writeArchive(_ tree: FileTree, top: String, topModified: Date = Date(), to dest: URL) throws -> URL {
        let fm = FileManager.default
        let target = fm.isDirectory(dest) ? dest.appendingPathComponent("\(top).tar.gz") : dest
        if lstatInfo(target.path) != nil {
            throw AIArtsError(.conflict, "\(target.path) already exists; name another file or remove it")
        }
        let parent = target.deletingLastPathComponent()
        guard fm.isDirectory(parent) else { throw AIArtsError(.notFound, "\(parent.path) does not exist") }
        let temporary = parent.appendingPathComponent(".\(target.lastPathComponent).aiarts-\(UUID().uuidString)")
        do {
            let writer = try TarGzWriter(path: temporary.path)
            do {
                try writer.addDirectory(top, modified: topModified)
                for entry in tree.entries {
                    let name = top + "/" + entry.relative
                    if entry.isDirectory {
                        try writer.addDirectory(name, modified: entry.modified)
                    } else {
                        try writer.addFile(name, from: entry.source.path, size: entry.size, modified: entry.modified)
                    }
                }
                try writer.finish()
            } catch {
                writer.discard()
                throw error
            }
        } catch let error as TarGzWriter.Failure {
            throw AIArtsError(.io, "cannot write \(target.path): \(error.description)")
        }
        // link(2) fails rather than replace a file that appeared meanwhile.
        if link(temporary.path, target.path) != 0 {
            let why = String(cString: strerror(errno))
            let linkUnsupported = errno == EPERM || errno == ENOTSUP || errno == EXDEV
            if linkUnsupported && lstatInfo(target.path) == nil && rename(temporary.path, target.path) == 0 { return target }
            unlink(temporary.path)
            throw AIArtsError(.io, "cannot create \(target.path): \(why)")
        }
        unlink(temporary.path)
        return target
    }
}

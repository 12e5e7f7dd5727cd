import Foundation

extension Workspace {
    /// Writes a dataset's folder (the copied files, or a registered dataset's own folder) as a
    /// .tar.gz holding one folder, `<id>/`, at `destination`, which must not exist. Symbolic links
    /// inside the folder are refused, never followed out. The archive appears only once complete
    /// (written under a hidden name beside it and renamed). Returns the archive's size in bytes.
    @discardableResult
    public func archiveDataset(_ id: String, to destination: URL) throws -> Int64 {
        let record = try dataset(id)
        guard let stored = record.folder else {
            throw AIArtsError(.conflict, "\(id) has no files yet (status \(record.status)); import into it first")
        }
        if [DatasetStatus.checking.rawValue, DatasetStatus.copying.rawValue].contains(record.status) {
            throw AIArtsError(.conflict, "\(id) is being imported; download it once the import has finished")
        }
        let folder = resolveFolder(stored)
        guard FileManager.default.isDirectory(folder) else {
            throw AIArtsError(.io, "the files of \(id) are missing (\(folder.path))")
        }
        let tree = try FileTree.scan(folder, symlinks: .refuse, shown: "\(id) (\(folder.path))",
                                     linkAdvice: "links are not archived, since they may point anywhere; nothing was written")
        let dest = destination.standardizedFileURL
        if FileManager.default.isDirectory(dest) { throw AIArtsError(.conflict, "\(dest.path) already exists") }
        _ = try writeArchive(tree, top: id, topModified: record.createdAt, to: dest)
        return Int64(statInfo(dest.path)?.st_size ?? 0)
    }
}

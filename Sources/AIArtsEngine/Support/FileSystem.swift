import Foundation

extension FileManager {
    /// True when `url` exists and is a folder (after following a symlink).
    func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// The folder a dataset's paths are relative to, for a source that may be a file: a folder is its
/// own root; an annotation file's root is its folder, or the folder above when the file sits in
/// `annotations/` (COCO's own layout: annotations/instances_train2017.json beside train2017/).
func datasetRoot(of source: URL) -> URL {
    if FileManager.default.isDirectory(source) { return source }
    let folder = source.deletingLastPathComponent()
    return folder.lastPathComponent.lowercased() == "annotations" ? folder.deletingLastPathComponent() : folder
}

enum FileSystem {
    /// Bytes in the regular files under `folder`, symbolic links not followed.
    static func treeSize(_ folder: URL) -> Int64 {
        var total: Int64 = 0
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        while let url = walker?.nextObject() as? URL {
            if let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), values.isRegularFile == true {
                total += Int64(values.fileSize ?? 0)
            }
        }
        return total
    }
}

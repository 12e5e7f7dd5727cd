import Foundation

extension FileManager {
    /// True when `url` exists and is a folder (after following a symlink).
    func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

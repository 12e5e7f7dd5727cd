import Foundation

/// Appends `text` to the file at `url` (made when missing), as a trainer appends a line: the
/// writes that the incremental readers and the inotify feed are tested against.
public func append(_ url: URL, _ text: String) throws {
    if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
    let handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
}

import Foundation

/// What a folder named as a workspace holds, and the rule for opening it: a workspace is created
/// only in a missing or empty folder, so a mistyped `--workspace` never scatters a new one into
/// an unrelated folder; a folder that cannot be written is opened read-only.
public enum WorkspaceFolder: Equatable, Sendable {
    /// It holds `aiarts.sqlite`.
    case workspace(readOnly: Bool)
    /// It does not exist, or exists and holds nothing: a new workspace may be made there.
    case new
    /// It holds other things and no workspace.
    case other(entries: Int)

    static let databaseName = "aiarts.sqlite"

    public static func inspect(_ root: URL) -> WorkspaceFolder {
        let fm = FileManager.default
        let database = root.appendingPathComponent(databaseName).path
        if fm.fileExists(atPath: database) {
            return .workspace(readOnly: !isWritable(root.path) || !isWritable(database))
        }
        guard let entries = try? fm.contentsOfDirectory(atPath: root.path) else { return .new }
        return entries.isEmpty ? .new : .other(entries: entries.count)
    }

    /// Checks `root` before anything is written there, and says whether a new workspace will be made.
    /// Throws when the folder holds something other than a workspace.
    @discardableResult
    public static func check(_ root: URL) throws -> Bool {
        switch inspect(root) {
        case .workspace: return false
        case .new: return true
        case .other(let entries):
            throw AIArtsError(.invalidArgument, """
                \(root.path) is not an aiarts workspace (it has no \(databaseName)) and is not empty (\(entries) \
                entr\(entries == 1 ? "y" : "ies")); name the folder of an existing workspace, or a new or empty folder \
                to make one there
                """)
        }
    }

    /// access(2) answers for this process, and says EROFS for root on a read-only mount.
    static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }
}

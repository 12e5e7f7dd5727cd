import AIArtsEngine
import Foundation

/// What a registry download sends: the version's one file as it was uploaded, or, for a version of
/// several files, a .tar.gz of it written to a scratch file (removed once sent).
struct RegistryDownload: Sendable {
    var file: URL
    var filename: String
    var temporary: Bool

    static func prepare(_ registered: RegistryVersion, workspace: Workspace, scratch: URL) throws -> RegistryDownload {
        let version = try workspace.modelVersion(registered.modelId, version: registered.modelVersion)
        let folder = URL(fileURLWithPath: version.folder)
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0 != "model.json" }
        if entries.count == 1 {
            let file = folder.appendingPathComponent(entries[0])
            let values = try? file.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if values?.isRegularFile == true, values?.isSymbolicLink != true {
                return RegistryDownload(file: file, filename: entries[0], temporary: false)
            }
        }
        let archive = scratch.appendingPathComponent("registry-\(UUID().uuidString).tar.gz")
        try workspace.downloadModel(registered.modelId, version: registered.modelVersion, to: archive, archive: true)
        return RegistryDownload(file: archive, filename: "\(registered.model)-\(registered.version).tar.gz", temporary: true)
    }
}

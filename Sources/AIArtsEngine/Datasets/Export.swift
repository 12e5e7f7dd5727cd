import Foundation

extension Workspace {
    /// Writes a dataset in `format` under `destination`, which must not exist yet (or be an empty
    /// folder). The export is written beside it first and moved into place when complete.
    public func exportDataset(_ id: String, format: DatasetFormat, to destination: URL) throws {
        let (content, folder) = try self.content(id)
        guard format.types.contains(content.type) else {
            let fits = DatasetFormat.allCases.filter { $0.types.contains(content.type) }.map(\.rawValue)
            throw AIArtsError(.invalidArgument, "\(id) is a \(content.type.rawValue) dataset; it exports as \(fits.joined(separator: ", ")), not \(format.rawValue)")
        }
        let fm = FileManager.default
        let destination = destination.standardizedFileURL
        if fm.fileExists(atPath: destination.path) {
            let entries = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? ["?"]
            guard entries.isEmpty else {
                throw AIArtsError(.conflict, "\(destination.path) already exists and is not empty; choose a new folder")
            }
            try fm.removeItem(at: destination)
        }
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: partial, withIntermediateDirectories: true)
        do {
            try format.exporter(for: content.type).export(content, datasetFolder: folder, to: partial)
            try fm.moveItem(at: partial, to: destination)
        } catch {
            try? fm.removeItem(at: partial)
            if let error = error as? AIArtsError { throw error }
            throw AIArtsError(.io, "export of \(id) as \(format.rawValue) failed: \(error)")
        }
    }
}

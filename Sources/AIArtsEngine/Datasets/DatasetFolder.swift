import Foundation

extension Workspace {
    /// The folder holding a dataset's files (inside the workspace, or a registered dataset's own
    /// folder); nil before anything was imported.
    public func datasetFolder(_ id: String) throws -> URL? {
        try dataset(id).folder.map(resolveFolder)
    }
}

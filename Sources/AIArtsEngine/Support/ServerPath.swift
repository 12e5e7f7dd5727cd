import Foundation

extension Workspace {
    /// A path a remote client names on the server (registering a dataset or a model folder in
    /// place, over HTTP), checked before anything reads it: absolute, without `.`/`..` components
    /// or NUL, existing, and, after symbolic links are resolved, outside the workspace (whose
    /// database holds users and token digests) and inside one of `roots` when any are given
    /// (`aiarts serve` takes them from $AIARTS_SERVE_ROOTS, colon-separated). Returns the real path.
    public func serverPath(_ raw: String, roots: [String] = Workspace.serveRoots) throws -> URL {
        guard raw.hasPrefix("/") else {
            throw AIArtsError(.invalidArgument, "path must be an absolute path on the server (/data/…), not \(raw.prefix(200))")
        }
        guard !raw.contains("\0"), raw.utf8.count <= 4096 else { throw AIArtsError(.invalidArgument, "path is not a usable path") }
        let parts = raw.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0 == "." }) else {
            throw AIArtsError(.invalidArgument, "path may not contain '.' or '..' components: \(raw.prefix(200))")
        }
        guard let real = SafePath.realPath(raw) else {
            throw AIArtsError(.notFound, "\(raw.prefix(200)) does not exist on the server")
        }
        func inside(_ path: String, _ folder: String) -> Bool {
            let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
            return path == base || path.hasPrefix(base + "/") || base.isEmpty
        }
        let workspaceReal = SafePath.realPath(root.path) ?? root.standardizedFileURL.path
        if inside(real, workspaceReal) || inside(workspaceReal, real) {
            throw AIArtsError(.invalidArgument, "\(raw.prefix(200)) is, holds or lies inside the workspace; name a folder outside it")
        }
        if !roots.isEmpty {
            let allowed = roots.compactMap { SafePath.realPath($0) }
            guard allowed.contains(where: { inside(real, $0) }) else {
                throw AIArtsError(.invalidArgument, "\(raw.prefix(200)) is outside the folders this server may read (AIARTS_SERVE_ROOTS: \(roots.joined(separator: ":")))")
            }
        }
        return URL(fileURLWithPath: real)
    }

    /// The folders named by $AIARTS_SERVE_ROOTS (colon-separated absolute paths); empty when unset.
    public static var serveRoots: [String] {
        (ProcessInfo.processInfo.environment["AIARTS_SERVE_ROOTS"] ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
    }
}

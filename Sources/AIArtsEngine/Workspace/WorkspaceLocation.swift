import Foundation

/// Which workspace a front end opens: the one named by its `--workspace DIR` option, else
/// $AIARTS_WORKSPACE, else the default (`Workspace.defaultRoot`). One rule for the CLI, the UI and
/// the HTTP API, so all of them open the same folder for the same user.
public struct WorkspaceLocation: Equatable, Sendable {
    /// Where the choice came from.
    public enum Source: String, Sendable {
        /// `--workspace DIR`.
        case option
        /// $AIARTS_WORKSPACE.
        case environment
        /// $XDG_DATA_HOME/aiarts, else ~/.local/share/aiarts.
        case standard
    }

    public var root: URL
    public var source: Source

    public init(root: URL, source: Source) {
        self.root = root; self.source = source
    }

    /// The workspace named by `option` (a `~` is the home folder; a relative path is taken from
    /// `directory`), else by $AIARTS_WORKSPACE, else the default. An empty option is refused.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               directory: String = FileManager.default.currentDirectoryPath) throws -> WorkspaceLocation {
        if let option {
            guard !option.isEmpty else { throw AIArtsError(.invalidArgument, "--workspace needs a folder, e.g. --workspace ~/aiarts") }
            return WorkspaceLocation(root: absolute(option, environment: environment, directory: directory), source: .option)
        }
        if let named = environment["AIARTS_WORKSPACE"], !named.isEmpty {
            return WorkspaceLocation(root: absolute(named, environment: environment, directory: directory), source: .environment)
        }
        return WorkspaceLocation(root: Workspace.defaultRoot(environment: environment), source: .standard)
    }

    /// Removes `--workspace DIR` / `--workspace=DIR` written before the command's name (as in
    /// `aiarts --workspace DIR dataset list`), so that the command is parsed first; returns the
    /// folder named last, nil when there was none.
    public static func takeLeadingOption(_ arguments: inout [String]) -> String? {
        var found: String?
        while let first = arguments.first {
            if first == "--workspace", arguments.count >= 2 {
                found = arguments[1]
                arguments.removeFirst(2)
            } else if first.hasPrefix("--workspace=") {
                found = String(first.dropFirst("--workspace=".count))
                arguments.removeFirst()
            } else {
                break
            }
        }
        return found
    }

    private static func absolute(_ path: String, environment: [String: String], directory: String) -> URL {
        var expanded = path
        if path == "~" || path.hasPrefix("~/") {
            expanded = (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
        } else if path.hasPrefix("~") {
            expanded = (path as NSString).expandingTildeInPath  // ~user/...
        }
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        return URL(fileURLWithPath: expanded, relativeTo: expanded.hasPrefix("/") ? nil : base).standardizedFileURL
    }
}

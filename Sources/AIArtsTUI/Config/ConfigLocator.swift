import Foundation

/// Finds theme and keymap files by name, and the user's config folder.
///
/// `--theme NAME` (likewise `--keymap`) is a path when it contains "/" or ends in ".toml". Otherwise,
/// first found wins:
/// 1. `$XDG_CONFIG_HOME/aiarts/themes/NAME.toml` (else `~/.config/aiarts/themes/NAME.toml`);
/// 2. `<executable>/../share/aiarts/themes/NAME.toml` (an installed copy);
/// 3. `themes/NAME.toml` in the source tree, when the executable runs from its build folder;
/// 4. the copy compiled into the binary (`BuiltinFiles`).
public struct ConfigLocator: Sendable {
    public enum Kind: String, Sendable {
        case theme = "themes"
        case keymap = "keymaps"

        var noun: String { self == .theme ? "theme" : "keymap" }
    }

    /// A file's text and how to name it in messages.
    public struct Source: Equatable, Sendable {
        public var text: String
        public var file: String
    }

    public var environment: [String: String]
    /// The running binary, symlinks resolved; nil when unknown (then steps 2 and 3 are skipped).
    public var executable: URL?

    public init(environment: [String: String], executable: URL? = ConfigLocator.currentExecutable()) {
        self.environment = environment
        self.executable = executable
    }

    /// /proc/self/exe names the binary even when it was started through a symlink or from $PATH.
    public static func currentExecutable() -> URL? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return URL(fileURLWithPath: path)
    }

    /// `$XDG_CONFIG_HOME/aiarts`, else `~/.config/aiarts` (an XDG_CONFIG_HOME that is not absolute is
    /// ignored, as the XDG spec says).
    public var configFolder: URL? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("aiarts")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".config/aiarts")
    }

    /// The folders searched for a kind, in order (without the built-in copies).
    public func searchFolders(_ kind: Kind) -> [URL] {
        var folders: [URL] = []
        if let configFolder { folders.append(configFolder.appendingPathComponent(kind.rawValue)) }
        if let bin = executable?.deletingLastPathComponent() {
            folders.append(bin.deletingLastPathComponent().appendingPathComponent("share/aiarts/\(kind.rawValue)"))
            if let tree = sourceTree(above: bin) { folders.append(tree.appendingPathComponent(kind.rawValue)) }
        }
        return folders
    }

    /// The package folder when the binary sits in its build folder (`<repo>/.build*/…/debug/aiarts`):
    /// the nearest ancestor, at most six levels up, holding Package.swift.
    private func sourceTree(above folder: URL) -> URL? {
        var dir = folder
        for _ in 0..<6 {
            dir = dir.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            if dir.path == "/" { break }
        }
        return nil
    }

    public func find(_ kind: Kind, named name: String) throws -> Source {
        if name.contains("/") || name.hasSuffix(".toml") {
            let path = (name as NSString).expandingTildeInPath
            return try read(URL(fileURLWithPath: path), shownAs: name)
        }
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw ConfigError(file: name, "a \(kind.noun) name has letters, digits, '.', '_' and '-' (or give a path to a .toml file)")
        }
        let folders = searchFolders(kind)
        for folder in folders {
            let url = folder.appendingPathComponent("\(name).toml")
            if FileManager.default.fileExists(atPath: url.path) { return try read(url, shownAs: url.path) }
        }
        if let source = BuiltinFiles.source(kind, named: name) { return source }
        let places = folders.map(\.path).joined(separator: ", ")
        let builtins = BuiltinFiles.names(kind).joined(separator: ", ")
        throw ConfigError(file: "\(kind.noun) \"\(name)\"", "not found in \(places.isEmpty ? "no folder" : places); built in: \(builtins)")
    }

    /// A file in the config folder (config.toml, keymap.toml), or nil when there is none.
    public func userFile(_ name: String) throws -> Source? {
        guard let url = configFolder?.appendingPathComponent(name),
              FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try read(url, shownAs: url.path)
    }

    private func read(_ url: URL, shownAs shown: String) throws -> Source {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError(file: shown, "cannot be read (missing, a folder, or no permission)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError(file: shown, "is not UTF-8 text") }
        return Source(text: text, file: shown)
    }
}

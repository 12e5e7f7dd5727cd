import Foundation

/// Paths read from untrusted files (lists, annotations, archives) are confined to a root folder.
public enum SafePath {
    public struct Escape: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(reason): \(path)" }
    }

    /// Normalises `raw` (backslashes, `./`, repeated slashes) into a relative '/'-separated path.
    /// Refuses absolute paths, drive letters and any `..` component.
    /// With `literal`, a backslash is part of a name (Linux allows it) rather than a Windows separator.
    public static func normalize(_ raw: String, literal: Bool = false) throws(Escape) -> String {
        let slashed = literal ? raw : raw.replacingOccurrences(of: "\\", with: "/")
        if slashed.hasPrefix("/") {
            throw Escape(path: raw, reason: "absolute path not allowed; give it relative to the dataset folder")
        }
        let scalars = Array(slashed.unicodeScalars)
        if scalars.count >= 2, scalars[1] == ":", CharacterSet.letters.contains(scalars[0]) {
            throw Escape(path: raw, reason: "drive-letter path not allowed; give it relative to the dataset folder")
        }
        var parts: [Substring] = []
        for part in slashed.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                throw Escape(path: raw, reason: "path escapes the dataset folder ('..' is not allowed)")
            }
            parts.append(part)
        }
        if parts.isEmpty { throw Escape(path: raw, reason: "empty path") }
        if slashed.contains("\0") { throw Escape(path: raw, reason: "path contains a NUL byte") }
        return parts.joined(separator: "/")
    }

    /// Resolves `raw` under `root`, following symlinks, and refuses anything that lands outside it.
    /// Returns the file's URL and its normalised relative path.
    /// A path with backslashes names a file with a literal '\\' when one exists, else is read as a Windows path;
    /// `literal` (for names listed from the disk) never translates them.
    public static func resolve(_ raw: String, under root: URL, literal: Bool = false) throws(Escape) -> (url: URL, relative: String) {
        var relative = try normalize(raw, literal: literal)
        if !literal, raw.contains("\\"), let asIs = try? normalize(raw, literal: true),
           FileManager.default.fileExists(atPath: root.appendingPathComponent(asIs).path) {
            relative = asIs
        }
        let url = root.appendingPathComponent(relative)
        try confine(url, relative: relative, under: root)
        return (url, relative)
    }

    /// Throws when `url` exists and its real location (after symlinks) is outside `root`.
    public static func confine(_ url: URL, relative: String, under root: URL) throws(Escape) {
        guard let real = realPath(url.path) else { return }  // missing: reported by the caller as missing
        let realRoot = realPath(root.path) ?? root.standardizedFileURL.path
        if !(real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/")) {
            throw Escape(path: relative, reason: "symlink points outside the dataset folder")
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

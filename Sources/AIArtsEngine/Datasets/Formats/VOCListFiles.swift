import Foundation

/// Why a whole source could not be read, or an export could not be written, in words a person can act on.
/// Shared by the VOC, YOLO and segmentation formats.
public struct AnnotationFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// List-file and folder helpers shared by the VOC, YOLO and segmentation parsers and exporters.
enum FormatListFiles {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "gif"]

    static func isImage(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    static func exists(_ url: URL, directory: Bool = false) -> Bool {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else { return false }
        return isDir.boolValue == directory
    }

    /// Reads a class-name list (labels.txt, classes.txt, obj.names): one name per non-blank line, index = order.
    /// Duplicates keep their slot (indices must not shift) but are renamed, with an issue, so names stay unique.
    static func readLabels(_ url: URL, displayPath: String, issues: inout [ImportIssue]) throws -> [String] {
        let lines: [TextLines.Line]
        do { lines = try TextLines.read(url) } catch {
            throw AnnotationFormatError("\(displayPath) could not be read: \(error.localizedDescription)")
        }
        var labels: [String] = []
        var seen: [String: Int] = [:]
        var previous = 0
        for line in lines {
            if previous > 0 && line.number > previous + 1 {
                issues.append(ImportIssue(path: displayPath, line: previous + 1, reason:
                    "blank line inside the class list is skipped, so classes after it take the next index; delete the blank line if that is what you meant"))
            }
            previous = line.number
            var name = line.text
            let key = name.lowercased()
            if let first = seen[key] {
                var n = 2
                while seen["\(key) (\(n))"] != nil { n += 1 }
                name = "\(name) (\(n))"
                issues.append(ImportIssue(path: displayPath, line: line.number, reason:
                    "class '\(Excerpt.cut(line.text))' repeats line \(first) (names match ignoring case); kept as '\(name)' so later indices do not shift; remove the duplicate"))
            }
            seen[name.lowercased()] = line.number
            labels.append(name)
        }
        return labels
    }

    /// Splits a list line holding exactly two paths ('image annotation'). Paths may contain spaces, so when
    /// there are more than two words every whitespace gap is tried (last first) and the first split where
    /// both halves exist on disk wins; otherwise the last gap is used and the caller reports what is missing.
    static func splitPair(_ text: String, root: URL) -> (String, String)? {
        let chars = Array(text)
        var gaps: [(Int, Int)] = []  // [start, end) of each whitespace run
        var i = 0
        while i < chars.count {
            if chars[i].isWhitespace {
                let s = i
                while i < chars.count, chars[i].isWhitespace { i += 1 }
                gaps.append((s, i))
            } else { i += 1 }
        }
        guard let last = gaps.last else { return nil }
        func halves(_ gap: (Int, Int)) -> (String, String) {
            (String(chars[..<gap.0]), String(chars[gap.1...]))
        }
        if gaps.count > 1 {
            for gap in gaps.reversed() {
                let (a, b) = halves(gap)
                if let ua = try? SafePath.resolve(a, under: root), let ub = try? SafePath.resolve(b, under: root),
                   exists(ua.url), exists(ub.url) {
                    return (a, b)
                }
            }
        }
        return halves(last)
    }

    /// Regular files under `dir` (recursively when asked), as sorted '/'-separated paths relative to `dir`.
    /// Links are not followed (the caller's root is the trust boundary): each is reported in `issues`,
    /// as is a name that is not UTF-8, with its path as `shownPrefix` + its path under `dir`.
    static func files(in dir: URL, recursive: Bool, confinedTo root: URL, issues: inout [ImportIssue],
                      shownPrefix: String) -> [String] {
        var out: [String] = []
        func walk(_ path: String, _ prefix: String, depth: Int) {
            guard depth < 32 else { return }
            for entry in DirectoryListing.entries(path) where !entry.shown.hasPrefix(".") {
                let shown = prefix.isEmpty ? entry.shown : prefix + "/" + entry.shown
                guard let name = entry.name else {
                    if entry.kind == .file || (recursive && entry.kind == .directory) {
                        issues.append(ImportIssue(path: shownPrefix + shown, reason: DirectoryListing.notUTF8Reason))
                    }
                    continue
                }
                switch entry.kind {
                case .file: out.append(shown)
                case .directory: if recursive { walk(path + "/" + name, shown, depth: depth + 1) }
                case .symlink: issues.append(ImportIssue(path: shownPrefix + shown, reason: DirectoryListing.symlinkReason))
                case .other: continue
                }
            }
        }
        walk(dir.path, "", depth: 0)
        return out.sorted()
    }

    /// The same, for callers that report nothing (a second listing of a folder already reported).
    static func files(in dir: URL, recursive: Bool, confinedTo root: URL) -> [String] {
        var ignored: [ImportIssue] = []
        return files(in: dir, recursive: recursive, confinedTo: root, issues: &ignored, shownPrefix: "")
    }

    static func stem(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// Copies a dataset file into an export, creating folders and replacing a file already there.
    static func copy(_ source: URL, to destination: URL) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: source.path) else {
            throw AnnotationFormatError("\(source.path) is missing from the dataset folder; re-import or remove that sample before exporting")
        }
        try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
        try FileCopy.copy(source.path, to: destination.path)
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }

    /// Picks export file names that are unique by stem (case-insensitively, for case-insensitive disks),
    /// since annotation files are named after the image stem. Nested paths are flattened with '_'.
    static func uniqueNames(for paths: [String], droppingTopFolders tops: Set<String>) -> [String] {
        var used: Set<String> = []
        return paths.map { path in
            var parts = path.split(separator: "/").map(String.init)
            if parts.count > 1, tops.contains(parts[0]) { parts.removeFirst() }
            let flat = parts.joined(separator: "_")
            let ext = (flat as NSString).pathExtension
            let base = (flat as NSString).deletingPathExtension
            var candidate = flat
            var n = 2
            while used.contains((candidate as NSString).deletingPathExtension.lowercased()) {
                candidate = ext.isEmpty ? "\(base)_\(n)" : "\(base)_\(n).\(ext)"
                n += 1
            }
            used.insert((candidate as NSString).deletingPathExtension.lowercased())
            return candidate
        }
    }

    /// Shortest text that reads back as the same Double; integral values without a fraction ("12", not "12.0").
    static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A file name not yet used in `folder`: "a.jpg", then "a_1.jpg", "a_2.jpg"...
    static func uniqueName(_ name: String, in folder: String, used: inout Set<String>) -> String {
        let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        var candidate = name, n = 0
        while !used.insert(folder + "/" + candidate).inserted {
            n += 1
            candidate = ext.isEmpty ? "\(stem)_\(n)" : "\(stem)_\(n).\(ext)"
        }
        return candidate
    }
}

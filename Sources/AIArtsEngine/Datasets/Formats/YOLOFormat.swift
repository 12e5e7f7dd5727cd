import Foundation

/// YOLO detection (and ultralytics segment- and pose-format) datasets. Layouts, tried in this order:
/// - ultralytics: data.yaml with `names:` and `train:`/`val:`/`test:` (YOLODataYAML.swift);
/// - Darknet / CVAT "YOLO 1.1": obj.data, obj.names, obj_<subset>_data/ and <subset>.txt lists (YOLODarknet.swift);
/// - Roboflow without data.yaml: train/, valid/, test/ each with images/ and labels/ (YOLOFolders.swift);
/// - flat: images/ (optionally images/{train,val,test}/) and labels/ (YOLOFolders.swift).
/// Class names come from the layout's own file, else classes.txt or obj.names; with none, classes are named by
/// their index ("0", "1", …) and the import says so. Rows are 'class cx cy w h' normalised to the image
/// (YOLORows.swift); the image size comes from its header.
public struct YOLOParser: DatasetParser {
    public init() {}

    /// One image to import: where it is, where it goes in the dataset folder, and where its label file would be.
    struct ImageEntry {
        var url: URL
        /// The image's path relative to the source root, as the user has it.
        var relative: String
        var split: Split?
        /// Its path in the dataset folder.
        var target: String
        /// Where it was listed (a data.yaml, a list file and line), for messages.
        var origin: String
        /// Its label file relative to the source root (it may not exist: an image without objects).
        var label: String
    }

    /// What a layout reader found: class names (nil when none were found), images, and pose rows' shape.
    struct Layout {
        var labels: [String]?
        var entries: [ImageEntry]
        var keypoints: KeypointShape? = nil
    }

    /// `kpt_shape: [K, D]` from data.yaml: K keypoints of D values each (x y, or x y visibility).
    struct KeypointShape: Equatable { var count: Int; var dims: Int }

    /// Names for classes when no file names them: "0" to "9999"; a larger index is more likely a broken row.
    static let maxNumberedClasses = 10_000

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        var issues: [ImportIssue] = []
        var layout = try readLayout(root: root, issues: &issues)
        if layout.labels?.isEmpty == true { layout.labels = nil }
        var labels = layout.labels ?? []
        if let named = layout.labels, Set(named.map { $0.lowercased() }).count != named.count {
            labels = dedupe(named, issues: &issues)
        }
        let rules = RowRules(labels: labels, numbered: layout.labels == nil, keypoints: layout.keypoints, type: type)
        var tally = RowTally()
        var samples: [ParsedSample] = []
        var seenSource: [String: String] = [:]
        var seenTarget: Set<String> = []
        for entry in layout.entries {
            let key = entry.url.standardizedFileURL.path
            if let first = seenSource[key] {
                issues.append(ImportIssue(path: entry.relative, reason: "image is listed twice (first in \(first)); kept the first"))
                continue
            }
            seenSource[key] = entry.origin
            guard seenTarget.insert(entry.target.lowercased()).inserted else {
                issues.append(ImportIssue(path: entry.relative, reason: "another image already imports as \(entry.target); rename one of them"))
                continue
            }
            if let sample = readSample(entry, root: root, rules: rules, tally: &tally, issues: &issues) { samples.append(sample) }
        }
        reportOrphanLabels(layout.entries, root: root, issues: &issues)
        if rules.numbered {
            guard tally.maxClass >= 0 else {
                throw AnnotationFormatError("No class names found in \(root.path), and no label row names a class. Add data.yaml with "
                    + "'names: [cat, dog]', or classes.txt with one class per line (line 1 is class 0).")
            }
            labels = (0...tally.maxClass).map(String.init)
            issues.insert(ImportIssue(path: "class names", reason: "no class names were found (no data.yaml names, classes.txt or obj.names); "
                + "the \(labels.count) classes are named by their index, \"0\" to \"\(labels.count - 1)\" — add classes.txt, one name per line, and import again to name them"), at: 0)
        }
        if let note = tally.keypointNote(type: type, shape: rules.keypoints) { issues.append(note) }
        return ParsedDataset(labels: labels, samples: samples, issues: issues)
    }

    func readLayout(root: URL, issues: inout [ImportIssue]) throws -> Layout {
        if let yamlName = ["data.yaml", "data.yml", "dataset.yaml"].first(where: { FormatListFiles.exists(root.appendingPathComponent($0)) }) {
            return try readDataYAML(yamlName, root: root, issues: &issues)
        }
        if FormatListFiles.exists(root.appendingPathComponent("obj.data")) || !darknetFolders(root).isEmpty {
            return try readDarknet(root: root, issues: &issues)
        }
        if !FormatListFiles.exists(root.appendingPathComponent("images"), directory: true), !splitFolders(root).isEmpty {
            return try readSplitFolders(root: root, issues: &issues)
        }
        return try readFlat(root: root, issues: &issues)
    }

    /// Label files beside the ones the images use, but with no image of their own: usually an image that was
    /// deleted or renamed (or has an extension YOLO does not read), whose boxes would otherwise vanish silently.
    /// Only folders that hold labels alone (a 'labels' folder) or labels beside images by design (Darknet's
    /// obj_<subset>_data) are searched, so a README.txt beside images is not reported.
    func reportOrphanLabels(_ entries: [ImageEntry], root: URL, issues: inout [ImportIssue]) {
        let used = Set(entries.map(\.label))
        let dirs = Set(used.map { ($0 as NSString).deletingLastPathComponent })
        for dir in dirs.sorted() where dir.split(separator: "/").contains(where: { $0 == "labels" || Self.isDarknetFolder(String($0)) }) {
            for name in FormatListFiles.files(in: root.appendingPathComponent(dir), recursive: false, confinedTo: root)
            where name.lowercased().hasSuffix(".txt") && name != "classes.txt" {
                let rel = dir.isEmpty ? name : "\(dir)/\(name)"
                if !used.contains(rel) {
                    issues.append(ImportIssue(path: rel, reason: "label file has no image with the same name; add the image or delete the file"))
                }
            }
        }
    }

    /// Repeated names keep their index (rows refer to indices) but get a suffix, with an issue.
    func dedupe(_ labels: [String], issues: inout [ImportIssue]) -> [String] {
        var seen: Set<String> = []
        // The next suffix to try per name: starting again at 2 for every repeat was quadratic
        // (a data.yaml with 49 000 empty names took minutes; found by fuzzing).
        var next: [String: Int] = [:]
        return labels.enumerated().map { index, name in
            var candidate = name
            var n = next[name.lowercased()] ?? 2
            while seen.contains(candidate.lowercased()) { candidate = "\(name) (\(n))"; n += 1 }
            next[name.lowercased()] = n
            if candidate != name {
                issues.append(ImportIssue(path: "class names", reason: "class \(index) '\(name)' repeats an earlier name; kept as '\(candidate)'"))
            }
            seen.insert(candidate.lowercased())
            return candidate
        }
    }

    func classFile(root: URL) -> String? {
        ["classes.txt", "obj.names", "labels/classes.txt", "labels.txt"].first { FormatListFiles.exists(root.appendingPathComponent($0)) }
    }

    static func relative(_ url: URL, to root: URL) -> String? {
        let path = url.standardizedFileURL.path, rootPath = root.standardizedFileURL.path
        guard path.hasPrefix(rootPath + "/") else { return nil }
        return String(path.dropFirst(rootPath.count + 1))
    }

    /// The ultralytics rule: the last 'images' folder in the image's path becomes 'labels', the extension '.txt'.
    /// With no 'images' folder the label sits beside the image (darknet style).
    static func labelPath(for image: String) -> String {
        var parts = image.split(separator: "/").map(String.init)
        if let i = parts.dropLast().lastIndex(of: "images") { parts[i] = "labels" }
        parts[parts.count - 1] = FormatListFiles.stem(parts[parts.count - 1]) + ".txt"
        return parts.joined(separator: "/")
    }

    /// Darknet's rule: the label sits beside the image, with the extension '.txt'.
    static func besidePath(for image: String) -> String {
        (image as NSString).deletingPathExtension + ".txt"
    }

    /// The images of a folder (searched recursively), each going to images/<split>/<its path under the folder>.
    func folderImages(_ dir: String, split: Split?, root: URL, origin: String, labelBeside: Bool = false,
                      issues: inout [ImportIssue]) -> [ImageEntry] {
        let prefix = "images/" + (split.map { $0.rawValue + "/" } ?? "")
        return FormatListFiles.files(in: root.appendingPathComponent(dir), recursive: true, confinedTo: root,
                                     issues: &issues, shownPrefix: dir + "/")
            .filter(FormatListFiles.isImage)
            .map { name in
                let relative = dir + "/" + name
                return ImageEntry(url: root.appendingPathComponent(relative), relative: relative, split: split,
                                  target: prefix + name, origin: origin,
                                  label: labelBeside ? Self.besidePath(for: relative) : Self.labelPath(for: relative))
            }
    }
}

import Foundation

/// YOLO detection (and ultralytics segment-format) datasets. Layouts:
/// - ultralytics: data.yaml with `names:` and `train:`/`val:`/`test:` (image folders or .txt image lists, relative
///   to `path:` or the dataset folder); each image's labels sit where the last 'images' folder becomes 'labels'.
/// - flat: images/ (optionally images/{train,val,test}/) and labels/ with classes.txt or obj.names.
/// Rows are 'class cx cy w h' normalised to the image; the image size comes from its header.
public struct YOLOParser: DatasetParser {
    public init() {}

    struct ImageEntry { var url: URL; var relative: String; var split: Split?; var target: String; var origin: String }

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        var issues: [ImportIssue] = []
        let yamlName = ["data.yaml", "data.yml", "dataset.yaml"].first { FormatListFiles.exists(root.appendingPathComponent($0)) }
        var labels: [String]
        var entries: [ImageEntry]
        if let yamlName {
            (labels, entries) = try readDataYAML(yamlName, root: root, issues: &issues)
        } else {
            (labels, entries) = try readFlat(root: root, issues: &issues)
        }
        if labels.isEmpty {
            throw AnnotationFormatError("No class names found in \(root.path). Add data.yaml with 'names: [cat, dog]', "
                + "or classes.txt with one class per line (line 1 is class 0).")
        }
        let unique = Set(labels.map { $0.lowercased() })
        if unique.count != labels.count { labels = dedupe(labels, issues: &issues) }

        var samples: [ParsedSample] = []
        var seenSource: [String: String] = [:]
        var seenTarget: Set<String> = []
        for entry in entries {
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
            if let sample = readSample(entry, root: root, labels: labels, type: type, issues: &issues) { samples.append(sample) }
        }
        reportOrphanLabels(entries, root: root, issues: &issues)
        return ParsedDataset(labels: labels, samples: samples, issues: issues)
    }

    /// Label files beside the ones the images use, but with no image of their own: usually an image that was
    /// deleted or renamed (or has an extension YOLO does not read), whose boxes would otherwise vanish silently.
    func reportOrphanLabels(_ entries: [ImageEntry], root: URL, issues: inout [ImportIssue]) {
        let used = Set(entries.map { Self.labelPath(for: $0.relative) })
        let dirs = Set(used.map { ($0 as NSString).deletingLastPathComponent })
        for dir in dirs.sorted() where dir.split(separator: "/").contains("labels") {
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

    // MARK: layouts

    func readDataYAML(_ name: String, root: URL, issues: inout [ImportIssue]) throws -> ([String], [ImageEntry]) {
        let doc: YOLOYAML.Value
        do {
            let data = try Data(contentsOf: root.appendingPathComponent(name))
            doc = try YOLOYAML.parse(String(decoding: data, as: UTF8.self))
        } catch let failure as YOLOYAML.Failure {
            throw AnnotationFormatError("\(name) \(failure); fix it in a text editor (aiarts reads plain 'key: value' YAML)")
        } catch {
            throw AnnotationFormatError("\(name) could not be read: \(error.localizedDescription)")
        }
        var labels = names(doc["names"], file: name, issues: &issues)
        if labels.isEmpty, let classes = classFile(root: root) {
            labels = try FormatListFiles.readLabels(root.appendingPathComponent(classes), displayPath: classes, issues: &issues)
        }
        if let nc = doc["nc"]?.string.flatMap(Int.init), !labels.isEmpty, nc != labels.count {
            issues.append(ImportIssue(path: name, reason: "nc is \(nc) but names lists \(labels.count) classes; the names are used — fix nc"))
        }
        // `path:` is often absolute on the machine that made the file; when it does not lead into this folder, use the folder.
        var base = root
        if let path = doc["path"]?.string, !path.isEmpty, let dir = locate(path, from: root, root: root, directory: true) {
            base = dir.url
        }
        var entries: [ImageEntry] = []
        for split in Split.allCases {
            guard let value = doc[split.rawValue] else { continue }
            let items: [String]
            switch value {
            case .scalar(let s): items = s.isEmpty ? [] : [s]
            case .list(let list): items = list.compactMap(\.string)
            case .map: items = []
            }
            for item in items {
                entries += images(for: item, split: split, base: base, root: root, yaml: name, issues: &issues)
            }
        }
        if entries.isEmpty {
            throw AnnotationFormatError("\(name) names no images: set 'train:' (and 'val:') to image folders such as images/train, relative to the dataset folder.")
        }
        return (labels, entries)
    }

    func readFlat(root: URL, issues: inout [ImportIssue]) throws -> ([String], [ImageEntry]) {
        let imagesDir = root.appendingPathComponent("images")
        guard FormatListFiles.exists(imagesDir, directory: true) else {
            throw AnnotationFormatError("\(root.path) has neither data.yaml nor an images/ folder. A YOLO dataset needs images/ and labels/ "
                + "(with classes.txt), or an ultralytics data.yaml.")
        }
        guard let classes = classFile(root: root) else {
            throw AnnotationFormatError("No class names: add classes.txt (or obj.names) to \(root.path), one class per line, line 1 = class 0.")
        }
        let labels = try FormatListFiles.readLabels(root.appendingPathComponent(classes), displayPath: classes, issues: &issues)
        let splitDirs = Split.allCases.filter { FormatListFiles.exists(imagesDir.appendingPathComponent($0.rawValue), directory: true) }
        var entries: [ImageEntry] = []
        if splitDirs.isEmpty {
            entries = folderImages("images", split: nil, root: root, origin: "images/", issues: &issues)
        } else {
            for split in splitDirs { entries += folderImages("images/\(split.rawValue)", split: split, root: root, origin: "images/", issues: &issues) }
        }
        return (labels, entries)
    }

    func classFile(root: URL) -> String? {
        ["classes.txt", "obj.names", "labels/classes.txt", "labels.txt"].first { FormatListFiles.exists(root.appendingPathComponent($0)) }
    }

    func names(_ value: YOLOYAML.Value?, file: String, issues: inout [ImportIssue]) -> [String] {
        switch value {
        case .list(let items)?:
            return items.enumerated().map { $1.string ?? "class_\($0)" }
        case .map(let entries)?:
            var byIndex: [Int: String] = [:]
            for entry in entries {
                guard let index = Int(entry.key), index >= 0, index < 100_000 else {
                    issues.append(ImportIssue(path: file, reason: "names key '\(Excerpt.cut(entry.key))' is not a class index (0, 1, 2, ...); that entry is ignored"))
                    continue
                }
                byIndex[index] = entry.value.string ?? "class_\(index)"
            }
            guard let maxIndex = byIndex.keys.max() else { return [] }
            return (0...maxIndex).map { index in
                if let name = byIndex[index] { return name }
                issues.append(ImportIssue(path: file, reason: "names has no class \(index); it is called 'class_\(index)' — add it to names"))
                return "class_\(index)"
            }
        default:
            return []
        }
    }

    /// Finds a path from a data.yaml under the dataset folder. Files made elsewhere often say '../train/images'
    /// (Roboflow) or an absolute path; the trailing part that exists inside the folder is used, never anything outside.
    func locate(_ raw: String, from base: URL, root: URL, directory: Bool) -> (url: URL, relative: String)? {
        let parts = raw.replacingOccurrences(of: "\\", with: "/").split(separator: "/").map(String.init)
        let bases = base.standardizedFileURL.path == root.standardizedFileURL.path ? [root] : [base, root]
        for start in 0..<max(parts.count, 1) {
            let tail = parts[start...].filter { $0 != "." }
            if tail.contains("..") || tail.isEmpty { continue }
            for b in bases {
                guard let found = try? SafePath.resolve(tail.joined(separator: "/"), under: b),
                      FormatListFiles.exists(found.url, directory: directory) else { continue }
                let rel = Self.relative(found.url, to: root) ?? found.relative
                return (found.url, rel)
            }
        }
        return nil
    }

    static func relative(_ url: URL, to root: URL) -> String? {
        let path = url.standardizedFileURL.path, rootPath = root.standardizedFileURL.path
        guard path.hasPrefix(rootPath + "/") else { return nil }
        return String(path.dropFirst(rootPath.count + 1))
    }

    /// The images of one data.yaml split entry: a folder (searched recursively) or a .txt list of image paths.
    func images(for item: String, split: Split, base: URL, root: URL, yaml: String, issues: inout [ImportIssue]) -> [ImageEntry] {
        if item.lowercased().hasSuffix(".txt") {
            guard let list = locate(item, from: base, root: root, directory: false) else {
                issues.append(ImportIssue(path: yaml, reason: "\(split.rawValue): list '\(Excerpt.cut(item))' is not inside the dataset folder; fix the path"))
                return []
            }
            guard let lines = try? TextLines.read(list.url) else {
                issues.append(ImportIssue(path: list.relative, reason: "could not be read; check its permissions"))
                return []
            }
            let listDir = list.url.deletingLastPathComponent()
            var out: [ImageEntry] = []
            for line in lines {
                guard let image = locate(line.text, from: listDir, root: root, directory: false) else {
                    issues.append(ImportIssue(path: list.relative, line: line.number, reason:
                        "image '\(Excerpt.cut(line.text))' was not found inside the dataset folder; fix the path or remove the line"))
                    continue
                }
                let name = image.relative.hasPrefix("images/") ? String(image.relative.dropFirst(7)) : image.relative
                out.append(ImageEntry(url: image.url, relative: image.relative, split: split,
                                      target: "images/\(split.rawValue)/\(name)", origin: "\(list.relative):\(line.number)"))
            }
            return out
        }
        guard let dir = locate(item, from: base, root: root, directory: true) else {
            issues.append(ImportIssue(path: yaml, reason: "\(split.rawValue): folder '\(item)' was not found inside the dataset folder; fix the path"))
            return []
        }
        return folderImages(dir.relative, split: split, root: root, origin: yaml, issues: &issues)
    }

    func folderImages(_ dir: String, split: Split?, root: URL, origin: String, issues: inout [ImportIssue]) -> [ImageEntry] {
        let prefix = "images/" + (split.map { $0.rawValue + "/" } ?? "")
        return FormatListFiles.files(in: root.appendingPathComponent(dir), recursive: true, confinedTo: root,
                                     issues: &issues, shownPrefix: dir + "/")
            .filter(FormatListFiles.isImage)
            .map { ImageEntry(url: root.appendingPathComponent(dir + "/" + $0), relative: dir + "/" + $0, split: split,
                              target: prefix + $0, origin: origin) }
    }

    /// The ultralytics rule: the last 'images' folder in the image's path becomes 'labels', the extension '.txt'.
    /// With no 'images' folder the label sits beside the image (darknet style).
    static func labelPath(for image: String) -> String {
        var parts = image.split(separator: "/").map(String.init)
        if let i = parts.dropLast().lastIndex(of: "images") { parts[i] = "labels" }
        parts[parts.count - 1] = FormatListFiles.stem(parts[parts.count - 1]) + ".txt"
        return parts.joined(separator: "/")
    }
}

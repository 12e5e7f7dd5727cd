import Foundation

/// The ultralytics layout: data.yaml names the classes and, per split, the images — a folder (searched
/// recursively), an image file, a .txt list of image paths, or a list of any of these. Paths are resolved as
/// ultralytics resolves them: against `path:` (else the folder holding data.yaml); a path starting '../' that
/// leads nowhere is tried without it (Roboflow writes '../train/images' beside its data.yaml). Only what lies
/// inside the dataset folder is imported; for files made on another machine (an absolute `path:`), the trailing
/// part of a path that exists inside the folder is used.
extension YOLOParser {
    /// The folder paths in a data.yaml or obj.data start from, and how messages name it.
    struct PathBase { var url: URL; var relative: String; var shown: String }

    enum Resolution: Equatable {
        case found(url: URL, relative: String)
        /// Inside the dataset folder, but nothing is there.
        case missing
        /// Leads outside the dataset folder (an absolute path elsewhere, or too many '..').
        case outside
    }

    func readDataYAML(_ name: String, root: URL, issues: inout [ImportIssue]) throws -> Layout {
        let doc = try loadYAML(name, root: root)
        var labels = names(doc["names"], file: name, line: doc.line(of: "names"), issues: &issues)
        let nc = doc["nc"]?.string.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if labels.isEmpty, doc["names"] == nil, let nc, nc > 0, nc <= 100_000 {
            labels = (0..<nc).map { "class_\($0)" }
            issues.append(ImportIssue(path: name, line: doc.line(of: "nc"), reason:
                "there is no 'names:'; the \(nc) classes of 'nc: \(nc)' are called class_0 to class_\(nc - 1), as ultralytics calls them — add names to name them"))
        } else if let nc, !labels.isEmpty, nc != labels.count {
            issues.append(ImportIssue(path: name, line: doc.line(of: "nc"), reason:
                "nc is \(nc) but names lists \(labels.count) classes; the names are used — fix nc"))
        }
        if labels.isEmpty, let classes = classFile(root: root) {
            labels = try FormatListFiles.readLabels(root.appendingPathComponent(classes), displayPath: classes, issues: &issues)
        }
        let keypoints = keypointShape(doc["kpt_shape"], file: name, line: doc.line(of: "kpt_shape"), issues: &issues)
        let base = yamlBase(doc["path"]?.string ?? "", root: root)
        var entries: [ImageEntry] = []
        var problems: [ImportIssue] = []
        for split in Split.allCases {
            // ultralytics renames 'validation:' to 'val:'.
            let key = split == .val && doc["val"] == nil && doc["validation"] != nil ? "validation" : split.rawValue
            guard let value = doc[key] else { continue }
            let items: [String]
            switch value {
            case .scalar(let s): items = s.isEmpty ? [] : [s]
            case .list(let list): items = list.compactMap(\.string).filter { !$0.isEmpty }
            case .map: items = []
            }
            for item in items {
                entries += images(for: item, key: key, line: doc.line(of: key), split: split, base: base, root: root,
                                  yaml: name, problems: &problems, issues: &issues)
            }
        }
        issues += problems
        if entries.isEmpty {
            let why = problems.first.map { " (\($0.reason))" } ?? ""
            throw AnnotationFormatError("\(name) names no images\(why): set 'train:' (and 'val:') to image folders such as "
                + "images/train, relative to the folder holding \(name).")
        }
        return Layout(labels: labels, entries: entries, keypoints: keypoints)
    }

    /// data.yaml as a value; a file that is not YAML is refused with its line.
    func loadYAML(_ name: String, root: URL) throws -> YOLOYAML.Value {
        let url = root.appendingPathComponent(name)
        let data: Data
        do {
            if let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int, size > 16 << 20 {
                throw AnnotationFormatError("\(name) is \(size >> 20) MiB; a data.yaml is a few lines — is it the right file?")
            }
            data = try Data(contentsOf: url)
        } catch let error as AnnotationFormatError {
            throw error
        } catch {
            throw AnnotationFormatError("\(name) could not be read: \(error.localizedDescription)")
        }
        do {
            return try YOLOYAML.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw AnnotationFormatError("\(name) line \(error.line): \(error.message); fix it in a text editor")
        }
    }

    func names(_ value: YOLOYAML.Value?, file: String, line: Int?, issues: inout [ImportIssue]) -> [String] {
        switch value {
        case .list(let items)?:
            return items.enumerated().map { $1.string ?? "class_\($0)" }
        case .map(let entries)?:
            var byIndex: [Int: String] = [:]
            for entry in entries {
                guard let index = Int(entry.key), index >= 0, index < 100_000 else {
                    issues.append(ImportIssue(path: file, line: entry.line, reason:
                        "names key '\(Excerpt.cut(entry.key))' is not a class index (0, 1, 2, ...); that entry is ignored"))
                    continue
                }
                byIndex[index] = entry.value.string ?? "class_\(index)"
            }
            guard let maxIndex = byIndex.keys.max() else { return [] }
            return (0...maxIndex).map { index in
                if let name = byIndex[index] { return name }
                issues.append(ImportIssue(path: file, line: line, reason: "names has no class \(index); it is called 'class_\(index)' — add it to names"))
                return "class_\(index)"
            }
        case .scalar(let text)? where !text.isEmpty:
            issues.append(ImportIssue(path: file, line: line, reason:
                "names is the single value '\(Excerpt.cut(text))', not a list; write names: [\(Excerpt.cut(text))] or one '- name' line per class"))
            return []
        default:
            return []
        }
    }

    /// `kpt_shape: [17, 3]`: keypoints per row and values per keypoint (2: x y; 3: x y visibility).
    func keypointShape(_ value: YOLOYAML.Value?, file: String, line: Int?, issues: inout [ImportIssue]) -> KeypointShape? {
        guard let value else { return nil }
        if case .list(let items) = value, items.count == 2,
           let count = items[0].string.flatMap({ Int($0) }), let dims = items[1].string.flatMap({ Int($0) }),
           (1...10_000).contains(count), dims == 2 || dims == 3 {
            return KeypointShape(count: count, dims: dims)
        }
        issues.append(ImportIssue(path: file, line: line, reason:
            "kpt_shape is not [keypoints, 2] or [keypoints, 3] (as in kpt_shape: [17, 3]); it is ignored, so pose rows are told from polygons by their length alone"))
        return nil
    }

    /// The folder paths start from: `path:` when it leads to a folder inside the dataset, else the dataset folder.
    func yamlBase(_ path: String, root: URL) -> PathBase {
        let dataset = PathBase(url: root, relative: "", shown: "the dataset folder (where data.yaml is)")
        guard !path.isEmpty else { return dataset }
        guard case .found(let url, let relative) = resolve(path, from: dataset, root: root, directory: true) else {
            return PathBase(url: root, relative: "", shown: "the dataset folder (path: '\(Excerpt.cut(path))' is not a folder inside it, so it is not used)")
        }
        if relative.isEmpty { return dataset }
        return PathBase(url: url, relative: relative, shown: "'\(relative)/' (from path: \(Excerpt.cut(path)))")
    }

    /// Resolves a path written in data.yaml (see the type's comment for the rules) or obj.data: as written, then
    /// without `prefix` when it starts with it, then by its trailing part.
    func resolve(_ raw: String, from base: PathBase, root: URL, directory: Bool, retryingWithout prefix: String = "../") -> Resolution {
        let slashed = raw.replacingOccurrences(of: "\\", with: "/")
        var outside = false
        var candidates = [slashed]
        if slashed.hasPrefix(prefix) { candidates.append(String(slashed.dropFirst(prefix.count))) }
        for candidate in candidates {
            guard let relative = Self.join(base.relative, candidate, root: root) else { outside = true; continue }
            if relative.isEmpty {
                if directory { return .found(url: root, relative: "") }
                continue
            }
            guard let found = try? SafePath.resolve(relative, under: root) else { outside = true; continue }
            if FormatListFiles.exists(found.url, directory: directory) { return .found(url: found.url, relative: found.relative) }
        }
        if Self.isAbsolute(slashed), let found = locateTail(slashed, from: base.url, root: root, directory: directory) {
            return .found(url: found.url, relative: found.relative)
        }
        return outside ? .outside : .missing
    }

    /// A path from another machine: '/home/…' or 'C:/…'.
    static func isAbsolute(_ path: String) -> Bool {
        let scalars = Array(path.unicodeScalars.prefix(2))
        return path.hasPrefix("/") || (scalars.count == 2 && scalars[1] == ":" && CharacterSet.letters.contains(scalars[0]))
    }

    /// `path` (relative, or absolute) joined to a folder inside root, as a path relative to root ("" is root itself);
    /// nil when it leads outside root.
    static func join(_ folder: String, _ path: String, root: URL) -> String? {
        var parts: [Substring]
        var rest = Substring(path)
        if isAbsolute(path) {
            let rootPath = root.standardizedFileURL.path
            guard path == rootPath || path.hasPrefix(rootPath + "/") else { return nil }  // a Windows drive never is
            rest = path.dropFirst(rootPath.count)
            parts = []
        } else {
            parts = folder.split(separator: "/")
        }
        for part in rest.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// For files made on another machine, and list lines (which ultralytics reads from wherever it runs): the
    /// trailing part of `raw` that exists under `base` (then the root).
    func locateTail(_ raw: String, from base: URL, root: URL, directory: Bool) -> (url: URL, relative: String)? {
        let parts = raw.replacingOccurrences(of: "\\", with: "/").split(separator: "/").map(String.init)
        let bases = base.standardizedFileURL.path == root.standardizedFileURL.path ? [root] : [base, root]
        for start in 0..<max(parts.count, 1) {
            let tail = parts[start...].filter { $0 != "." }
            if tail.contains("..") || tail.isEmpty { continue }
            for b in bases {
                guard let found = try? SafePath.resolve(tail.joined(separator: "/"), under: b),
                      FormatListFiles.exists(found.url, directory: directory) else { continue }
                return (found.url, Self.relative(found.url, to: root) ?? found.relative)
            }
        }
        return nil
    }

    /// The images of one split entry of data.yaml: a folder, an image, or a .txt list of image paths.
    func images(for item: String, key: String, line: Int?, split: Split, base: PathBase, root: URL, yaml: String,
                problems: inout [ImportIssue], issues: inout [ImportIssue]) -> [ImageEntry] {
        let isList = item.lowercased().hasSuffix(".txt"), isImage = FormatListFiles.isImage(item)
        let what = isList ? "list" : isImage ? "image" : "folder"
        switch resolve(item, from: base, root: root, directory: !isList && !isImage) {
        case .missing:
            problems.append(ImportIssue(path: yaml, line: line, reason:
                "\(key): \(what) '\(Excerpt.cut(item))' does not exist in \(base.shown); fix the path in \(yaml)"))
            return []
        case .outside:
            problems.append(ImportIssue(path: yaml, line: line, reason:
                "\(key): \(what) '\(Excerpt.cut(item))' leads outside the dataset folder (resolved against \(base.shown)); "
                + "only files inside the folder are imported — copy the images in, or fix the path in \(yaml)"))
            return []
        case .found(let url, let relative):
            if isImage {
                return [ImageEntry(url: url, relative: relative, split: split, target: Self.listedTarget(relative, split: split),
                                   origin: yaml, label: Self.labelPath(for: relative))]
            }
            if !isList { return folderImages(relative, split: split, root: root, origin: yaml, issues: &issues) }
            return listedImages(url: url, relative: relative, split: split, root: root, issues: &issues)
        }
    }

    /// A .txt list: one image path a line, relative to the list's folder ('./x.jpg', as ultralytics writes) or,
    /// failing that, to the dataset folder.
    func listedImages(url: URL, relative: String, split: Split, root: URL, issues: inout [ImportIssue]) -> [ImageEntry] {
        guard let lines = try? TextLines.read(url) else {
            issues.append(ImportIssue(path: relative, reason: "could not be read; check its permissions"))
            return []
        }
        let listDir = url.deletingLastPathComponent()
        var out: [ImageEntry] = []
        for line in lines {
            guard let image = locateTail(line.text, from: listDir, root: root, directory: false) else {
                issues.append(ImportIssue(path: relative, line: line.number, reason:
                    "image '\(Excerpt.cut(line.text))' was not found inside the dataset folder; fix the path or remove the line"))
                continue
            }
            out.append(ImageEntry(url: image.url, relative: image.relative, split: split, target: Self.listedTarget(image.relative, split: split),
                                  origin: "\(relative):\(line.number)", label: Self.labelPath(for: image.relative)))
        }
        return out
    }

    /// Where a listed image goes: images/<split>/ and its path after its last images/ folder, less a leading
    /// folder named for the split (so train/images/a.jpg and images/train/a.jpg both go to images/train/a.jpg).
    static func listedTarget(_ relative: String, split: Split) -> String {
        var parts = relative.split(separator: "/").map(String.init)
        if let i = parts.dropLast().lastIndex(of: "images") { parts.removeFirst(i + 1) }
        if parts.count > 1, Self.split(named: parts[0]) == split { parts.removeFirst() }
        return "images/\(split.rawValue)/" + parts.joined(separator: "/")
    }
}

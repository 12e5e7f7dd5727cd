import Foundation

/// Darknet's own layout, as CVAT ("YOLO 1.1") and datumaro export it:
///
///     obj.data           classes = 2
///                        train = data/train.txt
///                        names = data/obj.names
///                        backup = backup/
///     obj.names          one class a line
///     obj_train_data/    the images, each with its .txt label beside it
///     train.txt          data/obj_train_data/a.jpg   (valid.txt, test.txt likewise)
///
/// Paths are written relative to darknet's own folder, where the export sits in data/: each is resolved against
/// the dataset folder as written, then without a leading 'data/' (as datumaro reads them), then by its trailing
/// part (an absolute path from another machine). Every obj.data key other than classes, names and backup that
/// names a .txt file is a subset list; train, valid and test give the splits. Without obj.data, the
/// obj_<subset>_data folders (with <subset>.txt when there is one) are read.
extension YOLOParser {
    static func isDarknetFolder(_ name: String) -> Bool {
        name.count > 9 && name.hasPrefix("obj_") && name.hasSuffix("_data")
    }

    func darknetFolders(_ root: URL) -> [String] {
        DirectoryListing.entries(root.path).compactMap { $0.kind == .directory ? $0.name : nil }.filter(Self.isDarknetFolder).sorted()
    }

    /// A subset's image list, and where it was named (obj.data and its line, or the subset's folder).
    struct DarknetList { var subset: String; var path: String; var namedIn: String; var line: Int? }

    func readDarknet(root: URL, issues: inout [ImportIssue]) throws -> Layout {
        let dataset = PathBase(url: root, relative: "", shown: "the dataset folder")
        var lists: [DarknetList] = []
        var classes: (count: Int, line: Int)?
        var namesFile: (path: String, line: Int)?
        if FormatListFiles.exists(root.appendingPathComponent("obj.data")) {
            let lines: [TextLines.Line]
            do { lines = try TextLines.read(root.appendingPathComponent("obj.data")) } catch {
                throw AnnotationFormatError("obj.data could not be read: \(error.localizedDescription)")
            }
            for line in lines where !line.text.hasPrefix("#") && !line.text.hasPrefix(";") {
                guard let eq = line.text.firstIndex(of: "=") else {
                    issues.append(ImportIssue(path: "obj.data", line: line.number, reason:
                        "'\(Excerpt.cut(line.text))' is not 'key = value'; the line is ignored"))
                    continue
                }
                let key = line.text[..<eq].trimmingCharacters(in: .whitespaces)
                let value = line.text[line.text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                switch key.lowercased() {
                case "classes":
                    if let n = Int(value) { classes = (n, line.number) } else {
                        issues.append(ImportIssue(path: "obj.data", line: line.number, reason: "classes = '\(Excerpt.cut(value))' is not a number; it is ignored"))
                    }
                case "names": namesFile = (value, line.number)
                case "backup": continue
                default:
                    if value.lowercased().hasSuffix(".txt") {
                        lists.append(DarknetList(subset: key, path: value, namedIn: "obj.data", line: line.number))
                    }
                }
            }
        }
        let labels = try darknetNames(namesFile, root: root, issues: &issues)
        if let classes, let labels, classes.count != labels.count {
            issues.append(ImportIssue(path: "obj.data", line: classes.line, reason:
                "classes = \(classes.count) but the names file lists \(labels.count) classes; the names are used — fix classes"))
        }
        var entries: [ImageEntry] = []
        for list in lists {
            entries += darknetListImages(list, base: dataset, root: root, issues: &issues)
        }
        if lists.isEmpty {
            // No obj.data (or one naming no list): each obj_<subset>_data folder, through its list when there is one.
            for folder in darknetFolders(root) {
                let subset = String(folder.dropFirst(4).dropLast(5))
                if FormatListFiles.exists(root.appendingPathComponent(subset + ".txt")) {
                    let list = DarknetList(subset: subset, path: subset + ".txt", namedIn: folder, line: nil)
                    entries += darknetListImages(list, base: dataset, root: root, issues: &issues)
                } else {
                    entries += folderImages(folder, split: Self.split(named: subset), root: root, origin: folder + "/", labelBeside: true, issues: &issues)
                        .map { entry in var e = entry; e.target = Self.darknetTarget(entry.relative, subset: subset); return e }
                }
            }
        }
        if entries.isEmpty {
            throw AnnotationFormatError("The Darknet dataset in \(root.path) lists no image that exists: obj.data should name lists such as "
                + "'train = data/train.txt', each line an image path such as data/obj_train_data/a.jpg.")
        }
        return Layout(labels: labels, entries: entries)
    }

    /// Class names from obj.data's `names =` file, else obj.names or classes.txt beside it; nil when there is none.
    func darknetNames(_ file: (path: String, line: Int)?, root: URL, issues: inout [ImportIssue]) throws -> [String]? {
        let dataset = PathBase(url: root, relative: "", shown: "the dataset folder")
        if let file {
            if case .found(let url, let relative) = resolve(file.path, from: dataset, root: root, directory: false, retryingWithout: "data/") {
                return try FormatListFiles.readLabels(url, displayPath: relative, issues: &issues)
            }
            issues.append(ImportIssue(path: "obj.data", line: file.line, reason:
                "names = '\(Excerpt.cut(file.path))' was not found in the dataset folder (also tried without a leading 'data/')"
                + (classFile(root: root).map { "; \($0) is used instead" } ?? "")))
        }
        return try classFile(root: root).map {
            try FormatListFiles.readLabels(root.appendingPathComponent($0), displayPath: $0, issues: &issues)
        }
    }

    func darknetListImages(_ list: DarknetList, base: PathBase, root: URL, issues: inout [ImportIssue]) -> [ImageEntry] {
        let split = Self.split(named: list.subset)
        func problem(_ reason: String) -> [ImageEntry] {
            issues.append(ImportIssue(path: list.namedIn, line: list.line, reason: reason))
            return []
        }
        let url: URL, relative: String
        switch resolve(list.path, from: base, root: root, directory: false, retryingWithout: "data/") {
        case .found(let u, let r): (url, relative) = (u, r)
        case .missing:
            return problem("\(list.subset): list '\(Excerpt.cut(list.path))' does not exist in the dataset folder (also tried without a leading 'data/'); fix the path")
        case .outside:
            return problem("\(list.subset): list '\(Excerpt.cut(list.path))' leads outside the dataset folder; only files inside it are imported")
        }
        guard let lines = try? TextLines.read(url) else { return problem("\(list.subset): list '\(relative)' could not be read; check its permissions") }
        if split == nil, !lines.isEmpty {
            issues.append(ImportIssue(path: relative, reason:
                "subset '\(Excerpt.cut(list.subset))' is not train, valid or test; "
                + (lines.count == 1 ? "its 1 image is" : "its \(lines.count) images are") + " imported without a split"))
        }
        var out: [ImageEntry] = []
        for line in lines {
            switch resolve(line.text, from: base, root: root, directory: false, retryingWithout: "data/") {
            case .found(let imageURL, let image):
                out.append(ImageEntry(url: imageURL, relative: image, split: split, target: Self.darknetTarget(image, subset: list.subset),
                                      origin: "\(relative):\(line.number)", label: Self.besidePath(for: image)))
            case .missing:
                issues.append(ImportIssue(path: relative, line: line.number, reason:
                    "image '\(Excerpt.cut(line.text))' does not exist in the dataset folder (also tried without a leading 'data/'); fix the line or add the image"))
            case .outside:
                issues.append(ImportIssue(path: relative, line: line.number, reason:
                    "image '\(Excerpt.cut(line.text))' leads outside the dataset folder; only images inside it are imported"))
            }
        }
        return out
    }

    /// images/<split>/ (or images/<subset>/) and the image's path under its obj_<subset>_data folder.
    /// A subset name is text from obj.data: only letters, digits, '-' and '_' of it make the folder name.
    static func darknetTarget(_ relative: String, subset: String) -> String {
        var parts = relative.split(separator: "/").map(String.init)
        if parts.count > 1, isDarknetFolder(parts[0]) { parts.removeFirst() }
        let safe = String(subset.unicodeScalars.prefix(64).map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        let folder = split(named: subset)?.rawValue ?? (safe.isEmpty ? "other" : safe)
        return "images/\(folder)/" + parts.joined(separator: "/")
    }
}

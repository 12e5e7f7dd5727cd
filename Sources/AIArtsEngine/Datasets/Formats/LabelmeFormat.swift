import Foundation

/// Reads a folder of labelme JSON files, one per image (searched recursively).
///
/// Rectangles and polygons become boxes (polygons keep their outline as segmentation); other
/// shapes are reported and skipped. Labels are the sorted unique shape labels, or the order
/// of `labels.txt` in the root when there is one (labelme's `--labels` file).
public struct LabelmeParser: DatasetParser {
    public init() {}

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        guard type == .detection || type == .instanceSegmentation else {
            throw JSONDatasetError("labelme files carry detection datasets, not \(type.rawValue)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw JSONDatasetError("\(root.path) does not exist")
        }
        guard isDirectory.boolValue else {
            throw JSONDatasetError("\(root.path) is a file; choose the folder holding the labelme JSON files")
        }
        let files = Self.jsonFiles(under: root)
        guard !files.isEmpty else {
            throw JSONDatasetError("no labelme JSON files in \(root.path); labelme saves one .json next to each image")
        }
        var reader = LabelmeReader(root: root)
        for relative in files { reader.read(relative) }
        let labels = reader.labels()
        return ParsedDataset(labels: labels, samples: reader.samples, issues: reader.issues)
    }

    /// Relative paths of .json files under `root`, sorted, skipping hidden files and folders.
    static func jsonFiles(under root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                              options: [.skipsHiddenFiles]) else { return [] }
        var found: [String] = []
        let prefix = root.standardizedFileURL.path
        for case let url as URL in enumerator where url.pathExtension.lowercased() == "json" {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix + "/") else { continue }
            found.append(String(path.dropFirst(prefix.count + 1)))
        }
        return found.sorted()
    }
}

struct LabelmeReader {
    let root: URL
    var samples: [ParsedSample] = []
    var issues: [ImportIssue] = []
    var seenLabels: Set<String> = []
    /// JSON file that claimed each image, so a second claim is reported.
    var describedBy: [String: String] = [:]

    init(root: URL) { self.root = root }

    mutating func read(_ relative: String) {
        let url = root.appendingPathComponent(relative)
        let document: JSONDocument
        do {
            document = try JSONDocument(contentsOf: url)
        } catch let error as JSONParseError {
            issues.append(ImportIssue(path: relative, line: error.line, reason: "not valid JSON: column \(error.column): \(error.message)"))
            return
        } catch {
            issues.append(ImportIssue(path: relative, reason: "cannot read: \(error.localizedDescription)"))
            return
        }
        let json = document.root
        guard json.kind == .object, let shapes = json["shapes"], shapes.kind == .array else {
            issues.append(ImportIssue(path: relative, reason: "not a labelme file (no 'shapes' list); skipped"))
            return
        }
        guard let (source, imageRelative) = locateImage(json, jsonRelative: relative) else { return }
        if let other = describedBy[imageRelative] {
            issues.append(ImportIssue(path: relative, reason: "image '\(imageRelative)' is already described by \(other); skipped"))
            return
        }
        describedBy[imageRelative] = relative

        let lines = document.lineIndex()
        var annotations: [ParsedAnnotation] = []
        var position = 0
        for shape in shapes.elements {
            position += 1
            let line = shape.offset.map { lines.line(at: $0) }
            if let annotation = readShape(shape, position: position, path: relative, line: line) {
                annotations.append(annotation)
                seenLabels.insert(annotation.label)
            }
        }
        var size: ImageSize?
        if let width = json["imageWidth"]?.int, let height = json["imageHeight"]?.int, width > 0, height > 0 {
            size = ImageSize(width: width, height: height)
        }
        samples.append(ParsedSample(source: source, relativePath: imageRelative, annotations: annotations,
                                    declaredSize: size, origin: relative))
    }

    /// Resolves imagePath relative to the JSON file's folder, confined to the root.
    /// Labelme on Windows often stores absolute paths or paths from another machine; when
    /// imagePath cannot be used as given, the file of the same name beside the JSON is used.
    private mutating func locateImage(_ json: JSON, jsonRelative: String) -> (URL, String)? {
        let folder = (jsonRelative as NSString).deletingLastPathComponent
        let hasData = (json["imageData"]?.string?.isEmpty == false)
        guard let imagePath = json["imagePath"]?.string, !imagePath.isEmpty else {
            issues.append(ImportIssue(path: jsonRelative, reason: hasData
                ? "the image is only embedded ('imageData') and aiarts does not extract it; save the image next to the JSON and set 'imagePath'"
                : "no 'imagePath'; skipped"))
            return nil
        }
        var problem: String?
        if let joined = Self.join(folder, imagePath) {
            do {
                let (url, relative) = try SafePath.resolve(joined, under: root)
                if Self.isFile(url) { return (url, relative) }
            } catch {
                problem = error.reason
            }
        } else {
            problem = "path leaves the dataset folder"
        }
        let fileName = imagePath.replacingOccurrences(of: "\\", with: "/").split(separator: "/").last.map(String.init) ?? ""
        if !fileName.isEmpty, fileName != "..", fileName != ".",
           let (url, relative) = try? SafePath.resolve(folder.isEmpty ? fileName : folder + "/" + fileName, under: root),
           Self.isFile(url) {
            return (url, relative)
        }
        var reason = "image '\(imagePath)' not found"
        if let problem { reason = "imagePath '\(imagePath)' not imported: \(problem)" }
        if hasData { reason += "; the embedded 'imageData' is not extracted, save the image file next to the JSON" }
        issues.append(ImportIssue(path: jsonRelative, reason: reason + "; skipped"))
        return nil
    }

    /// Joins a relative imagePath onto the JSON's folder, resolving `..` lexically; nil when it
    /// climbs above the root. Absolute paths are returned as given, for SafePath to refuse.
    static func join(_ folder: String, _ imagePath: String) -> String? {
        let slashed = imagePath.replacingOccurrences(of: "\\", with: "/")
        if slashed.hasPrefix("/") || (slashed.count >= 2 && Array(slashed)[1] == ":") { return slashed }
        var parts = folder.split(separator: "/").map(String.init)
        for part in slashed.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
            } else {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    static func isFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    private mutating func readShape(_ shape: JSON, position: Int, path: String, line: Int?) -> ParsedAnnotation? {
        func skip(_ reason: String) -> ParsedAnnotation? {
            issues.append(ImportIssue(path: path, line: line, reason: "shape \(position): \(reason)"))
            return nil
        }
        guard let label = shape["label"]?.string?.trimmingCharacters(in: .whitespacesAndNewlines), !label.isEmpty else {
            return skip("no 'label'; skipped")
        }
        // Old labelme versions wrote no shape_type; their shapes were polygons.
        let kind = shape["shape_type"]?.string ?? "polygon"
        var points: [(Double, Double)] = []
        for point in shape["points"]?.elements ?? JSON.noElements(shape) {
            guard let xy = point.doubles, xy.count >= 2 else { return skip("points must be [x, y] pairs; skipped") }
            points.append((xy[0], xy[1]))
        }
        switch kind {
        case "rectangle":
            guard points.count >= 2 else { return skip("rectangle needs 2 points, found \(points.count); skipped") }
            // Two opposite corners in any order (dragged up-left as often as down-right).
            guard let box = Self.bounds(points) else { return skip("rectangle '\(label)' has zero width or height; skipped") }
            return ParsedAnnotation(label: label, box: box)
        case "polygon":
            guard points.count >= 3 else { return skip("polygon needs at least 3 points, found \(points.count); skipped") }
            guard let box = Self.bounds(points) else { return skip("polygon '\(label)' has zero width or height; skipped") }
            let outline = points.flatMap { [$0.0, $0.1] }
            return ParsedAnnotation(label: label, box: box, segmentation: .polygons([outline]))
        default:
            return skip("shape_type '\(kind)' is not a box; skipped")
        }
    }

    static func bounds(_ points: [(Double, Double)]) -> Box? {
        let xs = points.map(\.0), ys = points.map(\.1)
        guard let x1 = xs.min(), let x2 = xs.max(), let y1 = ys.min(), let y2 = ys.max(), x2 > x1, y2 > y1 else { return nil }
        return Box(x1: x1, y1: y1, x2: x2, y2: y2)
    }

    /// Label order: labels.txt when present (labelme's own `__ignore__` and `_background_`
    /// entries skipped), with labels it lacks appended sorted; otherwise the sorted names used.
    mutating func labels() -> [String] {
        let listURL = root.appendingPathComponent("labels.txt")
        guard let lines = try? TextLines.read(listURL) else { return seenLabels.sorted() }
        var labels: [String] = []
        var listed: Set<String> = []
        for line in lines where line.text != "__ignore__" && line.text != "_background_" {
            if listed.insert(line.text).inserted { labels.append(line.text) }
        }
        let extra = seenLabels.subtracting(listed).sorted()
        if !extra.isEmpty {
            issues.append(ImportIssue(path: "labels.txt", reason: "labels used by shapes but not listed: \(extra.joined(separator: ", ")); added at the end"))
            labels.append(contentsOf: extra)
        }
        return labels
    }
}

extension JSON {
    /// An empty element sequence, for optional arrays read with `??`.
    static func noElements(_ any: JSON) -> JSONElements { JSONElements(document: any.document, first: 0, count: 0) }
}

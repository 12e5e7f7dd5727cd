import AIArtsImaging
import Foundation

/// Reads a folder of labelme JSON files, one per image (searched recursively).
///
/// Rectangles and polygons become boxes (polygons keep their outline as segmentation); other
/// shapes are reported and skipped. Labels are the sorted unique shape labels, or the order
/// of `labels.txt` in the root when there is one (labelme's `--labels` file).
///
/// The image is the file `imagePath` names (relative to the JSON), else the file of that name
/// beside the JSON, else (when `imagePath` names the JSON itself) an image beside it with the
/// JSON's stem; only when none exists is the embedded `imageData` written out (see `embeddedImages`).
public struct LabelmeParser: DatasetParser {
    /// Where images carried only as `imageData` are written, as `<JSON folder>/<JSON stem>.<format>`
    /// (the import's staging folder, swapped into the workspace with everything else). nil: such
    /// files are reported and skipped (an import that registers files in place has nowhere to put them).
    public var embeddedImages: URL?

    public init(embeddedImages: URL? = nil) {
        self.embeddedImages = embeddedImages
    }

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
        var reader = LabelmeReader(root: root, embeddedImages: embeddedImages)
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
    let embeddedImages: URL?
    var samples: [ParsedSample] = []
    var issues: [ImportIssue] = []
    var seenLabels: Set<String> = []
    /// JSON file that claimed each image, so a second claim is reported.
    var describedBy: [String: String] = [:]

    /// Where a sample's image comes from: a file in the source, or bytes written out of `imageData`.
    struct Located {
        var url: URL
        var relative: String
        var embedded: Bool
    }

    init(root: URL, embeddedImages: URL? = nil) {
        self.root = root
        self.embeddedImages = embeddedImages
    }

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
        guard let image = locateImage(json, jsonRelative: relative) else { return }
        let imageRelative = image.relative
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
        var sample = ParsedSample(source: image.url, relativePath: imageRelative, annotations: annotations,
                                  declaredSize: size, origin: relative)
        if image.embedded { sample.embeddedIn = relative }
        samples.append(sample)
    }

    /// Resolves imagePath relative to the JSON file's folder, confined to the root.
    /// Labelme on Windows often stores absolute paths or paths from another machine; when
    /// imagePath cannot be used as given, the file of the same name beside the JSON is used.
    /// X-AnyLabeling and some scripts write the JSON's own name as imagePath: then the image is
    /// the one beside the JSON with the same stem. A file always wins over embedded `imageData`.
    private mutating func locateImage(_ json: JSON, jsonRelative: String) -> Located? {
        let folder = (jsonRelative as NSString).deletingLastPathComponent
        let data = json["imageData"].flatMap { $0.kind == .string && $0.node.count > 0 ? $0 : nil }
        guard let imagePath = json["imagePath"]?.string, !imagePath.isEmpty else {
            if let data { return extract(data, jsonRelative: jsonRelative, missing: nil) }
            issues.append(ImportIssue(path: jsonRelative, reason: "no 'imagePath' and no 'imageData'; skipped"))
            return nil
        }
        let fileName = imagePath.replacingOccurrences(of: "\\", with: "/").split(separator: "/").last.map(String.init) ?? ""
        let jsonName = (jsonRelative as NSString).lastPathComponent
        // The JSON itself is a file too, but never the image.
        let namesItself = fileName.caseInsensitiveCompare(jsonName) == .orderedSame
        var problem: String?
        if namesItself {
            if let found = imageBeside(jsonRelative) { return found }
        } else {
            if let joined = Self.join(folder, imagePath) {
                do {
                    let (url, relative) = try SafePath.resolve(joined, under: root)
                    if Self.isFile(url) { return Located(url: url, relative: relative, embedded: false) }
                } catch {
                    problem = error.reason
                }
            } else {
                problem = "path leaves the dataset folder"
            }
            if !fileName.isEmpty, fileName != "..", fileName != ".",
               let (url, relative) = try? SafePath.resolve(folder.isEmpty ? fileName : folder + "/" + fileName, under: root),
               Self.isFile(url) {
                return Located(url: url, relative: relative, embedded: false)
            }
        }
        if let data { return extract(data, jsonRelative: jsonRelative, missing: imagePath) }
        var reason = namesItself
            ? "imagePath '\(imagePath)' names this JSON file and no image with its stem (\(Self.stemCandidates(jsonName).prefix(4).joined(separator: ", ")) …) sits beside it"
            : "image '\(imagePath)' not found"
        if let problem { reason = "imagePath '\(imagePath)' not imported: \(problem)" }
        issues.append(ImportIssue(path: jsonRelative, reason: reason + "; skipped"))
        return nil
    }

    /// Image file names tried beside a JSON whose imagePath names itself: its stem with each
    /// extension aiarts decodes, lower then upper case.
    static func stemCandidates(_ jsonName: String) -> [String] {
        let stem = (jsonName as NSString).deletingPathExtension
        let extensions = ["jpg", "jpeg", "png", "webp"]
        return (extensions + extensions.map { $0.uppercased() }).map { "\(stem).\($0)" }
    }

    private func imageBeside(_ jsonRelative: String) -> Located? {
        let folder = (jsonRelative as NSString).deletingLastPathComponent
        for name in Self.stemCandidates((jsonRelative as NSString).lastPathComponent) {
            guard let (url, relative) = try? SafePath.resolve(folder.isEmpty ? name : folder + "/" + name, under: root),
                  Self.isFile(url) else { continue }
            return Located(url: url, relative: relative, embedded: false)
        }
        return nil
    }

    /// Writes the embedded image out as `<JSON folder>/<JSON stem>.<sniffed format>` (a suffix
    /// `_1`, `_2`… when the source or another JSON already uses that name). `missing` is the
    /// imagePath that was not found, for the message when nothing can be written.
    private mutating func extract(_ data: JSON, jsonRelative: String, missing: String?) -> Located? {
        let what = missing.map { "image '\($0)' not found and its" } ?? "no 'imagePath'; the"
        guard let folder = embeddedImages else {
            issues.append(ImportIssue(path: jsonRelative, reason: "\(what) embedded 'imageData' cannot be written out by an import that registers files in place (that would write into the source folder); import by copying, or save the image next to the JSON; skipped"))
            return nil
        }
        let decoded: (bytes: [UInt8], format: ImageFormat)
        do throws(LabelmeEmbeddedImage.Failure) {
            decoded = try LabelmeEmbeddedImage.decode(data.string ?? "")
        } catch {
            issues.append(ImportIssue(path: jsonRelative, line: data.offset.map { data.document.lineIndex().line(at: $0) },
                                      reason: error.reason + "; skipped"))
            return nil
        }
        let jsonFolder = (jsonRelative as NSString).deletingLastPathComponent
        let stem = ((jsonRelative as NSString).lastPathComponent as NSString).deletingPathExtension
        let ext = decoded.format.fileExtension
        var relative = "", n = 0
        repeat {
            let name = n == 0 ? "\(stem).\(ext)" : "\(stem)_\(n).\(ext)"
            relative = jsonFolder.isEmpty ? name : jsonFolder + "/" + name
            n += 1
        } while describedBy[relative] != nil || FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path)
        let target = folder.appendingPathComponent(relative)
        do throws(LabelmeEmbeddedImage.Failure) {
            try LabelmeEmbeddedImage.store(decoded.bytes, at: target)
        } catch {
            issues.append(ImportIssue(path: jsonRelative, reason: error.reason + "; skipped"))
            return nil
        }
        return Located(url: target, relative: relative, embedded: true)
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

import Foundation

/// Reads COCO detection / instance segmentation annotations.
///
/// `root` is either one annotation JSON file or a folder holding `annotations/*.json` or `*.json`.
/// Several files are several splits, named by their file names (instances_train2017.json → train,
/// instances_validation.json → val). Image files are looked up beside the JSON, in `images/`, in the
/// folder named after the file's stem (COCO's train2017/) and in `images/<stem>/` (datumaro's
/// images/train/), each also relative to the root folder. Files of other COCO tasks (captions,
/// keypoints, panoptic, stuff, datumaro's labels, image lists) beside instances files are skipped.
public struct COCOParser: DatasetParser, ColumnarDatasetParser {
    public init() {}

    /// The annotations as records in their samples (`parseColumns` is what imports use).
    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        var parsed = try parseColumns(root: root, type: type, prober: nil)
        let columns = parsed.columns
        parsed.columns = AnnotationColumns()
        for i in 0..<columns.count {
            parsed.samples[Int(columns.sample[i])].annotations.append(columns.annotation(i, labels: parsed.labels))
        }
        return parsed
    }

    func parseColumns(root: URL, type: DatasetType, prober: ImageProbeQueue?) throws -> ParsedDataset {
        guard type == .detection || type == .instanceSegmentation else {
            throw JSONDatasetError("COCO files carry detection or instance segmentation datasets, not \(type.rawValue)")
        }
        var reader = COCOReader(type: type)
        reader.prober = prober
        let (base, files) = try reader.annotationFiles(root)

        var loaded: [COCOFile] = []
        var firstError: String?
        for url in files {
            let relative = COCOReader.relativePath(url, under: base)
            do {
                let document = try JSONDocument(contentsOf: url)
                guard document.root.kind == .object else {
                    throw JSONDatasetError("top level is not an object; a COCO file is {\"images\": [...], \"annotations\": [...], \"categories\": [...]}")
                }
                guard document.root["images"]?.kind == .array else {
                    throw JSONDatasetError("no 'images' list; this does not look like a COCO annotation file")
                }
                loaded.append(COCOFile(url: url, relative: relative, document: document))
            } catch let error as JSONParseError {
                let message = "\(relative): line \(error.line), column \(error.column): \(error.message)"
                firstError = firstError ?? message
                reader.issues.append(ImportIssue(path: relative, line: error.line, reason: "not valid JSON: column \(error.column): \(error.message)"))
            } catch {
                let message = "\(relative): \(error)"
                firstError = firstError ?? message
                reader.issues.append(ImportIssue(path: relative, reason: "cannot read: \(error)"))
            }
        }
        // One broken file among several is an issue; when nothing could be read the source is unusable.
        if loaded.isEmpty {
            throw JSONDatasetError("cannot import COCO annotations: \(firstError ?? "no annotation file")")
        }

        reader.readCategories(loaded)
        for file in loaded {
            reader.readImagesAndAnnotations(file, base: base)
        }
        reader.finish()
        var parsed = ParsedDataset(labels: reader.labels, samples: reader.samples, issues: reader.issues)
        parsed.columns = reader.columns
        return parsed
    }
}

/// One annotation file, parsed.
struct COCOFile {
    var url: URL
    var relative: String
    var document: JSONDocument

    /// "instances_train2017.json" → "train2017": the name COCO gives the matching image folder.
    var stem: String {
        var name = url.deletingPathExtension().lastPathComponent
        if name.hasPrefix("instances_") { name.removeFirst("instances_".count) }
        return name
    }

    var split: Split? { COCOReader.split(fromName: stem) }
}

/// COCO image and annotation ids are usually integers, but some tools write strings.
enum COCOID: Hashable, CustomStringConvertible {
    case number(Int64)
    case text(String)

    init?(_ json: JSON?) {
        guard let json else { return nil }
        if let n = json.int64 { self = .number(n) } else if let s = json.string { self = .text(s) } else { return nil }
    }

    var description: String {
        switch self {
        case let .number(n): "\(n)"
        case let .text(s): "'\(s)'"
        }
    }
}

/// The state of one parse: labels, samples and issues accumulated across files.
struct COCOReader {
    let type: DatasetType
    var labels: [String] = []
    var samples: [ParsedSample] = []
    /// Every annotation read, naming its sample by index into `samples`.
    var columns = AnnotationColumns()
    /// Checks each image found while the rest is read (imports only).
    var prober: ImageProbeQueue?
    var issues: [ImportIssue] = []
    /// Category id → label index (several ids may share a label when names repeat).
    var labelOfCategory: [Int64: Int] = [:]
    /// Sample index by resolved source path, so an image listed twice stays one sample.
    var sampleOfSource: [String: Int] = [:]
    var usedRelativePaths: Set<String> = []
    /// Real path of the import root, and whether each image folder's real path lies inside it.
    var realBase: String?
    var confinedFolders: [String: Bool] = [:]
    /// Unknown category ids: count of annotations and the first one's description, reported once each.
    var unknownCategories: [Int64: (count: Int, first: String, path: String, line: Int?)] = [:]
    var unknownCategoryOrder: [Int64] = []
    /// Notes on annotation files not read; added last, after the problems with what was read.
    var skipped: [ImportIssue] = []

    init(type: DatasetType) { self.type = type }

    static func relativePath(_ url: URL, under base: URL) -> String {
        let full = url.standardizedFileURL.path
        let prefix = base.standardizedFileURL.path
        if full == prefix { return "" }
        if full.hasPrefix(prefix + "/") { return String(full.dropFirst(prefix.count + 1)) }
        return url.lastPathComponent
    }

    static func split(fromName name: String) -> Split? {
        let lower = name.lowercased()
        if lower.contains("train") { return .train }
        if lower.contains("val") { return .val }
        if lower.contains("test") { return .test }
        return nil
    }

    /// Finds the annotation files and the folder paths are relative to.
    mutating func annotationFiles(_ root: URL) throws -> (base: URL, files: [URL]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw JSONDatasetError("\(root.path) does not exist")
        }
        if !isDirectory.boolValue {
            return (datasetRoot(of: root), [root])
        }
        func jsonFiles(_ folder: URL) -> [URL] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { $0.lowercased().hasSuffix(".json") && !$0.hasPrefix(".") }
                .sorted()
                .map { folder.appendingPathComponent($0) }
        }
        var files = jsonFiles(root.appendingPathComponent("annotations"))
        if files.isEmpty { files = jsonFiles(root) }
        guard !files.isEmpty else {
            throw JSONDatasetError("no COCO annotation file in \(root.path): looked for annotations/*.json and *.json; choose the folder holding them or the JSON file itself")
        }
        // A full COCO download (or a datumaro export) also holds captions_*, person_keypoints_* … files
        // describing the same images; when instances_* files exist, they are the ones to read. The notes
        // come after everything else, so that the first problem shown is a real one.
        let instances = files.filter { $0.lastPathComponent.hasPrefix("instances_") }
        if !instances.isEmpty, instances.count < files.count {
            for other in files where !instances.contains(other) {
                skipped.append(ImportIssue(path: Self.relativePath(other, under: root),
                                           reason: "skipped: \(Self.otherTask(other.lastPathComponent)); only the instances_*.json files beside it are read"))
            }
            files = instances
        }
        return (root, files)
    }

    /// What a COCO file that is not instances_* holds, by its name as COCO and datumaro write them.
    static func otherTask(_ name: String) -> String {
        let kinds: [(String, String)] = [
            ("captions_", "captions, not boxes"), ("person_keypoints_", "person keypoints (their boxes repeat the instances file)"),
            ("panoptic_", "panoptic segmentation (PNG segments, not boxes)"), ("stuff_", "stuff segmentation, not object boxes"),
            ("labels_", "image-level labels (datumaro), not boxes"), ("image_info_", "an image list without annotations"),
        ]
        return kinds.first { name.hasPrefix($0.0) }?.1 ?? "not an instances_*.json file"
    }

    /// Builds labels from the categories of every file, ordered by category id.
    mutating func readCategories(_ files: [COCOFile]) {
        var nameOfID: [Int64: String] = [:]
        for file in files {
            let lines = file.document.lineIndex()
            guard let categories = file.document.root["categories"] else {
                issues.append(ImportIssue(path: file.relative, reason: "no 'categories' list; annotations cannot be given labels"))
                continue
            }
            var seenInFile: Set<Int64> = []
            for category in categories.elements {
                let line = category.offset.map { lines.line(at: $0) }
                guard let id = category["id"]?.int64 else {
                    issues.append(ImportIssue(path: file.relative, line: line, reason: "category without an integer 'id'; skipped"))
                    continue
                }
                var name = category["name"]?.string?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if name.isEmpty {
                    name = "category_\(id)"
                    issues.append(ImportIssue(path: file.relative, line: line,
                                              reason: "category \(id) has no 'name'; named '\(name)'"))
                }
                if !seenInFile.insert(id).inserted {
                    issues.append(ImportIssue(path: file.relative, line: line,
                                              reason: "category id \(id) is listed twice; the first entry ('\(nameOfID[id] ?? name)') is used"))
                    continue
                }
                if let existing = nameOfID[id] {
                    if existing != name {
                        issues.append(ImportIssue(path: file.relative, line: line,
                                                  reason: "category \(id) is '\(name)' here but '\(existing)' in another file; '\(existing)' is used"))
                    }
                    continue
                }
                nameOfID[id] = name
            }
        }
        var indexOfName: [String: Int] = [:]
        var idsOfName: [String: [Int64]] = [:]
        for id in nameOfID.keys.sorted() {
            let name = nameOfID[id]!
            idsOfName[name, default: []].append(id)
            if let index = indexOfName[name] {
                labelOfCategory[id] = index
            } else {
                indexOfName[name] = labels.count
                labelOfCategory[id] = labels.count
                labels.append(name)
            }
        }
        for name in labels {
            if let ids = idsOfName[name], ids.count > 1 {
                issues.append(ImportIssue(path: files[0].relative,
                                          reason: "category name '\(name)' is used by ids \(ids.map(String.init).joined(separator: ", ")); they were merged into one label"))
            }
        }
    }

    mutating func readImagesAndAnnotations(_ file: COCOFile, base: URL) {
        let root = file.document.root
        let lines = file.document.lineIndex()
        let jsonFolder = file.url.deletingLastPathComponent().standardizedFileURL.path
        let basePath = base.standardizedFileURL.path
        var folders: [String] = []
        for folder in [jsonFolder, basePath] {
            for candidate in [folder, folder + "/images", folder + "/" + file.stem, folder + "/images/" + file.stem]
            where !folders.contains(candidate) {
                folders.append(candidate)
            }
        }
        if realBase == nil { realBase = SafePath.realPath(basePath) ?? basePath }
        let split = file.split
        let stem = file.stem

        // Image id → sample index; ids whose image was rejected map to nil so their
        // annotations are dropped without a second message.
        var sampleOfImage = COCOImageTable()
        // Sized up front: growing tables of 100k path strings rehashes every string each time.
        let imageCount = root["images"]!.count
        sampleOfImage.reserveCapacity(imageCount)
        samples.reserveCapacity(samples.count + imageCount)
        sampleOfSource.reserveCapacity(sampleOfSource.count + imageCount)
        usedRelativePaths.reserveCapacity(usedRelativePaths.count + imageCount)
        var listings = [COCOFolderListing?](repeating: nil, count: folders.count)
        for image in root["images"]!.elements {
            let line = image.offset.map { lines.line(at: $0) }
            guard let id = COCOID(image["id"]) else {
                issues.append(ImportIssue(path: file.relative, line: line, reason: "image without an 'id'; skipped"))
                continue
            }
            guard let fileName = image["file_name"]?.string, !fileName.isEmpty else {
                issues.append(ImportIssue(path: file.relative, line: line, reason: "image \(id) has no 'file_name'; skipped"))
                sampleOfImage[id] = .some(nil)
                continue
            }
            if sampleOfImage[id] != nil {
                issues.append(ImportIssue(path: file.relative, line: line,
                                          reason: "image id \(id) is listed twice; the second entry ('\(fileName)') was skipped"))
                continue
            }
            sampleOfImage[id] = .some(addImage(fileName, image: image, file: file, stem: stem, line: line, split: split,
                                                folders: folders, listings: &listings, basePath: basePath))
        }

        guard let annotations = root["annotations"] else {
            // COCO's own test-split files (image_info_test*.json) list images only; that is normal.
            if split != .test {
                issues.append(ImportIssue(path: file.relative, reason: "no 'annotations' list; images imported without annotations"))
            }
            return
        }
        // First offset of each annotation id; lines are computed only for the rare message.
        var seenAnnotationIDs: [Int64: Int?] = [:]
        seenAnnotationIDs.reserveCapacity(annotations.count)
        columns.reserveCapacity(columns.count + annotations.count)
        var position = 0
        // Views, not JSON values: the file's document outlives the loop.
        for annotation in JSONView(annotations).elements {
            position += 1
            let offset = annotation.offset
            var line: Int? { offset.map { lines.line(at: $0) } }
            guard annotation.kind == .object else {
                issues.append(ImportIssue(path: file.relative, line: line, reason: "annotation \(position) is not an object; skipped"))
                continue
            }
            let fields = COCOAnnotationFields(annotation)
            let sourceID = fields.id?.int64
            // Built only when a message needs it: most of 500k annotations never do.
            var name: String { sourceID.map { "annotation \($0)" } ?? "annotation \(position) (no 'id')" }
            if let sourceID {
                if let firstOffset = seenAnnotationIDs[sourceID] {
                    let at = firstOffset.map { " (first on line \(lines.line(at: $0)))" } ?? ""
                    issues.append(ImportIssue(path: file.relative, line: line,
                                              reason: "annotation id \(sourceID) is used more than once\(at); both kept"))
                } else {
                    seenAnnotationIDs[sourceID] = .some(offset)
                }
            }
            guard let imageID = COCOID(fields.imageID) else {
                issues.append(ImportIssue(path: file.relative, line: line, reason: "\(name) has no 'image_id'; skipped"))
                continue
            }
            guard let target = sampleOfImage[imageID] else {
                issues.append(ImportIssue(path: file.relative, line: line,
                                          reason: "\(name) refers to image_id \(imageID), which is not in 'images'; skipped"))
                continue
            }
            guard let sampleIndex = target else { continue }  // its image was already reported
            guard let categoryID = fields.categoryID?.int64 else {
                issues.append(ImportIssue(path: file.relative, line: line, reason: "\(name) has no integer 'category_id'; skipped"))
                continue
            }
            guard let labelIndex = labelOfCategory[categoryID] else {
                if unknownCategories[categoryID] == nil {
                    unknownCategoryOrder.append(categoryID)
                    unknownCategories[categoryID] = (0, name, file.relative, line)
                }
                unknownCategories[categoryID]!.count += 1
                continue
            }
            var record = COCORecord(sourceID: sourceID, position: position, path: file.relative, offset: offset, lines: lines)
            record.append(fields, sample: sampleIndex, label: labelIndex, to: &columns)
            if !record.issues.isEmpty { issues.append(contentsOf: record.issues) }
        }
    }

    /// Finds the image file, confines it, and adds (or reuses) its sample. Returns the sample
    /// index, or nil when the image cannot be imported (an issue says why).
    /// Paths are handled as strings and checked with stat: URL operations cost more than the
    /// rest of the import together on 100k images.
    private mutating func addImage(_ fileName: String, image: JSON, file: COCOFile, stem: String, line: Int?, split: Split?,
                                   folders: [String], listings: inout [COCOFolderListing?], basePath: String) -> Int? {
        func refuse() -> Int? {
            issues.append(ImportIssue(path: file.relative, line: line,
                                      reason: "file_name '\(fileName)' not imported: symlink points outside the dataset folder"))
            return nil
        }
        let relativeName: String
        do {
            relativeName = Self.isPlainRelative(fileName) ? fileName : try SafePath.normalize(fileName)
        } catch {
            issues.append(ImportIssue(path: file.relative, line: line,
                                      reason: "file_name '\(fileName)' not imported: \(error.reason)"))
            return nil
        }
        var found: String?
        // Names without a '/' are looked up in each folder's listing, read once; others (and
        // links, and entries of unknown type) are stat'ed as before.
        let listable = !relativeName.utf8.contains(UInt8(ascii: "/"))
        for (index, folder) in folders.enumerated() {
            var lookup = Lookup.stat
            if listable {
                if listings[index] == nil { listings[index] = COCOFolderListing(path: folder) }
                lookup = listings[index]!.lookup(relativeName)
            }
            let path = folder + "/" + relativeName
            switch lookup {
            case .missing: continue
            case .file: guard isConfined(path, isLink: false) else { return refuse() }
            case .stat:
                switch statCandidate(path) {
                case .missing: continue
                case .outside: return refuse()
                case .found: break
                }
            }
            found = path
            break
        }
        // A case-insensitive file system finds by stat what the listing's exact names miss;
        // search as before so such files are found exactly as they were.
        if found == nil, listable {
            for folder in folders {
                let path = folder + "/" + relativeName
                switch statCandidate(path) {
                case .missing: continue
                case .outside: return refuse()
                case .found: found = path
                }
                break
            }
        }
        guard let key = found else {
            // The paths tried, relative to the dataset folder as the user has it.
            let tried = folders.map { ($0 == basePath ? "" : String($0.dropFirst(basePath.count + 1)) + "/") + relativeName }
            issues.append(ImportIssue(path: file.relative, line: line,
                                      reason: "image file '\(fileName)' not found: looked for \(tried.joined(separator: ", ")); skipped with its annotations"))
            return nil
        }
        let source = URL(fileURLWithPath: key, isDirectory: false)
        if let existing = sampleOfSource[key] {
            let splitNote = samples[existing].split.map { " (split \($0.rawValue))" } ?? ""
            issues.append(ImportIssue(path: file.relative, line: line,
                                      reason: "image '\(fileName)' was already listed\(splitNote); its annotations were added to that entry"))
            return existing
        }
        var size: ImageSize?
        if let width = image["width"]?.int, let height = image["height"]?.int, width > 0, height > 0 {
            size = ImageSize(width: width, height: height)
        }
        let relativePath = uniquePath("images/" + relativeName, alternative: "images/\(stem)/" + relativeName)
        let origin = line.map { "\(file.relative):\($0)" } ?? file.relative
        samples.append(ParsedSample(source: source, relativePath: relativePath, split: split, declaredSize: size, origin: origin))
        sampleOfSource[key] = samples.count - 1
        prober?.submit(samples.count - 1, source)
        return samples.count - 1
    }

    private enum StatResult { case missing, found, outside }

    /// One candidate path checked with lstat: links are followed (a dangling one is missing),
    /// folders are not images, and whatever is found must lie inside the import root.
    private mutating func statCandidate(_ path: String) -> StatResult {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        let isLink = (info.st_mode & S_IFMT) == S_IFLNK
        if isLink { guard stat(path, &info) == 0 else { return .missing } }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { return .missing }
        return isConfined(path, isLink: isLink) ? .found : .outside
    }

    /// SafePath's symlink rule (the real location must be inside the root), with the real path
    /// of each image folder computed once instead of once per image.
    private mutating func isConfined(_ path: String, isLink: Bool) -> Bool {
        let root = realBase ?? ""
        func inside(_ real: String?) -> Bool {
            guard let real else { return false }
            return real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/")
        }
        if isLink { return inside(SafePath.realPath(path)) }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        if let known = confinedFolders[parent] { return known }
        let confined = inside(SafePath.realPath(parent))
        confinedFolders[parent] = confined
        return confined
    }

    /// True when `name` is already what SafePath.normalize would return (no backslashes, no
    /// empty, "." or ".." components, not absolute, no drive letter): the common case, checked
    /// without Foundation string calls. Anything else goes through SafePath.normalize.
    static func isPlainRelative(_ name: String) -> Bool {
        var componentLength = 0
        var dots = 0
        var index = 0
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "/"):
                if componentLength == 0 || dots == componentLength { return false }
                componentLength = 0; dots = 0
            case UInt8(ascii: "\\"), 0:
                return false
            case UInt8(ascii: ":") where index == 1:
                return false
            case UInt8(ascii: "."):
                componentLength += 1; dots += 1
            default:
                componentLength += 1
            }
            index += 1
        }
        return componentLength > 0 && dots != componentLength
    }

    /// Two different files with the same name (train2017/1.jpg and val2017/1.jpg) must not land
    /// on one path in the dataset folder: the second goes under its split folder, then gets a number.
    private mutating func uniquePath(_ preferred: String, alternative: String) -> String {
        if usedRelativePaths.insert(preferred).inserted { return preferred }
        if usedRelativePaths.insert(alternative).inserted { return alternative }
        let dot = alternative.lastIndex(of: ".").flatMap { $0 > (alternative.lastIndex(of: "/") ?? alternative.startIndex) ? $0 : nil }
        let stem = dot.map { String(alternative[..<$0]) } ?? alternative
        let ext = dot.map { String(alternative[$0...]) } ?? ""
        var number = 2
        while !usedRelativePaths.insert("\(stem)_\(number)\(ext)").inserted { number += 1 }
        return "\(stem)_\(number)\(ext)"
    }

    mutating func finish() {
        for id in unknownCategoryOrder {
            let entry = unknownCategories[id]!
            let others = entry.count > 1 ? " (and \(entry.count - 1) more annotations with it)" : ""
            issues.append(ImportIssue(path: entry.path, line: entry.line,
                                      reason: "\(entry.first) refers to category_id \(id), which is not in 'categories'\(others); skipped"))
        }
        issues += skipped
        skipped = []
    }
}

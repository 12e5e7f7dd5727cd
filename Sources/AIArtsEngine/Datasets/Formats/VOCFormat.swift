import Foundation

/// Pascal VOC detection datasets, in the layouts the tools write:
/// - classic VOC: Annotations/*.xml beside JPEGImages/, splits from ImageSets/Main/*.txt (VOCImageSets);
///   images listed there or sitting in JPEGImages/ without an XML are samples without objects;
/// - PaddleX's variant, where train_list.txt / val_list.txt / test_list.txt pair each image with its XML;
/// - labelImg's default: each XML beside its image, in one folder or several (VOCBesideImages).
/// Box corners are kept as written (VOC tools disagree on 0- or 1-based corners; clamping into the image
/// makes either safe), so an export writes back exactly what was read.
public struct VOCParser: DatasetParser {
    public init() {}

    static let listFiles: [(String, Split)] = [("train_list.txt", .train), ("val_list.txt", .val), ("test_list.txt", .test)]
    static let imageSetFiles: [(String, Split)] = [("train", .train), ("val", .val), ("test", .test)]
    static let maxXMLBytes = 16 << 20
    static let fallbackExtensions = ["jpg", "jpeg", "png", "webp", "bmp", "JPG", "JPEG", "PNG", "WEBP", "BMP"]

    /// One annotation file's content before class names are matched against the label list;
    /// or an image without one (`xml` nil, no objects).
    struct RawSample {
        var image: (url: URL, relative: String)
        var xml: String?
        var split: Split?
        var size: ImageSize?
        var objects: [(name: String, box: Box, line: Int, index: Int)]
        var origin: String

        static func unannotated(_ image: (url: URL, relative: String), split: Split?, origin: String) -> RawSample {
            RawSample(image: image, xml: nil, split: split, size: nil, objects: [], origin: origin)
        }
    }

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        var issues: [ImportIssue] = []
        let labelsURL = root.appendingPathComponent("labels.txt")
        var fixedLabels: [String]? = nil
        if FormatListFiles.exists(labelsURL) {
            let labels = try FormatListFiles.readLabels(labelsURL, displayPath: "labels.txt", issues: &issues)
            if labels.isEmpty {
                issues.append(ImportIssue(path: "labels.txt", reason: "labels.txt is empty; class names are taken from the annotations instead"))
            } else { fixedLabels = labels }
        }

        let lists = Self.listFiles.filter { FormatListFiles.exists(root.appendingPathComponent($0.0)) }
        if !lists.isEmpty {
            return assemble(readLists(lists, root: root, issues: &issues), fixedLabels: fixedLabels, issues: issues, underJPEGImages: true)
        }
        if Self.isClassic(root) {
            return assemble(try readFolders(root: root, issues: &issues), fixedLabels: fixedLabels, issues: issues, underJPEGImages: true)
        }
        let raws = try readBesideImages(root: root, issues: &issues)
        return assemble(raws, fixedLabels: fixedLabels, issues: issues, underJPEGImages: false)
    }

    /// Classic VOC: Annotations/, or (a test set without annotations) JPEGImages/ with ImageSets/Main/.
    static func isClassic(_ root: URL) -> Bool {
        FormatListFiles.exists(root.appendingPathComponent("Annotations"), directory: true)
            || (FormatListFiles.exists(root.appendingPathComponent("JPEGImages"), directory: true)
                && FormatListFiles.exists(root.appendingPathComponent(VOCImageSets.folder), directory: true))
    }

    // MARK: layouts

    /// Classic VOC: every Annotations/*.xml is a sample, its image found in JPEGImages/; ImageSets/Main
    /// lists give splits. An image listed there, or lying in JPEGImages/, with no XML is a sample without
    /// objects (VOC's test sets ship no annotations; tools skip the XML of an image with nothing in it).
    func readFolders(root: URL, issues: inout [ImportIssue]) throws -> [RawSample] {
        let annotations = root.appendingPathComponent("Annotations")
        var xmls: [String] = []
        if FormatListFiles.exists(annotations, directory: true) {
            xmls = FormatListFiles.files(in: annotations, recursive: false, confinedTo: root, issues: &issues, shownPrefix: "Annotations/")
                .filter { ($0 as NSString).pathExtension.lowercased() == "xml" }
        }
        // Links and odd names in JPEGImages/ are reported here unless an XML of the same stem reports its image.
        var listingIssues: [ImportIssue] = []
        let images = FormatListFiles.files(in: root.appendingPathComponent("JPEGImages"), recursive: true, confinedTo: root,
                                           issues: &listingIssues, shownPrefix: "JPEGImages/").filter(FormatListFiles.isImage)
        let xmlStems = Set(xmls.map(FormatListFiles.stem))
        issues += listingIssues.filter { !xmlStems.contains(FormatListFiles.stem($0.path)) }
        // Stem → image directly in JPEGImages/, preferring the extensions VOC tools write.
        var imageOfStem: [String: String] = [:]
        for image in images where !image.contains("/") {
            let stem = FormatListFiles.stem(image)
            if let current = imageOfStem[stem], Self.extensionRank(current) <= Self.extensionRank(image) { continue }
            imageOfStem[stem] = image
        }
        let sets = VOCImageSets(root: root, known: xmlStems.union(imageOfStem.keys), issues: &issues)
        guard !xmls.isEmpty || !sets.isEmpty else {
            throw AnnotationFormatError("Annotations/ holds no .xml files; put one VOC XML per image there "
                + "(or list the images of a set without annotations in ImageSets/Main/test.txt)." + Self.segmentationHint(root))
        }
        var raws: [RawSample] = []
        var claimed: Set<String> = []
        var unread: Set<String> = []  // stems of XML files that could not be used (each has its issue)
        for xml in xmls {
            let rel = "Annotations/" + xml
            guard var raw = readAnnotation(root: root, xml: rel, image: nil, folders: ["JPEGImages/"], issues: &issues) else {
                unread.insert(FormatListFiles.stem(xml))
                continue
            }
            raw.split = sets.entry(FormatListFiles.stem(xml))?.split
            claimed.insert(raw.image.relative)
            raws.append(raw)
        }
        for entry in sets.entries where !xmlStems.contains(entry.stem) {
            guard let name = imageOfStem[entry.stem], let image = try? SafePath.resolve("JPEGImages/" + name, under: root) else {
                let stem = Excerpt.cut(entry.stem)
                issues.append(ImportIssue(path: entry.file, line: entry.line, reason:
                    "no Annotations/\(stem).xml and no image JPEGImages/\(stem).jpg (nor .jpeg, .png, .bmp); remove the line or add the image"))
                continue
            }
            guard claimed.insert(image.relative).inserted else { continue }  // an XML of another stem names it
            raws.append(.unannotated(image, split: entry.split, origin: "\(entry.file):\(entry.line)"))
        }
        for name in images {
            let rel = "JPEGImages/" + name
            // An image whose XML could not be read is not imported as one without objects.
            guard !claimed.contains(rel), name.contains("/") || !unread.contains(FormatListFiles.stem(name)),
                  let image = try? SafePath.resolve(rel, under: root) else { continue }
            raws.append(.unannotated(image, split: nil, origin: rel))
        }
        return raws
    }

    /// Rank of an image extension when two images share a stem: VOC's own .jpg first.
    static func extensionRank(_ name: String) -> Int {
        let ext = (name as NSString).pathExtension
        return fallbackExtensions.firstIndex(of: ext) ?? fallbackExtensions.count
    }

    /// labelme2voc and VOC's segmentation sets look like VOC detection without XML: say which format reads them.
    static func segmentationHint(_ root: URL) -> String {
        let masks = ["SegmentationClassPNG", "SegmentationClass"].first { FormatListFiles.exists(root.appendingPathComponent($0), directory: true) }
        return masks.map { " \($0)/ holds segmentation masks: import it as a segmentation dataset with --format seg." } ?? ""
    }

    /// PaddleX VOC: list lines 'JPEGImages/x.jpg Annotations/x.xml'.
    func readLists(_ lists: [(String, Split)], root: URL, issues: inout [ImportIssue]) -> [RawSample] {
        var raws: [RawSample] = []
        for (file, split) in lists {
            guard let lines = try? TextLines.read(root.appendingPathComponent(file)) else {
                issues.append(ImportIssue(path: file, reason: "could not be read; check its permissions"))
                continue
            }
            for line in lines {
                guard let (imageRaw, xmlRaw) = FormatListFiles.splitPair(line.text, root: root) else {
                    issues.append(ImportIssue(path: file, line: line.number, reason:
                        "expected two paths 'JPEGImages/x.jpg Annotations/x.xml' separated by a space, found one: '\(Excerpt.cut(line.text))'"))
                    continue
                }
                let image: (url: URL, relative: String)
                let xml: (url: URL, relative: String)
                do {
                    image = try SafePath.resolve(imageRaw, under: root)
                    xml = try SafePath.resolve(xmlRaw, under: root)
                } catch {
                    issues.append(ImportIssue(path: file, line: line.number, reason: "\(error); the line is skipped"))
                    continue
                }
                guard FormatListFiles.exists(image.url) else {
                    issues.append(ImportIssue(path: file, line: line.number, reason:
                        "image \(image.relative) does not exist; fix the path (relative to the dataset folder) or add the image"))
                    continue
                }
                guard FormatListFiles.exists(xml.url) else {
                    issues.append(ImportIssue(path: file, line: line.number, reason:
                        "annotation \(xml.relative) does not exist; fix the path or add the XML"))
                    continue
                }
                guard var raw = readAnnotation(root: root, xml: xml.relative, image: image, issues: &issues) else { continue }
                raw.split = split
                raw.origin = "\(file):\(line.number)"
                raws.append(raw)
            }
        }
        return raws
    }

    // MARK: one annotation file

    /// One XML file; its image is `given` (list layouts) or found in `folders` (paths under the root, each ending in '/').
    func readAnnotation(root: URL, xml: String, image given: (url: URL, relative: String)?, folders: [String] = [],
                        issues: inout [ImportIssue]) -> RawSample? {
        let doc: XMLElement
        let url = root.appendingPathComponent(xml)
        // A VOC file is a few kilobytes; a huge one is not an annotation and would only waste memory.
        if let bytes = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue, bytes > Self.maxXMLBytes {
            issues.append(ImportIssue(path: xml, reason: "is \(bytes / 1_048_576) MiB, far too large for a VOC annotation; check that it is the right file"))
            return nil
        }
        do {
            let data = try Data(contentsOf: url)
            doc = try XML.parse(data)
        } catch let error as XMLError {
            issues.append(ImportIssue(path: xml, line: error.line, reason:
                "not valid XML (\(error)); fix it in a text editor or delete the file — the other files are imported"))
            return nil
        } catch {
            issues.append(ImportIssue(path: xml, reason: "could not be read: \(error.localizedDescription)"))
            return nil
        }
        guard doc.name == "annotation" else {
            issues.append(ImportIssue(path: xml, line: doc.line, reason: "root element is <\(doc.name)>, but a VOC file starts with <annotation>"))
            return nil
        }
        guard let image = given ?? findImage(doc, root: root, xml: xml, folders: folders, issues: &issues) else { return nil }

        var size: ImageSize? = nil
        if let s = doc.child("size"), let w = s.childText("width").flatMap(Double.init), let h = s.childText("height").flatMap(Double.init),
           w.isFinite, h.isFinite, w >= 1, h >= 1, w < 1e6, h < 1e6 {
            size = ImageSize(width: Int(w.rounded()), height: Int(h.rounded()))
        }
        var objects: [(name: String, box: Box, line: Int, index: Int)] = []
        for (i, object) in doc.children(named: "object").enumerated() {
            if let box = readObject(object, index: i + 1, size: size, xml: xml, issues: &issues) {
                objects.append((object.childText("name") ?? "", box, object.line, i + 1))
            }
        }
        return RawSample(image: image, xml: xml, split: nil, size: size, objects: objects, origin: xml)
    }

    /// The image an annotation names: <filename> in the first of `folders` that has it, else <path>'s last
    /// component, else the XML's stem.
    func findImage(_ doc: XMLElement, root: URL, xml: String, folders: [String], issues: inout [ImportIssue]) -> (url: URL, relative: String)? {
        let home = folders.first ?? ""
        let homeShown = home.isEmpty ? "the dataset folder" : home
        var candidates: [String] = []
        if let filename = doc.childText("filename"), !filename.isEmpty {
            let name: String
            do { name = try SafePath.normalize(filename) } catch {
                issues.append(ImportIssue(path: xml, line: doc.child("filename")?.line, reason:
                    "<filename> \(error); write just the image's file name (it is looked up in \(homeShown))"))
                return nil
            }
            candidates.append(name)
            if (name as NSString).pathExtension.isEmpty { candidates += Self.fallbackExtensions.map { "\(name).\($0)" } }
        }
        if let path = doc.childText("path"), !path.isEmpty,
           let last = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last, last != "..", last != "." {
            candidates.append(String(last))  // tools write absolute paths from the annotator's machine: only the name is usable
        }
        let stem = FormatListFiles.stem(xml)
        candidates += Self.fallbackExtensions.map { "\(stem).\($0)" }
        var seen: Set<String> = []
        for folder in folders {
            for name in candidates where seen.insert(folder + name).inserted {
                guard let found = try? SafePath.resolve(folder + name, under: root) else { continue }
                if FormatListFiles.exists(found.url) { return found }
            }
        }
        let also = folders.count > 1 ? " and in " + folders.dropFirst().joined(separator: ", ") : ""
        let where_ = home == "JPEGImages/" ? "in JPEGImages/" : "beside its XML"
        issues.append(ImportIssue(path: xml, reason:
            "image not found: looked for \(home)\(candidates.first ?? stem + ".jpg") (from <filename>, <path> and the file's own name)\(also); "
            + "put the image \(where_) or fix <filename>"))
        return nil
    }

    /// One <object>'s box, or nil with an issue naming the object. Corners are clamped into the declared size.
    func readObject(_ object: XMLElement, index: Int, size: ImageSize?, xml: String, issues: inout [ImportIssue]) -> Box? {
        let name = object.childText("name") ?? ""
        let what = name.isEmpty ? "object \(index)" : "object \(index) ('\(name)')"
        func issue(_ reason: String) { issues.append(ImportIssue(path: xml, line: object.line, reason: "\(what): \(reason)")) }
        guard !name.isEmpty else { issue("has no <name>; add the class name or delete the object"); return nil }
        guard let bndbox = object.child("bndbox") else { issue("has no <bndbox>; draw its box or delete the object"); return nil }
        // difficult/truncated are read for completeness; aiarts keeps every object, so they change nothing.
        _ = object.childText("difficult"); _ = object.childText("truncated")
        var v: [Double] = []
        for key in ["xmin", "ymin", "xmax", "ymax"] {
            guard let text = bndbox.childText(key) else { issue("<bndbox> has no <\(key)>"); return nil }
            guard let value = Double(text), value.isFinite else { issue("<\(key)> is '\(Excerpt.cut(text))', which is not a number"); return nil }
            v.append(value)
        }
        var (x1, y1, x2, y2) = (v[0], v[1], v[2], v[3])
        if x2 < x1 { issue("xmax \(FormatListFiles.number(x2)) is less than xmin \(FormatListFiles.number(x1)); the corners look swapped — fix the box"); return nil }
        if y2 < y1 { issue("ymax \(FormatListFiles.number(y2)) is less than ymin \(FormatListFiles.number(y1)); the corners look swapped — fix the box"); return nil }
        // Tools disagree on 0- or 1-based corners, so a box may touch -1 or width+1: clamp rather than reject.
        x1 = max(0, x1); y1 = max(0, y1)
        if let size {
            x1 = min(x1, Double(size.width)); x2 = min(x2, Double(size.width))
            y1 = min(y1, Double(size.height)); y2 = min(y2, Double(size.height))
        }
        guard x2 > x1, y2 > y1 else {
            issue("the box has no area" + (size.map { " inside the \($0.width)×\($0.height) image" } ?? "") + "; redraw it or delete the object")
            return nil
        }
        return Box(x1: x1, y1: y1, x2: x2, y2: y2)
    }

    // MARK: labels and samples

    /// `underJPEGImages`: samples are stored under JPEGImages/ (classic and list layouts); otherwise each
    /// keeps the path it has in the source folder.
    func assemble(_ raws: [RawSample], fixedLabels: [String]?, issues: [ImportIssue], underJPEGImages: Bool) -> ParsedDataset {
        var issues = issues
        // Class names match ignoring case ('Dog' and 'dog' are one class). Without labels.txt the
        // spelling kept is the smallest one, so the result does not depend on file order.
        var canonical: [String: String] = [:]
        var labels: [String]
        if let fixedLabels {
            labels = fixedLabels
            for label in fixedLabels where canonical[label.lowercased()] == nil { canonical[label.lowercased()] = label }
        } else {
            for raw in raws {
                for object in raw.objects {
                    let key = object.name.lowercased()
                    if let current = canonical[key], current <= object.name { continue }
                    canonical[key] = object.name
                }
            }
            labels = Set(canonical.values).sorted()
        }
        var samples: [ParsedSample] = []
        var owner: [String: String] = [:]
        for raw in raws {
            var relative = raw.image.relative
            if underJPEGImages, !relative.hasPrefix("JPEGImages/") { relative = "JPEGImages/" + relative }
            if let first = owner[relative] {
                issues.append(ImportIssue(path: raw.xml ?? raw.origin, reason: "image \(raw.image.relative) is already described by \(first); this annotation is skipped"))
                continue
            }
            owner[relative] = raw.origin
            var annotations: [ParsedAnnotation] = []
            for object in raw.objects {
                guard let label = canonical[object.name.lowercased()] else {
                    issues.append(ImportIssue(path: raw.xml ?? raw.origin, line: object.line, reason:
                        "object \(object.index): class '\(object.name)' is not in labels.txt; add it there or fix the name"))
                    continue
                }
                annotations.append(ParsedAnnotation(label: label, box: object.box))
            }
            samples.append(ParsedSample(source: raw.image.url, relativePath: relative, split: raw.split,
                                        annotations: annotations, declaredSize: raw.size, origin: raw.origin))
        }
        return ParsedDataset(labels: labels, samples: samples, issues: issues)
    }
}

import Foundation

/// Semantic segmentation image/mask pairs, as PaddleX and PaddleSeg lay them out:
/// - lists: train_list.txt / val_list.txt / test_list.txt with lines 'images/x.jpg annotations/x.png'
///   (a test list may hold image-only lines, for images without masks);
/// - folders: images/ + annotations/, or VOC's JPEGImages/ + SegmentationClass/, paired by path and stem,
///   with splits from images/{train,val,test}/ sub-folders or ImageSets/Segmentation/*.txt;
/// - labelme2voc's output: JPEGImages/ + SegmentationClassPNG/ (older labelme; its SegmentationClass/ holds
///   .npy arrays) or JPEGImages/ + SegmentationClass/ (newer; the arrays are in SegmentationClassNpy/), with
///   class_names.txt. NumPy arrays and SegmentationClassVisualization/ are not read.
/// labels.txt (or labelme2voc's class_names.txt) is required: a mask stores class indices, and only it says
/// what they mean. labelme's `__ignore__` on line 1 is no class: labelme2voc writes its pixels as 255, which
/// is ignored like every 255. Masks are not decoded here; the pipeline decodes them and records which classes
/// each one holds.
public struct SegmentationParser: DatasetParser {
    public init() {}

    static let lists: [(String, Split)] = [("train_list.txt", .train), ("val_list.txt", .val), ("test_list.txt", .test)]
    static let folderPairs = [("images", "annotations"), ("JPEGImages", "SegmentationClassPNG"), ("JPEGImages", "SegmentationClass")]
    /// Class lists, first found wins: aiarts' and PaddleSeg's, then labelme2voc's.
    static let labelFiles = ["labels.txt", "class_names.txt"]

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        var issues: [ImportIssue] = []
        guard let labelsName = Self.labelFiles.first(where: { FormatListFiles.exists(root.appendingPathComponent($0)) }) else {
            throw AnnotationFormatError("No labels.txt (or labelme2voc's class_names.txt) in the dataset folder. Masks hold class numbers; "
                + "add labels.txt with one class name per line (line 1 is class 0, usually 'background').")
        }
        var labels = try FormatListFiles.readLabels(root.appendingPathComponent(labelsName), displayPath: labelsName, issues: &issues)
        if labels.first == "__ignore__" { labels.removeFirst() }  // labelme's list: __ignore__ is -1 (255), _background_ is 0
        guard !labels.isEmpty else {
            throw AnnotationFormatError("\(labelsName) is empty; write one class name per line (line 1 is class 0, usually 'background').")
        }
        let present = Self.lists.filter { FormatListFiles.exists(root.appendingPathComponent($0.0)) }
        var samples = present.isEmpty
            ? try readFolders(root: root, issues: &issues)
            : readLists(present, root: root, issues: &issues)
        // Two sources landing on one path in the dataset folder would overwrite each other.
        var seen: [String: String] = [:]
        samples = samples.filter { sample in
            let keys = [sample.relativePath.lowercased(), sample.mask?.relativePath.lowercased()].compactMap { $0 }
            if let clash = keys.compactMap({ seen[$0] }).first {
                issues.append(ImportIssue(path: sample.origin ?? sample.relativePath, reason:
                    "\(sample.relativePath) would import to the same name as \(clash); rename one of the files"))
                return false
            }
            for key in keys { seen[key] = sample.origin ?? sample.relativePath }
            return true
        }
        return ParsedDataset(labels: labels, samples: samples, issues: issues)
    }

    /// Where a source path goes in the dataset folder: under `top`, with its own first folder dropped
    /// ('JPEGImages/a/x.jpg' → 'images/a/x.jpg'), so lists and folders import to the same layout.
    static func target(_ relative: String, top: String) -> String {
        let parts = relative.split(separator: "/")
        return top + "/" + (parts.count > 1 ? parts.dropFirst().joined(separator: "/") : relative)
    }

    /// Masks must keep exact class numbers; JPEG compression smears them at every edge.
    static func lossyMask(_ path: String) -> Bool {
        ["jpg", "jpeg"].contains((path as NSString).pathExtension.lowercased())
    }

    func readLists(_ lists: [(String, Split)], root: URL, issues: inout [ImportIssue]) -> [ParsedSample] {
        var samples: [ParsedSample] = []
        for (file, split) in lists {
            guard let lines = try? TextLines.read(root.appendingPathComponent(file)) else {
                issues.append(ImportIssue(path: file, reason: "could not be read; check its permissions"))
                continue
            }
            for line in lines {
                func issue(_ reason: String) { issues.append(ImportIssue(path: file, line: line.number, reason: reason)) }
                let origin = "\(file):\(line.number)"
                // A whole line naming one existing image is an image without a mask (PaddleSeg test lists).
                if split == .test, let only = try? SafePath.resolve(line.text, under: root), FormatListFiles.exists(only.url) {
                    samples.append(ParsedSample(source: only.url, relativePath: Self.target(only.relative, top: "images"),
                                                split: split, origin: origin))
                    continue
                }
                guard let (imageRaw, maskRaw) = FormatListFiles.splitPair(line.text, root: root) else {
                    issue("expected two paths 'images/x.jpg annotations/x.png' separated by a space, found one: '\(Excerpt.cut(line.text))'")
                    continue
                }
                let image: (url: URL, relative: String), mask: (url: URL, relative: String)
                do {
                    image = try SafePath.resolve(imageRaw, under: root)
                    mask = try SafePath.resolve(maskRaw, under: root)
                } catch {
                    issue("\(error); the line is skipped")
                    continue
                }
                guard FormatListFiles.exists(image.url) else {
                    issue("image \(image.relative) does not exist; fix the path (relative to the dataset folder) or add the image")
                    continue
                }
                guard FormatListFiles.exists(mask.url) else {
                    issue("mask \(mask.relative) does not exist; fix the path or add the mask PNG")
                    continue
                }
                guard !Self.lossyMask(mask.relative) else {
                    issue("mask \(mask.relative) is a JPEG, whose compression changes class numbers at edges; save masks as PNG")
                    continue
                }
                samples.append(ParsedSample(source: image.url, relativePath: Self.target(image.relative, top: "images"), split: split,
                                            mask: ParsedFile(source: mask.url, relativePath: Self.target(mask.relative, top: "annotations")),
                                            origin: origin))
            }
        }
        return samples
    }

    func readFolders(root: URL, issues: inout [ImportIssue]) throws -> [ParsedSample] {
        guard let (imageDir, maskDir) = Self.folderPairs.first(where: {
            FormatListFiles.exists(root.appendingPathComponent($0.0), directory: true)
                && FormatListFiles.exists(root.appendingPathComponent($0.1), directory: true)
        }) else {
            throw AnnotationFormatError("the dataset folder has no train_list.txt/val_list.txt and no images/ + annotations/ folders "
                + "(or JPEGImages/ + SegmentationClass/ or SegmentationClassPNG/). Put images and their PNG masks there, paired by file name.")
        }
        let splitsByStem = readImageSets(root: root, issues: &issues)
        let masks = FormatListFiles.files(in: root.appendingPathComponent(maskDir), recursive: true, confinedTo: root,
                                          issues: &issues, shownPrefix: maskDir + "/")
        // Masks are found by folder and stem, ignoring extension case ('x.PNG' pairs with 'x.jpg').
        // labelme2voc writes a NumPy copy of each mask (.npy) beside or near the PNG: it is not a mask image.
        var maskByKey: [String: String] = [:]
        var arrays: Set<String> = []
        for mask in masks {
            let key = ((mask as NSString).deletingPathExtension).lowercased()
            if (mask as NSString).pathExtension.lowercased() == "npy" { arrays.insert(key); continue }
            if maskByKey[key] == nil || (mask as NSString).pathExtension.lowercased() == "png" { maskByKey[key] = mask }
        }
        var samples: [ParsedSample] = []
        let images = FormatListFiles.files(in: root.appendingPathComponent(imageDir), recursive: true, confinedTo: root,
                                           issues: &issues, shownPrefix: imageDir + "/")
        for image in images where FormatListFiles.isImage(image) {
            let imageRel = "\(imageDir)/\(image)"
            let key = ((image as NSString).deletingPathExtension).lowercased()
            guard let mask = maskByKey[key] else {
                let stem = (image as NSString).deletingPathExtension
                issues.append(ImportIssue(path: imageRel, reason: arrays.contains(key)
                    ? "its mask \(maskDir)/\(stem).npy is a NumPy array; aiarts reads PNG masks (labelme2voc writes them to SegmentationClassPNG/)"
                    : "no mask \(maskDir)/\(stem).png for this image; add the mask or remove the image"))
                continue
            }
            let maskRel = "\(maskDir)/\(mask)"
            guard !Self.lossyMask(mask) else {
                issues.append(ImportIssue(path: maskRel, reason: "mask is a JPEG, whose compression changes class numbers at edges; save masks as PNG"))
                continue
            }
            let first = image.split(separator: "/").first.map(String.init) ?? ""
            let split = image.contains("/") ? Split(rawValue: first) : nil
            samples.append(ParsedSample(source: root.appendingPathComponent(imageRel), relativePath: "images/\(image)",
                                        split: split ?? splitsByStem[FormatListFiles.stem(image)],
                                        mask: ParsedFile(source: root.appendingPathComponent(maskRel), relativePath: "annotations/\(mask)"),
                                        origin: imageRel))
        }
        if samples.isEmpty && issues.allSatisfy({ $0.path == "labels.txt" }) {
            throw AnnotationFormatError("\(imageDir)/ in \(root.path) holds no images (.jpg, .png, ...).")
        }
        return samples
    }

    /// VOC's ImageSets/Segmentation/{train,val,test}.txt: one image stem per line.
    func readImageSets(root: URL, issues: inout [ImportIssue]) -> [String: Split] {
        var result: [String: Split] = [:]
        for split in Split.allCases {
            let rel = "ImageSets/Segmentation/\(split.rawValue).txt"
            guard FormatListFiles.exists(root.appendingPathComponent(rel)) else { continue }
            guard let lines = try? TextLines.read(root.appendingPathComponent(rel)) else {
                issues.append(ImportIssue(path: rel, reason: "could not be read; check its permissions"))
                continue
            }
            for line in lines where result[line.text] == nil { result[line.text] = split }
        }
        return result
    }
}

/// Writes a segmentation dataset in the PaddleX/PaddleSeg layout: images/, annotations/ (PNG masks),
/// {train,val,test}_list.txt and labels.txt. Samples without a split go to train_list.txt, since PaddleX trains
/// from the lists. Samples without a mask carry no labels to export and are left out.
public struct SegmentationExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        let labelled = content.samples.filter { $0.maskPath != nil }
        let names = FormatListFiles.uniqueNames(for: labelled.map(\.path), droppingTopFolders: ["images", "JPEGImages"])
        var lists: [Split: [String]] = [:]
        for (sample, name) in zip(labelled, names) {
            guard let maskPath = sample.maskPath else { continue }
            let ext = (maskPath as NSString).pathExtension
            let maskName = (name as NSString).deletingPathExtension + "." + (ext.isEmpty ? "png" : ext)
            try FormatListFiles.copy(datasetFolder.appendingPathComponent(sample.path), to: destination.appendingPathComponent("images/\(name)"))
            try FormatListFiles.copy(datasetFolder.appendingPathComponent(maskPath), to: destination.appendingPathComponent("annotations/\(maskName)"))
            lists[sample.split ?? .train, default: []].append("images/\(name) annotations/\(maskName)\n")
        }
        for split in Split.allCases {
            guard let lines = lists[split] else { continue }
            try FormatListFiles.write(lines.joined(), to: destination.appendingPathComponent("\(split.rawValue)_list.txt"))
        }
        try FormatListFiles.write(content.labels.map { $0 + "\n" }.joined(), to: destination.appendingPathComponent("labels.txt"))
    }
}

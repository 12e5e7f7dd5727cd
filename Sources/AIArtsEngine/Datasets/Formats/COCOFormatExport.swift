import Foundation

/// Writes a dataset as COCO: `annotations/instances_{split}.json` for each split present
/// (`instances_all.json` for samples without one) and the images under `images/`.
/// `COCOParser` reads the result back to the same labels, samples, boxes and splits.
public struct COCOExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        guard content.type == .detection || content.type == .instanceSegmentation else {
            throw JSONDatasetError("COCO export carries detection or instance segmentation datasets, not \(content.type.rawValue)")
        }
        let fileManager = FileManager.default
        let annotationsFolder = destination.appendingPathComponent("annotations")
        let imagesFolder = destination.appendingPathComponent("images")
        try fileManager.createDirectory(at: annotationsFolder, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: imagesFolder, withIntermediateDirectories: true)

        let fileNames = Self.fileNames(content.samples)
        let annotationIDs = Self.annotationIDs(content.samples)

        var groups: [(name: String, samples: [Int])] = []
        for split in [Split.train, .val, .test] as [Split?] + [nil] {
            let members = content.samples.indices.filter { content.samples[$0].split == split }
            if !members.isEmpty { groups.append((split?.rawValue ?? "all", members)) }
        }
        if groups.isEmpty { groups = [("all", [])] }  // an empty dataset still gets a valid file

        var annotationCursor = 0
        var annotationIndex: [Int] = []  // first flat annotation index of each sample
        for sample in content.samples {
            annotationIndex.append(annotationCursor)
            annotationCursor += sample.annotations.count
        }

        for group in groups {
            var w = JSONWriter()
            w.beginObject()
            w.key("info"); w.beginObject()
            w.member("description", "exported by aiarts")
            w.member("version", "1.0")
            w.endObject()
            w.key("licenses"); w.beginArray(); w.endArray()  // pycocotools' loadRes copies these keys
            w.key("images"); w.beginArray()
            for index in group.samples {
                let sample = content.samples[index]
                w.beginObject()
                w.member("id", index + 1)
                w.member("file_name", fileNames[index])
                w.member("width", sample.size.width)
                w.member("height", sample.size.height)
                w.endObject()
            }
            w.endArray()
            w.key("annotations"); w.beginArray()
            for index in group.samples {
                for (k, annotation) in content.samples[index].annotations.enumerated() {
                    guard annotation.labelIndex >= 0, annotation.labelIndex < content.labels.count else {
                        throw JSONDatasetError("sample '\(content.samples[index].path)' has an annotation with label index \(annotation.labelIndex), but the dataset has \(content.labels.count) labels")
                    }
                    writeAnnotation(&w, annotation, id: annotationIDs[annotationIndex[index] + k], imageID: index + 1)
                }
            }
            w.endArray()
            w.key("categories"); w.beginArray()
            for (index, label) in content.labels.enumerated() {
                w.beginObject()
                w.member("id", index + 1)
                w.member("name", label)
                w.member("supercategory", "")
                w.endObject()
            }
            w.endArray()
            w.endObject()
            let url = annotationsFolder.appendingPathComponent("instances_\(group.name).json")
            try Data(w.bytes).write(to: url, options: .atomic)
        }

        for (index, sample) in content.samples.enumerated() {
            let source: URL
            do {
                source = try SafePath.resolve(sample.path, under: datasetFolder).url
            } catch {
                throw JSONDatasetError("sample path '\(sample.path)' cannot be exported: \(error.reason)")
            }
            let target = imagesFolder.appendingPathComponent(fileNames[index])
            try FormatListFiles.copy(source, to: target)
        }
    }

    private func writeAnnotation(_ w: inout JSONWriter, _ annotation: StoredAnnotation, id: Int64, imageID: Int) {
        w.beginObject()
        w.key("id"); w.number(id)
        w.member("image_id", imageID)
        w.member("category_id", annotation.labelIndex + 1)
        w.key("iscrowd"); w.number(annotation.isCrowd ? 1 : 0)
        w.member("area", COCOGeometry.area(annotation.segmentation, box: annotation.box))
        if let box = annotation.box ?? (annotation.segmentation.flatMap { Self.polygonBounds($0) }) {
            w.key("bbox"); w.beginArray()
            w.number(box.x); w.number(box.y); w.number(box.width); w.number(box.height)
            w.endArray()
        }
        w.key("segmentation")
        switch annotation.segmentation {
        case let .polygons(polygons)?:
            w.beginArray()
            for polygon in polygons {
                w.beginArray()
                for value in polygon { w.number(value) }
                w.endArray()
            }
            w.endArray()
        case let .rle(height, width, counts)?:
            w.beginObject()
            w.key("size"); w.beginArray(); w.number(height); w.number(width); w.endArray()
            w.key("counts"); w.beginArray()
            for count in counts { w.number(count) }
            w.endArray()
            w.endObject()
        case let .compressedRLE(height, width, counts)?:
            w.beginObject()
            w.key("size"); w.beginArray(); w.number(height); w.number(width); w.endArray()
            w.member("counts", counts)
            w.endObject()
        case nil:
            w.beginArray(); w.endArray()  // detection-only tools expect the key, empty
        }
        w.endObject()
    }

    private static func polygonBounds(_ segmentation: Segmentation) -> Box? {
        if case let .polygons(polygons) = segmentation { return COCOGeometry.bounds(polygons) }
        return nil
    }

    /// file_name for each sample: its path without the leading `images/` (imports put images
    /// there, so a round trip keeps paths), made unique.
    static func fileNames(_ samples: [StoredSample]) -> [String] {
        var used: Set<String> = []
        return samples.map { sample in
            var name = sample.path.hasPrefix("images/") ? String(sample.path.dropFirst("images/".count)) : sample.path
            if !used.insert(name).inserted {
                let base = name
                var number = 2
                repeat {
                    let dot = base.lastIndex(of: ".").flatMap { $0 > (base.lastIndex(of: "/") ?? base.startIndex) ? $0 : nil }
                    name = dot.map { "\(base[..<$0])_\(number)\(base[$0...])" } ?? "\(base)_\(number)"
                    number += 1
                } while !used.insert(name).inserted
            }
            return name
        }
    }

    /// Annotation ids: each sourceID is kept when it is positive and unique in the dataset;
    /// the rest are numbered after the largest kept one. Id 0 is renumbered because COCOeval
    /// uses 0 to mean "unmatched" and would silently mis-score such an annotation.
    static func annotationIDs(_ samples: [StoredSample]) -> [Int64] {
        var uses: [Int64: Int] = [:]
        for sample in samples {
            for annotation in sample.annotations {
                if let id = annotation.sourceID, id > 0 { uses[id, default: 0] += 1 }
            }
        }
        var next = (uses.keys.max() ?? 0) + 1
        var ids: [Int64] = []
        for sample in samples {
            for annotation in sample.annotations {
                if let id = annotation.sourceID, uses[id] == 1 {
                    ids.append(id)
                } else {
                    ids.append(next)
                    next += 1
                }
            }
        }
        return ids
    }
}

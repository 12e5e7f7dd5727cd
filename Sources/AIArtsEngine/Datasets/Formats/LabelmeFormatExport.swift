import Foundation

/// Writes a dataset as labelme files: each image copied to its dataset path under
/// `destination`, with a JSON beside it, plus `labels.txt` so the label order survives.
/// Labelme has no splits or crowd flag; those are not carried.
public struct LabelmeExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        guard content.type == .detection || content.type == .instanceSegmentation else {
            throw JSONDatasetError("labelme export carries detection datasets, not \(content.type.rawValue)")
        }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: destination, withIntermediateDirectories: true)
        let labelList = content.labels.joined(separator: "\n") + (content.labels.isEmpty ? "" : "\n")
        try Data(labelList.utf8).write(to: destination.appendingPathComponent("labels.txt"), options: .atomic)

        var usedJSON: Set<String> = []
        for sample in content.samples {
            let (source, relative): (URL, String)
            do {
                (source, relative) = try SafePath.resolve(sample.path, under: datasetFolder)
            } catch {
                throw JSONDatasetError("sample path '\(sample.path)' cannot be exported: \(error.reason)")
            }
            let target = destination.appendingPathComponent(relative)
            try FormatListFiles.copy(source, to: target)

            // a.jpg → a.json, unless a.png already took it: then a.jpg.json.
            var jsonRelative = (relative as NSString).deletingPathExtension + ".json"
            if !usedJSON.insert(jsonRelative).inserted {
                jsonRelative = relative + ".json"
                usedJSON.insert(jsonRelative)
            }
            var w = JSONWriter(pretty: true)
            w.beginObject()
            w.member("version", "5.2.1")
            w.key("flags"); w.beginObject(); w.endObject()
            w.key("shapes"); w.beginArray()
            for annotation in sample.annotations {
                guard annotation.labelIndex >= 0, annotation.labelIndex < content.labels.count else {
                    throw JSONDatasetError("sample '\(sample.path)' has an annotation with label index \(annotation.labelIndex), but the dataset has \(content.labels.count) labels")
                }
                // An RLE mask with no box has no labelme shape; exporters have no issue channel, and
                // the stored records always carry a box for detection, so this is a corner case.
                guard let shape = Self.shape(annotation) else { continue }
                w.beginObject()
                w.member("label", content.labels[annotation.labelIndex])
                w.key("points"); w.beginArray()
                for (x, y) in shape.points {
                    w.beginArray(); w.number(x); w.number(y); w.endArray()
                }
                w.endArray()
                w.key("group_id"); w.null()
                w.member("description", "")
                w.member("shape_type", shape.type)
                w.key("flags"); w.beginObject(); w.endObject()
                w.endObject()
            }
            w.endArray()
            w.member("imagePath", (relative as NSString).lastPathComponent)
            w.key("imageData"); w.null()
            w.member("imageHeight", sample.size.height)
            w.member("imageWidth", sample.size.width)
            w.endObject()
            try Data(w.bytes).write(to: destination.appendingPathComponent(jsonRelative), options: .atomic)
        }
    }

    /// A single polygon whose bounds are the box is written as a polygon (nothing lost, and
    /// re-import gives the same box); anything else as the box's rectangle.
    static func shape(_ annotation: StoredAnnotation) -> (type: String, points: [(Double, Double)])? {
        if case let .polygons(polygons)? = annotation.segmentation, polygons.count == 1,
           let bounds = COCOGeometry.bounds(polygons), annotation.box.map({ $0 == bounds }) ?? true {
            let polygon = polygons[0]
            return ("polygon", stride(from: 0, to: polygon.count - 1, by: 2).map { (polygon[$0], polygon[$0 + 1]) })
        }
        guard let box = annotation.box else { return nil }
        return ("rectangle", [(box.x, box.y), (box.x2, box.y2)])
    }
}

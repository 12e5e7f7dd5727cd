import Foundation

/// Reads a COCO ground-truth file and a COCO results file (what `aiarts eval coco` takes) with
/// the engine's tape parser: a results file of a million detections is read without building a
/// dictionary per detection.
public enum COCOFiles {
    /// - Parameter masks: also read each annotation's "segmentation" and the images' sizes (for `segm`).
    public static func loadGroundTruth(_ url: URL, masks: Bool = false) throws -> COCOGroundTruth {
        let document = try parse(url, what: "ground-truth file")
        return try groundTruth(document, name: url.lastPathComponent, masks: masks)
    }

    /// - Parameter masks: read each result's "segmentation" (required then; "bbox" becomes optional).
    public static func loadDetections(_ url: URL, masks: Bool = false) throws -> COCODetections {
        let document = try parse(url, what: "detections file")
        return try detections(document, name: url.lastPathComponent, masks: masks)
    }

    static func parse(_ url: URL, what: String) throws -> JSONDocument {
        let bytes: [UInt8]
        do {
            bytes = try JSONDocument.readBytes(url)
        } catch {
            throw AIArtsError(.io, "cannot read the \(what) \(url.path): \(error.localizedDescription)")
        }
        do {
            return try JSONDocument(bytes: bytes)
        } catch {
            throw AIArtsError(.badInput, "\(url.path) is not valid JSON: \(error)")
        }
    }

    /// Parses ground truth from a document: "images" (ids), "categories" (ids, names) and
    /// "annotations" (id, image_id, category_id, bbox, area, iscrowd).
    public static func groundTruth(_ document: JSONDocument, name: String, masks: Bool = false) throws -> COCOGroundTruth {
        let root = document.root
        guard root.kind == .object else { throw AIArtsError(.badInput, "\(name): expected a COCO object with images, annotations and categories") }
        var gt = COCOGroundTruth()
        guard let images = root["images"], images.kind == .array else {
            throw AIArtsError(.badInput, "\(name): no \"images\" list; is this a COCO ground-truth file?")
        }
        for (n, image) in images.elements.enumerated() {
            guard let id = image["id"].flatMap(identifier) else {
                throw AIArtsError(.badInput, "\(name): images[\(n)] has no integer \"id\"")
            }
            gt.imageIDs.append(id)
            if masks, let w = image["width"]?.int, let h = image["height"]?.int { gt.imageSizes[id] = ImageSize(width: w, height: h) }
        }
        guard let categories = root["categories"], categories.kind == .array else {
            throw AIArtsError(.badInput, "\(name): no \"categories\" list; is this a COCO ground-truth file?")
        }
        for (n, category) in categories.elements.enumerated() {
            guard let id = category["id"].flatMap(identifier) else {
                throw AIArtsError(.badInput, "\(name): categories[\(n)] has no integer \"id\"")
            }
            gt.categoryIDs.append(id)
            if let label = category["name"]?.string { gt.categoryNames[id] = label }
        }
        guard let annotations = root["annotations"], annotations.kind == .array else {
            throw AIArtsError(.badInput, "\(name): no \"annotations\" list; is this a COCO ground-truth file?")
        }
        gt.annotationIDs.reserveCapacity(annotations.count)
        gt.boxes.reserveCapacity(annotations.count * 4)
        for (n, annotation) in annotations.elements.enumerated() {
            let fields = try readFields(annotation)
            guard let image = fields.image, let category = fields.category else {
                throw AIArtsError(.badInput, "\(name): annotations[\(n)] needs integer \"image_id\" and \"category_id\"")
            }
            guard let box = fields.box else {
                throw AIArtsError(.badInput, "\(name): annotations[\(n)] has no \"bbox\" of four numbers [x, y, width, height]")
            }
            var segmentation: Segmentation?
            if masks, let s = fields.segmentation, !s.isNull {
                guard let parsed = PredictionsFile.segmentation(s) else {
                    throw AIArtsError(.badInput, "\(name): annotations[\(n)] has a \"segmentation\" that is neither polygons nor RLE")
                }
                segmentation = parsed
            }
            gt.append(id: fields.id ?? Int64(n + 1), image: image, category: category, box: box,
                      area: fields.area ?? box.width * box.height, isCrowd: fields.crowd, segmentation: segmentation)
        }
        return gt
    }

    /// Parses a results list: [{"image_id", "category_id", "bbox", "score"}, ...].
    public static func detections(_ document: JSONDocument, name: String, masks: Bool = false) throws -> COCODetections {
        let root = document.root
        guard root.kind == .array else {
            throw AIArtsError(.badInput, "\(name): expected a JSON list of detections [{\"image_id\", \"category_id\", \"bbox\", \"score\"}, ...]")
        }
        var dt = COCODetections()
        dt.images.reserveCapacity(root.count); dt.categories.reserveCapacity(root.count)
        dt.boxes.reserveCapacity(root.count * 4); dt.scores.reserveCapacity(root.count)
        for (n, item) in root.elements.enumerated() {
            let fields = try readFields(item)
            guard let image = fields.image, let category = fields.category else {
                throw AIArtsError(.badInput, "\(name): detection [\(n)] needs integer \"image_id\" and \"category_id\"")
            }
            var segmentation: Segmentation?
            if masks {
                guard let s = fields.segmentation, let parsed = PredictionsFile.segmentation(s) else {
                    throw AIArtsError(.badInput, "\(name): detection [\(n)] has no \"segmentation\" (RLE {\"size\", \"counts\"} or polygons)")
                }
                segmentation = parsed
            }
            guard let box = fields.box ?? (masks ? Box(x: 0, y: 0, width: 0, height: 0) : nil) else {
                throw AIArtsError(.badInput, "\(name): detection [\(n)] has no \"bbox\" of four numbers [x, y, width, height]")
            }
            guard let score = fields.score else {
                throw AIArtsError(.badInput, "\(name): detection [\(n)] has no numeric \"score\"")
            }
            dt.append(image: image, category: category, box: box, score: score, segmentation: segmentation)
        }
        return dt
    }

    private struct Fields {
        var id: Int64?, image: Int64?, category: Int64?, box: Box?, area: Double?, score: Double?, crowd = false
        var segmentation: JSON?
    }

    /// One pass over an annotation's members.
    private static func readFields(_ object: JSON) throws -> Fields {
        var f = Fields()
        guard object.kind == .object else { return f }
        object.forEachMember { key, value in
            switch key.count {
            case 2 where equal(key, "id"): f.id = identifier(value)
            case 4 where equal(key, "bbox"):
                if value.kind == .array, value.count == 4, let v = value.doubles { f.box = Box(x: v[0], y: v[1], width: v[2], height: v[3]) }
            case 4 where equal(key, "area"): f.area = value.double
            case 5 where equal(key, "score"): f.score = value.double
            case 7 where equal(key, "iscrowd"): f.crowd = (value.double ?? 0) != 0 || value.bool == true
            case 8 where equal(key, "image_id"): f.image = identifier(value)
            case 11 where equal(key, "category_id"): f.category = identifier(value)
            case 12 where equal(key, "segmentation"): f.segmentation = value
            default: break
            }
        }
        return f
    }

    static func identifier(_ value: JSON) -> Int64? { value.int64 }

    private static func equal(_ key: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard key.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { t in
            for i in 0..<key.count where key[i] != t[i] { return false }
            return true
        }
    }
}

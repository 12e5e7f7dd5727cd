import Foundation

/// Writes an ultralytics-style YOLO dataset: images/{split}/, labels/{split}/ (one .txt per image, rows with
/// six decimals as ultralytics writes them) and data.yaml. Samples without a split go to train, because
/// ultralytics needs every image in a split; val is always present (possibly empty) since training requires it.
/// Instance-segmentation datasets write polygon rows (the polygon with the most points, as YOLO has one
/// outline per row); everything else writes boxes.
public struct YOLOExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        let names = FormatListFiles.uniqueNames(for: content.samples.map(\.path), droppingTopFolders: ["images", "JPEGImages"])
        var splits: Set<Split> = [.train, .val]
        for (sample, name) in zip(content.samples, names) {
            let split = sample.split ?? .train
            splits.insert(split)
            try FormatListFiles.copy(datasetFolder.appendingPathComponent(sample.path),
                                     to: destination.appendingPathComponent("images/\(split.rawValue)/\(name)"))
            let rows = try sample.annotations.compactMap { try row($0, sample: sample, content: content) }
            let stem = (name as NSString).deletingPathExtension
            try FormatListFiles.write(rows.map { $0 + "\n" }.joined(),
                                      to: destination.appendingPathComponent("labels/\(split.rawValue)/\(stem).txt"))
        }
        for split in splits {
            for top in ["images", "labels"] {
                try FileManager.default.createDirectory(at: destination.appendingPathComponent("\(top)/\(split.rawValue)"),
                                                        withIntermediateDirectories: true)
            }
        }
        var yaml = "# Exported by aiarts. Paths are relative to this file's folder.\npath: .\n"
        for split in Split.allCases where splits.contains(split) { yaml += "\(split.rawValue): images/\(split.rawValue)\n" }
        yaml += "nc: \(content.labels.count)\nnames:\n"
        for (index, label) in content.labels.enumerated() { yaml += "  \(index): \(Self.quote(label))\n" }
        try FormatListFiles.write(yaml, to: destination.appendingPathComponent("data.yaml"))
    }

    func row(_ annotation: StoredAnnotation, sample: StoredSample, content: DatasetContent) throws -> String? {
        guard content.labels.indices.contains(annotation.labelIndex) else {
            throw AnnotationFormatError("\(sample.path) has an annotation with class index \(annotation.labelIndex), "
                + "but the dataset has \(content.labels.count) classes; repair the dataset before exporting")
        }
        let w = Double(max(sample.size.width, 1)), h = Double(max(sample.size.height, 1))
        func f(_ v: Double) -> String { String(format: "%.6f", min(1, max(0, v))) }
        if content.type == .instanceSegmentation, case .polygons(let polygons)? = annotation.segmentation,
           let polygon = polygons.max(by: { $0.count < $1.count }), polygon.count >= 6 {
            let coords = stride(from: 0, to: polygon.count - 1, by: 2).flatMap { [f(polygon[$0] / w), f(polygon[$0 + 1] / h)] }
            return ([String(annotation.labelIndex)] + coords).joined(separator: " ")
        }
        guard let box = annotation.box, box.width > 0, box.height > 0 else { return nil }
        return [String(annotation.labelIndex), f((box.x + box.width / 2) / w), f((box.y + box.height / 2) / h),
                f(box.width / w), f(box.height / h)].joined(separator: " ")
    }

    /// Double-quoted YAML scalar, so names with ':', '#', quotes or leading spaces survive.
    static func quote(_ text: String) -> String {
        var out = "\""
        for ch in text.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}

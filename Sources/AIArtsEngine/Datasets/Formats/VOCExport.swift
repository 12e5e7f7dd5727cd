import Foundation

/// Writes a detection dataset as Pascal VOC: Annotations/*.xml, JPEGImages/, ImageSets/Main/{train,val,test}.txt
/// and labels.txt (which PaddleX reads and which keeps class order on re-import).
/// Corners are written exactly as stored (shortest round-trippable numbers), so VOC → aiarts → VOC is lossless.
/// Samples without a split are exported but listed in no ImageSets file, as VOC itself allows.
public struct VOCExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        let names = FormatListFiles.uniqueNames(for: content.samples.map(\.path), droppingTopFolders: ["JPEGImages", "images"])
        var splitStems: [Split: [String]] = [:]
        for (sample, name) in zip(content.samples, names) {
            try FormatListFiles.copy(datasetFolder.appendingPathComponent(sample.path),
                                     to: destination.appendingPathComponent("JPEGImages/" + name))
            let stem = (name as NSString).deletingPathExtension
            try FormatListFiles.write(try annotationXML(sample, fileName: name, labels: content.labels),
                                      to: destination.appendingPathComponent("Annotations/\(stem).xml"))
            if let split = sample.split { splitStems[split, default: []].append(stem) }
        }
        for split in Split.allCases {
            let stems = splitStems[split] ?? []
            guard !stems.isEmpty else { continue }
            try FormatListFiles.write(stems.map { $0 + "\n" }.joined(),
                                      to: destination.appendingPathComponent("ImageSets/Main/\(split.rawValue).txt"))
        }
        let trainval = (splitStems[.train] ?? []) + (splitStems[.val] ?? [])
        if !trainval.isEmpty {
            try FormatListFiles.write(trainval.map { $0 + "\n" }.joined(),
                                      to: destination.appendingPathComponent("ImageSets/Main/trainval.txt"))
        }
        try FormatListFiles.write(content.labels.map { $0 + "\n" }.joined(), to: destination.appendingPathComponent("labels.txt"))
    }

    func annotationXML(_ sample: StoredSample, fileName: String, labels: [String]) throws -> String {
        var xml = "<annotation>\n"
        xml += "  <folder>JPEGImages</folder>\n"
        xml += "  <filename>\(XML.escape(fileName))</filename>\n"
        xml += "  <size>\n    <width>\(sample.size.width)</width>\n    <height>\(sample.size.height)</height>\n    <depth>3</depth>\n  </size>\n"
        xml += "  <segmented>0</segmented>\n"
        for annotation in sample.annotations {
            // VOC holds boxes only; an annotation without one (a mask-only instance) has nothing to write.
            guard let box = annotation.box else { continue }
            guard labels.indices.contains(annotation.labelIndex) else {
                throw AnnotationFormatError("\(sample.path) has an annotation with class index \(annotation.labelIndex), "
                    + "but the dataset has \(labels.count) classes; repair the dataset before exporting")
            }
            let n = FormatListFiles.number
            xml += "  <object>\n    <name>\(XML.escape(labels[annotation.labelIndex]))</name>\n"
            xml += "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    <difficult>0</difficult>\n"
            xml += "    <bndbox>\n      <xmin>\(n(box.x))</xmin>\n      <ymin>\(n(box.y))</ymin>\n"
            xml += "      <xmax>\(n(box.x2))</xmax>\n      <ymax>\(n(box.y2))</ymax>\n    </bndbox>\n  </object>\n"
        }
        return xml + "</annotation>\n"
    }
}

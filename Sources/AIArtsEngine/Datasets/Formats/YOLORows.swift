import Foundation

/// Reading one image's YOLO label file: rows 'class cx cy w h' (boxes) or 'class x1 y1 x2 y2 ...' (polygons,
/// ultralytics segment format), all normalised to 0..1. Each bad row is one issue naming file and line.
extension YOLOParser {
    /// How far outside 0..1 a value may stray (rounding in exporters) before the row counts as pixels.
    static let tolerance = 0.01

    func readSample(_ entry: ImageEntry, root: URL, labels: [String], type: DatasetType, issues: inout [ImportIssue]) -> ParsedSample? {
        let labelRel = Self.labelPath(for: entry.relative)
        let labelURL = root.appendingPathComponent(labelRel)
        let size = YOLOImageSize.read(entry.url)
        var sample = ParsedSample(source: entry.url, relativePath: entry.target, split: entry.split,
                                  declaredSize: size, origin: entry.origin)
        // No label file means an image without objects, which YOLO allows (background images).
        guard FormatListFiles.exists(labelURL) else { return sample }
        do { try SafePath.confine(labelURL, relative: labelRel, under: root) } catch {
            issues.append(ImportIssue(path: labelRel, reason: "\(error); the image is skipped"))
            return nil
        }
        let lines: [TextLines.Line]
        do { lines = try TextLines.read(labelURL) } catch {
            issues.append(ImportIssue(path: labelRel, reason: "could not be read (\(error.localizedDescription)); the image is skipped"))
            return nil
        }
        sample.origin = labelRel
        guard !lines.isEmpty else { return sample }
        guard let size else {
            issues.append(ImportIssue(path: entry.relative, reason:
                "the image size could not be read from its header (not a JPEG, PNG, BMP, GIF or WebP, or damaged), "
                + "so the normalised YOLO rows in \(labelRel) cannot be placed; convert the image to JPEG or PNG"))
            return nil
        }
        for line in lines {
            if let annotation = row(line, file: labelRel, size: size, labels: labels, type: type, issues: &issues) {
                sample.annotations.append(annotation)
            }
        }
        return sample
    }

    func row(_ line: TextLines.Line, file: String, size: ImageSize, labels: [String], type: DatasetType,
             issues: inout [ImportIssue]) -> ParsedAnnotation? {
        func issue(_ reason: String) -> ParsedAnnotation? {
            issues.append(ImportIssue(path: file, line: line.number, reason: reason))
            return nil
        }
        let tokens = line.text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard tokens.count >= 5 else {
            return issue("has \(tokens.count) value\(tokens.count == 1 ? "" : "s"); a YOLO row is 'class cx cy w h' — 5 numbers separated by spaces")
        }
        guard let classValue = Double(tokens[0]), classValue >= 0, classValue == classValue.rounded(), classValue < 1e9 else {
            return issue("class '\(tokens[0])' is not a class index (0, 1, 2, ...)")
        }
        let cls = Int(classValue)
        guard cls < labels.count else {
            return issue("class \(cls) is out of range: there are \(labels.count) classes (0 to \(labels.count - 1)); add it to the class names or fix the row")
        }
        var values: [Double] = []
        for token in tokens.dropFirst() {
            guard let v = Double(token), v.isFinite else { return issue("'\(token)' is not a number") }
            values.append(v)
        }
        if values.count > 4, values.count % 2 == 1 {
            if values.count == 5 {
                return issue("has 6 values; this looks like a prediction file with a confidence column — label rows have 5 values (class cx cy w h)")
            }
            return issue("has an odd number of polygon coordinates; a polygon row is 'class x1 y1 x2 y2 ...' with x y pairs")
        }
        guard values.allSatisfy({ $0 >= -Self.tolerance && $0 <= 1 + Self.tolerance }) else {
            return issue("values must be normalised to 0..1; this looks like pixel coordinates — divide x and width by the image width, y and height by its height")
        }
        values = values.map { min(1, max(0, $0)) }  // slight overshoot from rounding: clamp
        let w = Double(size.width), h = Double(size.height)
        if values.count == 4 {
            let (cx, cy, bw, bh) = (values[0], values[1], values[2], values[3])
            let x1 = max(0, cx - bw / 2), x2 = min(1, cx + bw / 2), y1 = max(0, cy - bh / 2), y2 = min(1, cy + bh / 2)
            guard x2 > x1, y2 > y1 else { return issue("the box has no width or height; fix or delete the row") }
            return ParsedAnnotation(label: labels[cls], box: Box(x1: x1 * w, y1: y1 * h, x2: x2 * w, y2: y2 * h))
        }
        // A polygon: its bounds are the box; the outline itself is kept for instance segmentation only.
        let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] * w }
        let ys = stride(from: 1, to: values.count, by: 2).map { values[$0] * h }
        let box = Box(x1: xs.min()!, y1: ys.min()!, x2: xs.max()!, y2: ys.max()!)
        guard box.width > 0, box.height > 0 else { return issue("the polygon has no area; fix or delete the row") }
        let flat = zip(xs, ys).flatMap { [$0, $1] }
        return ParsedAnnotation(label: labels[cls], box: box,
                                segmentation: type == .instanceSegmentation ? .polygons([flat]) : nil)
    }
}

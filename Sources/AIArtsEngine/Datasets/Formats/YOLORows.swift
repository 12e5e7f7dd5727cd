import Foundation

/// Reading one image's YOLO label file, all values normalised to 0..1. Each bad row is one issue naming file and line.
/// - 'class cx cy w h': a box.
/// - 'class x1 y1 x2 y2 ...': a polygon (ultralytics segment format); its bounds are the box.
/// - 'class cx cy w h' and keypoints (ultralytics pose format): the box is kept; the dataset types hold no
///   keypoints, so they are dropped and counted in one note. With `kpt_shape: [K, D]` in data.yaml a pose row has
///   exactly 4 + K×D values after the class. Without it, a row is read as pose only when it cannot be a polygon:
///   an odd number of values after the class, 4 + 3k of them, every third keypoint value (the visibility) 0, 1 or 2.
///   Pairs (`kpt_shape: [K, 2]`) cannot be told from polygons without kpt_shape, so such rows read as polygons.
extension YOLOParser {
    /// How far outside 0..1 a value may stray (rounding in exporters) before the row counts as pixels.
    static let tolerance = 0.01

    /// What rows are read against: the class names (or numbering, when none were found) and the pose shape.
    struct RowRules {
        var labels: [String]
        /// No names were found: class i is called "i", for any i below maxNumberedClasses.
        var numbered: Bool
        var keypoints: KeypointShape?
        var type: DatasetType
    }

    /// What the rows of all files add up to: the largest class seen, and the pose rows whose keypoints were dropped.
    struct RowTally {
        var maxClass = -1
        var keypointRows = 0
        var firstKeypointRow: (path: String, line: Int)?

        func keypointNote(type: DatasetType, shape: KeypointShape?) -> ImportIssue? {
            guard let first = firstKeypointRow else { return nil }
            let rows = keypointRows == 1 ? "1 row" : "\(keypointRows) rows"
            let rule = shape == nil ? " (data.yaml gives no kpt_shape, so rows of 'class cx cy w h' and x y v triples, v being 0, 1 or 2, were read as pose rows)" : ""
            return ImportIssue(path: first.path, line: first.line, reason:
                "keypoints dropped from \(rows), this one first: dataset type \(type.rawValue) holds no keypoints; the boxes are kept\(rule)")
        }
    }

    func readSample(_ entry: ImageEntry, root: URL, rules: RowRules, tally: inout RowTally, issues: inout [ImportIssue]) -> ParsedSample? {
        let labelRel = entry.label
        let labelURL = root.appendingPathComponent(labelRel)
        // The stored size, from the header alone: normalised rows are placed against it.
        let size: ImageSize?
        let sizeProblem: String
        do { (size, sizeProblem) = (try ImageProbe.probe(entry.url, verification: .header).stored, "") } catch {
            (size, sizeProblem) = (nil, "\(error)")
        }
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
                "the image size could not be read from its header (\(sizeProblem)), "
                + "so the normalised YOLO rows in \(labelRel) cannot be placed; convert the image to JPEG, PNG or WebP"))
            return nil
        }
        for line in lines {
            if let annotation = row(line, file: labelRel, size: size, rules: rules, tally: &tally, issues: &issues) {
                sample.annotations.append(annotation)
            }
        }
        return sample
    }

    func row(_ line: TextLines.Line, file: String, size: ImageSize, rules: RowRules, tally: inout RowTally,
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
            return issue("class '\(Excerpt.cut(tokens[0]))' is not a class index (0, 1, 2, ...)")
        }
        let cls = Int(classValue)
        let label: String
        if rules.numbered {
            guard cls < Self.maxNumberedClasses else {
                return issue("class \(cls) is too large for a dataset whose classes have no names (at most \(Self.maxNumberedClasses - 1)); add classes.txt or fix the row")
            }
            label = String(cls)
        } else {
            guard cls < rules.labels.count else {
                return issue("class \(cls) is out of range: there are \(rules.labels.count) classes (0 to \(rules.labels.count - 1)); add it to the class names or fix the row")
            }
            label = rules.labels[cls]
        }
        var values: [Double] = []
        for token in tokens.dropFirst() {
            guard let v = Double(token), v.isFinite else { return issue("'\(Excerpt.cut(token))' is not a number") }
            values.append(v)
        }
        var keypointRow = false
        if let shape = rules.keypoints, values.count != 4 {
            let expected = 4 + shape.count * shape.dims
            guard values.count == expected else {
                return issue("has \(values.count + 1) values; with kpt_shape [\(shape.count), \(shape.dims)] in data.yaml a pose row is "
                    + "'class cx cy w h' and \(shape.count) keypoints of \(shape.dims) values, \(expected + 1) values in all")
            }
            values.removeLast(values.count - 4)
            keypointRow = true
        } else if values.count > 4, values.count % 2 == 1 {
            if values.count == 5 {
                return issue("has 6 values; this looks like a prediction file with a confidence column — label rows have 5 values (class cx cy w h)")
            }
            guard (values.count - 4) % 3 == 0, stride(from: 6, to: values.count, by: 3).allSatisfy({ [0, 1, 2].contains(values[$0]) }) else {
                return issue("has an odd number of polygon coordinates; a polygon row is 'class x1 y1 x2 y2 ...' with x y pairs "
                    + "(a pose row is 'class cx cy w h' and x y v keypoints; kpt_shape in data.yaml says how many)")
            }
            values.removeLast(values.count - 4)
            keypointRow = true
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
            if rules.numbered { tally.maxClass = max(tally.maxClass, cls) }
            if keypointRow {
                tally.keypointRows += 1
                if tally.firstKeypointRow == nil { tally.firstKeypointRow = (file, line.number) }
            }
            return ParsedAnnotation(label: label, box: Box(x1: x1 * w, y1: y1 * h, x2: x2 * w, y2: y2 * h))
        }
        // A polygon: its bounds are the box; the outline itself is kept for instance segmentation only.
        let xs = stride(from: 0, to: values.count, by: 2).map { values[$0] * w }
        let ys = stride(from: 1, to: values.count, by: 2).map { values[$0] * h }
        let box = Box(x1: xs.min()!, y1: ys.min()!, x2: xs.max()!, y2: ys.max()!)
        guard box.width > 0, box.height > 0 else { return issue("the polygon has no area; fix or delete the row") }
        let flat = zip(xs, ys).flatMap { [$0, $1] }
        if rules.numbered { tally.maxClass = max(tally.maxClass, cls) }
        return ParsedAnnotation(label: label, box: box,
                                segmentation: rules.type == .instanceSegmentation ? .polygons([flat]) : nil)
    }
}

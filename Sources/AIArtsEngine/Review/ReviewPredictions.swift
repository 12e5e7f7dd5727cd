import Foundation

/// A task's predictions for a dataset, indexed by sample path, loaded once for a review
/// (docs/review.md). Later files win where two predict the same path.
public struct ReviewPredictions: Sendable {
    public var taskId: String
    public var type: DatasetType
    /// The files read, oldest first.
    public var files: [URL]
    /// Sample path → what the model predicted for it.
    public var entries: [String: PredictionsFile.Entry]

    public init(taskId: String, files: [URL] = [], predictions: [PredictionsFile]) {
        self.taskId = taskId
        self.type = predictions.last?.header.task ?? .classification
        self.files = files
        var entries: [String: PredictionsFile.Entry] = [:]
        for file in predictions { for entry in file.entries { entries[entry.file] = entry } }
        self.entries = entries
    }

    public var count: Int { entries.count }
}

/// The thresholds of the disagreement score (docs/review.md).
public enum ReviewThresholds {
    /// A prediction and a stored box are the same object at this IoU or more.
    public static let match = 0.5
    /// A matched pair overlapping less than this is a poor overlap.
    public static let goodOverlap = 0.75
    /// An unmatched prediction at least this confident suggests a missing box.
    public static let confident = 0.5
    /// A stored box is spurious when no prediction at least this confident overlaps it at `touch` or more.
    public static let support = 0.3
    public static let touch = 0.1
}

extension Workspace {
    /// The task's newest predictions for its project's dataset: every tasks/Txxxx/eval/*.predictions.jsonl
    /// (and files its evaluations were given with --predictions), newest last so that it wins.
    public func reviewPredictions(taskId: String) throws -> ReviewPredictions {
        let record = try task(taskId)
        guard let dataset = try project(record.projectId).datasetId else {
            throw AIArtsError(.invalidArgument, "project \(record.projectId) of \(taskId) has no dataset, so \(taskId) has no predictions to review with")
        }
        let datasetType = try self.dataset(dataset).type
        let fm = FileManager.default
        let evalFolder = taskFolder(taskId).appendingPathComponent("eval")
        var candidates = Set<String>()
        for name in (try? fm.contentsOfDirectory(atPath: evalFolder.path)) ?? [] {
            let url = evalFolder.appendingPathComponent(name)
            if name.hasSuffix(".predictions.jsonl") {
                candidates.insert(url.path)
            } else if name.hasSuffix(".metrics.json"),
                      let data = try? Data(contentsOf: url),
                      let evaluation = try? JSONDecoder().decode(TaskEvaluation.self, from: data),
                      fm.fileExists(atPath: evaluation.predictions) {
                candidates.insert(URL(fileURLWithPath: evaluation.predictions).standardizedFileURL.path)
            }
        }
        func modified(_ path: String) -> Date {
            ((try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
        }
        let ordered = candidates.map { ($0, modified($0)) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
        var files: [URL] = [], parsed: [PredictionsFile] = []
        for path in ordered {
            let url = URL(fileURLWithPath: path)
            let file = try PredictionsFile.read(url)
            let fits = file.header.task == datasetType || (file.header.task == .detection && datasetType == .instanceSegmentation)
                || (file.header.task == .instanceSegmentation && datasetType == .detection)
            guard fits else { continue }
            files.append(url); parsed.append(file)
        }
        guard !parsed.isEmpty else {
            throw AIArtsError(.notFound, "\(taskId) has no predictions for \(dataset) yet; run `aiarts task eval \(taskId)` (it writes them), then review again")
        }
        guard datasetType == .classification || datasetType == .detection || datasetType == .instanceSegmentation else {
            throw AIArtsError(.invalidArgument, "\(dataset) is a \(datasetType.rawValue) dataset; review by disagreement needs classification or detection")
        }
        var result = ReviewPredictions(taskId: taskId, files: files, predictions: parsed)
        result.type = datasetType
        return result
    }
}

/// Compares a sample's labels with a model's predictions (the spirit of FiftyOne's mistakenness).
enum ReviewDisagreement {
    static func iou(_ a: Box, _ b: Box) -> Double {
        let w = min(a.x2, b.x2) - max(a.x, b.x), h = min(a.y2, b.y2) - max(a.y, b.y)
        guard w > 0, h > 0 else { return 0 }
        let inter = w * h
        let union = a.width * a.height + b.width * b.height - inter
        return union > 0 ? inter / union : 0
    }

    static func score(_ s: Double) -> Double { s.isFinite ? min(1, max(0, s)) : 0 }

    static func format(_ box: Box) -> String {
        "\(whole(box.x)),\(whole(box.y)) \(whole(box.width))x\(whole(box.height))"
    }

    /// A number rounded to a whole one, as text (cheaper than String(format:), which a queue calls per box).
    static func whole(_ v: Double) -> String {
        guard v.isFinite, abs(v) < 1e15 else { return "\(v)" }
        return String(Int64(v.rounded()))
    }

    /// A score with two decimals: 0.97.
    static func fixed2(_ v: Double) -> String {
        guard v.isFinite, abs(v) < 1e12 else { return "\(v)" }
        let hundredths = Int64((abs(v) * 100).rounded())
        let fraction = hundredths % 100
        return (v < 0 && hundredths > 0 ? "-" : "") + "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// Prediction labels to the dataset's label indices: by name, else case-insensitively. Made once per review.
    struct Labels {
        var names: [String]
        var index: [String: Int] = [:]

        init(_ names: [String]) {
            self.names = names
            for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
            for (i, name) in names.enumerated() where index[name.lowercased()] == nil { index[name.lowercased()] = i }
        }

        func lookup(_ name: String) -> Int? {
            if let i = index[name] { return i }
            return index[name.lowercased()]
        }
    }

    /// The suggestions for one sample, strongest first.
    static func suggestions(type: DatasetType, labels: [String], boxes: [ReviewBox], entry: PredictionsFile.Entry) -> [ReviewSuggestion] {
        suggestions(type: type, labels: Labels(labels), boxes: boxes, entry: entry)
    }

    static func suggestions(type: DatasetType, labels table: Labels, boxes: [ReviewBox], entry: PredictionsFile.Entry) -> [ReviewSuggestion] {
        let labels = table.names
        func lookup(_ name: String) -> Int? { table.lookup(name) }
        func name(_ i: Int) -> String { labels.indices.contains(i) ? labels[i] : "#\(i)" }
        var out: [ReviewSuggestion] = []
        switch type {
        case .classification:
            // The best known class; equal scores keep the file's order.
            let ranked = entry.labels.enumerated()
                .compactMap { item in lookup(item.element.label).map { (offset: item.offset, index: $0, score: score(item.element.score)) } }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.offset < $1.offset }
            guard let top = ranked.first else { break }
            let stored = Set(boxes.map(\.labelIndex))
            if !stored.contains(top.index) {
                let was = boxes.isEmpty ? "unlabelled" : "labelled " + boxes.map { name($0.labelIndex) }.joined(separator: ", ")
                out.append(ReviewSuggestion(kind: .otherClass, labelIndex: top.index, annotationId: boxes.first?.annotationId, score: top.score,
                                            text: "model: \(name(top.index)) \(fixed2(top.score)) (\(was))"))
            }
        case .detection, .instanceSegmentation:
            let stored = boxes.compactMap { b in b.box.map { (id: b.annotationId, label: b.labelIndex, box: $0) } }
            let predictions = entry.boxes.enumerated()
                .compactMap { item -> (offset: Int, label: Int, score: Double, box: Box)? in
                    guard let label = lookup(item.element.label), item.element.bbox.width > 0, item.element.bbox.height > 0 else { return nil }
                    return (item.offset, label, score(item.element.score), item.element.bbox)
                }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.offset < $1.offset }
            var taken = Set<Int>()
            for p in predictions {
                // The unmatched stored box it overlaps most (same class first on equal overlap).
                var best: (slot: Int, iou: Double)?
                for (slot, s) in stored.enumerated() where !taken.contains(slot) {
                    let o = iou(p.box, s.box)
                    guard o >= ReviewThresholds.match else { continue }
                    if let b = best, b.iou > o || (b.iou == o && stored[b.slot].label == p.label) { continue }
                    best = (slot, o)
                }
                guard let match = best else {
                    if p.score >= ReviewThresholds.confident {
                        out.append(ReviewSuggestion(kind: .missingBox, labelIndex: p.label, box: p.box, score: p.score,
                                                    text: "model: \(name(p.label)) \(fixed2(p.score)) at \(format(p.box)), no box there"))
                    }
                    continue
                }
                taken.insert(match.slot)
                let s = stored[match.slot]
                if s.label != p.label {
                    out.append(ReviewSuggestion(kind: .otherClass, labelIndex: p.label, box: p.box, annotationId: s.id, score: p.score,
                                                text: "model: \(name(p.label)) \(fixed2(p.score)) (labelled \(name(s.label)))"))
                } else if match.iou < ReviewThresholds.goodOverlap {
                    out.append(ReviewSuggestion(kind: .poorOverlap, labelIndex: p.label, box: p.box, annotationId: s.id,
                                                score: (1 - match.iou) * p.score,
                                                text: "model: \(name(p.label)) \(fixed2(p.score)) overlaps the box at IoU \(fixed2(match.iou))"))
                }
            }
            for s in stored {
                let supported = predictions.contains { $0.score >= ReviewThresholds.support && iou($0.box, s.box) >= ReviewThresholds.touch }
                guard !supported else { continue }
                // The closer the model came to this box, the weaker the suggestion.
                let nearest = predictions.map { iou($0.box, s.box) * $0.score }.max() ?? 0
                let strength = score(1 - nearest)
                out.append(ReviewSuggestion(kind: .spuriousBox, labelIndex: s.label, box: s.box, annotationId: s.id, score: strength,
                                            text: "model: nothing at the \(name(s.label)) box \(format(s.box))"))
            }
        case .segmentation:
            break
        }
        return out.enumerated().sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }.map(\.element)
    }
}

import Foundation

struct CheckedSample: Sendable {
    var source: URL
    var relativePath: String
    var split: Split?
    /// The frame the annotations refer to (stored or EXIF-rotated, whichever the annotation file declared).
    var size: ImageSize
    var annotations: [StoredAnnotation]
    var mask: ParsedFile?
}

struct CheckedSamples: Sendable {
    var labels: [String]
    var samples: [CheckedSample]
    var issues: [ImportIssue]
}

/// Decodes every image (and mask) on all cores, keeps the good ones, clamps boxes into their image,
/// and maps label names to indices.
struct SampleChecker {
    let run: ImportRun
    let type: DatasetType
    let labels: [String]
    /// The source folder (standardized, no trailing '/'): messages name files by their path under it, as the
    /// user has them, rather than by the path a format gives them in the dataset (COCO's images/…).
    var sourceRoot: String? = nil

    private enum Outcome: Sendable {
        case kept(CheckedSample, [ImportIssue])
        case failed(ImportIssue)
    }

    func check(_ samples: [ParsedSample]) throws -> CheckedSamples {
        var labels = labels
        var lookup = Self.labelLookup(labels)
        // Parsers list their labels, but an annotation may still name one they did not list.
        for sample in samples {
            for annotation in sample.annotations where Self.index(of: annotation.label, in: lookup) == nil {
                lookup[annotation.label] = labels.count
                lookup[annotation.label.lowercased()] = lookup[annotation.label.lowercased()] ?? labels.count
                labels.append(annotation.label)
            }
        }
        var issues: [ImportIssue] = []
        var unique: [ParsedSample] = []
        var seen = Set<String>()
        for sample in samples {
            if seen.insert(sample.relativePath).inserted {
                unique.append(sample)
            } else {
                issues.append(ImportIssue(path: sample.origin ?? sample.relativePath,
                                          reason: "\(sample.relativePath) is listed twice; the first entry was kept"))
            }
        }

        let total = unique.count
        try run.setStatus(.checking, "checking \(total) images", done: 0, total: total)
        let outcomes = Outcomes<Outcome>(count: total)
        let counter = Counter()
        let frozenLookup = lookup
        let work = unique
        let labelCount = labels.count
        DispatchQueue.concurrentPerform(iterations: max(1, ProcessInfo.processInfo.activeProcessorCount)) { worker in
            let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
            var index = worker
            while index < total {
                if run.cancelled() { return }
                outcomes.set(index, checkOne(work[index], lookup: frozenLookup, labelCount: labelCount))
                let done = counter.increment()
                if done % 32 == 0 || done == total { run.report(.checking, done: done, total: total) }
                index += workers
            }
        }
        try run.checkCancel()
        var kept: [CheckedSample] = []
        kept.reserveCapacity(total)
        for outcome in outcomes.values {
            switch outcome {
            case .kept(let sample, let notes)?:
                kept.append(sample)
                issues += notes
            case .failed(let issue)?:
                issues.append(issue)
            case nil:
                break
            }
        }
        return CheckedSamples(labels: labels, samples: kept, issues: issues)
    }

    /// A file's path under the source folder, or `fallback` when it lies elsewhere.
    func shown(_ source: URL, fallback: String) -> String {
        guard let sourceRoot else { return fallback }
        let full = source.path
        return full.hasPrefix(sourceRoot + "/") ? String(full.dropFirst(sourceRoot.count + 1)) : fallback
    }

    private func checkOne(_ sample: ParsedSample, lookup: [String: Int], labelCount: Int) -> Outcome {
        let stored = sample.relativePath
        let path = shown(sample.source, fallback: stored)
        let image: ProbedImage
        do {
            image = try ImageProbe.probe(sample.source, verification: run.verification)
        } catch {
            if let json = sample.embeddedIn {
                return .failed(ImportIssue(path: json, reason: "embedded 'imageData': \(Self.describe(error)); fix or remove the file"))
            }
            return .failed(ImportIssue(path: path, reason: "\(Self.describe(error)); fix or remove the file"))
        }
        var notes: [ImportIssue] = []
        // Boxes are kept in the frame the annotation tool saw: the declared size tells which.
        var frame = image.stored
        if let declared = sample.declaredSize, declared.width > 0, declared.height > 0 {
            if declared == image.display && declared != image.stored {
                frame = image.display
            } else if declared != image.stored {
                let what = sample.embeddedIn == nil ? path : "its embedded 'imageData'"
                notes.append(ImportIssue(path: sample.origin ?? path,
                                         reason: "the annotation declares \(declared.width)×\(declared.height) but \(what) is \(image.stored.width)×\(image.stored.height); boxes were clamped to the real image"))
            }
        }
        var annotations: [StoredAnnotation] = []
        for (n, parsed) in sample.annotations.enumerated() {
            guard let labelIndex = Self.index(of: parsed.label, in: lookup) else { continue }
            var stored = StoredAnnotation(labelIndex: labelIndex, box: nil, segmentation: parsed.segmentation,
                                          isCrowd: parsed.isCrowd, sourceID: parsed.sourceID)
            if let box = parsed.box {
                guard let clamped = Self.clamp(box, to: frame) else {
                    notes.append(ImportIssue(path: sample.origin ?? path,
                                             reason: "object \(n + 1) ('\(parsed.label)') box [\(Self.format(box))] lies outside the \(frame.width)×\(frame.height) image; dropped"))
                    continue
                }
                stored.box = clamped
            }
            annotations.append(stored)
        }
        if let mask = sample.mask {
            do {
                let probed = try ImageProbe.probeMask(mask.source)
                let maskPath = shown(mask.source, fallback: mask.relativePath)
                guard probed.size == image.stored || probed.size == image.display else {
                    return .failed(ImportIssue(path: maskPath, reason: "mask is \(probed.size.width)×\(probed.size.height) but its image \(path) is \(image.stored.width)×\(image.stored.height); they must match"))
                }
                var unknown: [Int] = []
                for value in 0..<256 where probed.present[value] {
                    if value == 255 { continue }  // the customary 'ignore' value
                    if value < labelCount {
                        annotations.append(StoredAnnotation(labelIndex: value))
                    } else {
                        unknown.append(value)
                    }
                }
                if !unknown.isEmpty {
                    notes.append(ImportIssue(path: maskPath, reason: "mask values \(unknown.map(String.init).joined(separator: ", ")) have no line in labels.txt (it names \(labelCount) classes, 0...\(labelCount - 1)); those pixels are ignored"))
                }
            } catch {
                return .failed(ImportIssue(path: shown(mask.source, fallback: mask.relativePath), reason: "mask: \(Self.describe(error)); fix or remove the pair"))
            }
        }
        return .kept(CheckedSample(source: sample.source, relativePath: stored, split: sample.split, size: frame,
                                   annotations: annotations, mask: sample.mask), notes)
    }

    /// Clamps a box into the image; nil when nothing of it is left inside.
    static func clamp(_ box: Box, to size: ImageSize) -> Box? {
        guard box.x.isFinite, box.y.isFinite, box.width.isFinite, box.height.isFinite else { return nil }
        let x1 = max(0, box.x), y1 = max(0, box.y)
        let x2 = min(Double(size.width), box.x2), y2 = min(Double(size.height), box.y2)
        guard x2 > x1, y2 > y1 else { return nil }
        return Box(x1: x1, y1: y1, x2: x2, y2: y2)
    }

    static func labelLookup(_ labels: [String]) -> [String: Int] {
        var lookup: [String: Int] = [:]
        for (i, name) in labels.enumerated().reversed() {
            lookup[name] = i
            lookup[name.lowercased()] = lookup[name.lowercased()] ?? i
        }
        return lookup
    }

    /// Exact name first, then case-insensitive ('Dog' and 'dog' are one class).
    static func index(of name: String, in lookup: [String: Int]) -> Int? {
        lookup[name] ?? lookup[name.lowercased()]
    }

    static func format(_ box: Box) -> String {
        [box.x, box.y, box.x2, box.y2].map { String(format: "%.1f", $0) }.joined(separator: ", ")
    }

    static func describe(_ error: Error) -> String {
        String(describing: error)
    }
}

/// Results written by index from several threads: each index is written once, by one thread.
private final class Outcomes<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [T?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.withLock { values[index] = value } }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}

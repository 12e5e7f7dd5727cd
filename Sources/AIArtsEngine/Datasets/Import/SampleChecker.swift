import Foundation

struct CheckedSample: Sendable {
    var source: URL
    var relativePath: String
    var split: Split?
    /// The frame the annotations refer to (stored or EXIF-rotated, whichever the annotation file declared).
    var size: ImageSize
    /// Its index in the parsed list: its annotations are `CheckedSamples.groups.annotations(of: index)`.
    var index: Int
    /// Labels found in the mask (segmentation datasets), stored as annotations without a box.
    var maskLabels: [Int] = []
    var mask: ParsedFile?
}

struct CheckedSamples: Sendable {
    var labels: [String]
    var samples: [CheckedSample]
    var issues: [ImportIssue]
    /// Every annotation, boxes clamped into their image; those the check left out are flagged `.dropped`.
    var columns: AnnotationColumns
    var groups: SampleGroups

    /// True when nothing is stored for `sample` but the image: no kept object, no mask.
    func isUnannotated(_ sample: CheckedSample) -> Bool {
        sample.mask == nil && sample.maskLabels.isEmpty
            && !groups.annotations(of: sample.index).contains { !columns.flags[Int($0)].has(.dropped) }
    }

    /// The stored annotations of `sample`, in reading order: its kept objects, then its mask's labels.
    func forEachAnnotation(of sample: CheckedSample, _ body: (Int) throws -> Void) rethrows {
        for i in groups.annotations(of: sample.index) where !columns.flags[Int(i)].has(.dropped) { try body(Int(i)) }
    }
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

    /// `columns` holds the annotations a parser gave in flat form; annotations listed with each
    /// sample join them here, their label names resolved to indices.
    /// `probed`: images already checked while the parser read (`ImageProbeQueue`), by sample index.
    func check(_ samples: [ParsedSample], columns parsedColumns: AnnotationColumns = AnnotationColumns(),
               probed: [Int: Result<ProbedImage, Error>] = [:]) throws -> CheckedSamples {
        var labels = labels
        var lookup = Self.labelLookup(labels)
        var columns = parsedColumns
        // Parsers list their labels, but an annotation may still name one they did not list.
        for (index, sample) in samples.enumerated() {
            for annotation in sample.annotations {
                var labelIndex = Self.index(of: annotation.label, in: lookup)
                if labelIndex == nil {
                    labelIndex = labels.count
                    lookup[annotation.label] = labels.count
                    lookup[annotation.label.lowercased()] = lookup[annotation.label.lowercased()] ?? labels.count
                    labels.append(annotation.label)
                }
                columns.append(sample: index, label: labelIndex!, annotation)
            }
        }
        var issues: [ImportIssue] = []
        var unique: [Int] = []
        var seen = Set<String>()
        seen.reserveCapacity(samples.count)
        for (index, sample) in samples.enumerated() {
            if seen.insert(sample.relativePath).inserted {
                unique.append(index)
            } else {
                issues.append(ImportIssue(path: sample.origin ?? sample.relativePath,
                                          reason: "\(sample.relativePath) is listed twice; the first entry was kept"))
            }
        }
        let groups = columns.bySample(sampleCount: samples.count)

        let total = unique.count
        try run.setStatus(.checking, "checking \(total) images", done: 0, total: total)
        let outcomes = Outcomes<Outcome>(count: total)
        let counter = Counter()
        let labelCount = labels.count
        let labelNames = labels
        let labelOf = columns.label
        let work = unique
        columns.box.withUnsafeMutableBufferPointer { boxes in
            columns.flags.withUnsafeMutableBufferPointer { flags in
                // Each annotation belongs to one sample and each sample is checked by one worker,
                // so workers write disjoint elements.
                let target = ClampTarget(boxes: boxes, flags: flags)
                let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var position = worker
                    while position < total {
                        if run.cancelled() { return }
                        let index = work[position]
                        outcomes.set(position, checkOne(samples[index], index: index, probed: probed[index], annotations: groups.annotations(of: index),
                                                        target: target, labelOf: labelOf, labels: labelNames, labelCount: labelCount))
                        let done = counter.increment()
                        if done % 32 == 0 || done == total { run.report(.checking, done: done, total: total) }
                        position += workers
                    }
                }
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
        return CheckedSamples(labels: labels, samples: kept, issues: issues, columns: columns, groups: groups)
    }

    /// A file's path under the source folder, or `fallback` when it lies elsewhere.
    func shown(_ source: URL, fallback: String) -> String {
        guard let sourceRoot else { return fallback }
        let full = source.path
        return full.hasPrefix(sourceRoot + "/") ? String(full.dropFirst(sourceRoot.count + 1)) : fallback
    }

    private func checkOne(_ sample: ParsedSample, index: Int, probed: Result<ProbedImage, Error>?, annotations: ArraySlice<Int32>, target: ClampTarget,
                          labelOf: [Int32], labels: [String], labelCount: Int) -> Outcome {
        let stored = sample.relativePath
        let path = shown(sample.source, fallback: stored)
        let image: ProbedImage
        do {
            image = try probed?.get() ?? ImageProbe.probe(sample.source, verification: run.verification)
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
        for (n, a) in annotations.enumerated() {
            let i = Int(a)
            guard target.flags[i].has(.hasBox) else { continue }
            let box = target.boxes[i]
            guard let clamped = Self.clamp(box, to: frame) else {
                target.flags[i] = AnnotationColumns.Flags(rawValue: target.flags[i].rawValue | AnnotationColumns.Flags.dropped.rawValue)
                notes.append(ImportIssue(path: sample.origin ?? path,
                                         reason: "object \(n + 1) ('\(labels[Int(labelOf[i])])') box [\(Self.format(box))] lies outside the \(frame.width)×\(frame.height) image; dropped"))
                continue
            }
            target.boxes[i] = clamped
        }
        var maskLabels: [Int] = []
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
                        maskLabels.append(value)
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
                                   index: index, maskLabels: maskLabels, mask: sample.mask), notes)
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

/// The box and flag columns, written in place by the check's workers (each annotation by the one
/// worker that checks its sample).
private final class ClampTarget: @unchecked Sendable {
    let boxes: UnsafeMutableBufferPointer<Box>
    let flags: UnsafeMutableBufferPointer<AnnotationColumns.Flags>
    init(boxes: UnsafeMutableBufferPointer<Box>, flags: UnsafeMutableBufferPointer<AnnotationColumns.Flags>) {
        self.boxes = boxes; self.flags = flags
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}

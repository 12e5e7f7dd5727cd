import Dispatch
import Foundation

/// COCO ground truth in columns: images and categories as the gt file lists them, and one
/// entry per annotation. Columns rather than an array of structs: the evaluator walks them by
/// index in tight loops, and a file of a million boxes loads into a handful of arrays.
public struct COCOGroundTruth: Sendable {
    public var imageIDs: [Int64] = []
    public var categoryIDs: [Int64] = []
    /// Category names by id, for the summary table; may be empty.
    public var categoryNames: [Int64: String] = [:]
    /// Image sizes by id: polygons are drawn at this size for mask evaluation.
    public var imageSizes: [Int64: ImageSize] = [:]

    public var annotationIDs: [Int64] = []
    public var annotationImages: [Int64] = []
    public var annotationCategories: [Int64] = []
    /// x, y, width, height per annotation (4 values each).
    public var boxes: [Double] = []
    /// The "area" field (pycocotools uses it, not the box, for the small/medium/large ranges).
    public var areas: [Double] = []
    public var crowd: [Bool] = []
    /// Masks for `segm` evaluation (nil: none; such an annotation overlaps nothing).
    public var segmentations: [Segmentation?] = []

    public init() {}

    public var annotationCount: Int { annotationIDs.count }

    public mutating func append(id: Int64, image: Int64, category: Int64, box: Box, area: Double, isCrowd: Bool,
                                segmentation: Segmentation? = nil) {
        annotationIDs.append(id); annotationImages.append(image); annotationCategories.append(category)
        boxes.append(box.x); boxes.append(box.y); boxes.append(box.width); boxes.append(box.height)
        areas.append(area); crowd.append(isCrowd); segmentations.append(segmentation)
    }
}

/// Detections (a COCO results file) in columns.
public struct COCODetections: Sendable {
    public var images: [Int64] = []
    public var categories: [Int64] = []
    public var boxes: [Double] = []
    public var scores: [Double] = []
    /// Masks for `segm` evaluation.
    public var segmentations: [Segmentation?] = []

    public init() {}

    public var count: Int { images.count }

    public mutating func append(image: Int64, category: Int64, box: Box, score: Double, segmentation: Segmentation? = nil) {
        images.append(image); categories.append(category)
        boxes.append(box.x); boxes.append(box.y); boxes.append(box.width); boxes.append(box.height)
        scores.append(score); segmentations.append(segmentation)
    }
}

/// What is compared: boxes, or masks (pycocotools' iouType "bbox" and "segm").
public enum COCOIoUType: String, Codable, Sendable, CaseIterable {
    case bbox, segm
}

/// The 12 summary numbers of pycocotools' COCOeval.summarize(), under the names aiarts prints them.
public struct COCOStats: Codable, Sendable, Equatable {
    public static let keys = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]

    /// In `keys` order; -1 where no category had ground truth (as pycocotools gives).
    public var values: [Double]

    public init(values: [Double]) { self.values = values }

    public var dictionary: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(Self.keys, values))
    }

    /// The text pycocotools' summarize() prints, line for line.
    public var summary: String {
        let rows: [(ap: Bool, iou: String, area: String, maxDets: Int)] = [
            (true, "0.50:0.95", "all", 100), (true, "0.50", "all", 100), (true, "0.75", "all", 100),
            (true, "0.50:0.95", "small", 100), (true, "0.50:0.95", "medium", 100), (true, "0.50:0.95", "large", 100),
            (false, "0.50:0.95", "all", 1), (false, "0.50:0.95", "all", 10), (false, "0.50:0.95", "all", 100),
            (false, "0.50:0.95", "small", 100), (false, "0.50:0.95", "medium", 100), (false, "0.50:0.95", "large", 100),
        ]
        func pad(_ s: String, _ n: Int, left: Bool) -> String {
            s.count >= n ? s : (left ? s + String(repeating: " ", count: n - s.count) : String(repeating: " ", count: n - s.count) + s)
        }
        return zip(rows, values).map { row, value in
            let title = row.ap ? "Average Precision" : "Average Recall"
            let kind = row.ap ? "(AP)" : "(AR)"
            return " \(pad(title, 18, left: true)) \(kind) @[ IoU=\(pad(row.iou, 9, left: true)) | area=\(pad(row.area, 6, left: false)) | maxDets=\(pad(String(row.maxDets), 3, left: false)) ] = \(String(format: "%0.3f", value))"
        }.joined(separator: "\n")
    }
}

/// pycocotools' COCOeval (evaluate, accumulate, summarize) with its exact semantics: greedy
/// matching in score order per image and category, crowd regions matched but ignored, the
/// precision envelope sampled at 101 recall points, -1 for categories without ground truth.
public struct COCOEvaluator: Sendable {
    public static let areaRanges: [(Double, Double)] = [(0, 1e10), (0, 1024), (1024, 9216), (9216, 1e10)]
    public static let maxDets = [1, 10, 100]

    /// numpy.linspace(.5, .95, 10): i * step + start, the last one exactly the stop.
    public static let iouThresholds: [Double] = linspace(0.5, 0.95, 10)
    /// numpy.linspace(0, 1, 101).
    public static let recallThresholds: [Double] = linspace(0, 1, 101)

    static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : Double($0) * step + start }
    }

    public var iouType: COCOIoUType

    public init(iouType: COCOIoUType = .bbox) { self.iouType = iouType }

    /// Accumulated tables in pycocotools' layout: precision[t][r][k][a][m], recall[t][k][a][m].
    public struct Result: Sendable {
        public var categoryIDs: [Int64]
        public var precision: [Double]
        public var recall: [Double]
        public var stats: COCOStats
        /// Detections whose image is not in the ground truth (pycocotools refuses such a file).
        public var unknownImageDetections: Int
    }

    /// Throws only for `segm`, when a mask cannot be decoded.
    public func evaluate(groundTruth gt: COCOGroundTruth, detections dt: COCODetections) throws -> Result {
        let T = Self.iouThresholds.count, R = Self.recallThresholds.count, A = Self.areaRanges.count, M = Self.maxDets.count
        let maxDet = Self.maxDets[M - 1]

        let images = Array(Set(gt.imageIDs)).sorted()
        let categories = Array(Set(gt.categoryIDs)).sorted()
        let I = images.count, K = categories.count
        var imageIndex: [Int64: Int32] = [:]
        imageIndex.reserveCapacity(I)
        for (i, id) in images.enumerated() { imageIndex[id] = Int32(i) }
        var categoryIndex: [Int64: Int32] = [:]
        for (k, id) in categories.enumerated() { categoryIndex[id] = Int32(k) }

        // Bucket ground truth and detections by (category, image), keeping file order inside each.
        func buckets(_ imagesOf: [Int64], _ categoriesOf: [Int64]) -> (start: [Int32], order: [Int32], unknownImage: Int) {
            let n = imagesOf.count
            var key = [Int32](repeating: -1, count: n)
            var start = [Int32](repeating: 0, count: K * I + 1)
            var unknown = 0
            for j in 0..<n {
                guard let k = categoryIndex[categoriesOf[j]] else { continue }
                guard let i = imageIndex[imagesOf[j]] else { unknown += 1; continue }
                let b = Int32(Int(k) * I + Int(i))
                key[j] = b
                start[Int(b) + 1] += 1
            }
            for b in 0..<(K * I) { start[b + 1] += start[b] }
            var fill = start
            var order = [Int32](repeating: 0, count: Int(start[K * I]))
            for j in 0..<n where key[j] >= 0 {
                let b = Int(key[j])
                order[Int(fill[b])] = Int32(j)
                fill[b] += 1
            }
            return (start, order, unknown)
        }
        let (gtStart, gtOrder, _) = buckets(gt.annotationImages, gt.annotationCategories)
        var (dtStart, dtOrder, unknownImages) = buckets(dt.images, dt.categories)
        // Detections of each bucket by score, highest first; ties keep file order (numpy's mergesort is stable).
        let dtScores = dt.scores
        for b in 0..<(K * I) {
            let lo = Int(dtStart[b]), hi = Int(dtStart[b + 1])
            if hi - lo > 1 {
                dtOrder[lo..<hi].sort { a, c in
                    let sa = dtScores[Int(a)], sc = dtScores[Int(c)]
                    return sa != sc ? sa > sc : a < c
                }
            }
        }

        // Masks are decoded once per annotation, only for segm; polygons drawn at their image's size.
        var gtMasks: [RLE?] = [], dtMasks: [RLE?] = []
        if iouType == .segm {
            func mask(_ s: Segmentation?, image: Int64, what: String) throws -> RLE? {
                guard let s else { return nil }
                let size = gt.imageSizes[image] ?? ImageSize(width: 0, height: 0)
                do {
                    return try RLE(s, height: size.height, width: size.width)
                } catch let error as AIArtsError {
                    throw AIArtsError(.badInput, "\(what) on image \(image): \(error.message)")
                }
            }
            for j in 0..<gt.annotationCount {
                gtMasks.append(try mask(j < gt.segmentations.count ? gt.segmentations[j] : nil, image: gt.annotationImages[j],
                                        what: "annotation \(gt.annotationIDs[j])"))
            }
            for j in 0..<dt.count {
                dtMasks.append(try mask(j < dt.segmentations.count ? dt.segmentations[j] : nil, image: dt.images[j],
                                        what: "detection [\(j)]"))
            }
        }

        var precision = [Double](repeating: -1, count: T * R * K * A * M)
        var recall = [Double](repeating: -1, count: T * K * A * M)
        let context = Context(T: T, R: R, K: K, A: A, M: M, I: I, maxDet: maxDet, iouType: iouType,
                              gt: gt, dt: dt, gtStart: gtStart, gtOrder: gtOrder, dtStart: dtStart, dtOrder: dtOrder,
                              gtMasks: gtMasks, dtMasks: dtMasks)
        precision.withUnsafeMutableBufferPointer { p in
            recall.withUnsafeMutableBufferPointer { r in
                let out = Tables(precision: p, recall: r)
                let workers = max(1, min(K, ProcessInfo.processInfo.activeProcessorCount))
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var scratch = Scratch()
                    var k = w
                    while k < K {
                        context.evaluateCategory(k, scratch: &scratch, into: out)
                        k += workers
                    }
                }
            }
        }

        let stats = Self.summarize(precision: precision, recall: recall, T: T, R: R, K: K, A: A, M: M)
        return Result(categoryIDs: categories, precision: precision, recall: recall, stats: stats,
                      unknownImageDetections: unknownImages)
    }

    /// summarize(): means over the entries above -1 of the chosen slices.
    static func summarize(precision: [Double], recall: [Double], T: Int, R: Int, K: Int, A: Int, M: Int) -> COCOStats {
        func ap(_ iou: Int?, _ a: Int, _ m: Int) -> Double {
            var sum = 0.0, n = 0
            for t in 0..<T where iou == nil || iou == t {
                for r in 0..<R {
                    for k in 0..<K {
                        let v = precision[(((t * R + r) * K + k) * A + a) * M + m]
                        if v > -1 { sum += v; n += 1 }
                    }
                }
            }
            return n == 0 ? -1 : sum / Double(n)
        }
        func ar(_ a: Int, _ m: Int) -> Double {
            var sum = 0.0, n = 0
            for t in 0..<T {
                for k in 0..<K {
                    let v = recall[((t * K + k) * A + a) * M + m]
                    if v > -1 { sum += v; n += 1 }
                }
            }
            return n == 0 ? -1 : sum / Double(n)
        }
        // The thresholds 0.5 and 0.75 sit at positions 0 and 5 of iouThresholds.
        let last = M - 1
        return COCOStats(values: [
            ap(nil, 0, last), ap(0, 0, last), ap(5, 0, last), ap(nil, 1, last), ap(nil, 2, last), ap(nil, 3, last),
            ar(0, 0), ar(0, 1), ar(0, last), ar(1, last), ar(2, last), ar(3, last),
        ])
    }
}

/// Output tables shared by the category workers; each writes only its own category's cells.
private struct Tables: @unchecked Sendable {
    let precision: UnsafeMutableBufferPointer<Double>
    let recall: UnsafeMutableBufferPointer<Double>
}

/// Buffers one worker reuses from category to category.
private struct Scratch {
    var ious: [Double] = []
    var gtPermutation: [Int] = []
    var gtIgnore: [Bool] = []
    var gtCrowd: [Bool] = []
    var gtMatched: [Bool] = []
    // Per area range, the category's detections over all images, in image order.
    var scores: [[Double]] = []
    var matched: [[UInt16]] = []
    var ignored: [[UInt16]] = []
    var rank: [[UInt8]] = []
    var npig: [Int] = []
    var order: [Int32] = []
    var rc: [Double] = []
    var pr: [Double] = []
}

private struct Context: @unchecked Sendable {
    let T: Int, R: Int, K: Int, A: Int, M: Int, I: Int, maxDet: Int
    let iouType: COCOIoUType
    let gt: COCOGroundTruth
    let dt: COCODetections
    let gtStart: [Int32], gtOrder: [Int32], dtStart: [Int32], dtOrder: [Int32]
    let gtMasks: [RLE?], dtMasks: [RLE?]

    func evaluateCategory(_ k: Int, scratch s: inout Scratch, into out: Tables) {
        let thresholds = COCOEvaluator.iouThresholds.map { min($0, 1 - 1e-10) }
        let areaRanges = COCOEvaluator.areaRanges
        if s.scores.count != A {
            s.scores = Array(repeating: [], count: A); s.matched = s.scores.map { _ in [] }
            s.ignored = s.matched; s.rank = s.scores.map { _ in [] }
        }
        for a in 0..<A {
            s.scores[a].removeAll(keepingCapacity: true); s.matched[a].removeAll(keepingCapacity: true)
            s.ignored[a].removeAll(keepingCapacity: true); s.rank[a].removeAll(keepingCapacity: true)
        }
        s.npig = Array(repeating: 0, count: A)
        var anyImage = false

        for i in 0..<I {
            let b = k * I + i
            let g0 = Int(gtStart[b]), G = Int(gtStart[b + 1]) - g0
            let d0 = Int(dtStart[b]), D = min(Int(dtStart[b + 1]) - d0, maxDet)
            if G == 0 && D == 0 { continue }
            anyImage = true
            // IoU of each detection (score order) with each gt (file order): ious[d * G + g].
            if G > 0 && D > 0 { computeIoUs(g0: g0, G: G, d0: d0, D: D, into: &s.ious) }

            for a in 0..<A {
                let (lo, hi) = areaRanges[a]
                // Ground truth in matching order: not ignored first, file order kept in each group.
                s.gtPermutation.removeAll(keepingCapacity: true)
                s.gtIgnore.removeAll(keepingCapacity: true)
                s.gtCrowd.removeAll(keepingCapacity: true)
                var npig = 0
                for pass in 0..<2 {
                    for g in 0..<G {
                        let j = Int(gtOrder[g0 + g])
                        let area = gt.areas[j]
                        let ignore = gt.crowd[j] || area < lo || area > hi
                        if ignore == (pass == 1) {
                            s.gtPermutation.append(g); s.gtIgnore.append(ignore); s.gtCrowd.append(gt.crowd[j])
                            if !ignore { npig += 1 }
                        }
                    }
                }
                s.npig[a] += npig
                s.resetMatches(T * G)

                for d in 0..<D {
                    let j = Int(dtOrder[d0 + d])
                    var matchedBits: UInt16 = 0, ignoredBits: UInt16 = 0
                    if G > 0 {
                        // Greedy match of this detection at every threshold (pycocotools' inner loop).
                        for t in 0..<T {
                            var best = thresholds[t]
                            var m = -1
                            for gi in 0..<G {
                                if s.gtMatched[t * G + gi] && !s.gtCrowd[gi] { continue }
                                if m > -1 && !s.gtIgnore[m] && s.gtIgnore[gi] { break }
                                let iou = s.ious[d * G + s.gtPermutation[gi]]
                                if iou < best { continue }
                                best = iou
                                m = gi
                            }
                            if m == -1 { continue }
                            s.gtMatched[t * G + m] = true
                            if s.gtIgnore[m] { ignoredBits |= 1 << t }
                            // dtMatches holds the gt's id, and an id of 0 reads as unmatched there.
                            let gtID = gt.annotationIDs[Int(gtOrder[g0 + s.gtPermutation[m]])]
                            if gtID != 0 { matchedBits |= 1 << t }
                        }
                    }
                    // Unmatched detections outside the area range are ignored.
                    let box = 4 * j
                    // loadRes gives a result the area of its box, or of its mask for segm.
                    let area = iouType == .segm ? Double(dtMasks[j]?.area ?? 0) : dt.boxes[box + 2] * dt.boxes[box + 3]
                    if area < lo || area > hi {
                        ignoredBits |= ~matchedBits & ((1 << UInt16(T)) - 1)
                    }
                    s.scores[a].append(dt.scores[j])
                    s.matched[a].append(matchedBits)
                    s.ignored[a].append(ignoredBits)
                    s.rank[a].append(UInt8(min(d, 255)))
                }
            }
        }
        guard anyImage else { return }
        accumulate(k, s: &s, into: out)
    }

    /// IoU of sorted detections with file-order ground truth, as maskApi's bbIou and rleIou: a crowd
    /// region divides the intersection by the detection's own area.
    func computeIoUs(g0: Int, G: Int, d0: Int, D: Int, into ious: inout [Double]) {
        if ious.count < D * G { ious = Array(repeating: 0, count: D * G) }
        if iouType == .segm {
            for d in 0..<D {
                let j = Int(dtOrder[d0 + d])
                for g in 0..<G {
                    let gj = Int(gtOrder[g0 + g])
                    if let dm = dtMasks[j], let gm = gtMasks[gj] {
                        ious[d * G + g] = RLE.iou(dm, gm, crowd: gt.crowd[gj])
                    } else {
                        ious[d * G + g] = 0
                    }
                }
            }
            return
        }
        gt.boxes.withUnsafeBufferPointer { gb in
            dt.boxes.withUnsafeBufferPointer { db in
                ious.withUnsafeMutableBufferPointer { o in
                    for g in 0..<G {
                        let gj = 4 * Int(gtOrder[g0 + g])
                        let gx = gb[gj], gy = gb[gj + 1], gw = gb[gj + 2], gh = gb[gj + 3]
                        let ga = gw * gh
                        let crowd = gt.crowd[gj / 4]
                        for d in 0..<D {
                            let dj = 4 * Int(dtOrder[d0 + d])
                            let dx = db[dj], dy = db[dj + 1], dw = db[dj + 2], dh = db[dj + 3]
                            let da = dw * dh
                            var value = 0.0
                            let w = Swift.min(dw + dx, gw + gx) - Swift.max(dx, gx)
                            if w > 0 {
                                let h = Swift.min(dh + dy, gh + gy) - Swift.max(dy, gy)
                                if h > 0 {
                                    let inter = w * h
                                    value = inter / (crowd ? da : da + ga - inter)
                                }
                            }
                            o[d * G + g] = value
                        }
                    }
                }
            }
        }
    }

    /// accumulate() for one category: every area range and maxDets.
    func accumulate(_ k: Int, s: inout Scratch, into out: Tables) {
        let recallThresholds = COCOEvaluator.recallThresholds
        for a in 0..<A {
            let npig = s.npig[a]
            if npig == 0 { continue }
            let n = s.scores[a].count
            // Stable sort by score, highest first, over the images' lists in image order.
            s.order.removeAll(keepingCapacity: true)
            s.order.append(contentsOf: (0..<Int32(n)))
            let scores = s.scores[a]
            s.order.sort { x, y in
                let sx = scores[Int(x)], sy = scores[Int(y)]
                return sx != sy ? sx > sy : x < y
            }
            for m in 0..<M {
                let cap = COCOEvaluator.maxDets[m]
                for t in 0..<T {
                    var tp = 0, fp = 0
                    s.rc.removeAll(keepingCapacity: true)
                    s.pr.removeAll(keepingCapacity: true)
                    let bit: UInt16 = 1 << UInt16(t)
                    // The detections in the first `cap` of their image, still in sorted order.
                    for x in s.order where Int(s.rank[a][Int(x)]) < cap {
                        let matched = s.matched[a][Int(x)] & bit != 0
                        let ignored = s.ignored[a][Int(x)] & bit != 0
                        if !ignored { if matched { tp += 1 } else { fp += 1 } }
                        let tpd = Double(tp), fpd = Double(fp)
                        s.rc.append(tpd / Double(npig))
                        s.pr.append(tpd / (fpd + tpd + Double.ulpOfOne))
                    }
                    let nd = s.rc.count
                    out.recall[((t * K + k) * A + a) * M + m] = nd > 0 ? s.rc[nd - 1] : 0
                    if nd > 1 {
                        for i in stride(from: nd - 1, to: 0, by: -1) where s.pr[i] > s.pr[i - 1] { s.pr[i - 1] = s.pr[i] }
                    }
                    // searchsorted(rc, recThrs, side='left'); thresholds past the last detection stay 0.
                    var idx = 0
                    for r in 0..<R {
                        let threshold = recallThresholds[r]
                        while idx < nd && s.rc[idx] < threshold { idx += 1 }
                        out.precision[(((t * R + r) * K + k) * A + a) * M + m] = idx < nd ? s.pr[idx] : 0
                    }
                }
            }
        }
    }
}

extension Scratch {
    mutating func resetMatches(_ count: Int) {
        if gtMatched.count < count {
            gtMatched = Array(repeating: false, count: count)
        } else {
            for i in 0..<count { gtMatched[i] = false }
        }
    }
}

import Foundation

/// The annotations of one import in flat columns: one entry per annotation, in the order they
/// were read, each naming its sample and label by index.
///
/// Why: a COCO file carries hundreds of thousands of objects. Built as one record per object (with
/// an array per polygon), copied from parser to checker to store and freed one by one, they cost
/// more than reading the file. Here each object is a few array elements written once: the checker
/// clamps boxes in place, and segmentations are kept already encoded as the store writes them
/// (`SegmentationCoding`).
struct AnnotationColumns: Sendable {
    private(set) var sample: [Int32] = []
    private(set) var label: [Int32] = []
    /// The box when `hasBox`, else zeros; the checker writes the clamped box back.
    var box: [Box] = []
    var flags: [Flags] = []
    private(set) var sourceID: [Int64] = []
    /// End of each annotation's segmentation in `segmentationBytes` (its start is the previous
    /// one's end); an empty range means none.
    private(set) var segmentationEnd: [Int] = []
    private(set) var segmentationBytes: [UInt8] = []

    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let hasBox = Flags(rawValue: 1)
        static let crowd = Flags(rawValue: 2)
        static let hasSourceID = Flags(rawValue: 4)
        /// Left out by the checker (its box lies outside the image).
        static let dropped = Flags(rawValue: 8)

        /// `contains` without the generic SetAlgebra path, which is not specialised in hot loops.
        @inline(__always) func has(_ flag: Flags) -> Bool { rawValue & flag.rawValue != 0 }
    }

    var count: Int { sample.count }

    mutating func reserveCapacity(_ n: Int) {
        sample.reserveCapacity(n); label.reserveCapacity(n); box.reserveCapacity(n); flags.reserveCapacity(n)
        sourceID.reserveCapacity(n); segmentationEnd.reserveCapacity(n)
    }

    /// Adds one annotation. Its segmentation is whatever the caller appended to
    /// `segmentationBytes` (through `appendSegmentation`) since the previous annotation.
    mutating func append(sample: Int, label: Int, box: Box?, isCrowd: Bool, sourceID: Int64?) {
        self.sample.append(Int32(truncatingIfNeeded: sample))
        self.label.append(Int32(truncatingIfNeeded: label))
        self.box.append(box ?? Box(x: 0, y: 0, width: 0, height: 0))
        let flags = (box != nil ? Flags.hasBox.rawValue : 0) | (isCrowd ? Flags.crowd.rawValue : 0)
            | (sourceID != nil ? Flags.hasSourceID.rawValue : 0)
        self.flags.append(Flags(rawValue: flags))
        self.sourceID.append(sourceID ?? 0)
        segmentationEnd.append(segmentationBytes.count)
    }

    mutating func append(sample: Int, label: Int, _ annotation: ParsedAnnotation) {
        if let segmentation = annotation.segmentation { appendSegmentation(segmentation) }
        append(sample: sample, label: label, box: annotation.box, isCrowd: annotation.isCrowd, sourceID: annotation.sourceID)
    }

    /// Encodes a segmentation for the annotation about to be appended.
    mutating func appendSegmentation(_ segmentation: Segmentation) {
        SegmentationCoding.encode(segmentation, appendingTo: &segmentationBytes)
    }

    /// Direct access to the pending segmentation bytes, for a reader that encodes as it reads
    /// (and truncates back to `pendingSegmentationStart` to drop what it began).
    var pendingSegmentationStart: Int { segmentationEnd.last ?? 0 }

    mutating func withSegmentationBytes<R>(_ body: (inout [UInt8]) -> R) -> R { body(&segmentationBytes) }

    func segmentationRange(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : segmentationEnd[i - 1])..<segmentationEnd[i]
    }

    func hasSegmentation(_ i: Int) -> Bool { !segmentationRange(i).isEmpty }

    /// The annotation as a record, for callers that want one (tests, small formats).
    func annotation(_ i: Int, labels: [String]) -> ParsedAnnotation {
        let range = segmentationRange(i)
        let segmentation = range.isEmpty ? nil : SegmentationCoding.decode(Data(segmentationBytes[range]))
        return ParsedAnnotation(label: labels[Int(label[i])], box: flags[i].has(.hasBox) ? box[i] : nil,
                                segmentation: segmentation, isCrowd: flags[i].has(.crowd),
                                sourceID: flags[i].has(.hasSourceID) ? sourceID[i] : nil)
    }

    /// Annotation indices grouped by sample, each group in reading order.
    func bySample(sampleCount: Int) -> SampleGroups {
        var start = [Int](repeating: 0, count: sampleCount + 1)
        for s in sample where Int(s) < sampleCount { start[Int(s) + 1] += 1 }
        for s in 0..<sampleCount { start[s + 1] += start[s] }
        var next = start
        var order = [Int32](repeating: 0, count: start[sampleCount])
        for (i, s) in sample.enumerated() where Int(s) < sampleCount {
            order[next[Int(s)]] = Int32(truncatingIfNeeded: i)
            next[Int(s)] += 1
        }
        return SampleGroups(start: start, order: order)
    }
}

/// Which annotations belong to each sample: `order[start[s]..<start[s + 1]]`.
struct SampleGroups: Sendable {
    let start: [Int]
    let order: [Int32]

    func annotations(of sample: Int) -> ArraySlice<Int32> { order[start[sample]..<start[sample + 1]] }
}

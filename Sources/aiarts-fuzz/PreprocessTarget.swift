import AIArtsEngine
import AIArtsImaging
import Foundation

/// The `preprocess-op` target: the input's lines as `--op` texts (docs/preprocessing.md), and the
/// whole input as a Django `/preprocess/` operations array. A parsed op must print back to the
/// same op; an op list that `outputSize` accepts is applied to a small image, a mask and annotations.
enum PreprocessFuzz {
    static let image = RGBImage(width: 9, height: 7, pixels: (0..<(9 * 7 * 3)).map { UInt8(($0 * 37) & 0xFF) })
    static let mask = IndexedImage(width: 9, height: 7, values: (0..<63).map { UInt8($0 % 3) })
    static let annotations = [
        StoredAnnotation(labelIndex: 0, box: Box(x: 1, y: 1, width: 4, height: 3)),
        StoredAnnotation(labelIndex: 1, segmentation: .polygons([[0, 0, 8, 0, 8, 6], [1, 1, 2]])),
        StoredAnnotation(labelIndex: 0, segmentation: .rle(height: 7, width: 9, counts: [10, 5, 48])),
    ]

    static func run(_ input: [UInt8]) {
        var ops: [PreprocessOp] = []
        for line in String(decoding: input, as: UTF8.self).split(whereSeparator: \.isNewline).prefix(16) {
            guard let op = try? PreprocessOp(parsing: String(line)) else { continue }
            guard let again = try? PreprocessOp(parsing: op.text), again == op || approximately(again, op) else {
                fatalError("\(op) prints as \(op.text), which does not parse back to it")
            }
            _ = op.slug
            ops.append(op)
        }
        if let operations = try? JSONDecoder().decode([DjangoPreprocessOperation].self, from: Data(input)) {
            for operation in operations.prefix(16) { if let op = try? PreprocessOp(django: operation) { ops.append(op) } }
        }
        apply(ops)
    }

    /// A gaussian's sigma may print rounded; the parsed op must still be the same within 1e-9.
    static func approximately(_ a: PreprocessOp, _ b: PreprocessOp) -> Bool {
        if case .gaussian(let s1, let k1) = a, case .gaussian(let s2, let k2) = b { return k1 == k2 && abs(s1 - s2) < 1e-9 }
        return false
    }

    /// Applies the ops when the result stays small (the fuzzer runs thousands of inputs a second).
    static func apply(_ ops: [PreprocessOp]) {
        guard let size = try? PreprocessPipeline.outputSize(ops, for: image.size), size.width * size.height <= 1 << 16,
              !ops.contains(where: { if case .median(let k) = $0 { return k > 31 }; if case .gaussian(_, let k) = $0 { return k > 63 }; return false })
        else { return }
        let out = PreprocessPipeline.apply(ops, to: image)
        precondition(out.size == size, "apply gave \(out.size), outputSize said \(size)")
        let movedMask = PreprocessPipeline.apply(ops, to: mask)
        precondition(movedMask.width == size.width && movedMask.height == size.height, "the mask is \(movedMask.width)x\(movedMask.height), the image \(size)")
        _ = PreprocessPipeline.transform(annotations: annotations, imageSize: image.size, ops: ops)
    }
}

import AIArtsEngine
import Foundation

/// A model's named outputs for one image, as a `Prediction` (docs/inference.md, "Answers").
public enum Postprocess {
    public static let defaultScoreThreshold = 0.5
    public static let topK = 5

    public static func prediction(_ outputs: [WorkerProtocol.Tensor], info: ServingModelInfo, image: PreparedImage,
                                  scoreThreshold: Double) throws -> Prediction {
        var p = Prediction(task: info.task, width: image.width, height: image.height)
        switch info.task {
        case "detection": p.boxes = try boxes(outputs, labels: info.labels, image: image, threshold: scoreThreshold)
        case "segmentation": p.masks = try masks(outputs, labels: info.labels, width: image.width, height: image.height)
        default: p.classes = try classes(outputs, labels: info.labels)
        }
        return p
    }

    static func label(_ labels: [String], _ index: Int) -> String {
        labels.indices.contains(index) ? labels[index] : String(index)
    }

    /// Top-k of probabilities (the built-in model's) or logits (softmaxed here).
    static func classes(_ outputs: [WorkerProtocol.Tensor], labels: [String]) throws -> [Prediction.ScoredClass] {
        guard let first = outputs.first, !first.values.isEmpty else { throw WorkerError.malformed("no class scores") }
        var scores = first.values
        if first.name != "probabilities" {
            let top = scores.max() ?? 0
            var sum: Float = 0
            for i in scores.indices { scores[i] = expf(scores[i] - top); sum += scores[i] }
            for i in scores.indices { scores[i] /= sum }
        }
        let ranked = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return ranked.prefix(topK).map { Prediction.ScoredClass(label: label(labels, $0), index: $0, score: Double(scores[$0])) }
    }

    /// torchvision's detection outputs by name (boxes [K,4] in the input's pixels, scores, labels with
    /// 0 the background, dataset label i as class i + 1), scaled to the image when it was resized.
    static func boxes(_ outputs: [WorkerProtocol.Tensor], labels: [String], image: PreparedImage, threshold: Double) throws -> [Prediction.Box] {
        func named(_ name: String) throws -> WorkerProtocol.Tensor {
            guard let t = outputs.first(where: { $0.name == name }) else {
                throw WorkerError.malformed("no `\(name)` output (a detection model names its outputs boxes, labels and scores)")
            }
            return t
        }
        let boxes = try named("boxes"), scores = try named("scores"), classes = try named("labels")
        let count = scores.values.count
        guard boxes.values.count == count * 4, classes.values.count == count else {
            throw WorkerError.malformed("boxes, scores and labels of different lengths")
        }
        let sx = Double(image.width) / Double(max(1, image.shape[2])), sy = Double(image.height) / Double(max(1, image.shape[1]))
        var out: [Prediction.Box] = []
        for k in 0..<count where Double(scores.values[k]) >= threshold {
            let c = Int(classes.values[k].rounded())
            let b = boxes.values[(k * 4)..<(k * 4 + 4)].map(Double.init)
            out.append(Prediction.Box(label: label(labels, c - 1), index: c - 1, score: Double(scores.values[k]),
                                      box: [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy].map { ($0 * 100).rounded() / 100 }))
        }
        return out.sorted { $0.score > $1.score }
    }

    /// Class scores [C, h, w] → each pixel's best class, stretched (nearest) to the image's size,
    /// one COCO RLE mask per class present.
    static func masks(_ outputs: [WorkerProtocol.Tensor], labels: [String], width: Int, height: Int) throws -> [Prediction.Mask] {
        guard let t = outputs.first, t.shape.count == 3, t.shape.allSatisfy({ $0 > 0 }) else {
            throw WorkerError.malformed("a segmentation output that is not [classes, height, width]")
        }
        let (classes, h, w) = (t.shape[0], t.shape[1], t.shape[2])
        var best = [Int32](repeating: 0, count: h * w)
        t.values.withUnsafeBufferPointer { v in
            for p in 0..<(h * w) {
                var top = v[p], arg = 0
                for c in 1..<classes where v[c * h * w + p] > top { top = v[c * h * w + p]; arg = c }
                best[p] = Int32(arg)
            }
        }
        // Column-major walk of the image, as COCO's RLE counts.
        let xs = (0..<width).map { min(w - 1, $0 * w / max(1, width)) }, ys = (0..<height).map { min(h - 1, $0 * h / max(1, height)) }
        let present = Set(best).sorted()
        var slot = [Int](repeating: -1, count: classes)
        for (n, c) in present.enumerated() { slot[Int(c)] = n }
        // Per class present: its runs so far, whether the current run is foreground, its length, its pixels.
        var counts = [[Int]](repeating: [], count: present.count)
        var on = [Bool](repeating: false, count: present.count)
        var run = [Int](repeating: 0, count: present.count)
        var pixels = [Int](repeating: 0, count: present.count)
        var previous = -1
        for x in 0..<width {
            for y in 0..<height {
                let now = slot[Int(best[ys[y] * w + xs[x]])]
                if now != previous {
                    // Only the classes entering or leaving change state.
                    for n in [previous, now] where n >= 0 {
                        let isOn = n == now
                        if isOn != on[n] { counts[n].append(run[n]); on[n] = isOn; run[n] = 0 }
                    }
                    previous = now
                }
                // Every class's run grows by this pixel: account lazily by the total at the end.
                run[now] += 1
                pixels[now] += 1
                for n in 0..<present.count where n != now && !on[n] { run[n] += 1 }
            }
        }
        return present.indices.compactMap { n -> Prediction.Mask? in
            guard pixels[n] > 0 else { return nil }
            let c = Int(present[n])
            return Prediction.Mask(label: label(labels, c), index: c, rle: .init(size: [height, width], counts: counts[n] + [run[n]]), pixels: pixels[n])
        }
    }
}

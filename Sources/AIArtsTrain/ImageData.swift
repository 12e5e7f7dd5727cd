import AIArtsEngine
import AIArtsImaging
import Foundation

/// Pixel normalisation: value = (byte / 255 - mean) / std, the same for every channel. Fixed
/// rather than measured on the data so that a model needs nothing but its own file to predict;
/// it is stored in the model header all the same.
public struct Normalization: Codable, Sendable, Equatable {
    public var mean: Float
    public var std: Float

    public init(mean: Float = 0.5, std: Float = 0.25) {
        self.mean = mean
        self.std = std
    }
}

/// Decoded, resized, normalised images of one split: `inputs` holds `count` tensors of
/// 3 × size × size floats (channel planes, rows top to bottom) back to back.
public struct ImageSet: Sendable {
    public var imageSize: Int
    public var inputs: [Float]
    public var labels: [Int]
    public var paths: [String]

    public var count: Int { labels.count }
    public var tensorCount: Int { 3 * imageSize * imageSize }
}

/// Turning image files into network inputs.
public enum Preprocess {
    /// Decodes at reduced scale (libjpeg shrinks while decoding) so the shorter side still covers
    /// `size`, then area-resizes to exactly size × size; the longer side is squashed, not cropped,
    /// so nothing of the object is cut away.
    public static func load(_ bytes: [UInt8], size: Int, normalization: Normalization) throws -> [Float] {
        let info = try ImageCodec.info(bytes)
        let w = max(1, info.displayWidth), h = max(1, info.displayHeight), short = min(w, h)
        let box = ImageSize(width: max(size, (size * w + short - 1) / short), height: max(size, (size * h + short - 1) / short))
        let decoded = try ImageCodec.decode(bytes, options: DecodeOptions(fitting: box, keepAlpha: false))
        return tensor(decoded.image.droppingAlpha().resized(to: ImageSize(width: size, height: size)), normalization: normalization)
    }

    /// Interleaved RGB bytes to normalised channel planes.
    public static func tensor(_ image: RGBImage, normalization: Normalization) -> [Float] {
        let plane = image.width * image.height, c = image.channels
        var out = [Float](repeating: 0, count: 3 * plane)
        let scale = 1 / (255 * normalization.std), shift = normalization.mean / normalization.std
        image.pixels.withUnsafeBufferPointer { px in
            for p in 0..<plane {
                for k in 0..<3 { out[k * plane + p] = Float(px[p * c + k]) * scale - shift }
            }
        }
        return out
    }

    /// Copies one tensor shifted by (dx, dy) pixels, optionally mirrored left to right: the
    /// training augmentation. Pixels shifted in from outside repeat the edge, which on photos and
    /// on the demo's noisy backgrounds looks far more natural than a flat fill.
    static func copyAugmented(_ src: FloatIn, _ dst: FloatOut, size: Int, flip: Bool, dx: Int, dy: Int) {
        if !flip && dx == 0 && dy == 0 {
            dst.update(from: src, count: 3 * size * size)
            return
        }
        for c in 0..<3 {
            let plane = src + c * size * size
            for y in 0..<size {
                let sy = min(size - 1, max(0, y - dy))
                let s = plane + sy * size, d = dst + (c * size + y) * size
                for x in 0..<size {
                    let sx = min(size - 1, max(0, x - dx))
                    d[x] = s[flip ? size - 1 - sx : sx]
                }
            }
        }
    }
}

/// A classification dataset from the workspace, decoded into memory split by split.
public struct ClassificationData: Sendable {
    public var labels: [String]
    public var sets: [Split: ImageSet]
    /// Samples left out, with why: no label, an unreadable or undecodable file.
    public var skipped: [(path: String, reason: String)]

    /// Loads the named splits of a classification dataset. Other dataset types are refused with
    /// a message that says so; a sample with several labels trains on its first.
    public static func load(workspace: Workspace, dataset: String, splits: [Split], imageSize: Int,
                            normalization: Normalization = Normalization(),
                            workers: Int = BatchEngine.defaultWorkers) throws -> ClassificationData {
        let (content, folder) = try workspace.content(dataset)
        guard content.type == .classification else {
            throw TrainError("\(dataset) is a \(content.type.rawValue) dataset; aiarts-train trains classification only (use a PyTorch trainer for \(content.type.rawValue))")
        }
        guard !content.labels.isEmpty else { throw TrainError("\(dataset) has no labels") }
        var skipped: [(path: String, reason: String)] = []
        var sets: [Split: ImageSet] = [:]
        for split in splits {
            var picked: [(path: String, label: Int)] = []
            for sample in content.samples where sample.split == split {
                guard let label = sample.annotations.first?.labelIndex, content.labels.indices.contains(label) else {
                    skipped.append((sample.path, "no label")); continue
                }
                picked.append((sample.path, label))
            }
            let (set, failed) = decodeAll(picked, folder: folder, size: imageSize, normalization: normalization, workers: workers)
            skipped += failed
            sets[split] = set
        }
        return ClassificationData(labels: content.labels, sets: sets, skipped: skipped)
    }

    /// Decodes on every worker; failures are collected, not fatal (one bad file must not stop a run).
    static func decodeAll(_ picked: [(path: String, label: Int)], folder: URL, size: Int, normalization: Normalization,
                          workers: Int) -> (ImageSet, [(path: String, reason: String)]) {
        let results = ResultSlots(count: picked.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, picked.count))) { w in
            let used = max(1, min(workers, picked.count))
            for i in stride(from: w, to: picked.count, by: used) {
                do {
                    let url = try SafePath.resolve(picked[i].path, under: folder).url
                    guard let data = FileManager.default.contents(atPath: url.path) else {
                        results.set(i, .failure(TrainError("cannot read the file"))); continue
                    }
                    results.set(i, .success(try Preprocess.load(Array(data), size: size, normalization: normalization)))
                } catch {
                    results.set(i, .failure(TrainError("\(error)")))
                }
            }
        }
        var set = ImageSet(imageSize: size, inputs: [], labels: [], paths: [])
        set.inputs.reserveCapacity(picked.count * 3 * size * size)
        var failed: [(path: String, reason: String)] = []
        for (i, item) in picked.enumerated() {
            switch results.get(i) {
            case let .success(tensor):
                set.inputs += tensor
                set.labels.append(item.label)
                set.paths.append(item.path)
            case let .failure(error):
                failed.append((item.path, error.message))
            case nil:
                failed.append((item.path, "not decoded"))
            }
        }
        return (set, failed)
    }
}

/// One result slot per image, written by whichever worker decodes it (each slot by one worker only).
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<[Float], TrainError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: Result<[Float], TrainError>) { lock.withLock { slots[i] = value } }
    func get(_ i: Int) -> Result<[Float], TrainError>? { lock.withLock { slots[i] } }
}

import Foundation

/// dataset.json: what a Python trainer needs to read a dataset without the workspace's database
/// (docs/torch-trainers.md, "The dataset manifest"). Written by the engine into the task folder
/// when a PyTorch task starts.
public struct TrainingManifest: Encodable, Sendable, Equatable {
    public struct Annotation: Encodable, Sendable, Equatable {
        /// Index into `labels`.
        public var label: Int
        /// [x, y, width, height] in image pixels; nil for classification.
        public var bbox: [Double]?
        public var iscrowd: Bool?
        /// aiarts does not store VOC's difficult flag: always false where boxes are given.
        public var difficult: Bool?
        /// COCO polygons, or RLE as {"size": [h, w], "counts": [Int] or String}.
        public var segmentation: SegmentationValue?
    }

    public enum SegmentationValue: Encodable, Sendable, Equatable {
        case polygons([[Double]])
        case rle(height: Int, width: Int, counts: [Int])
        case compressedRLE(height: Int, width: Int, counts: String)

        init(_ segmentation: Segmentation) {
            switch segmentation {
            case .polygons(let p): self = .polygons(p)
            case let .rle(h, w, counts): self = .rle(height: h, width: w, counts: counts)
            case let .compressedRLE(h, w, counts): self = .compressedRLE(height: h, width: w, counts: counts)
            }
        }

        private enum Keys: String, CodingKey { case size, counts }

        public func encode(to encoder: Encoder) throws {
            switch self {
            case .polygons(let polygons):
                var c = encoder.singleValueContainer()
                try c.encode(polygons)
            case let .rle(h, w, counts):
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode([h, w], forKey: .size)
                try c.encode(counts, forKey: .counts)
            case let .compressedRLE(h, w, counts):
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode([h, w], forKey: .size)
                try c.encode(counts, forKey: .counts)
            }
        }
    }

    public struct Sample: Encodable, Sendable, Equatable {
        /// The sample's path inside the dataset folder, exactly as the dataset stores it: the key
        /// predictions files use.
        public var file: String
        /// Absolute path of the image.
        public var image: String
        public var width: Int
        public var height: Int
        /// Classification: the first annotation's label index (nil when the image has none).
        public var label: Int?
        public var annotations: [Annotation]
        /// Semantic segmentation: absolute path of the mask PNG (label indices, 255 ignored).
        public var mask: String?
        /// The mask's path inside the dataset folder.
        public var maskFile: String?

        enum CodingKeys: String, CodingKey {
            case file, image, width, height, label, annotations, mask
            case maskFile = "mask_file"
        }
    }

    public var version = 1
    /// The dataset id, e.g. D0001.
    public var dataset: String
    public var name: String
    public var type: DatasetType
    /// Absolute dataset folder.
    public var root: String
    /// Label names in index order.
    public var labels: [String]
    /// train, val and test (each present, possibly empty).
    public var splits: [String: [Sample]]
    /// Samples not in any split (not listed).
    public var unassigned: Int

    /// Builds the manifest from a dataset's stored records.
    public static func make(id: String, name: String, content: DatasetContent, folder: URL) -> TrainingManifest {
        var splits: [String: [Sample]] = Dictionary(uniqueKeysWithValues: Split.allCases.map { ($0.rawValue, []) })
        var unassigned = 0
        let detectionLike = content.type == .detection || content.type == .instanceSegmentation
        for stored in content.samples {
            guard let split = stored.split else { unassigned += 1; continue }
            let annotations = stored.annotations.map { a in
                Annotation(label: a.labelIndex,
                           bbox: a.box.map { [$0.x, $0.y, $0.width, $0.height] },
                           iscrowd: detectionLike ? a.isCrowd : nil,
                           difficult: detectionLike ? false : nil,
                           segmentation: content.type == .instanceSegmentation ? a.segmentation.map(SegmentationValue.init) : nil)
            }
            let sample = Sample(
                file: stored.path, image: folder.appendingPathComponent(stored.path).path,
                width: stored.size.width, height: stored.size.height,
                label: content.type == .classification ? stored.annotations.first?.labelIndex : nil,
                annotations: annotations,
                mask: stored.maskPath.map { folder.appendingPathComponent($0).path }, maskFile: stored.maskPath)
            splits[split.rawValue, default: []].append(sample)
        }
        return TrainingManifest(dataset: id, name: name, type: content.type, root: folder.path, labels: content.labels,
                                splits: splits, unassigned: unassigned)
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

extension Workspace {
    /// Writes the training manifest of dataset `id` to `url` (dataset.json in a task folder),
    /// atomically: a temporary file beside it, then a rename. Throws when the dataset does not
    /// exist or has no data.
    @discardableResult
    public func writeTrainingManifest(dataset id: String, to url: URL) throws -> TrainingManifest {
        let record = try dataset(id)
        let (content, folder) = try content(id)
        let manifest = TrainingManifest.make(id: id, name: record.name, content: content, folder: folder)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try manifest.encoded().write(to: url, options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write the dataset manifest \(url.path): \(error.localizedDescription)")
        }
        return manifest
    }
}

import AIArtsImaging
import Foundation

/// Image sizes are the codec's own type, so engine and imaging speak of one thing.
public typealias ImageSize = AIArtsImaging.ImageSize

/// The kinds of dataset aiarts knows, named as PaddleX names them.
public enum DatasetType: String, Codable, CaseIterable, Sendable {
    case classification
    case detection
    case segmentation
    case instanceSegmentation = "instance_segmentation"
}

/// On-disk layouts a dataset can be imported from and exported to.
public enum DatasetFormat: String, Codable, CaseIterable, Sendable {
    case imagenet, paddlex, voc, coco, yolo, labelme, seg

    /// Dataset types this format can carry.
    public var types: Set<DatasetType> {
        switch self {
        case .imagenet: [.classification]
        // PaddleX's own layouts: classification lists, VOC-style detection lists, segmentation lists.
        case .paddlex: [.classification, .detection, .segmentation]
        case .voc, .yolo, .labelme: [.detection]
        case .coco: [.detection, .instanceSegmentation]
        case .seg: [.segmentation]
        }
    }
}

public enum Split: String, Codable, CaseIterable, Sendable {
    case train, val, test

    /// The split a folder or subset is named for, in the names ultralytics, Roboflow, CVAT and
    /// labelImg users give them (`valid`, `validation`, `training` …); nil for any other name.
    public init?(folderName name: String) {
        switch name.lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation": self = .val
        case "test", "testing": self = .test
        default: return nil
        }
    }
    /// A split as a person types it (`--split val`, `split=test`): any case; an error naming the
    /// three splits otherwise.
    public init(parsing text: String) throws {
        guard let split = Split(rawValue: text.lowercased()) else {
            throw AIArtsError(.invalidArgument, "the split is train, val or test, not \(text)")
        }
        self = split
    }
}

/// A box in image pixels, as the annotation tool saw the image (before any EXIF rotation).
public struct Box: Codable, Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.init(x: x1, y: y1, width: x2 - x1, height: y2 - y1)
    }

    public var x2: Double { x + width }
    public var y2: Double { y + height }
}

/// An instance mask: COCO polygons (each a flat x,y list) or run-length encoding.
public enum Segmentation: Equatable, Sendable {
    case polygons([[Double]])
    /// Uncompressed COCO RLE: counts alternate background/foreground, column-major.
    case rle(height: Int, width: Int, counts: [Int])
    /// Compressed COCO RLE string, kept as given.
    case compressedRLE(height: Int, width: Int, counts: String)
}

/// One annotation as a format parser read it.
public struct ParsedAnnotation: Equatable, Sendable {
    public var label: String
    public var box: Box?
    public var segmentation: Segmentation?
    public var isCrowd: Bool
    /// The id the source file gave it (COCO annotation id), when it had one.
    public var sourceID: Int64?

    public init(label: String, box: Box? = nil, segmentation: Segmentation? = nil,
                isCrowd: Bool = false, sourceID: Int64? = nil) {
        self.label = label; self.box = box; self.segmentation = segmentation
        self.isCrowd = isCrowd; self.sourceID = sourceID
    }
}

/// One image as a format parser read it, with where it comes from and where it goes.
public struct ParsedSample: Sendable {
    /// The image file in the source tree (already confined to the source root).
    public var source: URL
    /// Its path inside the dataset folder: '/'-separated, relative, never escaping.
    public var relativePath: String
    public var split: Split?
    public var annotations: [ParsedAnnotation]
    /// Segmentation datasets: the mask PNG and its path inside the dataset folder.
    public var mask: ParsedFile?
    /// Width and height the annotation file declared, checked against the decoded image.
    public var declaredSize: ImageSize?
    /// Where the sample was described (annotation file, list file and line) for messages.
    public var origin: String?
    /// Set when the image was written out of the annotation file (labelme's `imageData`) rather
    /// than found as a file: that annotation file, which messages name instead of `relativePath`
    /// (a name aiarts gave the image, not one the user has).
    public var embeddedIn: String?

    public init(source: URL, relativePath: String, split: Split? = nil, annotations: [ParsedAnnotation] = [],
                mask: ParsedFile? = nil, declaredSize: ImageSize? = nil, origin: String? = nil) {
        self.source = source; self.relativePath = relativePath; self.split = split
        self.annotations = annotations; self.mask = mask; self.declaredSize = declaredSize; self.origin = origin
    }
}

public struct ParsedFile: Sendable, Equatable {
    public var source: URL
    public var relativePath: String
    public init(source: URL, relativePath: String) { self.source = source; self.relativePath = relativePath }
}


/// A file (or a line of one) that could not be imported, and what to do about it.
public struct ImportIssue: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Path relative to the import source root (or the dataset folder).
    public var path: String
    public var line: Int?
    public var reason: String

    public init(path: String, line: Int? = nil, reason: String) {
        self.path = path; self.line = line; self.reason = reason
    }

    public var description: String {
        if let line { return "\(path):\(line): \(reason)" }
        return "\(path): \(reason)"
    }
}

/// What a format parser hands to the import pipeline.
public struct ParsedDataset: Sendable {
    /// Label names in index order (the order their format defines).
    public var labels: [String]
    public var samples: [ParsedSample]
    public var issues: [ImportIssue]
    /// Annotations in flat form, each naming its sample by index (`ColumnarDatasetParser`); the
    /// samples' own `annotations` are empty then.
    var columns = AnnotationColumns()

    public init(labels: [String] = [], samples: [ParsedSample] = [], issues: [ImportIssue] = []) {
        self.labels = labels; self.samples = samples; self.issues = issues
    }
}

/// Reads one on-disk format. Parsers read annotation files only; the pipeline checks images.
/// A parser never throws for a bad file: it records an issue and goes on. It throws only when
/// the source as a whole is unusable (no annotation file at all, say).
public protocol DatasetParser: Sendable {
    func parse(root: URL, type: DatasetType) throws -> ParsedDataset
}

/// A parser that can hand its annotations over as `ParsedDataset.columns` instead of one record
/// per annotation in each sample: the import pipeline asks for that form, for large files.
/// It may hand each image to `prober` as soon as it has found it, to be checked meanwhile.
protocol ColumnarDatasetParser: DatasetParser {
    func parseColumns(root: URL, type: DatasetType, prober: ImageProbeQueue?) throws -> ParsedDataset
}

/// The records of a dataset as stored, handed to an exporter.
public struct DatasetContent: Sendable {
    public var type: DatasetType
    public var labels: [String]
    public var samples: [StoredSample]

    public init(type: DatasetType, labels: [String], samples: [StoredSample]) {
        self.type = type; self.labels = labels; self.samples = samples
    }
}

public struct StoredSample: Sendable, Equatable {
    /// Path inside the dataset folder.
    public var path: String
    public var size: ImageSize
    public var split: Split?
    public var annotations: [StoredAnnotation]
    public var maskPath: String?

    public init(path: String, size: ImageSize, split: Split?, annotations: [StoredAnnotation], maskPath: String? = nil) {
        self.path = path; self.size = size; self.split = split; self.annotations = annotations; self.maskPath = maskPath
    }
}

public struct StoredAnnotation: Sendable, Equatable {
    public var labelIndex: Int
    public var box: Box?
    public var segmentation: Segmentation?
    public var isCrowd: Bool
    public var sourceID: Int64?

    public init(labelIndex: Int, box: Box? = nil, segmentation: Segmentation? = nil, isCrowd: Bool = false, sourceID: Int64? = nil) {
        self.labelIndex = labelIndex; self.box = box; self.segmentation = segmentation; self.isCrowd = isCrowd; self.sourceID = sourceID
    }
}

/// Writes a dataset's records (and its files, read from `datasetFolder`) in one format under `destination`.
public protocol DatasetExporter: Sendable {
    func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws
}

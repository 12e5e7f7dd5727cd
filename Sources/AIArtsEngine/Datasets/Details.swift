import Foundation
import GRDB

/// Everything `dataset details` shows: label counts, which files carry which labels, the splits,
/// image size statistics and the files that failed (PaddleX /dataset/details).
public struct DatasetDetails: Codable, Sendable, Equatable {
    public struct FileEntry: Codable, Sendable, Equatable {
        public var path: String
        public var width: Int
        public var height: Int
        public var split: Split?
        public var labels: [String]
    }
    public struct SizeStats: Codable, Sendable, Equatable {
        public var minWidth: Int, maxWidth: Int, meanWidth: Double
        public var minHeight: Int, maxHeight: Int, meanHeight: Double

        enum CodingKeys: String, CodingKey {
            case minWidth = "min_width", maxWidth = "max_width", meanWidth = "mean_width"
            case minHeight = "min_height", maxHeight = "max_height", meanHeight = "mean_height"
        }
    }
    /// The whole dataset's summary, whatever the filter.
    public var summary: DatasetSummary
    /// What the files, label lists, split lists and size statistics were narrowed to.
    public var filter: DetailsFilter
    public var files: [FileEntry]
    /// label → files carrying it, in file order.
    public var labelFiles: [String: [String]]
    public var splitLists: [String: [String]]
    public var imageSizes: SizeStats?

    enum CodingKeys: String, CodingKey {
        case summary, filter, files, labelFiles = "label_files", splitLists = "split_lists", imageSizes = "image_sizes"
    }
}

/// The files `dataset details` is narrowed to: those carrying a label, of a split, or both.
public struct DetailsFilter: Codable, Sendable, Equatable {
    public var label: String?
    public var split: Split?

    public init(label: String? = nil, split: Split? = nil) {
        self.label = label; self.split = split
    }

    public static let all = DetailsFilter()

    func admits(_ file: DatasetDetails.FileEntry) -> Bool {
        (label.map { file.labels.contains($0) } ?? true) && (split.map { file.split == $0 } ?? true)
    }

    public func encode(to encoder: any Encoder) throws {
        // Both keys always present (null: not narrowed), so scripts can rely on the shape.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(split, forKey: .split)
    }

    enum CodingKeys: String, CodingKey { case label, split }
}

extension Workspace {
    /// A dataset's details, narrowed to the files `filter` admits: the file list, label → files,
    /// split lists and image size statistics all describe those files (the summary stays the whole
    /// dataset's). A label the dataset does not have is refused, naming the ones it has.
    public func details(_ id: String, filter: DetailsFilter = .all) throws -> DatasetDetails {
        try store.pool.read { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
            let summary = try Self.summary(of: record, db)
            let labels = try String.fetchAll(db, sql: "SELECT name FROM label WHERE datasetId = ? ORDER BY idx", arguments: [id])
            if let label = filter.label, !labels.contains(label) {
                let known = labels.isEmpty ? "it has none yet" : "its labels are " + labels.joined(separator: ", ")
                throw AIArtsError(.invalidArgument, "\(id) has no label \"\(label)\"; \(known)")
            }
            var labelsBySample: [Int64: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT DISTINCT sampleId, labelIdx FROM annotation WHERE datasetId = ? ORDER BY sampleId, labelIdx", arguments: [id]) {
                let idx: Int = row["labelIdx"]
                labelsBySample[row["sampleId"], default: []].append(idx < labels.count ? labels[idx] : "#\(idx)")
            }
            var files: [DatasetDetails.FileEntry] = []
            var labelFiles: [String: [String]] = [:]
            var splitLists: [String: [String]] = [:]
            for sample in try SampleRecord.filter(Column("datasetId") == id).order(Column("path")).fetchAll(db) {
                let names = labelsBySample[sample.id ?? -1] ?? []
                let file = DatasetDetails.FileEntry(path: sample.path, width: sample.width, height: sample.height, split: sample.split, labels: names)
                guard filter.admits(file) else { continue }
                files.append(file)
                for name in names { labelFiles[name, default: []].append(sample.path) }
                if let split = sample.split { splitLists[split.rawValue, default: []].append(sample.path) }
            }
            var stats: DatasetDetails.SizeStats?
            if !files.isEmpty {
                let widths = files.map(\.width), heights = files.map(\.height)
                stats = .init(minWidth: widths.min()!, maxWidth: widths.max()!, meanWidth: Double(widths.reduce(0, +)) / Double(files.count),
                              minHeight: heights.min()!, maxHeight: heights.max()!, meanHeight: Double(heights.reduce(0, +)) / Double(files.count))
            }
            return DatasetDetails(summary: summary, filter: filter, files: files, labelFiles: labelFiles, splitLists: splitLists, imageSizes: stats)
        }
    }

    /// The stored records of a dataset in the shape exporters take. Samples a reviewer marked bad
    /// are left out (so out of training, evaluation and exports) unless `includingBad`.
    public func content(_ id: String, includingBad: Bool = false) throws -> (DatasetContent, folder: URL) {
        try store.pool.read { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
            guard let folder = record.folder else {
                throw AIArtsError(.conflict, "\(id) has no data yet; import some with `aiarts dataset import \(id) PATH --format ...`")
            }
            let labels = try String.fetchAll(db, sql: "SELECT name FROM label WHERE datasetId = ? ORDER BY idx", arguments: [id])
            var annotations: [Int64: [StoredAnnotation]] = [:]
            for a in try AnnotationRecord.filter(Column("datasetId") == id).order(Column("id")).fetchAll(db) {
                annotations[a.sampleId, default: []].append(StoredAnnotation(
                    labelIndex: a.labelIdx, box: a.box, segmentation: a.segmentation.flatMap(SegmentationCoding.decode),
                    isCrowd: a.isCrowd, sourceID: a.sourceId))
            }
            let bad = includingBad ? [] : Set(try Int64.fetchAll(db, sql: "SELECT sampleId FROM reviewState WHERE datasetId = ? AND status = 'bad'", arguments: [id]))
            let samples = try SampleRecord.filter(Column("datasetId") == id).order(Column("id")).fetchAll(db).filter { !bad.contains($0.id ?? -1) }.map {
                StoredSample(path: $0.path, size: ImageSize(width: $0.width, height: $0.height), split: $0.split,
                             annotations: annotations[$0.id ?? -1] ?? [], maskPath: $0.maskPath)
            }
            return (DatasetContent(type: record.type, labels: labels, samples: samples), resolveFolder(folder))
        }
    }
}

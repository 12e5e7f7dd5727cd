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
    public var summary: DatasetSummary
    public var files: [FileEntry]
    /// label → files carrying it, in file order.
    public var labelFiles: [String: [String]]
    public var splitLists: [String: [String]]
    public var imageSizes: SizeStats?

    enum CodingKeys: String, CodingKey {
        case summary, files, labelFiles = "label_files", splitLists = "split_lists", imageSizes = "image_sizes"
    }
}

extension Workspace {
    public func details(_ id: String) throws -> DatasetDetails {
        try store.pool.read { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
            let summary = try Self.summary(of: record, db)
            let labels = try String.fetchAll(db, sql: "SELECT name FROM label WHERE datasetId = ? ORDER BY idx", arguments: [id])
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
                files.append(.init(path: sample.path, width: sample.width, height: sample.height, split: sample.split, labels: names))
                for name in names { labelFiles[name, default: []].append(sample.path) }
                if let split = sample.split { splitLists[split.rawValue, default: []].append(sample.path) }
            }
            var stats: DatasetDetails.SizeStats?
            if !files.isEmpty {
                let widths = files.map(\.width), heights = files.map(\.height)
                stats = .init(minWidth: widths.min()!, maxWidth: widths.max()!, meanWidth: Double(widths.reduce(0, +)) / Double(files.count),
                              minHeight: heights.min()!, maxHeight: heights.max()!, meanHeight: Double(heights.reduce(0, +)) / Double(files.count))
            }
            return DatasetDetails(summary: summary, files: files, labelFiles: labelFiles, splitLists: splitLists, imageSizes: stats)
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

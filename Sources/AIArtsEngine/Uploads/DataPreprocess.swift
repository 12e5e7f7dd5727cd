import Foundation

/// What preprocessing a data entry did (the Django dialect's `POST /preprocess/`, docs/api.md).
public struct DataPreprocessResult: Sendable, Equatable {
    /// The entry the results are in: a new one for a new dataset, else the entry preprocessed.
    public var dataId: Int
    public var datasetID: String
    /// `into` (a new dataset, and a new entry naming it) or `add` (copies added to the entry's dataset).
    public var mode: String
    public var ops: [PreprocessOp]
    public var result: ImportResult
}

extension Workspace {
    /// Preprocesses the dataset a data entry names (an uploaded zip, imported as a dataset) with the
    /// Django document's ordered operations (`PreprocessOp(django:)`), and waits for the job.
    ///
    /// `overlap` says where the results go. The operations compose into one image per original, so
    /// one destination serves the whole list: when any operation has `overlap` true the processed
    /// copies are added to the entry's own dataset beside the originals (`--add`; the document's
    /// example marks its flip so); when none has, they become a new dataset named
    /// `<dataset name>-preprocessed` (`--into`), recorded as a new data entry of `owner` so that the
    /// platform's clients find it in `/data/list/`. All or nothing, as the job is: a failure leaves
    /// no new dataset and no new entry.
    public func preprocessDataEntry(_ id: Int, operations: [DjangoPreprocessOperation], owner: String) throws -> DataPreprocessResult {
        let entry = try dataEntry(id)
        guard let datasetID = entry.datasetId else {
            throw AIArtsError(.invalidArgument, "data \(id) is a single file (\(entry.fileName)), not a dataset; upload images as a zip (file_type zip) to preprocess them")
        }
        guard !operations.isEmpty else {
            throw AIArtsError(.invalidArgument, "operations is empty; give at least one, e.g. {\"operationName\": \"上下翻转\", \"overlap\": false}")
        }
        let ops = try operations.enumerated().map { i, operation in
            do { return try PreprocessOp(django: operation) } catch let error as AIArtsError {
                throw AIArtsError(error.kind, "operations[\(i)]: \(error.message)")
            }
        }
        let record = try dataset(datasetID)
        let add = operations.contains { $0.overlap == true }
        let name = record.name + "-preprocessed"
        let job = try preprocessDataset(datasetID, ops: ops, mode: add ? .add : .into(name))
        let result = try job.wait()
        if add {
            return DataPreprocessResult(dataId: id, datasetID: datasetID, mode: "add", ops: ops, result: result)
        }
        let stem = (entry.fileName as NSString).deletingPathExtension
        let draft = DataEntry(id: 0, createdAt: Date(), fileClass: entry.fileClass, fileName: (stem.isEmpty ? entry.fileName : stem) + "-preprocessed",
                              owner: owner, source: entry.source, url: nil, size: 0, datasetId: result.datasetID)
        do {
            let published = try publishDataEntry(draft) { _ in }
            return DataPreprocessResult(dataId: published.id, datasetID: result.datasetID, mode: "into", ops: ops, result: result)
        } catch {
            // No entry, no dataset: the new dataset is not left behind unnamed by any entry.
            try? deleteDataset(result.datasetID, force: true)
            throw error
        }
    }
}

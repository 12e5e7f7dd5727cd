import Foundation
import GRDB

/// What a re-import would replace besides the samples themselves: review work made in aiarts
/// (decisions, attribute values, annotation batches) and a split made by `dataset split`.
/// Review work is never dropped without `--replace`; a split made here is made again with the
/// same seed and fractions after the import.
struct ReimportState {
    var decisions = 0
    var attributes = 0
    var batchSamples = 0
    /// seed, val, test of a split made by `dataset split`.
    var split: (seed: UInt64, val: Double, test: Double)?

    var hasReviewWork: Bool { decisions + attributes + batchSamples > 0 }

    var reviewWork: String {
        [(decisions, "review decision", "review decisions"), (attributes, "attribute value", "attribute values"),
         (batchSamples, "sample in annotation batches", "samples in annotation batches")]
            .filter { $0.0 > 0 }
            .map { "\($0.0) \($0.0 == 1 ? $0.1 : $0.2)" }
            .joined(separator: ", ")
    }
}

extension Workspace {
    func reimportState(_ id: String) throws -> ReimportState {
        try store.pool.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql, arguments: [id]) ?? 0 }
            var state = ReimportState()
            state.decisions = try count("SELECT COUNT(*) FROM reviewState WHERE datasetId = ?")
            state.attributes = try count("SELECT COUNT(*) FROM sampleAttribute WHERE datasetId = ?")
            state.batchSamples = try count("""
                SELECT COUNT(*) FROM annotationBatchSample WHERE taskId IN (SELECT id FROM annotationTask WHERE datasetId = ?)
                """)
            if let row = try Row.fetchOne(db, sql: "SELECT splitSource, splitSeed, valRatio, testRatio FROM dataset WHERE id = ?", arguments: [id]),
               row["splitSource"] as String? == "random", let seed = row["splitSeed"] as Int64?, let val = row["valRatio"] as Double? {
                state.split = (UInt64(bitPattern: seed), val, row["testRatio"] as Double? ?? 0)
            }
            return state
        }
    }

    /// Refuses a re-import that would drop review work, unless `replace`.
    func checkReimport(_ id: String, replace: Bool) throws -> ReimportState {
        let state = try reimportState(id)
        if state.hasReviewWork && !replace {
            throw AIArtsError(.conflict, """
                \(id) has review work that a new import would drop (\(state.reviewWork)); export the reviewed labels \
                first (`aiarts dataset export \(id) DEST --format F`), or pass --replace to import anyway and drop it
                """)
        }
        return state
    }

    /// After a re-import with no split of its own: the split made by `dataset split` is made again,
    /// and the result says so.
    func restoreSplit(_ state: ReimportState, after result: inout ImportResult) {
        var notes: [String] = []
        if state.hasReviewWork { notes.append("dropped \(state.reviewWork) (--replace)") }
        if let split = state.split {
            let imported = (try? store.pool.read { db in
                try Bool.fetchOne(db, sql: "SELECT splitSource = 'imported' FROM dataset WHERE id = ?", arguments: [result.datasetID])
            }) ?? false
            if imported == true {
                notes.append("the split now comes from the imported files")
            } else if let counts = try? self.split(result.datasetID, val: split.val, test: split.test, seed: split.seed) {
                notes.append("split again with seed \(split.seed): train \(counts["train"] ?? 0), val \(counts["val"] ?? 0), test \(counts["test"] ?? 0)")
            }
        }
        if !notes.isEmpty { result.message += "; " + notes.joined(separator: "; ") }
    }
}

import AIArtsImaging
import Foundation
import GRDB

extension Workspace {
    /// Splits a dataset into train/val/test: stratified by label, and the same seed gives the same
    /// split. Replaces any split the data came with.
    @discardableResult
    public func split(_ id: String, val: Double, test: Double, seed: UInt64) throws -> [String: Int] {
        guard val >= 0, test >= 0, val.isFinite, test.isFinite, val + test < 1 else {
            throw AIArtsError(.invalidArgument, "--val and --test must be fractions ≥ 0 that add up to less than 1 (got \(val) and \(test)), so that some images stay for training")
        }
        return try store.pool.write { db in
            guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
            let samples = try Row.fetchAll(db, sql: "SELECT id, path FROM sample WHERE datasetId = ? ORDER BY path", arguments: [id])
            guard !samples.isEmpty else {
                throw AIArtsError(.conflict, "\(id) has no images to split; import data first")
            }
            var labelsOf: [Int64: [Int]] = [:]
            var frequency: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT DISTINCT sampleId, labelIdx FROM annotation WHERE datasetId = ?", arguments: [id]) {
                let label: Int = row["labelIdx"]
                labelsOf[row["sampleId"], default: []].append(label)
                frequency[label, default: 0] += 1
            }
            // Each image joins the stratum of its rarest label, so rare classes reach val and test too.
            var strata: [Int: [Int64]] = [:]
            for row in samples {
                let sampleID: Int64 = row["id"]
                let stratum = (labelsOf[sampleID] ?? []).min { (frequency[$0]!, $0) < (frequency[$1]!, $1) } ?? -1
                strata[stratum, default: []].append(sampleID)
            }
            var rng = SeededRandom(seed: seed)
            var assignment: [(Int64, Split)] = []
            var seen = 0, valSoFar = 0, testSoFar = 0
            for key in strata.keys.sorted() {
                var members = strata[key]!
                members.shuffle(using: &rng)
                // Quotas follow the running total, so rounding never drifts across many small strata.
                seen += members.count
                let valCount = Int((Double(seen) * val).rounded()) - valSoFar
                let testCount = Int((Double(seen) * test).rounded()) - testSoFar
                valSoFar += valCount
                testSoFar += testCount
                for (offset, sampleID) in members.enumerated() {
                    let split: Split = offset < valCount ? .val : offset < valCount + testCount ? .test : .train
                    assignment.append((sampleID, split))
                }
            }
            let update = try db.makeStatement(sql: "UPDATE sample SET split = ? WHERE id = ?")
            var counts = ["train": 0, "val": 0, "test": 0]
            for (sampleID, split) in assignment {
                try update.execute(arguments: [split.rawValue, sampleID])
                counts[split.rawValue, default: 0] += 1
            }
            try db.execute(sql: "UPDATE dataset SET splitSource = 'random', splitSeed = ?, valRatio = ?, testRatio = ? WHERE id = ?",
                           arguments: [Int64(bitPattern: seed), val, test, record.id])
            return counts
        }
    }
}

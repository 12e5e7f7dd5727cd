import Foundation
import GRDB

extension Workspace {
    /// Where a dataset's review stands: samples by review status, and each reviewer's share.
    public func reviewSummary(_ datasetId: String) throws -> ReviewSummary {
        try store.pool.read { db in
            _ = try Self.reviewDataset(datasetId, db)
            let samples = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE datasetId = ?", arguments: [datasetId]) ?? 0
            var byReviewer: [String: ReviewerSummary] = [:]
            var reviewed = 0, changed = 0, flagged = 0, bad = 0, decided = 0
            for row in try Row.fetchAll(db, sql: """
                SELECT reviewer, status, changed, COUNT(*) AS n FROM reviewState WHERE datasetId = ? GROUP BY reviewer, status, changed
                """, arguments: [datasetId]) {
                let reviewer: String = row["reviewer"], raw: String = row["status"], isChanged: Bool = row["changed"], n: Int = row["n"]
                var entry = byReviewer[reviewer] ?? ReviewerSummary(reviewer: reviewer)
                decided += n
                switch ReviewStatus(rawValue: raw) {
                case .reviewed: reviewed += n; entry.reviewed += n
                case .flagged: flagged += n; entry.flagged += n
                case .bad: bad += n; entry.bad += n
                case nil: break
                }
                if isChanged { changed += n; entry.changed += n }
                byReviewer[reviewer] = entry
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT reviewer, COUNT(*) AS n, MAX(at) AS lastAt FROM reviewEvent WHERE datasetId = ? AND undone = 0 GROUP BY reviewer
                """, arguments: [datasetId]) {
                let reviewer: String = row["reviewer"]
                var entry = byReviewer[reviewer] ?? ReviewerSummary(reviewer: reviewer)
                entry.decisions = row["n"]
                entry.lastAt = row["lastAt"]
                byReviewer[reviewer] = entry
            }
            return ReviewSummary(datasetId: datasetId, samples: samples, reviewed: reviewed, changed: changed, flagged: flagged, bad: bad,
                                 unreviewed: max(0, samples - decided), reviewers: byReviewer.values.sorted { $0.reviewer < $1.reviewer })
        }
    }

    // MARK: saved filters

    /// Saves `scope` under `name` for its dataset (replacing a filter of that name).
    public func saveReviewFilter(name: String, scope: ReviewScope) throws {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100, !name.contains(where: { $0.isNewline || $0 == "\t" }) else {
            throw AIArtsError(.invalidArgument, "a filter name must be one line of 1 to 100 characters")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(scope), as: UTF8.self)
        try reviewWrite { db in
            let record = try Self.reviewDataset(scope.datasetId, db)
            if let label = scope.label { _ = try Self.labelIndex(label, dataset: record.id, db) }
            try db.execute(sql: """
                INSERT INTO reviewFilter(datasetId, name, scope, savedAt) VALUES (?, ?, ?, ?)
                ON CONFLICT(datasetId, name) DO UPDATE SET scope = excluded.scope, savedAt = excluded.savedAt
                """, arguments: [scope.datasetId, name, json, Date()])
        }
    }

    /// The scope saved under `name` for the dataset.
    public func reviewFilter(name: String, datasetId: String) throws -> ReviewScope {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return try store.pool.read { db in
            _ = try Self.reviewDataset(datasetId, db)
            guard let json = try String.fetchOne(db, sql: "SELECT scope FROM reviewFilter WHERE datasetId = ? AND name = ?", arguments: [datasetId, name]) else {
                let names = try String.fetchAll(db, sql: "SELECT name FROM reviewFilter WHERE datasetId = ? ORDER BY name", arguments: [datasetId])
                throw AIArtsError(.notFound, "\(datasetId) has no saved review filter \"\(name)\"; "
                    + (names.isEmpty ? "save one with `aiarts review filter save \(datasetId) NAME ...`" : "it has \(names.joined(separator: ", "))"))
            }
            do {
                var scope = try JSONDecoder().decode(ReviewScope.self, from: Data(json.utf8))
                scope.datasetId = datasetId
                return scope
            } catch {
                throw AIArtsError(.badInput, "the saved review filter \"\(name)\" of \(datasetId) is unreadable; save it again")
            }
        }
    }

    /// The names of the dataset's saved review filters, sorted.
    public func reviewFilters(datasetId: String) throws -> [String] {
        try store.pool.read { db in
            _ = try Self.reviewDataset(datasetId, db)
            return try String.fetchAll(db, sql: "SELECT name FROM reviewFilter WHERE datasetId = ? ORDER BY name", arguments: [datasetId])
        }
    }
}

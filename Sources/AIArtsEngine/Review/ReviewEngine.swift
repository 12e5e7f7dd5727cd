import Foundation
import GRDB
import Logging

/// A sample's labels and review state at one moment, as review events keep them (JSON).
struct ReviewSnapshot: Codable, Equatable {
    struct Annotation: Codable, Equatable {
        var id: Int64
        var labelIdx: Int
        var x: Double?
        var y: Double?
        var w: Double?
        var h: Double?
        var isCrowd: Bool
        var segmentation: Data?
        var sourceId: Int64?
    }
    struct State: Codable, Equatable {
        var status: ReviewStatus
        var changed: Bool
        var note: String?
        var reviewer: String
        /// Milliseconds since 1970, as the database keeps times.
        var decidedAt: Int64
    }
    var annotations: [Annotation]
    var state: State?

    /// The same labels and review state (times within a millisecond: the database keeps milliseconds).
    func matches(_ other: ReviewSnapshot) -> Bool {
        guard annotations == other.annotations else { return false }
        switch (state, other.state) {
        case (nil, nil): return true
        case let (a?, b?):
            return a.status == b.status && a.changed == b.changed && a.note == b.note && a.reviewer == b.reviewer
                && abs(a.decidedAt - b.decidedAt) <= 1
        default: return false
        }
    }

    /// The labels alone, for comparing with the imported ones (ids and order do not count).
    var labelKey: [String] {
        annotations.map { a in
            let box = [a.x, a.y, a.w, a.h].map { $0.map { String(format: "%.4f", $0) } ?? "-" }.joined(separator: ",")
            return "\(a.labelIdx):\(box)"
        }.sorted()
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String, event: Int64) throws -> ReviewSnapshot {
        do {
            return try JSONDecoder().decode(ReviewSnapshot.self, from: Data(text.utf8))
        } catch {
            throw AIArtsError(.badInput, "review event \(event) holds an unreadable snapshot: \(error.localizedDescription)")
        }
    }
}

extension Workspace {
    static let reviewLog = Logger(label: "aiarts.review")

    // MARK: queue

    /// The ids of the samples in `scope`, in `order`.
    public func reviewQueue(_ scope: ReviewScope, order: ReviewOrder, predictions: ReviewPredictions? = nil) throws -> [Int64] {
        var predictions = predictions
        if case .disagreement(let taskId) = order, predictions?.taskId != taskId {
            predictions = try reviewPredictions(taskId: taskId)
        }
        return try store.pool.read { db in
            let record = try Self.reviewDataset(scope.datasetId, db)
            var sql = "SELECT s.id, s.path FROM sample s"
            var arguments: StatementArguments = []
            var conditions = ["s.datasetId = ?"]
            if let batch = scope.batchId {
                guard try Bool.fetchOne(db, sql: """
                    SELECT 1 FROM annotationBatch b JOIN annotationTask t ON t.id = b.taskId WHERE b.id = ? AND t.datasetId = ?
                    """, arguments: [batch, scope.datasetId]) ?? false else {
                    throw AIArtsError(.notFound, "annotation batch \(batch) is not a batch of \(scope.datasetId)")
                }
                sql += " JOIN annotationBatchSample bs ON bs.sampleId = s.id AND bs.batchId = ?"
                arguments += [batch]
            }
            sql += " LEFT JOIN reviewState r ON r.sampleId = s.id"
            arguments += [scope.datasetId]
            if let label = scope.label {
                let index = try Self.labelIndex(label, dataset: record.id, db)
                conditions.append("EXISTS (SELECT 1 FROM annotation a WHERE a.sampleId = s.id AND a.labelIdx = ?)")
                arguments += [index]
            }
            if let split = scope.split {
                conditions.append("s.split = ?")
                arguments += [split.rawValue]
            }
            switch scope.status {
            case nil: break
            case .unreviewed: conditions.append("r.sampleId IS NULL")
            case .changed: conditions.append("r.changed = 1")
            case .reviewed, .flagged, .bad:
                conditions.append("r.status = ?")
                arguments += [scope.status?.rawValue]
            }
            sql += " WHERE " + conditions.joined(separator: " AND ")
            sql += scope.batchId != nil ? " ORDER BY bs.position, s.id" : " ORDER BY s.path, s.id"
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let ids = rows.map { $0[0] as Int64 }  // columns by position: by name, GRDB compares names case-insensitively
            guard case .disagreement = order, let predictions else { return ids }
            // The stored labels grouped by sample: a few samples through the index, many in one pass over the dataset's.
            let wanted = Set(ids)
            var boxes: [Int64: [ReviewBox]] = [:]
            let annotationRows = ids.count <= 1000
                ? try Row.fetchAll(db, sql: "SELECT id, sampleId, labelIdx, x, y, w, h FROM annotation WHERE sampleId IN (\(ids.map(String.init).joined(separator: ","))) ORDER BY id")
                : try Row.fetchAll(db, sql: "SELECT id, sampleId, labelIdx, x, y, w, h FROM annotation WHERE datasetId = ? ORDER BY id", arguments: [scope.datasetId])
            for a in annotationRows {
                let sampleId: Int64 = a[1]
                guard wanted.contains(sampleId) else { continue }
                boxes[sampleId, default: []].append(Self.reviewBox(a))
            }
            let labels = ReviewDisagreement.Labels(try Self.reviewLabels(record.id, db))
            let analysed = rows.enumerated().map { n, row -> (n: Int, predicted: Bool, score: Double) in
                guard let entry = predictions.entries[row[1] as String] else { return (n, false, 0) }
                let id: Int64 = row[0]
                let suggestions = ReviewDisagreement.suggestions(type: record.type, labels: labels, boxes: boxes[id] ?? [], entry: entry)
                return (n, true, suggestions.first?.score ?? 0)
            }
            return analysed.sorted { a, b in
                if a.predicted != b.predicted { return a.predicted }
                if a.score != b.score { return a.score > b.score }
                return a.n < b.n
            }.map { ids[$0.n] }
        }
    }

    // MARK: item

    /// One sample as the review screen shows it, with the model's suggestions when `predictions` are given.
    public func reviewItem(_ sampleId: Int64, predictions: ReviewPredictions? = nil) throws -> ReviewItem {
        try store.pool.read { db in try self.reviewItem(sampleId, predictions: predictions, db) }
    }

    /// Many samples at once (a list of the queue), in the order given, read in one pass.
    public func reviewItems(_ sampleIds: [Int64], predictions: ReviewPredictions? = nil) throws -> [ReviewItem] {
        try store.pool.read { db in
            if sampleIds.count <= 100 { return try sampleIds.map { try self.reviewItem($0, predictions: predictions, db) } }
            let list = "[" + sampleIds.map(String.init).joined(separator: ",") + "]"
            var samples: [Int64: SampleRecord] = [:]
            for sample in try SampleRecord.fetchAll(db, sql: "SELECT * FROM sample WHERE id IN (SELECT value FROM json_each(?))", arguments: [list]) {
                samples[sample.id ?? 0] = sample
            }
            var boxes: [Int64: [ReviewBox]] = [:]
            let annotations = try Row.fetchCursor(db, sql: """
                SELECT id, sampleId, labelIdx, x, y, w, h FROM annotation WHERE sampleId IN (SELECT value FROM json_each(?)) ORDER BY id
                """, arguments: [list])
            while let a = try annotations.next() {
                boxes[a[1] as Int64, default: []].append(Self.reviewBox(a))
            }
            var states: [Int64: ReviewStateRecord] = [:]
            for state in try ReviewStateRecord.fetchAll(db, sql: "SELECT * FROM reviewState WHERE sampleId IN (SELECT value FROM json_each(?))", arguments: [list]) {
                states[state.sampleId] = state
            }
            var datasets: [String: (record: DatasetRecord, labels: [String], folder: URL, table: ReviewDisagreement.Labels)] = [:]
            return try sampleIds.map { id in
                guard let sample = samples[id] else { throw AIArtsError(.notFound, "sample \(id) does not exist in this workspace") }
                if datasets[sample.datasetId] == nil {
                    let record = try Self.reviewDataset(sample.datasetId, db)
                    let labels = try Self.reviewLabels(record.id, db)
                    datasets[sample.datasetId] = (record, labels,
                                                  record.folder.map(self.resolveFolder) ?? self.datasetsFolder.appendingPathComponent(record.id),
                                                  ReviewDisagreement.Labels(labels))
                }
                guard let dataset = datasets[sample.datasetId] else { throw AIArtsError(.notFound, "dataset \(sample.datasetId) is gone") }
                return Self.makeItem(sample, dataset.record, labels: dataset.labels, folder: dataset.folder, boxes: boxes[id] ?? [],
                                     state: states[id], predictions: predictions, table: dataset.table)
            }
        }
    }

    /// A row of id, sampleId, labelIdx, x, y, w, h (in that order) as a ReviewBox.
    static func reviewBox(_ a: Row) -> ReviewBox {
        var box: Box?
        if let x = a[3] as Double?, let y = a[4] as Double?, let w = a[5] as Double?, let h = a[6] as Double? {
            box = Box(x: x, y: y, width: w, height: h)
        }
        return ReviewBox(annotationId: a[0], labelIndex: a[2], box: box)
    }

    static func makeItem(_ sample: SampleRecord, _ record: DatasetRecord, labels: [String], folder: URL, boxes: [ReviewBox],
                         state: ReviewStateRecord?, predictions: ReviewPredictions?, table: ReviewDisagreement.Labels? = nil) -> ReviewItem {
        var item = ReviewItem(sampleId: sample.id ?? 0, datasetId: record.id, path: sample.path,
                              imageURL: folder.appendingPathComponent(sample.path),
                              size: ImageSize(width: sample.width, height: sample.height), split: sample.split,
                              labels: labels, boxes: boxes, state: state)
        if let predictions, let entry = predictions.entries[sample.path] {
            item.predicted = true
            item.suggestions = ReviewDisagreement.suggestions(type: record.type, labels: table ?? ReviewDisagreement.Labels(labels), boxes: boxes, entry: entry)
            item.disagreement = item.suggestions.first?.score ?? 0
        }
        return item
    }

    func reviewItem(_ sampleId: Int64, predictions: ReviewPredictions?, _ db: Database) throws -> ReviewItem {
        let (sample, record, boxes) = try Self.reviewSample(sampleId, db)
        let labels = try Self.reviewLabels(record.id, db)
        let folder = record.folder.map(resolveFolder) ?? datasetsFolder.appendingPathComponent(record.id)
        return Self.makeItem(sample, record, labels: labels, folder: folder, boxes: boxes,
                             state: try ReviewStateRecord.fetchOne(db, key: sampleId), predictions: predictions)
    }

    // MARK: decisions

    /// Saves a decision about a sample at once, in one transaction: its labels, its review state and an
    /// event that undo can reverse. Clears this reviewer's redo history in the dataset.
    @discardableResult
    public func reviewDecide(_ sampleId: Int64, _ decision: ReviewDecision, reviewer: String = Reviewer.current,
                             predictions: ReviewPredictions? = nil) throws -> ReviewItem {
        guard !reviewer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AIArtsError(.invalidArgument, "a decision needs a reviewer name")
        }
        return try reviewWrite { db in
            let (sample, record, _) = try Self.reviewSample(sampleId, db)
            let labelCount = try Self.reviewLabels(record.id, db).count
            let before = try Self.snapshot(sampleId, db)
            let now = Date()
            var annotations = before.annotations
            var status = before.state?.status
            var note = before.state?.note
            try Self.apply(decision, to: &annotations, status: &status, note: &note, sample: sample, type: record.type, labelCount: labelCount, db)
            try Self.writeAnnotations(annotations, replacing: before.annotations, sampleId: sampleId, datasetId: record.id, db)
            let changed = try Self.originalKey(sampleId, current: before, db) != ReviewSnapshot(annotations: annotations, state: nil).labelKey
            let state = ReviewStateRecord(sampleId: sampleId, datasetId: record.id, status: status ?? .reviewed, changed: changed,
                                          note: note, reviewer: reviewer, decidedAt: now)
            try state.save(db)
            let after = try Self.snapshot(sampleId, db)
            // A new decision ends this reviewer's redo history in the dataset.
            try db.execute(sql: "DELETE FROM reviewEvent WHERE datasetId = ? AND reviewer = ? AND undone = 1", arguments: [record.id, reviewer])
            try db.execute(sql: """
                INSERT INTO reviewEvent(datasetId, sampleId, reviewer, at, action, before, after, undone) VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                """, arguments: [record.id, sampleId, reviewer, now, decision.action, try before.json(), try after.json()])
            Self.reviewLog.debug("\(reviewer) \(decision.action) on \(record.id) sample \(sampleId)")
            return try self.reviewItem(sampleId, predictions: predictions, db)
        }
    }

    /// Reverses this reviewer's newest decision in the dataset that is not undone yet; returns the
    /// sample it concerned, or nil when there is nothing to undo. Refused when someone changed that
    /// sample since.
    public func reviewUndo(datasetId: String, reviewer: String = Reviewer.current) throws -> Int64? {
        try reviewWrite { db in
            _ = try Self.reviewDataset(datasetId, db)
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, sampleId, before, after FROM reviewEvent WHERE datasetId = ? AND reviewer = ? AND undone = 0 ORDER BY id DESC LIMIT 1
                """, arguments: [datasetId, reviewer]) else { return nil }
            let id: Int64 = row["id"], sampleId: Int64 = row["sampleId"]
            let before = try ReviewSnapshot.decode(row["before"], event: id), after = try ReviewSnapshot.decode(row["after"], event: id)
            try Self.restore(sampleId, to: before, expecting: after, event: id, what: "undo", datasetId: datasetId, db)
            try db.execute(sql: "UPDATE reviewEvent SET undone = 1 WHERE id = ?", arguments: [id])
            return sampleId
        }
    }

    /// Makes again the decision this reviewer undid last (the oldest undone one after the newest that
    /// stands); returns the sample, or nil when there is nothing to redo.
    public func reviewRedo(datasetId: String, reviewer: String = Reviewer.current) throws -> Int64? {
        try reviewWrite { db in
            _ = try Self.reviewDataset(datasetId, db)
            let live = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM reviewEvent WHERE datasetId = ? AND reviewer = ? AND undone = 0",
                                          arguments: [datasetId, reviewer]) ?? 0
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, sampleId, before, after FROM reviewEvent WHERE datasetId = ? AND reviewer = ? AND undone = 1 AND id > ?
                ORDER BY id LIMIT 1
                """, arguments: [datasetId, reviewer, live]) else { return nil }
            let id: Int64 = row["id"], sampleId: Int64 = row["sampleId"]
            let before = try ReviewSnapshot.decode(row["before"], event: id), after = try ReviewSnapshot.decode(row["after"], event: id)
            try Self.restore(sampleId, to: after, expecting: before, event: id, what: "redo", datasetId: datasetId, db)
            try db.execute(sql: "UPDATE reviewEvent SET undone = 0 WHERE id = ?", arguments: [id])
            return sampleId
        }
    }

    // MARK: internals

    /// One IMMEDIATE write transaction: taken before anything is read, so two processes deciding
    /// at once wait for each other instead of failing.
    func reviewWrite<T>(_ body: @escaping (Database) throws -> T) throws -> T {
        var result: T?
        try store.pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
        }
        guard let result else { throw AIArtsError(.io, "the review transaction returned nothing") }
        return result
    }

    static func reviewDataset(_ id: String, _ db: Database) throws -> DatasetRecord {
        guard let record = try DatasetRecord.fetchOne(db, key: id) else { throw AIArtsError.notFound(id) }
        return record
    }

    static func reviewLabels(_ datasetId: String, _ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM label WHERE datasetId = ? ORDER BY idx", arguments: [datasetId])
    }

    static func labelIndex(_ name: String, dataset: String, _ db: Database) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT idx, name FROM label WHERE datasetId = ? ORDER BY idx", arguments: [dataset])
        if let row = rows.first(where: { ($0["name"] as String) == name }) ?? rows.first(where: { ($0["name"] as String).lowercased() == name.lowercased() }) {
            return row["idx"]
        }
        let names = rows.map { $0["name"] as String }
        throw AIArtsError(.notFound, "\(dataset) has no label \"\(name)\"; its labels are \(names.isEmpty ? "none" : names.joined(separator: ", "))")
    }

    /// The sample, its dataset and its stored labels.
    static func reviewSample(_ sampleId: Int64, _ db: Database) throws -> (SampleRecord, DatasetRecord, [ReviewBox]) {
        guard let sample = try SampleRecord.fetchOne(db, key: sampleId) else {
            throw AIArtsError(.notFound, "sample \(sampleId) does not exist in this workspace")
        }
        let record = try reviewDataset(sample.datasetId, db)
        let boxes = try AnnotationRecord.filter(Column("sampleId") == sampleId).order(Column("id")).fetchAll(db).map {
            ReviewBox(annotationId: $0.id ?? 0, labelIndex: $0.labelIdx, box: $0.box)
        }
        return (sample, record, boxes)
    }

    static func snapshot(_ sampleId: Int64, _ db: Database) throws -> ReviewSnapshot {
        let annotations = try AnnotationRecord.filter(Column("sampleId") == sampleId).order(Column("id")).fetchAll(db).map {
            ReviewSnapshot.Annotation(id: $0.id ?? 0, labelIdx: $0.labelIdx, x: $0.x, y: $0.y, w: $0.w, h: $0.h,
                                      isCrowd: $0.isCrowd, segmentation: $0.segmentation, sourceId: $0.sourceId)
        }
        let state = try ReviewStateRecord.fetchOne(db, key: sampleId).map {
            ReviewSnapshot.State(status: $0.status, changed: $0.changed, note: $0.note, reviewer: $0.reviewer,
                                 decidedAt: Int64(($0.decidedAt.timeIntervalSince1970 * 1000).rounded()))
        }
        return ReviewSnapshot(annotations: annotations, state: state)
    }

    /// The labels the sample was imported with: the `before` of its first review event, else what it has now.
    static func originalKey(_ sampleId: Int64, current: ReviewSnapshot, _ db: Database) throws -> [String] {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, before FROM reviewEvent WHERE sampleId = ? ORDER BY id LIMIT 1", arguments: [sampleId]) else {
            return current.labelKey
        }
        return try ReviewSnapshot.decode(row["before"], event: row["id"]).labelKey
    }

    /// Replaces the sample's annotation rows by `annotations` (ids kept; id 0 means new) and keeps label counts.
    static func writeAnnotations(_ annotations: [ReviewSnapshot.Annotation], replacing old: [ReviewSnapshot.Annotation],
                                 sampleId: Int64, datasetId: String, _ db: Database) throws {
        guard annotations != old else { return }
        var delta: [Int: Int] = [:]
        for a in old { delta[a.labelIdx, default: 0] -= 1 }
        for a in annotations { delta[a.labelIdx, default: 0] += 1 }
        try db.execute(sql: "DELETE FROM annotation WHERE sampleId = ?", arguments: [sampleId])
        for a in annotations {
            var record = AnnotationRecord(id: a.id > 0 ? a.id : nil, sampleId: sampleId, datasetId: datasetId, labelIdx: a.labelIdx,
                                          x: a.x, y: a.y, w: a.w, h: a.h, isCrowd: a.isCrowd, segmentation: a.segmentation, sourceId: a.sourceId)
            try record.insert(db)
        }
        for (idx, n) in delta where n != 0 {
            try db.execute(sql: "UPDATE label SET count = MAX(0, count + ?) WHERE datasetId = ? AND idx = ?", arguments: [n, datasetId, idx])
        }
    }

    /// Puts a sample back to `target` (undo or redo), after checking it is still as the event left it.
    static func restore(_ sampleId: Int64, to target: ReviewSnapshot, expecting: ReviewSnapshot, event: Int64, what: String,
                        datasetId: String, _ db: Database) throws {
        let current = try snapshot(sampleId, db)
        guard current.matches(expecting) else {
            let path = try String.fetchOne(db, sql: "SELECT path FROM sample WHERE id = ?", arguments: [sampleId]) ?? "sample \(sampleId)"
            let who = try Row.fetchOne(db, sql: """
                SELECT reviewer, at FROM reviewEvent WHERE sampleId = ? AND id > ? AND undone = 0 ORDER BY id DESC LIMIT 1
                """, arguments: [sampleId, event])
            let by: String
            if let who {
                let at: Date = who["at"]
                by = "\(who["reviewer"] as String) at \(at.formatted(.iso8601))"
            } else if let state = current.state {
                by = state.reviewer
            } else {
                by = "someone else"
            }
            throw AIArtsError(.conflict, "cannot \(what): \(path) was changed by \(by) since; review it again instead")
        }
        try writeAnnotations(target.annotations, replacing: current.annotations, sampleId: sampleId, datasetId: datasetId, db)
        if let s = target.state {
            try ReviewStateRecord(sampleId: sampleId, datasetId: datasetId, status: s.status, changed: s.changed, note: s.note,
                                  reviewer: s.reviewer, decidedAt: Date(timeIntervalSince1970: Double(s.decidedAt) / 1000)).save(db)
        } else {
            try db.execute(sql: "DELETE FROM reviewState WHERE sampleId = ?", arguments: [sampleId])
        }
    }

    /// A box clamped to the image; refused when less than a pixel is left.
    static func clamp(_ box: Box, width: Int, height: Int) throws -> Box {
        let values = [box.x, box.y, box.width, box.height]
        guard values.allSatisfy(\.isFinite) else { throw AIArtsError(.invalidArgument, "the box \(values) has a value that is not a number") }
        let x1 = min(max(min(box.x, box.x2), 0), Double(width)), x2 = min(max(max(box.x, box.x2), 0), Double(width))
        let y1 = min(max(min(box.y, box.y2), 0), Double(height)), y2 = min(max(max(box.y, box.y2), 0), Double(height))
        guard x2 - x1 >= 1, y2 - y1 >= 1 else {
            throw AIArtsError(.invalidArgument, String(format: "the box %.1f,%.1f %.1fx%.1f leaves less than a pixel inside the %dx%d image; draw it larger",
                                                       box.x, box.y, box.width, box.height, width, height))
        }
        return Box(x1: x1, y1: y1, x2: x2, y2: y2)
    }

    static func apply(_ decision: ReviewDecision, to annotations: inout [ReviewSnapshot.Annotation], status: inout ReviewStatus?,
                      note: inout String?, sample: SampleRecord, type: DatasetType, labelCount: Int, _ db: Database) throws {
        func checkLabel(_ i: Int) throws {
            guard (0..<labelCount).contains(i) else {
                throw AIArtsError(.invalidArgument, "label index \(i) is out of range; \(sample.datasetId) has \(labelCount) label\(labelCount == 1 ? "" : "s") (0...\(max(0, labelCount - 1)))")
            }
        }
        func slot(_ id: Int64) throws -> Int {
            guard let n = annotations.firstIndex(where: { $0.id == id }) else {
                throw AIArtsError(.notFound, "annotation \(id) is not one of \(sample.path)'s labels")
            }
            return n
        }
        func boxes() throws {
            guard type == .detection || type == .instanceSegmentation else {
                throw AIArtsError(.invalidArgument, "\(sample.datasetId) is a \(type.rawValue) dataset; it has no boxes to edit")
            }
        }
        switch decision {
        case .accept:
            status = .reviewed
        case .setClass(let i):
            guard type == .classification else {
                throw AIArtsError(.invalidArgument, "\(sample.datasetId) is a \(type.rawValue) dataset; set a box's class instead of the image's")
            }
            try checkLabel(i)
            if var first = annotations.first {
                first.labelIdx = i
                annotations = [first]
            } else {
                annotations = [.init(id: 0, labelIdx: i, isCrowd: false)]
            }
            status = .reviewed
        case .setBoxClass(let id, let i):
            try boxes(); try checkLabel(i)
            annotations[try slot(id)].labelIdx = i
            status = .reviewed
        case .deleteBox(let id):
            try boxes()
            annotations.remove(at: try slot(id))
            status = .reviewed
        case .moveBox(let id, let box):
            try boxes()
            let n = try slot(id)
            let b = try clamp(box, width: sample.width, height: sample.height)
            annotations[n].x = b.x; annotations[n].y = b.y; annotations[n].w = b.width; annotations[n].h = b.height
            status = .reviewed
        case .addBox(let i, let box):
            try boxes(); try checkLabel(i)
            let b = try clamp(box, width: sample.width, height: sample.height)
            annotations.append(.init(id: 0, labelIdx: i, x: b.x, y: b.y, w: b.width, h: b.height, isCrowd: false))
            status = .reviewed
        case .flag:
            status = .flagged
        case .markBad:
            status = .bad
        case .note(let text):
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            note = trimmed.isEmpty ? nil : trimmed
            // A note alone keeps the status; on a sample nobody decided about, it counts as looked at.
            if status == nil { status = .reviewed }
        case .acceptSuggestion(let s):
            let next: ReviewDecision
            switch s.kind {
            case .otherClass:
                guard let label = s.labelIndex else { throw AIArtsError(.invalidArgument, "the suggestion names no class") }
                if type == .classification {
                    next = .setClass(label)
                } else {
                    guard let id = s.annotationId else { throw AIArtsError(.invalidArgument, "the suggestion names no box") }
                    next = .setBoxClass(annotationId: id, labelIndex: label)
                }
            case .missingBox:
                guard let label = s.labelIndex, let box = s.box else { throw AIArtsError(.invalidArgument, "the suggestion names no box to add") }
                next = .addBox(labelIndex: label, box)
            case .spuriousBox:
                guard let id = s.annotationId else { throw AIArtsError(.invalidArgument, "the suggestion names no box to delete") }
                next = .deleteBox(annotationId: id)
            case .poorOverlap:
                guard let id = s.annotationId, let box = s.box else { throw AIArtsError(.invalidArgument, "the suggestion names no box to move") }
                next = .moveBox(annotationId: id, box)
            }
            try apply(next, to: &annotations, status: &status, note: &note, sample: sample, type: type, labelCount: labelCount, db)
        }
    }
}

import Foundation
import GRDB

extension Workspace {
    /// Writes the run's records in one transaction and moves its staged folder in as the last step
    /// of it (a failed move rolls the records back): a new dataset (`.into`), or new samples in an
    /// `aug-N` folder of the source (`.add`). The source's claim ends in the same transaction.
    func commitPreprocess(_ run: ImportRun, samples: [PreprocessedSample], issues: [ImportIssue], labels: [String], type: DatasetType,
                          ops: [PreprocessOp], mode: PreprocessMode, staged: URL, augment: String?) throws -> ImportResult {
        let source = run.dataset
        let me = Self.ownIdentity
        var counts = [Int](repeating: 0, count: labels.count)
        var annotationCount = 0, dropped = 0
        for sample in samples {
            dropped += sample.dropped
            for a in sample.annotations {
                annotationCount += 1
                if counts.indices.contains(a.labelIndex) { counts[a.labelIndex] += 1 }
            }
        }
        let opsText = ops.map(\.text).joined(separator: " ")
        let problems = issues.isEmpty ? "" : "; \(issues.count) failed"
        let droppedText = dropped > 0 ? "; \(dropped) annotations dropped (cropped away)" : ""
        let fm = FileManager.default
        let targetID: String = try store.pool.write { db in
            // Still ours? A recovery by another process (which thought this one dead) would have released it.
            let holder = try Row.fetchOne(db, sql: "SELECT importPid, importStartTime FROM dataset WHERE id = ?", arguments: [source.id])
            guard let holder, holder["importPid"] as Int64? == Int64(me.pid), holder["importStartTime"] as Int64? == Int64(clamping: me.startTime) else {
                throw AIArtsError(.conflict, "\(source.id) was released while preprocessing ran; nothing was written")
            }
            let targetID: String
            let message: String
            let destination: URL
            switch mode {
            case .into(let name):
                targetID = try db.nextID(.dataset)
                message = "preprocessed \(samples.count) images of \(source.id) (\(opsText)), \(annotationCount) annotations\(droppedText)\(problems)"
                let hasSplit = samples.contains { $0.split != nil }
                let record = DatasetRecord(
                    id: targetID, name: name.trimmingCharacters(in: .whitespacesAndNewlines),
                    description: "preprocessed from \(source.id) (\(source.name)): \(opsText)", type: type,
                    status: DatasetStatus.copied.rawValue, statusMessage: message, progress: 1, createdAt: Date(),
                    folder: "datasets/\(targetID)", inPlace: false, sourcePath: nil, format: source.format, cancelRequested: false,
                    splitSource: hasSplit ? (source.splitSource ?? "imported") : nil, splitSeed: hasSplit ? source.splitSeed : nil,
                    valRatio: hasSplit ? source.valRatio : nil, testRatio: hasSplit ? source.testRatio : nil)
                try record.insert(db)
                let insertLabel = try db.makeStatement(sql: "INSERT INTO label(datasetId, idx, name, count) VALUES (?, ?, ?, ?)")
                for (idx, label) in labels.enumerated() { try insertLabel.execute(arguments: [targetID, idx, label, counts[idx]]) }
                try db.execute(sql: """
                    UPDATE dataset SET status = COALESCE(importPreviousStatus, status), statusMessage = COALESCE(importPreviousMessage, statusMessage),
                      progress = COALESCE(importPreviousProgress, progress), cancelRequested = 0, \(Workspace.releaseClaimSQL) WHERE id = ?
                    """, arguments: [source.id])
                destination = datasetsFolder.appendingPathComponent(targetID)
            case .add:
                targetID = source.id
                message = "added \(samples.count) processed copies in \(augment ?? "") (\(opsText)), \(annotationCount) annotations\(droppedText)\(problems)"
                let update = try db.makeStatement(sql: "UPDATE label SET count = count + ? WHERE datasetId = ? AND idx = ?")
                for (idx, n) in counts.enumerated() where n > 0 { try update.execute(arguments: [n, targetID, idx]) }
                try db.execute(sql: """
                    UPDATE dataset SET status = COALESCE(importPreviousStatus, status), statusMessage = ?,
                      progress = COALESCE(importPreviousProgress, progress), cancelRequested = 0, \(Workspace.releaseClaimSQL) WHERE id = ?
                    """, arguments: [Excerpt.cut(message, limit: Excerpt.messageLimit), source.id])
                guard let folder = source.folder, let augment else { throw AIArtsError(.conflict, "\(source.id) has no folder") }
                destination = resolveFolder(folder).appendingPathComponent(augment)
            }
            try Self.insertPreprocessed(samples, datasetID: targetID, db)
            let insertFailure = try db.makeStatement(sql: "INSERT INTO failedFile(datasetId, path, line, reason) VALUES (?, ?, ?, ?)")
            for issue in issues { try insertFailure.execute(arguments: [targetID, issue.path, issue.line, issue.reason]) }
            // Files move last, inside the transaction.
            guard !fm.fileExists(atPath: destination.path) else {
                throw AIArtsError(.conflict, "\(destination.path) already exists; nothing was written")
            }
            try fm.moveItem(at: staged, to: destination)
            return targetID
        }
        let message = mode == .add
            ? "added \(samples.count) processed copies to \(targetID) (\(augment ?? ""))"
            : "made \(targetID) from \(source.id): \(samples.count) images"
        log.info("preprocess \(source.id): \(message), ops \(opsText)\(droppedText)\(problems)")
        run.progress?(ImportProgress(phase: .copied, done: samples.count, total: samples.count, message: message))
        return ImportResult(datasetID: targetID, status: DatasetStatus.copied.rawValue,
                            message: message + (annotationCount > 0 ? ", \(annotationCount) annotations" : "") + droppedText + problems,
                            images: samples.count, annotations: annotationCount, failed: issues.count, droppedAnnotations: dropped)
    }

    static func insertPreprocessed(_ samples: [PreprocessedSample], datasetID id: String, _ db: Database) throws {
        let insertSample = try db.makeStatement(sql: "INSERT INTO sample(datasetId, path, width, height, split, maskPath) VALUES (?, ?, ?, ?, ?, ?)")
        let insertAnnotation = try db.makeStatement(sql: """
            INSERT INTO annotation(sampleId, datasetId, labelIdx, x, y, w, h, isCrowd, segmentation, sourceId) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var blob: [UInt8] = []
        for sample in samples {
            try insertSample.execute(arguments: [id, sample.path, sample.size.width, sample.size.height, sample.split?.rawValue, sample.maskPath])
            let sampleID = db.lastInsertedRowID
            for a in sample.annotations {
                var segmentation: Data?
                if let s = a.segmentation {
                    SegmentationCoding.encode(s, into: &blob)
                    segmentation = Data(blob)
                }
                try insertAnnotation.execute(arguments: [sampleID, id, a.labelIndex, a.box?.x, a.box?.y, a.box?.width, a.box?.height,
                                                         a.isCrowd, segmentation, a.sourceID])
            }
        }
    }
}

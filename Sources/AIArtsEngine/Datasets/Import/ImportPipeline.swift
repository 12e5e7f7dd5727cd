import Foundation
import GRDB
import Logging

/// The import pipeline: find the source, parse its annotation files, check every image by decoding it,
/// copy the good files into a staging folder, then swap records and files in at once. A bad file is
/// recorded with its reason and the rest goes on; a cancelled or failed import leaves the dataset as it was.
extension Workspace {
    @discardableResult
    public func importDataset(_ id: String, from source: URL, format: DatasetFormat, mode: ImportMode = .copy,
                              verification: ImageVerification = .full, replace: Bool = false,
                              progress: (@Sendable (ImportProgress) -> Void)? = nil,
                              isCancelled: (@Sendable () -> Bool)? = nil) throws -> ImportResult {
        let claimed = try claimImport(id, from: source, format: format, replace: replace)
        return try runImport(claimed, format: format, mode: mode, verification: verification, progress: progress, isCancelled: isCancelled)
    }

    /// The checks an import makes before touching anything (the dataset, review work a new import
    /// would drop, the format against the type, the source), then the claim: when this returns,
    /// the dataset is marked as importing by this process.
    func claimImport(_ id: String, from source: URL, format: DatasetFormat, replace: Bool) throws -> ClaimedImport {
        let dataset = try self.dataset(id)
        let before = try checkReimport(id, replace: replace)
        try Self.checkImportable(type: dataset.type, id: id, from: source, format: format)
        // One import per dataset: a second is refused here, naming the first (ImportClaim.swift).
        try claimImport(id)
        return ClaimedImport(dataset: dataset, before: before, source: source.standardizedFileURL)
    }

    /// Refuses a format that does not carry the dataset's type, and a source that does not exist.
    static func checkImportable(type: DatasetType, id: String, from source: URL, format: DatasetFormat) throws {
        guard format.types.contains(type) else {
            let fits = DatasetFormat.allCases.filter { $0.types.contains(type) }.map(\.rawValue)
            throw AIArtsError(.invalidArgument, "\(id) is a \(type.rawValue) dataset; --format \(format.rawValue) does not carry that type (use one of: \(fits.joined(separator: ", ")))")
        }
        guard FileManager.default.fileExists(atPath: source.standardizedFileURL.path) else {
            throw AIArtsError(.invalidArgument, "\(source.standardizedFileURL.path) does not exist")
        }
    }

    /// Runs a claimed import to its end; the claim is released whatever happens.
    func runImport(_ claimed: ClaimedImport, format: DatasetFormat, mode: ImportMode, verification: ImageVerification,
                   progress: (@Sendable (ImportProgress) -> Void)?, isCancelled: (@Sendable () -> Bool)?) throws -> ImportResult {
        let id = claimed.dataset.id, source = claimed.source
        // Named after this process, so a killed import's partial copy is recognised and removed.
        let staging = datasetsFolder.appendingPathComponent(".staging/\(Self.stagingName(id))")
        defer { try? FileManager.default.removeItem(at: staging) }

        let run = ImportRun(workspace: self, dataset: claimed.dataset, verification: verification, progress: progress, isCancelled: isCancelled)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try run.setStatus(.checking, "checking \(source.path)", done: 0, total: 0, clearCancel: true)
            var result = try run.perform(source: source, format: format, mode: mode, staging: staging)
            restoreSplit(claimed.before, after: &result)
            log.info("import \(id) finished: \(result.message)")
            return result
        } catch let error as CancellationError {
            try? run.setStatus(.cancelled, "import cancelled; the dataset keeps what it had before", done: 0, total: 0, release: true)
            throw error
        } catch {
            let message = (error as? AIArtsError)?.message ?? String(describing: error)
            try? run.setStatus(.checkFailed, message, done: 0, total: 0, release: true)
            throw error
        }
    }
}

/// An import that passed its checks and holds its dataset's claim.
struct ClaimedImport: Sendable {
    var dataset: DatasetRecord
    var before: ReimportState
    var source: URL
}

/// One import's state, so the steps can share it without long parameter lists.
final class ImportRun: @unchecked Sendable {
    let workspace: Workspace
    let dataset: DatasetRecord
    let verification: ImageVerification
    let progress: (@Sendable (ImportProgress) -> Void)?
    let localCancel: (@Sendable () -> Bool)?
    private let lock = NSLock()
    private var lastCancelPoll = Date.distantPast
    private var cancelFlag = false
    private var lastStatusWrite = Date.distantPast

    init(workspace: Workspace, dataset: DatasetRecord, verification: ImageVerification,
         progress: (@Sendable (ImportProgress) -> Void)?, isCancelled: (@Sendable () -> Bool)?) {
        self.workspace = workspace; self.dataset = dataset; self.verification = verification
        self.progress = progress; self.localCancel = isCancelled
    }

    /// True when this process or another (through the database flag) asked to cancel.
    func cancelled() -> Bool {
        if localCancel?() == true { return true }
        return lock.withLock {
            if cancelFlag { return true }
            if Date().timeIntervalSince(lastCancelPoll) > 0.25 {
                lastCancelPoll = Date()
                cancelFlag = (try? workspace.store.pool.read { db in
                    try Bool.fetchOne(db, sql: "SELECT cancelRequested FROM dataset WHERE id = ?", arguments: [dataset.id])
                }) == true
            }
            return cancelFlag
        }
    }

    func checkCancel() throws { if cancelled() { throw CancellationError() } }

    /// `release`: the import ends with this status, so its claim on the dataset ends too.
    func setStatus(_ status: DatasetStatus, _ message: String, done: Int, total: Int, clearCancel: Bool = false, release: Bool = false) throws {
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        try workspace.store.pool.write { db in
            try db.execute(sql: "UPDATE dataset SET status = ?, statusMessage = ?, progress = ?\(clearCancel ? ", cancelRequested = 0" : "")\(release ? ", " + Workspace.releaseClaimSQL : "") WHERE id = ?",
                           arguments: [status.rawValue, Excerpt.cut(message, limit: Excerpt.messageLimit), fraction, dataset.id])
        }
        progress?(ImportProgress(phase: status, done: done, total: total, message: message))
    }

    /// Progress within a phase: reported to the caller every time, written to the database at most 5 times a second.
    func report(_ status: DatasetStatus, done: Int, total: Int) {
        progress?(ImportProgress(phase: status, done: done, total: total, message: "\(status.rawValue) \(done)/\(total)"))
        let due = lock.withLock {
            guard Date().timeIntervalSince(lastStatusWrite) > 0.2 || done == total else { return false }
            lastStatusWrite = Date()
            return true
        }
        if due {
            let fraction = total > 0 ? Double(done) / Double(total) : 0
            _ = try? workspace.store.pool.write { db in
                try db.execute(sql: "UPDATE dataset SET progress = ? WHERE id = ?", arguments: [fraction, dataset.id])
            }
        }
    }

    func perform(source: URL, format: DatasetFormat, mode: ImportMode, staging: URL) throws -> ImportResult {
        var issues: [ImportIssue] = []
        var root = source
        var effectiveMode = mode
        if !FileManager.default.isDirectory(source), let kind = try Self.archiveKind(of: source) {
            // Archives are always unpacked into the workspace; there is nothing to register in place.
            if mode == .register {
                throw AIArtsError(.invalidArgument, "\(source.lastPathComponent) is an archive; it can only be imported by copying (drop --register)")
            }
            effectiveMode = .copy
            let unpacked = staging.appendingPathComponent("unpacked")
            try setStatus(.checking, "unpacking \(source.lastPathComponent) (\(kind))", done: 0, total: 0)
            let extraction = try ArchiveExtractor.extract(source, into: unpacked, progress: { [self] done, total in
                self.report(.checking, done: Int(done / 1_000_000), total: Int(total / 1_000_000))
            }, isCancelled: { [self] in cancelled() })
            issues += extraction.skipped.map { ImportIssue(path: source.lastPathComponent + ":" + $0.path, reason: $0.reason) }
            root = Self.singleTopFolder(of: unpacked) ?? unpacked
        }
        try checkCancel()

        // A folder plainly in another format is refused with a hint, before anything is read as the wrong one.
        if FileManager.default.isDirectory(root), let hint = FormatSignature.mismatch(chosen: format, root: root) {
            throw AIArtsError(.badInput, hint)
        }
        var clock = PhaseClock()
        let parsed: ParsedDataset
        // Images embedded in annotation files are written beside the staged copy; registering in
        // place has nowhere to put them (the source folder is not ours to write).
        let embedded = effectiveMode == .copy ? staging.appendingPathComponent("embedded") : nil
        var probed: [Int: Result<ProbedImage, Error>] = [:]
        do {
            let parser = format.parser(for: dataset.type, embeddedImages: embedded)
            if let columnar = parser as? ColumnarDatasetParser {
                let queue = ImageProbeQueue(verification: verification, isCancelled: { [self] in cancelled() })
                do {
                    parsed = try columnar.parseColumns(root: root, type: dataset.type, prober: queue)
                } catch {
                    queue.stop()
                    throw error
                }
                probed = queue.finish()
            } else {
                parsed = try parser.parse(root: root, type: dataset.type)
            }
        } catch let error as AIArtsError {
            throw error
        } catch {
            throw AIArtsError(.badInput, "\(source.path): \(error)")
        }
        issues += parsed.issues
        try checkCancel()

        clock.lap("parse")
        var checked = try SampleChecker(run: self, type: dataset.type, labels: parsed.labels,
                                        sourceRoot: datasetRoot(of: root).standardizedFileURL.path)
            .check(parsed.samples, columns: parsed.columns, probed: probed)
        clock.lap("check")
        issues += checked.issues
        try checkCancel()
        if checked.samples.isEmpty {
            let first = issues.first.map { " First problem: \(Excerpt.cut($0.description, limit: 500))" } ?? ""
            throw AIArtsError(.badInput, "no image in \(source.path) could be imported (\(issues.count) problems).\(first)")
        }
        let folderURL: URL
        let storedFolder: String
        let content = staging.appendingPathComponent("content")
        switch effectiveMode {
        case .copy:
            try setStatus(.checked, "checked \(checked.samples.count) images; \(issues.count) problems", done: checked.samples.count, total: checked.samples.count)
            try copyFiles(&checked, into: content, staging: staging, issues: &issues)
            storedFolder = "datasets/\(dataset.id)"
            folderURL = workspace.root.appendingPathComponent(storedFolder)
        case .register:
            // The dataset refers to the files where they are, by their path under the source root.
            let base = datasetRoot(of: root)
            let prefix = base.standardizedFileURL.path + "/"
            for i in checked.samples.indices {
                checked.samples[i].relativePath = Self.relative(checked.samples[i].source.path, to: prefix)
                if let mask = checked.samples[i].mask {
                    checked.samples[i].mask?.relativePath = Self.relative(mask.source.path, to: prefix)
                }
            }
            storedFolder = base.path
            folderURL = base
        }
        try checkCancel()
        clock.lap("copy")
        let result = try commit(checked, issues: issues, source: source, format: format, mode: effectiveMode,
                                storedFolder: storedFolder, folderURL: folderURL, staged: effectiveMode == .copy ? content : nil)
        clock.lap("store")
        workspace.log.info("import \(dataset.id) phases: \(clock.summary)")
        return result
    }

    /// Copies the good files into the staging folder; files already inside it (unpacked from an
    /// archive, written out of labelme's `imageData`) are the workspace's own, so they are moved instead.
    private func copyFiles(_ checked: inout CheckedSamples, into content: URL, staging: URL, issues: inout [ImportIssue]) throws {
        let ours = staging.path + "/"
        let fm = FileManager.default
        let total = checked.samples.count
        try setStatus(.copying, "copying \(total) images", done: 0, total: total)
        var kept: [CheckedSample] = []
        kept.reserveCapacity(total)
        var folders = Set<String>()
        for (index, sample) in checked.samples.enumerated() {
            if index % 64 == 0 { try checkCancel(); report(.copying, done: index, total: total) }
            do {
                for file in [ParsedFile(source: sample.source, relativePath: sample.relativePath)] + (sample.mask.map { [$0] } ?? []) {
                    let target = content.appendingPathComponent(file.relativePath)
                    let folder = target.deletingLastPathComponent()
                    if folders.insert(folder.path).inserted {
                        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
                    }
                    if file.source.path.hasPrefix(ours) {
                        try fm.moveItem(at: file.source, to: target)
                    } else {
                        try FileCopy.copy(file.source.path, to: target.path)
                    }
                }
                kept.append(sample)
            } catch {
                issues.append(ImportIssue(path: sample.relativePath, reason: "could not copy into the workspace: \(error.localizedDescription)"))
            }
        }
        report(.copying, done: total, total: total)
        checked.samples = kept
    }

    /// Replaces the dataset's records in one transaction and swaps the staged folder in.
    private func commit(_ checked: CheckedSamples, issues: [ImportIssue], source: URL, format: DatasetFormat, mode: ImportMode,
                        storedFolder: String, folderURL: URL, staged: URL?) throws -> ImportResult {
        let id = dataset.id
        // Label counts are kept with the labels: counting 500k annotations per label on every
        // `show` would need an index that costs more to maintain during import than it saves.
        var counts = [Int](repeating: 0, count: checked.labels.count)
        for sample in checked.samples {
            checked.forEachAnnotation(of: sample) { counts[Int(checked.columns.label[$0])] += 1 }
            for label in sample.maskLabels { counts[label] += 1 }
        }
        let annotationCount = counts.reduce(0, +)
        let hasSplit = checked.samples.contains { $0.split != nil }
        // Images without a box or mask (an XML-less image, a VOC test set) are said, so none goes unnoticed.
        let unannotated = checked.samples.reduce(0) { $0 + (checked.isUnannotated($1) ? 1 : 0) }
        let message = "imported \(checked.samples.count) images"
            + (unannotated > 0 ? " (\(unannotated) without annotations)" : "") + ", \(annotationCount) annotations"
            + (issues.isEmpty ? "" : "; \(issues.count) problems (see `aiarts dataset show \(id)`)")
        // A registered dataset refers to files it never copied, and says so.
        let imported: DatasetStatus = mode == .register ? .registered : .copied
        let trash = workspace.datasetsFolder.appendingPathComponent(".staging/\(Workspace.stagingName(id, kind: "old-"))")
        try workspace.store.pool.write { db in
            for table in ["annotation", "sample", "label", "failedFile"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE datasetId = ?", arguments: [id])
            }
            let insertLabel = try db.makeStatement(sql: "INSERT INTO label(datasetId, idx, name, count) VALUES (?, ?, ?, ?)")
            for (idx, name) in checked.labels.enumerated() { try insertLabel.execute(arguments: [id, idx, name, counts[idx]]) }
            try Self.storeSamples(checked, datasetID: id, db)
            let insertFailure = try db.makeStatement(sql: "INSERT INTO failedFile(datasetId, path, line, reason) VALUES (?, ?, ?, ?)")
            for issue in issues { try insertFailure.execute(arguments: [id, issue.path, issue.line, issue.reason]) }
            try db.execute(sql: """
                UPDATE dataset SET status = ?, statusMessage = ?, progress = 1, folder = ?, inPlace = ?, sourcePath = ?, format = ?,
                  splitSource = ?, splitSeed = NULL, valRatio = NULL, testRatio = NULL, cancelRequested = 0, \(Workspace.releaseClaimSQL) WHERE id = ?
                """, arguments: [imported.rawValue, message, storedFolder, mode == .register, source.path, format.rawValue,
                                 hasSplit ? "imported" : nil, id])
            // Files move last, inside the transaction: if the move fails, the records roll back with it.
            if let staged {
                let fm = FileManager.default
                if fm.fileExists(atPath: folderURL.path) { try fm.moveItem(at: folderURL, to: trash) }
                try fm.moveItem(at: staged, to: folderURL)
            }
        }
        // The old copy goes only after the new records are committed.
        try? FileManager.default.removeItem(at: trash)
        progress?(ImportProgress(phase: imported, done: checked.samples.count, total: checked.samples.count, message: message))
        return ImportResult(datasetID: id, status: imported.rawValue, message: message,
                            images: checked.samples.count, annotations: annotationCount, failed: issues.count)
    }

    /// Writes the sample rows and their annotation rows, binding straight from the columns: no
    /// record is built per annotation, and segmentations are already encoded.
    private static func storeSamples(_ checked: CheckedSamples, datasetID id: String, _ db: Database) throws {
        // The transaction writes ~100 MB for 100k images; a larger page cache spills less of it early.
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        try db.execute(sql: "PRAGMA cache_size = -65536")
        defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
        // Sample ids are given here rather than taken one by one from each insert, so rows can go
        // in batches: the next ids AUTOINCREMENT would hand out.
        let lastID = try Int64.fetchOne(db, sql: """
            SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'sample'), 0), coalesce((SELECT max(id) FROM sample), 0))
            """) ?? 0
        var insertSample = BulkInsert(db, table: "sample", columns: ["id", "datasetId", "path", "width", "height", "split", "maskPath"])
        var insertAnnotation = BulkInsert(db, table: "annotation", columns: [
            "sampleId", "datasetId", "labelIdx", "x", "y", "w", "h", "isCrowd", "segmentation", "sourceId"])
        let columns = checked.columns
        try id.withCString { datasetID in
            try columns.segmentationBytes.withUnsafeBufferPointer { segmentations in
                // Samples first: annotations refer to them.
                for (n, sample) in checked.samples.enumerated() {
                    try insertSample.row { row in
                        row.int(lastID + 1 + Int64(n)); row.cString(datasetID); row.text(sample.relativePath)
                        row.int(Int64(sample.size.width)); row.int(Int64(sample.size.height))
                        row.text(sample.split?.rawValue); row.text(sample.mask?.relativePath)
                    }
                }
                try insertSample.finish()
                for (n, sample) in checked.samples.enumerated() {
                    let sampleID = lastID + 1 + Int64(n)
                    try checked.forEachAnnotation(of: sample) { i in
                        let flags = columns.flags[i]
                        let box = flags.has(.hasBox) ? columns.box[i] : nil
                        let range = columns.segmentationRange(i)
                        try insertAnnotation.row { row in
                            row.int(sampleID); row.cString(datasetID); row.int(Int64(columns.label[i]))
                            row.double(box?.x); row.double(box?.y); row.double(box?.width); row.double(box?.height)
                            row.int(flags.has(.crowd) ? 1 : 0)
                            row.blob(range.isEmpty ? nil : UnsafeBufferPointer(rebasing: segmentations[range]))
                            row.int(flags.has(.hasSourceID) ? columns.sourceID[i] : nil)
                        }
                    }
                    for label in sample.maskLabels {
                        try insertAnnotation.row { row in
                            row.int(sampleID); row.cString(datasetID); row.int(Int64(label))
                            row.double(nil); row.double(nil); row.double(nil); row.double(nil)
                            row.int(0); row.blob(nil); row.int(nil)
                        }
                    }
                }
                try insertAnnotation.finish()
            }
        }
    }

    /// A file named like an archive must be one (a broken .zip is an error); any other file is an
    /// archive only if its first bytes say so (a COCO JSON is not).
    static func archiveKind(of file: URL) throws -> ArchiveKind? {
        let name = file.lastPathComponent.lowercased()
        if [".zip", ".tar", ".tar.gz", ".tgz"].contains(where: name.hasSuffix) {
            return try ArchiveKind.detect(file)
        }
        return try? ArchiveKind.detect(file)
    }

    static func singleTopFolder(of folder: URL) -> URL? {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") && $0 != "__MACOSX" }
        guard entries.count == 1 else { return nil }
        let only = folder.appendingPathComponent(entries[0])
        return FileManager.default.isDirectory(only) ? only : nil
    }

    /// `path` relative to the folder `prefix` (which ends in '/'). Parsers confine every file to the
    /// source root, so the prefix matches; the file name alone is a safe fallback.
    static func relative(_ path: String, to prefix: String) -> String {
        path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : (path as NSString).lastPathComponent
    }
}

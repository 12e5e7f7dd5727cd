import AIArtsImaging
import Foundation
import GRDB

/// Where preprocessed images go (docs/preprocessing.md).
public enum PreprocessMode: Sendable, Equatable {
    /// A new dataset of this name: every image processed, labels and splits kept.
    case into(String)
    /// Processed copies added to the same dataset as new samples, beside the originals (the
    /// Django document's `overlap`).
    case add
}

/// What a preprocessing run would do, without doing it (`--dry-run`).
public struct PreprocessPlan: Codable, Equatable, Sendable {
    public var datasetID: String
    public var ops: [PreprocessOp]
    public var mode: String
    public var images: Int
    public var annotations: Int
    /// Images whose stored size the ops cannot apply to (a crop outside), with the first reason.
    public var refused: Int
    public var firstRefusal: String?
    /// Where the files go: the new dataset's name, or the folder the copies are added in.
    public var target: String
    /// The first image's new path, as an example of the naming.
    public var examplePath: String?

    enum CodingKeys: String, CodingKey {
        case datasetID = "dataset_id", ops, mode, images, annotations, refused, firstRefusal = "first_refusal", target
        case examplePath = "example_path"
    }

    /// Every key, a missing value as null (docs/cli-json.md).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(datasetID, forKey: .datasetID); try c.encode(ops, forKey: .ops); try c.encode(mode, forKey: .mode)
        try c.encode(images, forKey: .images); try c.encode(annotations, forKey: .annotations); try c.encode(refused, forKey: .refused)
        try c.encode(firstRefusal, forKey: .firstRefusal); try c.encode(target, forKey: .target); try c.encode(examplePath, forKey: .examplePath)
    }
}

/// Where a preprocessed dataset (or a run of added copies) came from; written as preprocess.json.
public struct PreprocessOrigin: Codable, Equatable, Sendable {
    public var source: String
    public var sourceName: String
    public var ops: [PreprocessOp]
    public var mode: String
    public var images: Int
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case source, sourceName = "source_name", ops, mode, images, createdAt = "created_at"
    }
}

extension Workspace {
    /// Checks a preprocessing request and says what it would do. Reads only the records.
    public func preprocessPlan(_ id: String, ops: [PreprocessOp], mode: PreprocessMode) throws -> PreprocessPlan {
        let (record, content, _) = try preprocessSource(id, ops: ops, mode: mode)
        var refused = 0, first: String?
        for sample in content.samples {
            do { _ = try PreprocessPipeline.outputSize(ops, for: sample.size) } catch {
                refused += 1
                if first == nil { first = "\(sample.path): \((error as? AIArtsError)?.message ?? "\(error)")" }
            }
        }
        let folder = mode == .add ? try nextAugmentFolder(record) : nil
        let work = PreprocessSampleWork(ops: ops, sourceFolder: URL(fileURLWithPath: "/"), stagedFolder: URL(fileURLWithPath: "/"),
                                        storedPrefix: folder.map { $0 + "/" } ?? "", renames: mode == .add)
        let target: String
        switch mode {
        case .into(let name): target = "a new dataset \"\(name)\""
        case .add: target = "\(record.folder ?? "")/\(folder ?? "")"
        }
        return PreprocessPlan(datasetID: id, ops: ops, mode: mode.name, images: content.samples.count,
                              annotations: content.samples.reduce(0) { $0 + $1.annotations.count },
                              refused: refused, firstRefusal: first, target: target,
                              examplePath: content.samples.first.map { work.storedPrefix + work.name(for: $0.path) })
    }

    /// Starts preprocessing dataset `id` on background threads and returns its job at once
    /// (`updates()`, `cancel()`, `wait()`; `job.datasetID` is the source, which the run holds as an
    /// import would, so `aiarts dataset cancel` stops it too). All or nothing: the new dataset, or
    /// the added samples, appear in one transaction at the end; a cancel, a failure or a killed
    /// process leaves the workspace as it was. An image that cannot be read or processed is
    /// skipped and recorded (failedFile) with its reason.
    public func preprocessDataset(_ id: String, ops: [PreprocessOp], mode: PreprocessMode,
                                  onProgress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> ImportJob {
        _ = try preprocessSource(id, ops: ops, mode: mode)
        // One run per dataset, and none while it is being imported (ImportClaim.swift); the records
        // are read again once the claim is held, so no import can change them under the run.
        try claimImport(id)
        let record: DatasetRecord, content: DatasetContent, folder: URL
        do { (record, content, folder) = try preprocessSource(id, ops: ops, mode: mode) } catch {
            try? releasePreprocessClaim(id)
            throw error
        }
        cleanImportStaging()
        let job = ImportJob(datasetID: id)
        Thread.detachNewThread { [self] in
            let run = ImportRun(workspace: self, dataset: record, verification: .full,
                                progress: { p in job.update(p); onProgress?(p) }, isCancelled: { job.isCancelled })
            let result = Result {
                try runPreprocess(run, content: content, sourceFolder: folder, ops: ops, mode: mode)
            }
            if case .failure(let error) = result {
                let why = error is CancellationError ? "preprocessing cancelled; nothing was added" : "preprocessing failed: \((error as? AIArtsError)?.message ?? "\(error)")"
                try? releasePreprocessClaim(id)
                log.info("preprocess \(id): \(why)")
            }
            job.finish(result)
        }
        return job
    }

    /// The checks made before anything starts: ops, the mode, the dataset and its records.
    func preprocessSource(_ id: String, ops: [PreprocessOp], mode: PreprocessMode) throws -> (DatasetRecord, DatasetContent, URL) {
        guard !ops.isEmpty else { throw AIArtsError(.invalidArgument, "no ops given; add at least one --op (e.g. --op flip_h)") }
        let record = try dataset(id)
        if case .into(let name) = mode, name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw AIArtsError(.invalidArgument, "the new dataset needs a name (--into NAME)")
        }
        if mode == .add, record.inPlace {
            throw AIArtsError(.conflict, "\(id) is registered in place: --add would write into your folder \(record.folder ?? ""); use --into NAME to make a new dataset instead")
        }
        let (content, folder) = try self.content(id)
        guard !content.samples.isEmpty else { throw AIArtsError(.conflict, "\(id) has no images to preprocess") }
        return (record, content, folder)
    }

    /// The first free `aug-N` folder of a dataset (the added copies of one run live in one, so they
    /// appear with a single rename).
    func nextAugmentFolder(_ record: DatasetRecord) throws -> String {
        guard let stored = record.folder else { throw AIArtsError(.conflict, "\(record.id) has no folder") }
        let folder = resolveFolder(stored)
        let used = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT substr(path, 1, instr(path, '/') - 1) FROM sample WHERE datasetId = ? AND path LIKE 'aug-%/%'",
                                arguments: [record.id])
        }
        var n = 1
        while used.contains("aug-\(n)") || FileManager.default.fileExists(atPath: folder.appendingPathComponent("aug-\(n)").path) { n += 1 }
        return "aug-\(n)"
    }

    /// Ends a run that did not commit: the dataset goes back to the status it had.
    func releasePreprocessClaim(_ id: String) throws {
        try store.pool.write { db in
            try db.execute(sql: """
                UPDATE dataset SET status = COALESCE(importPreviousStatus, status), statusMessage = COALESCE(importPreviousMessage, statusMessage),
                  progress = COALESCE(importPreviousProgress, progress), cancelRequested = 0, \(Workspace.releaseClaimSQL)
                WHERE id = ? AND importPid = ? AND importStartTime = ?
                """, arguments: [id, Self.ownIdentity.pid, Int64(clamping: Self.ownIdentity.startTime)])
        }
    }

    /// Processes every image into a staging folder, in parallel, then commits.
    func runPreprocess(_ run: ImportRun, content: DatasetContent, sourceFolder: URL, ops: [PreprocessOp], mode: PreprocessMode) throws -> ImportResult {
        let id = run.dataset.id
        let staging = datasetsFolder.appendingPathComponent(".staging/\(Self.stagingName(id, kind: "prep-"))")
        defer { try? FileManager.default.removeItem(at: staging) }
        let augment = mode == .add ? try nextAugmentFolder(run.dataset) : nil
        let staged = staging.appendingPathComponent("content")
        let filesRoot = augment.map { staged.appendingPathComponent($0) } ?? staged
        try FileManager.default.createDirectory(at: filesRoot, withIntermediateDirectories: true)
        let work = PreprocessSampleWork(ops: ops, sourceFolder: sourceFolder, stagedFolder: filesRoot,
                                        storedPrefix: augment.map { $0 + "/" } ?? "", renames: mode == .add)
        let total = content.samples.count
        let what = mode == .add ? "adding processed copies" : "preprocessing"
        try run.setStatus(.copying, "\(what) \(total) images: \(ops.map(\.text).joined(separator: " "))", done: 0, total: total)

        let results = try Self.processAll(content.samples, work: work, run: run)
        try run.checkCancel()
        var samples: [PreprocessedSample] = [], issues: [ImportIssue] = []
        for result in results {
            switch result {
            case .success(let s): samples.append(s)
            case .failure(let issue): issues.append(issue)
            }
        }
        guard !samples.isEmpty else {
            let first = issues.first.map { " First: \(Excerpt.cut($0.description, limit: 300))" } ?? ""
            throw AIArtsError(.badInput, "no image of \(id) could be preprocessed (\(issues.count) failed).\(first)")
        }
        let origin = PreprocessOrigin(source: id, sourceName: run.dataset.name, ops: ops, mode: mode.name, images: samples.count, createdAt: Date())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(origin).write(to: filesRoot.appendingPathComponent("preprocess.json"))
        try run.checkCancel()
        return try commitPreprocess(run, samples: samples, issues: issues, labels: content.labels, type: content.type, ops: ops,
                                    mode: mode, staged: augment == nil ? staged : filesRoot, augment: augment)
    }

    /// Runs `work` on every sample on all cores; the results keep the samples' order.
    static func processAll(_ samples: [StoredSample], work: PreprocessSampleWork, run: ImportRun) throws -> [Result<PreprocessedSample, ImportIssue>] {
        let total = samples.count
        let box = ResultsBox(count: total)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, total))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = box.next() {
                if i % 16 == 0, run.cancelled() { box.stop(); return }
                box.set(i, work.run(samples[i]))
                let done = box.finished()
                if done % 8 == 0 || done == total { run.report(.copying, done: done, total: total) }
            }
        }
        try run.checkCancel()
        if box.results.contains(where: { $0 == nil }) { throw CancellationError() }
        return box.results.map { $0! }
    }
}

extension PreprocessMode {
    var name: String {
        switch self {
        case .into: "into"
        case .add: "add"
        }
    }
}

/// The shared state of the parallel workers: the next index and the results so far.
private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0, done = 0, stopped = false
    private(set) var results: [Result<PreprocessedSample, ImportIssue>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.withLock {
            guard !stopped, nextIndex < results.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    func set(_ i: Int, _ result: Result<PreprocessedSample, ImportIssue>) { lock.withLock { results[i] = result; done += 1 } }
    func finished() -> Int { lock.withLock { done } }
    func stop() { lock.withLock { stopped = true } }
}

extension ImportIssue: Error {}

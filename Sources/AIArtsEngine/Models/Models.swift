import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The model registry (docs/models.md): models/M0001/v1/, v2/ ... each holding copied files and
/// a manifest, model.json. Files are copied into a hidden folder inside models/ first and renamed
/// into place in the same database transaction that inserts the version, so a reader never finds
/// a version row without its complete folder, nor a complete folder it could mistake for one.
extension Workspace {
    var modelsFolder: URL { root.appendingPathComponent("models") }

    /// models/<id>: the folder of a model's versions.
    public func modelFolder(_ id: String) -> URL { modelsFolder.appendingPathComponent(id) }

    /// models/<id>/v<version>.
    public func modelVersionFolder(_ id: String, version: Int) -> URL {
        modelFolder(id).appendingPathComponent("v\(version)")
    }

    /// Reads "v2" or "2" as version 2.
    public static func parseModelVersion(_ text: String) throws -> Int {
        let digits = text.hasPrefix("v") || text.hasPrefix("V") ? String(text.dropFirst()) : text
        guard let n = Int(digits), n >= 1, digits.allSatisfy(\.isNumber) else {
            throw AIArtsError(.invalidArgument, "'\(text)' is not a version; versions are v1, v2, ...")
        }
        return n
    }

    // MARK: Reading

    public func model(_ id: String) throws -> ModelRecord {
        guard let record = try store.pool.read({ try ModelRecord.fetchOne($0, key: id) }) else {
            throw AIArtsError.notFoundModel(id)
        }
        return record
    }

    /// Every model, oldest first, with its version count and size.
    public func models() throws -> [ModelSummary] {
        try store.pool.read { db in
            let models = try ModelRecord.order(Column("id")).fetchAll(db)
            let versions = Dictionary(grouping: try ModelVersionRecord.order(Column("version")).fetchAll(db), by: \.modelId)
            return models.map { m in
                let vs = versions[m.id] ?? []
                return ModelSummary(model: m, versions: vs.count, latest: vs.last.map { "v\($0.version)" },
                                    size: vs.reduce(0) { $0 + $1.size })
            }
        }
    }

    /// A model with its versions, oldest first.
    public func modelDetail(_ id: String) throws -> ModelDetail {
        try store.pool.read { db in
            guard let model = try ModelRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundModel(id) }
            let versions = try ModelVersionRecord.filter(Column("modelId") == id).order(Column("version")).fetchAll(db)
            return ModelDetail(
                model: model, folder: modelFolder(id).path,
                versions: versions.map { ModelVersion($0, folder: modelVersionFolder(id, version: $0.version)) },
                size: versions.reduce(0) { $0 + $1.size })
        }
    }

    /// One version of a model; the newest when `version` is nil.
    public func modelVersion(_ id: String, version: Int? = nil) throws -> ModelVersion {
        let detail = try modelDetail(id)
        if let version {
            guard let found = detail.versions.first(where: { $0.version == version }) else {
                let have = detail.versions.map(\.name).joined(separator: ", ")
                throw AIArtsError(.notFound, "\(id) has no version v\(version); it has \(have.isEmpty ? "none" : have)")
            }
            return found
        }
        guard let newest = detail.versions.last else {
            throw AIArtsError(.notFound, "\(id) has no versions")
        }
        return newest
    }

    // MARK: Adding

    /// Uploads a file or folder as a new model, or as a new version of `modelID`. A folder's
    /// contents become the version folder; a file is copied under its own name.
    ///
    /// - Parameters:
    ///   - type: the dataset type the model is for; an aiarts-train checkpoint is classification.
    ///   - format: a label for what the files are; recognised from the files when nil.
    ///   - symlinks: what to do with symbolic links inside a folder (refused by default).
    @discardableResult
    public func uploadModel(from path: URL, name: String? = nil, to modelID: String? = nil, type: DatasetType? = nil,
                            format: String? = nil, description: String = "", symlinks: SymlinkPolicy = .refuse) throws -> RegisteredVersion {
        try uploadModel(from: path, name: name, to: modelID, type: type, format: format, description: description,
                        symlinks: symlinks, faults: ModelFaults())
    }

    func uploadModel(from path: URL, name: String?, to modelID: String?, type: DatasetType?, format: String?,
                     description: String, symlinks: SymlinkPolicy, faults: ModelFaults) throws -> RegisteredVersion {
        let source = path.standardizedFileURL
        guard let info = statInfo(source.path) else {
            throw AIArtsError(.notFound, "\(source.path) does not exist")
        }
        let isFolder = info.st_mode & S_IFMT == S_IFDIR
        if let downloaded = try downloadedVersion(at: source, isFolder: isFolder) {
            defer { if let unpacked = downloaded.unpacked { try? FileManager.default.removeItem(at: unpacked) } }
            return try uploadDownloaded(downloaded, from: source, name: name, to: modelID, description: description, faults: faults)
        }
        let item = VersionSource.Item(url: source, placeAs: isFolder ? nil : source.lastPathComponent)
        let version = VersionSource(items: [item], taskID: nil, epoch: nil, path: source.path, evaluation: nil,
                                    format: format, type: type, trainer: nil, symlinks: symlinks)
        let fallbackName = isFolder ? source.lastPathComponent : source.deletingPathExtension().lastPathComponent
        let new = NewModel(name: name ?? fallbackName, description: description, kind: .uploaded)
        return try addVersion(version, newModel: modelID == nil ? new : nil, to: modelID, faults: faults)
    }

    /// A downloaded version goes back as the version it was, or as a new model made like it.
    private func uploadDownloaded(_ downloaded: DownloadedVersion, from source: URL, name: String?, to modelID: String?,
                                  description: String, faults: ModelFaults) throws -> RegisteredVersion {
        let manifest = downloaded.manifest
        if modelID == nil, name == nil, let existing = try existingVersion(of: downloaded) { return existing }
        var version = VersionSource(items: [.init(url: downloaded.folder, placeAs: nil)], taskID: nil, epoch: nil, path: source.path,
                                    evaluation: manifest.evaluation, format: manifest.format, type: manifest.type.flatMap(DatasetType.init(rawValue:)),
                                    trainer: manifest.trainer, symlinks: .refuse)
        version.skipManifest = true
        let new = NewModel(name: name ?? manifest.name, description: description, kind: ModelKind(rawValue: manifest.kind) ?? .uploaded)
        return try addVersion(version, newModel: modelID == nil ? new : nil, to: modelID, faults: faults)
    }

    /// Registers a task's checkpoint (or `files`, e.g. what an export wrote) as a new model, or as a
    /// new version of `modelID`.
    ///
    /// - Parameters:
    ///   - epoch: the checkpoint of that epoch; nil takes the best one (the last checkpoint line of
    ///     metrics.jsonl with `"best": true`), else the last one.
    ///   - files: files or folders to copy instead of the checkpoint, each under its own name; the
    ///     epoch is still recorded as the version's source.
    ///   - evaluation: results to keep with the version; nil takes the task's `eval` metrics at that epoch.
    @discardableResult
    public func registerModel(fromTask taskID: String, epoch: Int? = nil, name: String? = nil, kind: ModelKind = .pretrained,
                              files: [URL]? = nil, evaluation: [String: Double]? = nil, format: String? = nil,
                              to modelID: String? = nil, description: String = "") throws -> RegisteredVersion {
        try registerModel(fromTask: taskID, epoch: epoch, name: name, kind: kind, files: files, evaluation: evaluation,
                          format: format, to: modelID, description: description, faults: ModelFaults())
    }

    /// Adds a version to an existing model from a task: `registerModel(fromTask:...to:)`.
    @discardableResult
    public func addModelVersion(to modelID: String, fromTask taskID: String, epoch: Int? = nil, files: [URL]? = nil,
                                evaluation: [String: Double]? = nil, format: String? = nil) throws -> RegisteredVersion {
        try registerModel(fromTask: taskID, epoch: epoch, files: files, evaluation: evaluation, format: format, to: modelID)
    }

    func registerModel(fromTask taskID: String, epoch: Int?, name: String?, kind: ModelKind, files: [URL]?,
                       evaluation: [String: Double]?, format: String?, to modelID: String?, description: String,
                       faults: ModelFaults) throws -> RegisteredVersion {
        let task = try self.task(taskID)
        let project = try store.pool.read { try ProjectRecord.fetchOne($0, key: task.projectId) }
        let metrics = try taskMetricTable(taskID).table
        var items: [VersionSource.Item]
        var chosenEpoch = epoch
        if let files {
            guard !files.isEmpty else { throw AIArtsError(.invalidArgument, "no files given to register") }
            items = files.map { VersionSource.Item(url: $0.standardizedFileURL, placeAs: $0.standardizedFileURL.lastPathComponent) }
            if epoch == nil { chosenEpoch = (try? taskCheckpoint(taskID, epoch: nil, metrics: metrics))?.epoch }
        } else {
            let checkpoint = try taskCheckpoint(taskID, epoch: epoch, metrics: metrics)
            chosenEpoch = checkpoint.epoch
            // The same checkpoint registered twice is the same model.
            if modelID == nil, let existing = try registeredVersion(task: taskID, epoch: chosenEpoch, kind: kind) { return existing }
            let isFolder = FileManager.default.isDirectory(checkpoint.url)
            items = [VersionSource.Item(url: checkpoint.url, placeAs: isFolder ? nil : checkpoint.url.lastPathComponent)]
        }
        let results = evaluation ?? chosenEpoch.flatMap { Self.evaluation(in: metrics, epoch: $0) }
        let source = VersionSource(items: items, taskID: taskID, epoch: chosenEpoch, path: nil, evaluation: results,
                                   format: format, type: project?.type, trainer: task.trainer, symlinks: .refuse)
        let defaultName = chosenEpoch.map { "\(task.name) epoch \($0)" } ?? task.name
        let new = NewModel(name: name ?? defaultName, description: description, kind: kind)
        return try addVersion(source, newModel: modelID == nil ? new : nil, to: modelID, faults: faults)
    }

    // MARK: Deleting

    /// Deletes a model and every version's files.
    public func deleteModel(_ id: String) throws {
        try removeModelFiles(id, version: nil)
    }

    /// Deletes one version. The only version of a model is not deleted this way: delete the model.
    public func deleteModelVersion(_ id: String, version: Int) throws {
        try removeModelFiles(id, version: version)
    }

    private func removeModelFiles(_ id: String, version: Int?) throws {
        cleanModelLeftovers()
        let fm = FileManager.default
        let trash = modelsFolder.appendingPathComponent(".trash-\(UUID().uuidString)")
        var moved = false
        try store.pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard var model = try ModelRecord.fetchOne(db, key: id) else { throw AIArtsError.notFoundModel(id) }
                let folder: URL
                if let version {
                    let versions = try Int.fetchAll(db, sql: "SELECT version FROM modelVersion WHERE modelId = ? ORDER BY version", arguments: [id])
                    guard versions.contains(version) else {
                        let have = versions.map { "v\($0)" }.joined(separator: ", ")
                        throw AIArtsError(.notFound, "\(id) has no version v\(version); it has \(have.isEmpty ? "none" : have)")
                    }
                    guard versions.count > 1 else {
                        throw AIArtsError(.conflict, "v\(version) is the only version of \(id); delete the model instead (`aiarts model rm \(id)`)")
                    }
                    folder = modelVersionFolder(id, version: version)
                    try db.execute(sql: "DELETE FROM modelVersion WHERE modelId = ? AND version = ?", arguments: [id, version])
                    try Self.refreshProvenance(db, &model)
                } else {
                    folder = modelFolder(id)
                    try model.delete(db)  // versions go with it (ON DELETE CASCADE)
                }
                // Moved aside inside the transaction: if the move fails, nothing is deleted.
                if fm.fileExists(atPath: folder.path) {
                    guard rename(folder.path, trash.path) == 0 else {
                        throw AIArtsError(.io, "cannot delete \(folder.path): \(String(cString: strerror(errno)))")
                    }
                    moved = true
                }
                return .commit
            }
        }
        if moved { try? fm.removeItem(at: trash) }
    }

    // MARK: The one place versions are made

    func addVersion(_ source: VersionSource, newModel: NewModel?, to existingID: String?, faults: ModelFaults) throws -> RegisteredVersion {
        cleanModelLeftovers()
        let fm = FileManager.default
        if let existingID { _ = try model(existingID) }  // before copying anything big
        let tree = try source.tree()
        let staging = modelsFolder.appendingPathComponent(".staging-\(getpid())-\(UUID().uuidString)")
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: true) } catch {
            throw AIArtsError(.io, "cannot create \(staging.path): \(error.localizedDescription)")
        }
        var placed = false
        defer { if !placed { try? fm.removeItem(at: staging) } }
        try tree.copy(into: staging, beforeFile: faults.beforeFile)
        let given = source.format?.trimmingCharacters(in: .whitespacesAndNewlines)
        let format = given.flatMap { $0.isEmpty ? nil : $0 } ?? ModelFormat.detect(tree.files.map { staging.appendingPathComponent($0.relative) })
        let type = source.type ?? (ModelFormat.trainer(of: format) == "aiarts-train" ? .classification : nil)
        let evaluation = source.evaluation.map { $0.filter { $0.value.isFinite } }.flatMap { $0.isEmpty ? nil : $0 }
        let now = Date()

        return try store.pool.writeWithoutTransaction { db in
            var result: RegisteredVersion?
            try db.inTransaction(.immediate) {
                var model: ModelRecord
                let number: Int
                if let existingID {
                    guard let found = try ModelRecord.fetchOne(db, key: existingID) else { throw AIArtsError.notFoundModel(existingID) }
                    model = found
                    if let type, let current = model.type, type != current {
                        throw AIArtsError(.conflict, "\(existingID) is a \(current.rawValue) model; this is \(type.rawValue)")
                    }
                    let highest = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM modelVersion WHERE modelId = ?", arguments: [existingID]) ?? 0
                    number = max(model.lastVersion, highest) + 1
                } else {
                    let new = newModel ?? NewModel(name: "", description: "", kind: .uploaded)
                    let id = try db.nextID(.model)
                    let trimmed = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
                    model = ModelRecord(id: id, name: trimmed.isEmpty ? id : trimmed, description: new.description, status: "ready",
                                        statusMessage: "", createdAt: now, kind: new.kind.rawValue, type: nil, trainer: nil,
                                        sourceTaskId: nil, sourceEpoch: nil, evaluation: nil, lastVersion: 0)
                    number = 1
                }
                model.lastVersion = number
                if model.type == nil { model.type = type }
                if model.trainer == nil { model.trainer = source.trainer ?? ModelFormat.trainer(of: format) }
                let record = ModelVersionRecord(
                    modelId: model.id, version: number, size: tree.size, fileCount: tree.files.count, format: format,
                    sourceTaskId: source.taskID, sourceEpoch: source.epoch, sourcePath: source.path, evaluation: evaluation,
                    createdAt: now)
                let manifest = ModelManifest(
                    id: model.id, version: "v\(number)", name: model.name, kind: model.kind, type: model.type?.rawValue,
                    trainer: model.trainer, format: format, source: .init(task: source.taskID, epoch: source.epoch, path: source.path),
                    evaluation: evaluation, createdAt: now, size: tree.size,
                    files: tree.files.map { .init(path: $0.relative, size: $0.size) })
                do {
                    try manifest.encoded().write(to: staging.appendingPathComponent(ModelManifest.fileName))
                } catch {
                    throw AIArtsError(.io, "cannot write the manifest in \(staging.path): \(error.localizedDescription)")
                }

                // Whatever sits at the target has no row (the id or version is new), so it is what a
                // crash between a rename and its commit left behind: nobody else can be placing it,
                // since placing happens inside this write transaction.
                let modelDir = modelFolder(model.id)
                let target = modelVersionFolder(model.id, version: number)
                if existingID == nil, fm.fileExists(atPath: modelDir.path) { try? fm.removeItem(at: modelDir) }
                if fm.fileExists(atPath: target.path) { try? fm.removeItem(at: target) }
                var madeModelDir = false
                if !fm.fileExists(atPath: modelDir.path) {
                    do { try fm.createDirectory(at: modelDir, withIntermediateDirectories: false) } catch {
                        throw AIArtsError(.io, "cannot create \(modelDir.path): \(error.localizedDescription)")
                    }
                    madeModelDir = true
                }
                guard rename(staging.path, target.path) == 0 else {
                    let why = String(cString: strerror(errno))
                    if madeModelDir { try? fm.removeItem(at: modelDir) }
                    throw AIArtsError(.io, "cannot move the copied files to \(target.path): \(why)")
                }
                placed = true
                do {
                    try faults.beforeInsert()
                    if existingID == nil { try model.insert(db) }
                    try record.insert(db)
                    try Self.refreshProvenance(db, &model)
                } catch {
                    try? fm.removeItem(at: madeModelDir ? modelDir : target)
                    throw error
                }
                result = RegisteredVersion(model: model, version: ModelVersion(record, folder: target))
                return .commit
            }
            guard let result else { throw AIArtsError(.io, "the registration was not recorded") }
            return result
        }
    }

    /// The model row mirrors its newest version that came from a task, and the newest evaluation.
    static func refreshProvenance(_ db: Database, _ model: inout ModelRecord) throws {
        let versions = try ModelVersionRecord.filter(Column("modelId") == model.id).order(Column("version")).fetchAll(db)
        let fromTask = versions.last { $0.sourceTaskId != nil }
        model.sourceTaskId = fromTask?.sourceTaskId
        model.sourceEpoch = fromTask?.sourceEpoch
        model.evaluation = versions.last { $0.evaluation != nil }?.evaluation
        try model.update(db)
    }

    /// Removes what interrupted registrations and deletions left in models/: trash folders, and
    /// staging folders of processes that are gone. Failures are only logged.
    func cleanModelLeftovers() {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: modelsFolder.path) else { return }
        for name in names where name.hasPrefix(".trash-") || name.hasPrefix(".staging-") {
            if name.hasPrefix(".staging-") {
                let pidText = name.dropFirst(".staging-".count).prefix { $0 != "-" }
                guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            }
            do { try fm.removeItem(at: modelsFolder.appendingPathComponent(name)) } catch {
                log.warning("cannot remove \(name) from \(modelsFolder.path): \(error)")
            }
        }
    }
}

/// What a new model is called and what kind it is.
struct NewModel {
    var name: String
    var description: String
    var kind: ModelKind
}

/// Hooks that make a registration fail at a chosen point. Tests use them; the public API passes none.
struct ModelFaults {
    var beforeFile: (String) throws -> Void = { _ in }
    var beforeInsert: () throws -> Void = {}
}

/// What a new version is made of and where it came from.
struct VersionSource {
    struct Item {
        var url: URL
        /// Nil: a folder's contents go to the version folder itself. Else the name it gets there.
        var placeAs: String?
    }

    var items: [Item]
    var taskID: String?
    var epoch: Int?
    var path: String?
    var evaluation: [String: Double]?
    var format: String?
    var type: DatasetType?
    var trainer: String?
    var symlinks: SymlinkPolicy
    /// A downloaded version's own manifest is left behind: the new version gets its own.
    var skipManifest = false

    /// Lists every item, checking names: no clashes, and no top-level model.json (the manifest's name).
    func tree() throws -> FileTree {
        var tree = FileTree()
        for item in items {
            guard let info = statInfo(item.url.path) else { throw AIArtsError(.notFound, "\(item.url.path) does not exist") }
            if let name = item.placeAs {
                guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
                    throw AIArtsError(.invalidArgument, "\(item.url.path) has no usable file name")
                }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let prefix = item.placeAs ?? ""
                if !prefix.isEmpty {
                    tree.entries.append(.init(relative: prefix, isDirectory: true, size: 0, source: item.url, modified: info.modified))
                }
                tree.entries += try FileTree.scan(item.url, prefix: prefix, symlinks: symlinks, shown: item.url.path).entries
            case S_IFREG:
                tree.entries.append(.init(relative: item.placeAs ?? item.url.lastPathComponent, isDirectory: false,
                                          size: Int64(info.st_size), source: item.url, modified: info.modified))
            default:
                throw AIArtsError(.badInput, "\(item.url.path) is neither a regular file nor a folder")
            }
        }
        if skipManifest { tree.entries.removeAll { $0.relative == ModelManifest.fileName } }
        var seen = Set<String>()
        for entry in tree.entries where !seen.insert(entry.relative).inserted {
            throw AIArtsError(.invalidArgument, "two of the given files would both be named \(entry.relative) in the model")
        }
        if seen.contains(ModelManifest.fileName) {
            throw AIArtsError(.invalidArgument, "\(ModelManifest.fileName) is the name of the manifest aiarts writes in every version folder; rename your \(ModelManifest.fileName) or put it in a subfolder")
        }
        if tree.files.isEmpty {
            throw AIArtsError(.badInput, "\(items.map(\.url.path).joined(separator: ", ")) holds no files")
        }
        return tree
    }
}

extension AIArtsError {
    static func notFoundModel(_ id: String) -> AIArtsError {
        .init(.notFound, "\(id) does not exist in this workspace (see `aiarts model list`)")
    }
}

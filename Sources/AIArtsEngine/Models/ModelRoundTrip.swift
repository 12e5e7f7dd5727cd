import Foundation
import GRDB

/// A version as `model download` wrote it (a folder, or a .tar.gz of one folder, holding the
/// files and the manifest model.json) uploads back as the same model: its name, kind, type,
/// trainer, format and evaluation come from the manifest, and when the model it names is in this
/// workspace with the same files, that version is returned instead of a copy.
struct DownloadedVersion {
    var manifest: ModelManifest
    /// The folder holding the files and model.json.
    var folder: URL
    /// An unpacked archive, removed when the upload is done.
    var unpacked: URL?
}

extension Workspace {
    /// The downloaded version at `source`, or nil when it is not one (any other file or folder).
    /// Throws when it is one whose files do not match its manifest.
    func downloadedVersion(at source: URL, isFolder: Bool) throws -> DownloadedVersion? {
        if isFolder {
            guard let manifest = Self.manifest(in: source) else { return nil }
            try Self.checkFiles(of: manifest, in: source)
            return DownloadedVersion(manifest: manifest, folder: source, unpacked: nil)
        }
        guard let kind = try? ArchiveKind.detect(source), kind != .zip else { return nil }  // a .pt is a zip: never unpacked
        let unpacked = modelsFolder.appendingPathComponent(".staging-\(getpid())-\(UUID().uuidString)")
        do {
            _ = try ArchiveExtractor.extract(source, into: unpacked)
            let entries = try FileManager.default.contentsOfDirectory(atPath: unpacked.path)
            if entries.count == 1, let manifest = Self.manifest(in: unpacked.appendingPathComponent(entries[0])) {
                let folder = unpacked.appendingPathComponent(entries[0])
                try Self.checkFiles(of: manifest, in: folder)
                return DownloadedVersion(manifest: manifest, folder: folder, unpacked: unpacked)
            }
        } catch let error as AIArtsError {
            try? FileManager.default.removeItem(at: unpacked)
            throw error
        } catch {}
        try? FileManager.default.removeItem(at: unpacked)
        return nil
    }

    /// The version of the manifest's model that holds exactly these files, if it is in this workspace.
    func existingVersion(of downloaded: DownloadedVersion) throws -> RegisteredVersion? {
        guard let model = try store.pool.read({ try ModelRecord.fetchOne($0, key: downloaded.manifest.id) }) else { return nil }
        let versions = try store.pool.read { try ModelVersionRecord.filter(Column("modelId") == model.id).fetchAll($0) }
        for record in versions {
            let folder = modelVersionFolder(model.id, version: record.version)
            guard let theirs = Self.manifest(in: folder),
                  theirs.files.sorted(by: { $0.path < $1.path }) == downloaded.manifest.files.sorted(by: { $0.path < $1.path }),
                  try theirs.files.allSatisfy({ try Self.sameBytes(folder.appendingPathComponent($0.path), downloaded.folder.appendingPathComponent($0.path)) })
            else { continue }
            return RegisteredVersion(model: model, version: ModelVersion(record, folder: folder), existing: true)
        }
        return nil
    }

    /// A version of the same task and epoch registered before as a model of `kind`.
    func registeredVersion(task: String, epoch: Int?, kind: ModelKind) throws -> RegisteredVersion? {
        try store.pool.read { db in
            let sql = """
                SELECT v.* FROM modelVersion v JOIN model m ON m.id = v.modelId
                WHERE v.sourceTaskId = ? AND v.sourceEpoch IS ? AND v.sourcePath IS NULL AND m.kind = ?
                ORDER BY v.modelId, v.version LIMIT 1
                """
            guard let record = try ModelVersionRecord.fetchOne(db, sql: sql, arguments: [task, epoch, kind.rawValue]),
                  let model = try ModelRecord.fetchOne(db, key: record.modelId) else { return nil }
            return RegisteredVersion(model: model, version: ModelVersion(record, folder: modelVersionFolder(model.id, version: record.version)),
                                     existing: true)
        }
    }

    static func manifest(in folder: URL) -> ModelManifest? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(ModelManifest.fileName)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let manifest = try? decoder.decode(ModelManifest.self, from: data), manifest.aiartsModel == 1 else { return nil }
        return manifest
    }

    /// Every file the manifest lists is there with its size; nothing else is, but the manifest.
    static func checkFiles(of manifest: ModelManifest, in folder: URL) throws {
        let listed = Dictionary(manifest.files.map { ($0.path, $0.size) }, uniquingKeysWith: { a, _ in a })
        let found = try FileTree.scan(folder, symlinks: .refuse, shown: folder.path).files
            .filter { $0.relative != ModelManifest.fileName }
        let damaged = "\(folder.path) looks like a downloaded model, but"
        let advice = "the download is damaged or was changed; remove its \(ModelManifest.fileName) to upload the files as they are"
        for file in found {
            guard let size = listed[file.relative] else {
                throw AIArtsError(.badInput, "\(damaged) \(file.relative) is not in its \(ModelManifest.fileName): \(advice)")
            }
            if size != file.size {
                throw AIArtsError(.badInput, "\(damaged) \(file.relative) has \(file.size) bytes where its \(ModelManifest.fileName) says \(size): \(advice)")
            }
        }
        if let missing = manifest.files.first(where: { file in !found.contains { $0.relative == file.path } }) {
            throw AIArtsError(.badInput, "\(damaged) \(missing.path), listed in its \(ModelManifest.fileName), is missing: \(advice)")
        }
    }

    static func sameBytes(_ a: URL, _ b: URL) throws -> Bool {
        guard let x = FileHandle(forReadingAtPath: a.path), let y = FileHandle(forReadingAtPath: b.path) else { return false }
        defer { try? x.close(); try? y.close() }
        while true {
            let p = try x.read(upToCount: 1 << 20) ?? Data()
            let q = try y.read(upToCount: 1 << 20) ?? Data()
            if p != q { return false }
            if p.isEmpty { return true }
        }
    }
}

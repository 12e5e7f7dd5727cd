import Foundation
import GRDB

/// A model version as the model registry API names it (kleveross: project, model, version), and the
/// aiarts model version it is: the model named `<project>/<model>` (made on the first upload), with
/// the version number the upload got (docs/api.md, "Model registry").
public struct RegistryVersion: Equatable, Sendable {
    public var project: String
    public var model: String
    public var version: String
    public var modelId: String
    public var modelVersion: Int
}

struct RegistryVersionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "registryVersion"
    var project: String
    var model: String
    var version: String
    var modelId: String
    var modelVersion: Int
    var createdAt: Date
}

extension Workspace {
    /// Checks a project, model or version name: 1 to 128 characters of letters, digits, `.`, `_` and
    /// `-`, not starting with a `.` (never a path).
    public static func checkRegistryName(_ name: String, what: String) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw AIArtsError(.invalidArgument, "\(what) '\(Excerpt.cut(name, limit: 60))' must be 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }

    /// The aiarts model version a registry name maps to; not found when it was never uploaded or
    /// its aiarts version has since been deleted.
    public func registryVersion(project: String, model: String, version: String) throws -> RegistryVersion {
        try Self.checkRegistryName(project, what: "the project"); try Self.checkRegistryName(model, what: "the model")
        try Self.checkRegistryName(version, what: "the version")
        let row = try store.pool.read { db in
            try RegistryVersionRow.fetchOne(db, key: ["project": project, "model": model, "version": version])
        }
        guard let row, (try? modelVersion(row.modelId, version: row.modelVersion)) != nil else {
            throw AIArtsError(.notFound, "\(project)/\(model) has no version \(version); upload it first")
        }
        return RegistryVersion(project: project, model: model, version: version, modelId: row.modelId, modelVersion: row.modelVersion)
    }

    /// Uploads `file` (moved or copied in by `uploadModel`) as version `version` of model `model` in
    /// `project`: a new version of the aiarts model named `project/model`, or a new model of that
    /// name. A name already uploaded is refused (versions are never replaced).
    public func uploadRegistryVersion(project: String, model: String, version: String, file: URL, filename: String) throws -> RegistryVersion {
        try Self.checkRegistryName(project, what: "the project"); try Self.checkRegistryName(model, what: "the model")
        try Self.checkRegistryName(version, what: "the version")
        let key: [String: any DatabaseValueConvertible] = ["project": project, "model": model, "version": version]
        if (try? registryVersion(project: project, model: model, version: version)) != nil {
            throw AIArtsError(.conflict, "\(project)/\(model) already has version \(version); upload under a new version name")
        }
        // A name whose aiarts version was deleted may be uploaded again.
        _ = try store.pool.write { db in try RegistryVersionRow.deleteOne(db, key: key) }
        let fullName = "\(project)/\(model)"
        let existing = try store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT id FROM model WHERE name = ? ORDER BY id LIMIT 1", arguments: [fullName])
        }
        // The file keeps the client's name (its last component only).
        let base = (filename as NSString).lastPathComponent
        let name = base.isEmpty || base.hasPrefix(".") || base == "model.json" ? "model.bin" : base
        let staging = file.deletingLastPathComponent().appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let placed = staging.appendingPathComponent(name)
        try FileManager.default.moveItem(at: file, to: placed)
        let registered = try uploadModel(from: placed, name: existing == nil ? fullName : nil, to: existing,
                                         description: existing == nil ? "uploaded through the model registry API (project \(project))" : "")
        let row = RegistryVersionRow(project: project, model: model, version: version, modelId: registered.model.id,
                                     modelVersion: registered.version.version, createdAt: Date())
        do {
            try store.pool.write { db in try row.insert(db) }
        } catch {
            // Another upload of the same name won the race: this one's version goes.
            if !registered.existing {
                if existing == nil { try? deleteModel(registered.model.id) } else { try? deleteModelVersion(registered.model.id, version: registered.version.version) }
            }
            throw AIArtsError(.conflict, "\(project)/\(model) already has version \(version); upload under a new version name")
        }
        return RegistryVersion(project: project, model: model, version: version, modelId: row.modelId, modelVersion: row.modelVersion)
    }
}

import AIArtsEngine
import Foundation
import Hummingbird

/// `/ai_arts/api/models`: the model registry (docs/models.md) — list, detail, upload, create from a
/// training, register a server folder, download, delete.
enum AIArtsModelRoutes {
    static let code = AIArtsDetail.unknownModel

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get { _, context in
            _ = try context.require(.read)
            return try await AIArtsOut.cachedList(environment, key: "models") {
                let items = try await environment.engine { try $0.models() }
                return ModelList(items: items, total: items.count)
            }
        }

        group.get("{id}") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "M", code: code, what: "model")
            return try AIArtsOut.ok(encoding: try await environment.engine(notFound: code) { try $0.modelDetail(id) })
        }

        // multipart: file (a model file, or an archive `models/{id}/download` gave), name, description,
        // type, format, model_id (a new version of that model).
        group.post("upload") { request, context in
            _ = try context.require(.train)
            let form = try await request.multipartForm(environment)
            defer { form.discard() }
            guard let file = form.file("file") ?? form.files.first else {
                throw APIError.badRequest("send the model as a file part named file (curl -F 'file=@model.bin')", code: AIArtsDetail.missingFile)
            }
            let name = form.fields["name"].flatMap { $0.isEmpty ? nil : $0 }
            let description = form.fields["description"] ?? ""
            let format = form.fields["format"].flatMap { $0.isEmpty ? nil : $0 }
            let type = try datasetType(form.fields["type"])
            let target = try form.fields["model_id"].flatMap { $0.isEmpty ? nil : $0 }.map { try $0.aiartsID("M", code: code, what: "model") }
            // The version keeps the client's file name (a name only, never a path).
            let named = form.folder.appendingPathComponent("named")
            try FileManager.default.createDirectory(at: named, withIntermediateDirectories: true)
            let placed = named.appendingPathComponent(file.filename)
            try FileManager.default.moveItem(at: file.url, to: placed)
            let registered = try await environment.engine(notFound: code) {
                try $0.uploadModel(from: placed, name: name, to: target, type: type, format: format, description: description)
            }
            return try AIArtsOut.ok(encoding: registered, status: .created)
        }

        // JSON: {"task_id": "T0001", "epoch"?: 3, "name"?, "description"?, "format"?, "model_id"?}
        group.post { request, context in
            _ = try context.require(.train)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let task = try body.string("task_id").aiartsID("T", code: AIArtsDetail.unknownTraining, what: "training")
            let epoch = try body.optionalInt("epoch")
            let name = try body.optionalString("name")
            let description = try body.optionalString("description") ?? ""
            let format = try body.optionalString("format")
            let target = try body.optionalString("model_id").map { try $0.aiartsID("M", code: code, what: "model") }
            let registered = try await environment.engine(notFound: AIArtsDetail.unknownTraining) {
                try $0.registerModel(fromTask: task, epoch: epoch, name: name, format: format, to: target, description: description)
            }
            return try AIArtsOut.ok(encoding: registered, status: registered.existing ? .ok : .created)
        }

        // JSON: {"path": "/abs/folder/or/file", "name"?, "description"?, "type"?, "format"?, "model_id"?}
        // The files are copied into the registry; the path is checked as `Workspace.serverPath` says.
        group.post("register") { request, context in
            _ = try context.require(.admin)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let path = try body.string("path")
            let name = try body.optionalString("name")
            let description = try body.optionalString("description") ?? ""
            let format = try body.optionalString("format")
            let type = try datasetType(try body.optionalString("type"))
            let target = try body.optionalString("model_id").map { try $0.aiartsID("M", code: code, what: "model") }
            let registered = try await environment.engine { workspace in
                let source = try workspace.serverPath(path)
                return try workspace.uploadModel(from: source, name: name, to: target, type: type, format: format, description: description)
            }
            return try AIArtsOut.ok(encoding: registered, status: .created)
        }

        // ?version=v2 (default: the newest); ?file=NAME streams one file of the version as it is,
        // else the version as a .tar.gz (`<id>-v<N>/…`, manifest included), which models/upload takes back.
        group.get("{id}/download") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "M", code: code, what: "model")
            let query = request.queryParameters
            let version = try query["version"].map { try Workspace.parseModelVersion($0) }
            if let file = query["file"] {
                let (url, name) = try await environment.engine(notFound: code) { workspace -> (URL, String) in
                    let chosen = try workspace.modelVersion(id, version: version)
                    let folder = URL(fileURLWithPath: chosen.folder)
                    let found: (url: URL, relative: String)
                    do { found = try SafePath.resolve(file, under: folder) } catch {
                        throw APIError.badRequest("file: \(error)", code: AIArtsDetail.badPath)
                    }
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: found.url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                        throw APIError.notFound("\(id) \(chosen.name) has no file \(found.relative)", code: code)
                    }
                    return (found.url, found.url.lastPathComponent)
                }
                return try await AIArtsDownload.file(url, name: name, contentType: "application/octet-stream", removeAfter: false, context: context)
            }
            let folder = environment.uploadFolder.appendingPathComponent("download-\(UUID().uuidString)")
            let archive = try await environment.engine(notFound: code) { workspace -> URL in
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                do { return try workspace.downloadModel(id, version: version, to: folder, archive: true) } catch {
                    try? FileManager.default.removeItem(at: folder)
                    throw error
                }
            }
            // The archive is moved out of its folder so that removing the file after the response leaves nothing.
            let single = environment.uploadFolder.appendingPathComponent("download-\(UUID().uuidString).tar.gz")
            try FileManager.default.moveItem(at: archive, to: single)
            try? FileManager.default.removeItem(at: folder)
            return try await AIArtsDownload.file(single, name: archive.lastPathComponent, contentType: "application/gzip", removeAfter: true, context: context)
        }

        group.delete("{id}") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "M", code: code, what: "model")
            try await environment.engine(notFound: code) { try $0.deleteModel(id) }
            return AIArtsOut.ok(["id": id, "deleted": true])
        }
    }

    struct ModelList: Encodable, Sendable {
        var items: [ModelSummary]
        var total: Int
    }

    static func datasetType(_ text: String?) throws -> DatasetType? {
        guard let text, !text.isEmpty else { return nil }
        guard let type = DatasetType(rawValue: text) else {
            throw APIError.badRequest("type must be one of \(DatasetType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return type
    }
}

import AIArtsEngine
import Foundation
import Hummingbird

/// `/ai_arts/api/datasets`: list, detail, create, upload an archive, register a server folder,
/// download as an archive, delete. Imports are the engine's (all-or-nothing, with progress).
enum AIArtsDatasetRoutes {
    static let code = AIArtsDetail.unknownDataset

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get { _, context in
            _ = try context.require(.read)
            return try await AIArtsOut.cachedList(environment, key: "datasets") {
                let items = try await environment.engine { try $0.summaries() }
                return DatasetList(items: items, total: items.count)
            }
        }

        group.get("{id}") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "D", code: code, what: "dataset")
            return try AIArtsOut.ok(encoding: try await environment.engine(notFound: code) { try $0.summary(id) })
        }

        // JSON: {"name", "type", "description"?}: an empty dataset, to upload into.
        group.post { request, context in
            _ = try context.require(.train)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let name = try body.string("name")
            guard let type = try AIArtsModelRoutes.datasetType(try body.string("type")) else { throw APIError.badRequest("type is missing") }
            let description = try body.optionalString("description") ?? ""
            let summary = try await environment.engine { workspace in
                try workspace.summary(try workspace.createDataset(name: name, type: type, description: description).id)
            }
            return try AIArtsOut.ok(encoding: summary, status: .created)
        }

        // multipart: file (.zip, .tar, .tar.gz), format, and either name + type (a new dataset) or
        // dataset_id (import into it); description, verify (full|header), wait (1: answer when imported).
        group.post("upload") { request, context in
            _ = try context.require(.train)
            let form = try await request.multipartForm(environment)
            var keep = false
            defer { if !keep { form.discard() } }
            guard let file = form.file("file") ?? form.files.first else {
                throw APIError.badRequest("send the archive as a file part named file (curl -F 'file=@data.zip')", code: AIArtsDetail.missingFile)
            }
            let lower = file.filename.lowercased()
            guard [".zip", ".tar", ".tar.gz", ".tgz"].contains(where: { lower.hasSuffix($0) }) else {
                throw APIError.badRequest("upload a .zip, .tar or .tar.gz archive of the dataset (got \(file.filename.prefix(80)))", code: AIArtsDetail.badArchive)
            }
            let fields: [String: Any] = form.fields
            let options = try ImportOptions(fields)
            let job = try await startImport(options, source: file.url, mode: .copy, environment: environment)
            keep = true
            // The upload stays until the import has read it, then goes.
            let folder = form.folder
            Thread.detachNewThread {
                _ = try? job.wait()
                try? FileManager.default.removeItem(at: folder)
            }
            return try await answer(job, wait: options.wait, created: options.datasetID == nil, environment)
        }

        // JSON: {"path": "/abs/folder", "format", "name", "type", "description"?, "verify"?, "wait"?}: the files stay
        // where they are (checked as `Workspace.serverPath` says; admin only).
        group.post("register") { request, context in
            _ = try context.require(.admin)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let path = try body.string("path")
            let options = try ImportOptions(body)
            let source = try await environment.engine { try $0.serverPath(path) }
            let job = try await startImport(options, source: source, mode: .register, environment: environment)
            return try await answer(job, wait: options.wait, created: options.datasetID == nil, environment)
        }

        group.get("{id}/download") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "D", code: code, what: "dataset")
            let archive = environment.uploadFolder.appendingPathComponent("download-\(UUID().uuidString).tar.gz")
            do {
                try await environment.engine(notFound: code) { try $0.archiveDataset(id, to: archive) }
            } catch {
                try? FileManager.default.removeItem(at: archive)
                throw error
            }
            return try await AIArtsDownload.file(archive, name: "\(id).tar.gz", contentType: "application/gzip", removeAfter: true, context: context)
        }

        // ?force=1 also unbinds projects that use it.
        group.delete("{id}") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "D", code: code, what: "dataset")
            let params: [String: Any] = request.queryParameters
            let force = try params.optionalBool("force") ?? false
            try await environment.engine(notFound: code) { try $0.deleteDataset(id, force: force) }
            return AIArtsOut.ok(["id": id, "deleted": true])
        }
    }

    struct DatasetList: Encodable, Sendable {
        var items: [DatasetSummary]
        var total: Int
    }

    /// What an upload or a registration imports, and into what.
    struct ImportOptions: Sendable {
        var datasetID: String?
        var name: String?
        var type: DatasetType?
        var description: String
        var format: DatasetFormat
        var verification: ImageVerification
        var wait: Bool

        init(_ fields: [String: Any]) throws {
            let formatText = try fields.string("format")
            guard let format = DatasetFormat(rawValue: formatText) else {
                throw APIError.badRequest("format must be one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.format = format
            let verifyText = try fields.optionalString("verify") ?? "full"
            guard let verification = ImageVerification(rawValue: verifyText) else { throw APIError.badRequest("verify must be full or header") }
            self.verification = verification
            wait = try fields.optionalBool("wait") ?? false
            description = try fields.optionalString("description") ?? ""
            datasetID = try fields.optionalString("dataset_id").flatMap { $0.isEmpty ? nil : $0 }
                .map { try $0.aiartsID("D", code: AIArtsDetail.unknownDataset, what: "dataset") }
            if datasetID == nil {
                name = try fields.string("name")
                type = try AIArtsModelRoutes.datasetType(try fields.string("type"))
            }
        }
    }

    static func startImport(_ options: ImportOptions, source: URL, mode: ImportMode, environment: ServerEnvironment) async throws -> ImportJob {
        try await environment.engine(notFound: code) { workspace in
            if let id = options.datasetID {
                let job = workspace.startImport(id, from: source, format: options.format, mode: mode, verification: options.verification)
                if case .failure(let error)? = job.result { throw error }
                return job
            }
            return try workspace.createDatasetAndImport(name: options.name ?? "", type: options.type ?? .classification,
                                                        description: options.description, from: source, format: options.format,
                                                        mode: mode, verification: options.verification)
        }
    }

    /// The dataset as it is now (202, importing), or once the import has ended with `wait`.
    /// With `wait`, a new dataset whose import failed is removed again (the answer carries the reason);
    /// without it the dataset stays, `failed`, with the reason in its `status_message`.
    static func answer(_ job: ImportJob, wait: Bool, created: Bool, _ environment: ServerEnvironment) async throws -> Response {
        if wait {
            do { _ = try await environment.engine { _ in try job.wait() } } catch {
                if created {
                    let id = job.datasetID
                    _ = try? await environment.engine { try $0.deleteDataset(id, force: true) }
                }
                let failure = APIError.from(error)
                throw APIError(failure.status == .internalServerError ? .unprocessableContent : failure.status,
                               "the import of \(job.datasetID) failed, and the dataset keeps what it had: \(failure.message)")
            }
        }
        let id = job.datasetID
        let summary = try await environment.engine { try $0.summary(id) }
        return try AIArtsOut.ok(encoding: summary, status: wait ? .created : .accepted)
    }
}

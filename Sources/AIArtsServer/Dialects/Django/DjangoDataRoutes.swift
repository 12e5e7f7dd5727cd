import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// The platform's data module over the workspace's data area (`Workspace.addDataFile`,
/// `importDataArchive`): a single file is kept as the user's data entry, a zip is imported as a
/// dataset (all or nothing) and its entry names the dataset, a URL is fetched by the server
/// (`DjangoURLFetch`) and then kept as either. A user sees and deletes only their own entries.
enum DjangoDataRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        let data = router.djangoGroup("data")
        data.get("list/") { _, context in try await list(context, environment) }
        data.post("list/") { request, context in try await upload(request, context, environment) }
        data.post("/") { request, context in try await upload(request, context, environment) }
        data.get("{id}/") { request, context in try await content(request, context, environment) }
        data.delete("{id}/") { request, context in try await delete(request, context, environment) }
    }

    static func entryObject(_ entry: DataEntry, owners: [String: Int]) -> [String: Any] {
        [
            "id": entry.id, "created_at": DjangoOut.time(entry.createdAt), "file_type": entry.fileClass.rawValue,
            "file_name": entry.fileName, "owner": owners[entry.owner].map { $0 as Any } ?? NSNull(),
            "source": entry.source.rawValue, "url": entry.url.map { $0 as Any } ?? NSNull(), "size": entry.size,
            "dataset": entry.datasetId.map { $0 as Any } ?? NSNull(),
        ]
    }

    static func list(_ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let user = try context.require(.read).user
        let (entries, owners) = try await environment.engine { workspace in
            (try workspace.dataEntries(owner: user), try workspace.userNumbers())
        }
        return JSONOut.response(entries.map { entryObject($0, owners: owners) })
    }

    /// An entry id from the path: digits only (the platform's `/data/([0-9]+)/`).
    static func entryID(_ context: ServerContext) throws -> Int {
        guard let text = context.parameters.get("id"), let id = Int(text), id > 0, text.allSatisfy(\.isASCII) else {
            throw APIError.notFound("data ids are positive integers (GET /data/list/ lists yours)")
        }
        return id
    }

    /// The entry, when the user may see it (their own; an admin sees every one).
    static func visibleEntry(_ id: Int, _ principal: Principal, _ environment: ServerEnvironment) async throws -> DataEntry? {
        let entry: DataEntry
        do { entry = try await environment.engine { try $0.dataEntry(id) } } catch let error as AIArtsError where error.kind == .notFound {
            return nil
        }
        return entry.owner == principal.user || principal.allows(.admin) ? entry : nil
    }

    static func content(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.read)
        let id = try entryID(context)
        guard try await visibleEntry(id, principal, environment) != nil else {
            throw APIError.notFound("no data \(id) of yours (GET /data/list/ lists your uploads)")
        }
        let relative = request.queryParameters["relative_path"]
        let content = try await environment.engine { try $0.dataContent(id, relativePath: relative) }
        switch content {
        case .tree(let tree): return JSONOut.response(tree.jsonValue)
        case .rows(let rows): return JSONOut.response(rows)
        case .file(let url):
            let body = try await FileIO(threadPool: .singleton).loadFile(path: url.path, context: context)
            var headers = HTTPFields()
            headers[.contentType] = contentType(url.pathExtension)
            headers[.contentDisposition] = "inline; filename=\"\(url.lastPathComponent.filter { $0 != "\"" && $0.isASCII })\""
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    static func contentType(_ ext: String) -> String {
        switch ext.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "bmp": "image/bmp"
        case "mp3": "audio/mpeg"
        case "wav": "audio/wav"
        case "ogg": "audio/ogg"
        case "flac": "audio/flac"
        case "json": "application/json"
        case "py", "txt", "md", "sh", "yaml", "yml", "c", "h", "cpp", "swift", "java", "r", "js": "text/plain; charset=utf-8"
        case "pdf": "application/pdf"
        default: "application/octet-stream"
        }
    }

    /// The document: "如果不存在对应id的数据文件 返回状态为 HTTP_204_NO_CONTENT" — an id that names
    /// none of the user's entries answers 204 with no body and deletes nothing.
    static func delete(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.train)
        let id = try entryID(context)
        guard try await visibleEntry(id, principal, environment) != nil else { return Response(status: .noContent) }
        try await environment.engine { try $0.deleteDataEntry(id) }
        return JSONOut.response(["message": "success"])
    }

    /// `file_type` single, zip or url (guessed when absent: a url field means url, a .zip/.tar/.tgz
    /// file means zip); `file_class` doc, code, audio or picture (guessed from the name when absent).
    /// A zip's dataset takes `dataset_type` (default classification) and `format` (default imagenet).
    static func upload(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.train)
        let isMultipart = request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true
        var form: MultipartForm?
        let fields: [String: Any]
        if isMultipart {
            let received = try await request.multipartForm(environment)
            form = received
            fields = received.fields
        } else {
            fields = try await DjangoOut.parameters(request, environment: environment)
        }
        defer { form?.discard() }
        let file = form?.file("file") ?? form?.files.first
        let url = try fields.optionalString("url").flatMap { $0.isEmpty ? nil : $0 }
        let kindText = try fields.optionalString("file_type")?.lowercased()
        let kind: DataSourceKind
        if let kindText, !kindText.isEmpty {
            guard let parsed = DataSourceKind(rawValue: kindText) else {
                return DjangoOut.fieldErrors(["file_type": ["file_type is url, single or zip, not \(kindText)."]])
            }
            kind = parsed
        } else if url != nil && file == nil {
            kind = .url
        } else {
            kind = file.map { isArchive($0.filename) } == true ? .zip : .single
        }
        let fileClass = try fields.optionalString("file_class").flatMap { $0.isEmpty ? nil : try DataFileClass(parsing: $0) }
        let typeText = try fields.optionalString("dataset_type") ?? ""
        let formatText = try fields.optionalString("format") ?? ""
        guard let type = typeText.isEmpty ? .classification : DatasetType(rawValue: typeText.lowercased()) else {
            return DjangoOut.fieldErrors(["dataset_type": ["dataset_type is one of \(DatasetType.allCases.map(\.rawValue).joined(separator: ", "))."]])
        }
        guard let format = formatText.isEmpty ? .imagenet : DatasetFormat(rawValue: formatText.lowercased()) else {
            return DjangoOut.fieldErrors(["format": ["format is one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))."]])
        }
        let owner = principal.user

        let source: URL, name: String, archive: Bool, fetchedFrom: String?
        switch kind {
        case .single, .zip:
            guard let file else {
                return DjangoOut.fieldErrors(["file": ["Send the file as a multipart form field named file (curl -F file=@PATH)."]])
            }
            source = file.url; name = file.filename; archive = kind == .zip; fetchedFrom = nil
        case .url:
            guard let url else { return DjangoOut.fieldErrors(["url": ["This field is required for file_type url."]]) }
            let timeout = try fields.optionalInt("timeout") ?? Int(DjangoURLFetch.defaultTimeout)
            guard (1...300).contains(timeout) else { return DjangoOut.fieldErrors(["timeout": ["timeout is 1 to 300 seconds."]]) }
            let folder = environment.uploadFolder.appendingPathComponent("fetch-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let fetched = try await DjangoURLFetch.fetch(url, into: folder, maxBytes: environment.limits.maxUploadBytes,
                                                         timeout: .seconds(timeout))
            let entry = try await keep(fetched.file, name: fetched.name, archive: fetched.isArchive, fileClass: fileClass,
                                       owner: owner, source: .url, url: url, type: type, format: format, environment)
            return JSONOut.response(["data_id": entry.id])
        }
        let entry = try await keep(source, name: name, archive: archive, fileClass: fileClass, owner: owner,
                                   source: kind, url: fetchedFrom, type: type, format: format, environment)
        return JSONOut.response(["data_id": entry.id])
    }

    static func keep(_ file: URL, name: String, archive: Bool, fileClass: DataFileClass?, owner: String, source: DataSourceKind,
                     url: String?, type: DatasetType, format: DatasetFormat, _ environment: ServerEnvironment) async throws -> DataEntry {
        try await environment.engine { workspace in
            archive
                ? try workspace.importDataArchive(file, name: name, fileClass: fileClass, owner: owner, source: source, url: url, type: type, format: format)
                : try workspace.addDataFile(file, name: name, fileClass: fileClass, owner: owner, source: source, url: url)
        }
    }

    static func isArchive(_ name: String) -> Bool {
        let lower = name.lowercased()
        return [".zip", ".tar", ".tar.gz", ".tgz"].contains { lower.hasSuffix($0) }
    }
}

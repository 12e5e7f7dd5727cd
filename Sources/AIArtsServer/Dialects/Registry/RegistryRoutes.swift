import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// The kleveross model registry's model upload and download (/work/shared/api/kleveross.md; docs/api.md,
/// "Model registry"): `projects/{project}/models/{model}/versions/{version}/upload|download` over the
/// aiarts model registry. ModelJobs, servings and pod logs are not served.
enum RegistryRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        let version = "projects/{projectName}/models/{modelName}/versions/{versionName}"
        ServingRoutes.register(on: group, environment: environment)
        ModelJobRoutes.register(on: group, environment: environment)

        group.post("\(version)/upload") { request, context in
            let principal = try context.require(.train)
            try checkHeaders(request, principal)
            let (project, model, name) = try names(context)
            let form = try await request.multipartForm(environment)
            defer { form.discard() }
            guard let file = form.file("file") else {
                throw APIError.badRequest("send the model as multipart field 'file' (curl -F 'file=@model.onnx')")
            }
            let (registered, detail) = try await environment.engine { workspace in
                let registered = try workspace.uploadRegistryVersion(project: project, model: model, version: name,
                                                                     file: file.url, filename: file.filename)
                return (registered, try workspace.modelVersion(registered.modelId, version: registered.modelVersion))
            }
            return JSONOut.response(json(registered, detail), status: .created)
        }

        group.post("\(version)/download") { request, context in
            let principal = try context.require(.read)
            try checkHeaders(request, principal)
            let (project, model, name) = try names(context)
            let found = try await environment.engine { workspace in
                let registered = try workspace.registryVersion(project: project, model: model, version: name)
                return try RegistryDownload.prepare(registered, workspace: workspace, scratch: environment.uploadFolder)
            }
            let body = try await FileIO().loadFile(path: found.file.path, context: context)
            let streamed: ResponseBody
            if found.temporary {
                let url = found.file
                streamed = ResponseBody(contentLength: body.contentLength) { writer in
                    defer { try? FileManager.default.removeItem(at: url) }
                    let copy = body
                    try await copy.write(writer)
                }
            } else {
                streamed = body
            }
            var response = Response(status: .ok, body: streamed)
            response.headers[.contentType] = "application/octet-stream"
            response.headers[.contentDisposition] = "attachment; filename=\"\(found.filename)\""
            return response
        }
    }

    /// X-User and X-Tenant, when sent, must name the token's user: aiarts has one tenant per user,
    /// and a header never stands in for the token.
    static func checkHeaders(_ request: Request, _ principal: Principal) throws {
        for header in ["X-User", "X-Tenant"] {
            guard let name = HTTPField.Name(header), let value = request.headers[name] else { continue }
            guard value == principal.user else {
                throw APIError(.forbidden, "\(header) '\(value.prefix(60))' is not the token's user (\(principal.user)); send your own user name or leave the header out")
            }
        }
    }

    static func names(_ context: ServerContext) throws -> (String, String, String) {
        let project = context.parameters.get("projectName") ?? "", model = context.parameters.get("modelName") ?? ""
        let version = context.parameters.get("versionName") ?? ""
        try Workspace.checkRegistryName(project, what: "the project")
        try Workspace.checkRegistryName(model, what: "the model")
        try Workspace.checkRegistryName(version, what: "the version")
        return (project, model, version)
    }

    static func json(_ registered: RegistryVersion, _ version: ModelVersion) -> [String: Any] {
        ["project": registered.project, "model": registered.model, "version": registered.version,
         "model_id": registered.modelId, "model_version": version.name, "size": version.size, "files": version.fileCount,
         "format": version.format, "created_at": version.createdAt.formatted(.iso8601)]
    }
}

import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// `/ai_arts/api/codes`: notebook sessions (docs/notebooks.md) — list, create, get, the Jupyter
/// endpoint, delete, description (docs/api.md, "Codes").
enum AIArtsCodeRoutes {
    static let code = AIArtsDetail.unknownCode

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get { _, context in
            _ = try context.require(.read)
            let items = try await environment.engine { workspace in
                try workspace.codeSessions().map { CodeSession.JSON($0, folder: workspace.codeSessionFolder($0.id).path) }
            }
            return try AIArtsOut.ok(encoding: CodeList(items: items, total: items.count))
        }

        group.get("{id}") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "C", code: code, what: "notebook session")
            return try AIArtsOut.ok(encoding: try await environment.engine(notFound: code) { workspace in
                let session = try workspace.codeSession(id)
                return CodeItem(session: CodeSession.JSON(session, folder: workspace.codeSessionFolder(session.id).path),
                                metrics: (try? workspace.codeSessionMetrics(session.id)) ?? [])
            })
        }

        // JSON: {"name": "explore", "dataset_id"?: "D0001", "gpus"?: [0] or "0,1", "port"?: 0, "description"?: "…"}.
        // JupyterLab must be installed already (`aiarts code create` installs it, or $AIARTS_JUPYTER_VENV):
        // a request does not wait minutes on pip; without it the answer is 409 saying so.
        group.post { request, context in
            _ = try context.require(.train)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            var spec = CodeSessionSpec(name: try body.string("name"))
            spec.dataset = try body.optionalString("dataset_id").flatMap { $0.isEmpty ? nil : $0 }
            spec.gpus = try InferenceRequest.gpus(body["gpus"], field: "gpus")
            if let port = try body.optionalInt("port") { spec.port = port }
            spec.description = try body.optionalString("description") ?? ""
            let asked = spec
            let created = try await environment.engine(notFound: AIArtsDetail.unknownDataset) { workspace in
                let session = try workspace.createCodeSession(asked, install: false)
                return CodeSession.JSON(session, folder: workspace.codeSessionFolder(session.id).path)
            }
            return try AIArtsOut.ok(encoding: created, status: .created)
        }

        // The Jupyter URL with its token (it opens the session, so the trainer role is needed):
        // JSON by default; ?redirect=1 answers 302 to it, for a browser.
        group.get("{id}/endpoint") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "C", code: code, what: "notebook session")
            let endpoint = try await environment.engine(notFound: code) { try $0.codeSessionEndpoint(id) }
            let redirect = request.uri.queryParameters.get("redirect").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
            if redirect {
                guard endpoint.state == .ready else {
                    throw APIError(.conflict, "\(endpoint.id) is \(endpoint.state.rawValue); its Jupyter answers only while ready")
                }
                var headers = HTTPFields()
                headers[.location] = endpoint.url
                return Response(status: .found, headers: headers)
            }
            return try AIArtsOut.ok(encoding: endpoint)
        }

        // Stops a running session first, then removes its record and folder (the dataset is only linked).
        group.delete("{id}") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "C", code: code, what: "notebook session")
            try await environment.engine(notFound: code) { try $0.removeCodeSession(id, force: true) }
            return AIArtsOut.ok(["id": id, "deleted": true])
        }

        // JSON: {"description": "…"}.
        group.post("{id}/description") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "C", code: code, what: "notebook session")
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let text = try body.string("description")
            return try AIArtsOut.ok(encoding: try await environment.engine(notFound: code) { workspace in
                let session = try workspace.describeCodeSession(id, text)
                return CodeSession.JSON(session, folder: workspace.codeSessionFolder(session.id).path)
            })
        }
    }

    struct CodeList: Encodable, Sendable {
        var items: [CodeSession.JSON]
        var total: Int
    }

    /// A session with the newest value of each series its notebooks logged.
    struct CodeItem: Encodable, Sendable {
        var session: CodeSession.JSON
        var metrics: [CodeSessionMetric]
        enum Extra: String, CodingKey { case metrics }
        func encode(to encoder: any Encoder) throws {
            try session.encode(to: encoder)
            var c = encoder.container(keyedBy: Extra.self)
            try c.encode(metrics, forKey: .metrics)
        }
    }
}

extension AIArtsDetail {
    static let unknownCode = 40407
}

import AIArtsEngine
import Foundation
import Hummingbird

/// kleveross's `Serving` objects (/api/v1alpha1/namespaces/{namespace}/servings; docs/api.md,
/// "Servings") over the workspace's inference services (docs/inference.md): create, list, get, delete.
/// A serving is named by its service's id (`S0001`); aiarts keeps no namespaces, so every namespace
/// holds every service and the one in the path is only checked and echoed.
enum ServingRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        let servings = "namespaces/{namespace}/servings"

        // {"apiVersion": "kleveross.io/v1alpha1", "kind": "Serving", "metadata": {"name"?},
        //  "spec": {"model": "M0001:v2" | "project/model:version" | a model name, "port"?, "gpus"?, "maxBatch"?, "maxDelayMs"?}}
        group.post(RouterPath(servings)) { request, context in
            let principal = try context.require(.train)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try Self.namespace(context)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            if let kind = try body.optionalString("kind"), kind != "Serving" {
                throw APIError.badRequest("kind must be Serving (got \(kind.prefix(40)))")
            }
            guard let spec = body["spec"] as? [String: Any] else { throw APIError.badRequest("spec is missing: {\"spec\": {\"model\": \"M0001\"}}") }
            let metadata = body["metadata"] as? [String: Any] ?? [:]
            let requested = try metadata.optionalString("name")
            let reference = try spec.string("model")
            let asked = try InferenceRequest(spec, model: reference, keys: .camel).spec
            let item = try await environment.engine { workspace in
                var resolved = asked
                resolved.model = try Self.model(reference, workspace: workspace)
                return InferenceItem(try workspace.createInferenceService(resolved), workspace)
            }
            return JSONOut.response(try Self.serving(item, namespace: namespace, requestedName: requested), status: .created)
        }

        group.get(RouterPath(servings)) { request, context in
            let principal = try context.require(.read)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try Self.namespace(context)
            let items = try await environment.engine { workspace in try workspace.inferenceServices().map { InferenceItem($0, workspace) } }
            return JSONOut.response(["apiVersion": "kleveross.io/v1alpha1", "kind": "ServingList",
                                     "items": try items.map { try Self.serving($0, namespace: namespace) }])
        }

        group.get(RouterPath("\(servings)/{servingID}")) { request, context in
            let principal = try context.require(.read)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try Self.namespace(context)
            let id = try Self.servingID(context)
            let item = try await environment.engine { workspace in InferenceItem(try workspace.inferenceService(id), workspace) }
            return JSONOut.response(try Self.serving(item, namespace: namespace))
        }

        // Stops the service (SIGTERM, then SIGKILL after a grace) and removes it with its folder;
        // answers with the serving as it was last seen (a running one as Stopped, a failed one as Failed).
        group.delete(RouterPath("\(servings)/{servingID}")) { request, context in
            let principal = try context.require(.train)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try Self.namespace(context)
            let id = try Self.servingID(context)
            let item = try await environment.engine { workspace in
                let item = InferenceItem(try workspace.inferenceService(id), workspace)
                try workspace.removeInferenceService(id, force: true)
                return item
            }
            var gone = item
            if gone.service.state.hasProcess { gone.service.state = .stopped }
            return JSONOut.response(try Self.serving(gone, namespace: namespace))
        }
    }

    /// A Kubernetes name (RFC 1123 label): 1 to 63 lowercase letters, digits and `-`, starting and
    /// ending with a letter or digit.
    static func namespace(_ context: ServerContext) throws -> String {
        let name = context.parameters.get("namespace") ?? ""
        let allowed = name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        guard (1...63).contains(name.utf8.count), allowed, name.first != "-", name.last != "-" else {
            throw APIError.badRequest("the namespace must be 1 to 63 lowercase letters, digits and '-' (a Kubernetes name), like default")
        }
        return name
    }

    static func servingID(_ context: ServerContext) throws -> String {
        let id = context.parameters.get("servingID") ?? ""
        return try id.aiartsID("S", code: 404, what: "serving")
    }

    /// The model a spec names: a kleveross reference `[registry/]project/model:version` is the aiarts
    /// version that upload became (not found when it was never uploaded here); anything else
    /// ("M0001", "M0001:v2", a model's name) goes to the engine as it is.
    static func model(_ reference: String, workspace: Workspace) throws -> String {
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count >= 2, let colon = parts.last?.lastIndex(of: ":") {
            let last = parts[parts.count - 1]
            let project = String(parts[parts.count - 2]), model = String(last[..<colon]), version = String(last[last.index(after: colon)...])
            let found = try workspace.registryVersion(project: project, model: model, version: version)
            return "\(found.modelId):v\(found.modelVersion)"
        }
        return reference
    }

    /// The service as a kleveross `Serving`: metadata, the spec it was created with, and its status.
    static func serving(_ item: InferenceItem, namespace: String, requestedName: String? = nil) throws -> [String: Any] {
        let s = item.service
        var metadata: [String: Any] = ["name": s.id, "namespace": namespace, "uid": s.id,
                                       "creationTimestamp": s.createdAt.formatted(.iso8601)]
        if let requestedName, requestedName != s.id {
            metadata["annotations"] = ["aiarts.io/requested-name": String(requestedName.prefix(253))]
        }
        let phase: String = switch s.state {
        case .starting: "Pending"
        case .ready: "Running"
        case .failed: "Failed"
        case .stopped: "Stopped"
        }
        var status: [String: Any] = ["phase": phase, "state": s.state.rawValue, "message": s.message,
                                     "url": s.url?.absoluteString ?? NSNull(), "pid": s.pid.map { Int($0) } ?? NSNull(),
                                     "startTime": s.startedAt?.formatted(.iso8601) ?? NSNull(),
                                     "finishTime": s.finishedAt?.formatted(.iso8601) ?? NSNull()]
        if let stats = item.stats {
            status["stats"] = ["requests": stats.requests, "errors": stats.errors, "requestsPerSecond": stats.requestsPerSecond,
                               "p50Ms": stats.p50Ms ?? NSNull(), "p99Ms": stats.p99Ms ?? NSNull(),
                               "gpuMemoryMiB": stats.gpuMemoryMiB ?? NSNull()] as [String: Any]
        } else {
            status["stats"] = NSNull()
        }
        return ["apiVersion": "kleveross.io/v1alpha1", "kind": "Serving", "metadata": metadata,
                "spec": ["model": s.modelReference, "backend": s.backend.rawValue, "port": s.port, "gpus": s.gpuList,
                         "maxBatch": s.maxBatch, "maxDelayMs": s.maxDelayMs] as [String: Any],
                "status": status]
    }
}

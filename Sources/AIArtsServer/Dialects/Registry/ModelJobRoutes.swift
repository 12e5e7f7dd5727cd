import AIArtsEngine
import Foundation
import Hummingbird
import Synchronization

/// kleveross's `ModelJob` objects (/api/v1alpha1/namespaces/{namespace}/modeljobs; docs/api.md,
/// "ModelJobs") over the workspace's model jobs (docs/model-jobs.md): create, list, get, delete, and
/// `/events`. A job is named by its id (`J0001`); aiarts keeps no namespaces, so every namespace
/// holds every job and the one in the path is only checked and echoed. Over HTTP a job starts from
/// a registry version (an upload goes in through the upload route first), never a server path.
enum ModelJobRoutes {
    /// What runs a created job (`EXECUTABLE --workspace ROOT model job run J0001`): the server's own
    /// binary. Tests point it elsewhere (their process is not aiarts).
    static let executable = Mutex<String?>(QueueWorker.thisExecutable.executable)

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        let jobs = "namespaces/{namespace}/modeljobs"

        // {"apiVersion": "kleveross.io/v1alpha1", "kind": "ModelJob", "metadata": {"name"?},
        //  "spec": {"model": "M0001:v2" | "project/model:version", "extraction": {"format"?} |
        //           "conversion": {"to": "onnx" | "opset=18" | "int8", "dynamic"?, "calibration"?} or {"mmdnn": {"to": "ONNX"}}}}
        group.post(RouterPath(jobs)) { request, context in
            let principal = try context.require(.train)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try ServingRoutes.namespace(context)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            if let kind = try body.optionalString("kind"), kind != "ModelJob" {
                throw APIError.badRequest("kind must be ModelJob (got \(kind.prefix(40)))")
            }
            guard let spec = body["spec"] as? [String: Any] else {
                throw APIError.badRequest("spec is missing: {\"spec\": {\"model\": \"M0001:v1\", \"extraction\": {}}}")
            }
            let requested = try (body["metadata"] as? [String: Any] ?? [:]).optionalString("name")
            let reference = try spec.string("model")
            let target = try Self.target(spec)
            let executable = Self.executable.withLock { $0 }
            let job = try await environment.engine { workspace in
                let (model, version) = try Self.source(try ServingRoutes.model(reference, workspace: workspace), workspace: workspace)
                let jobSpec: ModelJobSpec = target.map { .conversion(model: model, version: version, to: $0) } ?? .extraction(model: model, version: version)
                return try workspace.createModelJob(jobSpec, executable: executable)
            }
            return JSONOut.response(Self.modelJob(job, namespace: namespace, requestedName: requested), status: .created)
        }

        group.get(RouterPath(jobs)) { request, context in
            let principal = try context.require(.read)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try ServingRoutes.namespace(context)
            let all = try await environment.engine { workspace in try workspace.modelJobs() }
            return JSONOut.response(["apiVersion": "kleveross.io/v1alpha1", "kind": "ModelJobList",
                                     "items": all.map { Self.modelJob($0, namespace: namespace) }])
        }

        group.get(RouterPath("\(jobs)/{modeljobID}")) { request, context in
            let principal = try context.require(.read)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try ServingRoutes.namespace(context)
            let id = try Self.jobID(context)
            let detail = try await environment.engine { workspace in try workspace.modelJobDetail(id) }
            var object = Self.modelJob(detail.job, namespace: namespace)
            if var status = object["status"] as? [String: Any] {
                status["result"] = Self.result(detail)
                object["status"] = status
            }
            return JSONOut.response(object)
        }

        group.get(RouterPath("\(jobs)/{modeljobID}/events")) { request, context in
            let principal = try context.require(.read)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try ServingRoutes.namespace(context)
            let id = try Self.jobID(context)
            let events = try await environment.engine { workspace in try workspace.modelJobEvents(id) }
            return JSONOut.response(["apiVersion": "v1", "kind": "EventList", "items": events.map { e in
                ["type": e.type.rawValue, "reason": e.reason, "message": e.message, "count": 1,
                 "firstTimestamp": e.time.formatted(.iso8601), "lastTimestamp": e.time.formatted(.iso8601),
                 "metadata": ["name": "\(id).\(e.id ?? 0)", "namespace": namespace],
                 "involvedObject": ["kind": "ModelJob", "name": id, "namespace": namespace, "apiVersion": "kleveross.io/v1alpha1"],
                 "source": ["component": "aiarts-modeljob"]] as [String: Any]
            }])
        }

        // Stops a running job and removes it with its folder; the versions it made stay. Answers
        // with the job as it was last seen.
        group.delete(RouterPath("\(jobs)/{modeljobID}")) { request, context in
            let principal = try context.require(.train)
            try RegistryRoutes.checkHeaders(request, principal)
            let namespace = try ServingRoutes.namespace(context)
            let id = try Self.jobID(context)
            let job = try await environment.engine { workspace in
                let job = try workspace.modelJob(id)
                try workspace.deleteModelJob(id)
                return job
            }
            return JSONOut.response(Self.modelJob(job, namespace: namespace))
        }
    }

    static func jobID(_ context: ServerContext) throws -> String {
        try (context.parameters.get("modeljobID") ?? "").aiartsID("J", code: 404, what: "model job")
    }

    /// "M0001" or "M0001:v2" (as `ServingRoutes.model` resolves a kleveross reference to).
    static func source(_ text: String, workspace: Workspace) throws -> (String, Int?) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let model = parts.first, model.first == "M", model.count >= 2 else {
            throw APIError.badRequest("spec.model names a registry version: M0001, M0001:v2 or project/model:version (got \(text.prefix(60)))")
        }
        guard parts.count == 2 else { return (model, nil) }
        return (model, try Workspace.parseModelVersion(parts[1].hasPrefix("v") ? parts[1] : "v" + parts[1]))
    }

    /// nil for an extraction; the conversion's target otherwise.
    static func target(_ spec: [String: Any]) throws -> ModelJobTarget? {
        let extraction = spec["extraction"], conversion = spec["conversion"]
        guard (extraction == nil) != (conversion == nil) else {
            throw APIError.badRequest("give spec.extraction ({}) or spec.conversion ({\"to\": \"onnx\"}), one of them")
        }
        guard let conversion else {
            guard extraction is [String: Any] else { throw APIError.badRequest("spec.extraction must be an object, e.g. {\"format\": \"ONNX\"}") }
            return nil
        }
        guard let c = conversion as? [String: Any] else { throw APIError.badRequest("spec.conversion must be an object, e.g. {\"to\": \"onnx\"}") }
        var to = try c.optionalString("to")
        if to == nil, let mmdnn = c["mmdnn"] as? [String: Any] { to = try mmdnn.optionalString("to") }
        guard let to else { throw APIError.badRequest("spec.conversion.to is missing: onnx, opset=N or int8") }
        let dynamic = try c.optionalBool("dynamic") ?? false
        let calibration = try c.optionalInt("calibration")
        do {
            return try ModelJobTarget(parsing: to, dynamic: dynamic, calibration: calibration)
        } catch let error as AIArtsError {
            throw APIError.badRequest(error.message)
        }
    }

    /// The job as a kleveross `ModelJob`: metadata, the spec it stands for, and its status.
    static func modelJob(_ j: ModelJobRecord, namespace: String, requestedName: String? = nil) -> [String: Any] {
        var metadata: [String: Any] = ["name": j.id, "namespace": namespace, "uid": j.id, "creationTimestamp": j.createdAt.formatted(.iso8601)]
        if let requestedName, requestedName != j.id {
            metadata["annotations"] = ["aiarts.io/requested-name": String(requestedName.prefix(253))]
        }
        var spec: [String: Any] = ["model": j.source]
        if j.kind == .extraction {
            spec["extraction"] = [String: Any]()
        } else {
            var conversion: [String: Any] = ["to": j.target]
            let options = j.optionValues
            if let d = options["dynamic"] { conversion["dynamic"] = d == "true" }
            if let c = options["calibration"].flatMap(Int.init) { conversion["calibration"] = c }
            spec["conversion"] = conversion
        }
        if let r = j.resultName { spec["desiredTag"] = r }
        let phase: String = switch j.state {
        case .created: "Pending"
        case .running: "Running"
        case .succeeded: "Succeeded"
        case .failed: "Failed"
        }
        let status: [String: Any] = [
            "phase": phase, "state": j.state.rawValue, "message": j.message,
            "resultModel": j.resultName ?? NSNull(),
            "startTime": j.startedAt?.formatted(.iso8601) ?? NSNull(),
            "completionTime": j.finishedAt?.formatted(.iso8601) ?? NSNull(),
        ]
        return ["apiVersion": "kleveross.io/v1alpha1", "kind": "ModelJob", "metadata": metadata, "spec": spec, "status": status]
    }

    /// The extraction or the conversion report, as JSON objects.
    static func result(_ d: ModelJobDetail) -> Any {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data?
        if let e = d.extraction { data = try? encoder.encode(e) } else if let c = d.conversion { data = try? encoder.encode(c) } else { data = nil }
        return data.flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? NSNull()
    }
}

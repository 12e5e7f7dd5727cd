import AIArtsEngine
import Foundation
import Hummingbird

/// The platform's model module over the workspace's registry. Its document serves the list as
/// `/construct/config/` (a list of names) and a model's training configuration as
/// `/construct/detail/{modelname}/`; the paths are `/models/list/`, `/models/{id}/` and
/// `/models/compare/`, which are served with those shapes (docs/api.md lists the mapping).
/// A model is named by its registry id (M0001), its number (1) or its name.
enum DjangoModelRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        let models = router.djangoGroup("models")
        models.get("list/") { _, context in try await list(context, environment) }
        models.get("compare/") { request, context in try await compare(request, context, environment) }
        models.get("{id}/") { _, context in try await detail(context, environment) }
        models.delete("{id}/") { _, context in try await delete(context, environment) }
    }

    /// The registry id a client's name means.
    static func resolve(_ text: String, in workspace: Workspace) throws -> String {
        if let number = Int(text), number > 0, number < 1_000_000 {
            return "M" + String(format: "%04d", number)
        }
        if RecordKind.of(id: text.uppercased()) == .model { return text.uppercased() }
        guard let found = try workspace.models().last(where: { $0.model.name == text }) else {
            throw AIArtsError(.notFound, "no model with id or name \(text.prefix(200)) (GET /models/list/)")
        }
        return found.model.id
    }

    static func number(_ id: String) -> Int { Int(id.dropFirst()) ?? 0 }

    /// `["modelname2", "modelname"]`, as `/construct/config/`: the names, oldest first.
    static func list(_ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.read)
        let models = try await environment.engine { try $0.models() }
        return JSONOut.response(models.map(\.model.name))
    }

    /// A model as `/construct/detail/` shows one — the training configuration of the task it came
    /// from (`iter` the epochs, `learning_rate`, `ratio` the train share when known, `loss_name`,
    /// `optimizer_name`, `net_type` the trainer's model) — plus the registry's record.
    static func modelObject(_ id: String, in workspace: Workspace) throws -> [String: Any] {
        let detail = try workspace.modelDetail(id)
        let model = detail.model
        var params: [String: String] = [:]
        if let task = model.sourceTaskId { params = (try? workspace.taskParams(task)) ?? [:] }
        func number(_ key: String) -> Any { params[key].flatMap { Double($0) }.map { $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) as Any : $0 as Any } ?? NSNull() }
        func text(_ key: String) -> Any { params[key].map { $0 as Any } ?? NSNull() }
        var metrics: [String: Any] = [:]
        if let task = model.sourceTaskId, let summary = try? workspace.taskMetrics(task) {
            for series in summary.series where series.last.isFinite { metrics[series.name] = series.last }
        }
        return [
            "id": Self.number(model.id), "model_id": model.id, "name": model.name, "kind": model.kind,
            "type": model.type?.rawValue as Any? ?? NSNull(), "trainer": model.trainer as Any? ?? NSNull(),
            "source_task": model.sourceTaskId as Any? ?? NSNull(), "source_epoch": model.sourceEpoch as Any? ?? NSNull(),
            "created_at": DjangoOut.time(model.createdAt), "size": detail.size, "versions": detail.versions.count,
            "files": detail.versions.last?.fileCount ?? 0,
            "evaluation": (model.evaluation ?? [:]).filter { $0.value.isFinite },
            "metrics": metrics, "params": params,
            "iter": number("epochs"), "learning_rate": number("learning_rate"), "ratio": number("train_ratio"),
            "loss_name": text("loss"), "optimizer_name": text("optimizer"), "net_type": text("model"),
        ]
    }

    static func modelID(_ context: ServerContext) throws -> String {
        guard let text = context.parameters.get("id"), !text.isEmpty else { throw APIError.notFound("name a model: /models/1/") }
        return text.removingPercentEncoding ?? text
    }

    static func detail(_ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.read)
        let text = try modelID(context)
        let object = try await environment.engine { workspace -> SendableJSON in
            SendableJSON(try modelObject(try resolve(text, in: workspace), in: workspace))
        }
        return JSONOut.response(object.value)
    }

    static func delete(_ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.train)
        let text = try modelID(context)
        try await environment.engine { workspace in try workspace.deleteModel(try resolve(text, in: workspace)) }
        return JSONOut.response(["message": "success"])
    }

    /// Two or more models side by side: `?ids=1,2` (or `id` repeated, or names), each its newest
    /// version, compared by the engine (`Workspace.compareModels`). Each model as in the detail plus
    /// the comparison's figures; `metrics` lists every metric name any of them has, so a table can
    /// align them; `comparable`, `warnings` and `rows` are the engine's verdict and table.
    static func compare(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.read)
        var collected: [String] = []
        for (key, value) in request.uri.queryParameters where ["ids", "id", "models", "model"].contains(String(key)) {
            collected += String(value).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let names = collected
        guard names.count >= 2 else {
            throw APIError.badRequest("name two or more models to compare: /models/compare/?ids=1,2")
        }
        guard names.count <= modelComparisonLimit else { throw APIError.badRequest("compare at most \(modelComparisonLimit) models at once") }
        let result = try await environment.engine { workspace -> SendableJSON in
            let refs = try names.map { ModelVersionRef(model: try resolve($0, in: workspace)) }
            let comparison = try workspace.compareModels(refs)
            var metricNames = Set(comparison.metrics)
            var models: [[String: Any]] = []
            for entry in comparison.entries {
                var object = try modelObject(entry.model, in: workspace)
                metricNames.formUnion((object["metrics"] as? [String: Any] ?? [:]).keys)
                object["version"] = entry.version
                object["format"] = entry.format
                object["version_size"] = entry.size
                object["evaluation"] = entry.evaluation
                object["evaluated_on"] = try jsonObject(entry.basis)
                object["parameters"] = entry.parameters as Any? ?? NSNull()
                object["latency_ms"] = entry.latency?.msPerImage as Any? ?? NSNull()
                object["parent_task"] = entry.parentTask as Any? ?? NSNull()
                models.append(object)
            }
            return SendableJSON(["models": models, "metrics": metricNames.sorted(), "comparable": comparison.comparable,
                                 "warnings": comparison.warnings, "rows": try jsonObject(comparison.rows)])
        }
        return JSONOut.response(result.value)
    }

    /// An engine value as JSONSerialization's objects, so it sits inside a hand-built answer.
    static func jsonObject<T: Encodable>(_ value: T) throws -> Any {
        try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value), options: [.fragmentsAllowed])
    }
}

/// A JSON value built on the engine's thread, handed back to the route (only ever read once).
struct SendableJSON: @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }
}

import AIArtsEngine
import Foundation
import Hummingbird

/// /model: PaddleX's pretrained and exported models are aiarts' model registry (ids M0001,
/// whatever the kind: PaddleX's PM/EM prefixes are not used).
enum PaddleXModelRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get("model") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let mid = try PaddleXRoutes.optionalID(parameters, "mid", kind: .model)
            let type = try parameters.optionalString("type")
            let kinds = try type.map { [try kind($0)] } ?? [.pretrained, .exported]
            return try await PaddleXRoutes.respond(environment) { workspace in
                if let mid {
                    let model = try workspace.model(mid)
                    var dataset: [String: Any] = [:], params: [String: Any] = [:]
                    if let tid = model.sourceTaskId, let task = try? workspace.task(tid) {
                        params = PaddleXProjectRoutes.typed(try workspace.taskParams(task.id))
                        if let did = try workspace.taskDatasetID(task), let record = try? workspace.dataset(did) {
                            dataset = try PaddleXDatasetRoutes.attributes(record, workspace)
                        }
                    }
                    return ["attr": try attributes(model, workspace), "dataset_attr": dataset, "task_params": params,
                            "eval_result": model.evaluation ?? [:]]
                }
                var answer: [String: Any] = [:]
                let models = try workspace.models().map(\.model)
                for kind in kinds {
                    answer["\(kind.rawValue)_models"] = try models.filter { $0.kind == kind.rawValue }.map { try attributes($0, workspace) }
                }
                return answer
            }
        }

        group.post("model") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let pid = try PaddleXRoutes.id(parameters, "pid", kind: .project)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let name = try parameters.optionalString("name")
            let kind = try kind(try parameters.string("type"))
            if kind == .exported, let exported = try parameters.optionalInt("exported_type"), exported != 0 {
                throw APIError.badRequest("exported_type \(exported): aiarts has no Paddle Lite models; 0 (inference) only")
            }
            let path = try parameters.optionalString(kind == .pretrained ? "source_path" : "path")
            var evaluation: [String: Double]?
            if let results = parameters["eval_results"], !(results is NSNull) {
                guard let object = results as? [String: Any] else { throw APIError.badRequest("eval_results must be an object of metric: number") }
                evaluation = try object.mapValues { value in
                    guard let number = value as? NSNumber, ![String: Any].isJSONBool(value) else { throw APIError.badRequest("eval_results values must be numbers") }
                    return number.doubleValue
                }
            }
            let results = evaluation
            return try await PaddleXRoutes.respond(environment) { workspace in
                let task = try workspace.task(tid)
                guard task.projectId == pid else { throw APIError.badRequest("\(tid) is in project \(task.projectId), not \(pid)") }
                // Files named by the client must be the task's own (a checkpoint or an export).
                let files = try path.map { [try PaddleXWorkspaceRoutes.confined($0, under: workspace.taskFolder(tid), what: "the task's folder")] }
                let registered = try workspace.registerModel(fromTask: tid, name: name, kind: kind, files: files, evaluation: results)
                return [kind == .pretrained ? "pmid" : "emid": registered.model.id, "version": registered.version.version]
            }
        }

        group.delete("model") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let kind = try kind(try parameters.string("type"))
            let mid = try PaddleXRoutes.id(parameters, kind == .pretrained ? "pmid" : "emid", kind: .model)
            return try await PaddleXRoutes.respond(environment) { workspace in
                let model = try workspace.model(mid)
                guard model.kind == kind.rawValue else {
                    throw APIError.badRequest("\(mid) is a\(model.kind == "exported" ? "n" : "") \(model.kind) model, not \(kind.rawValue)")
                }
                try workspace.deleteModel(mid)
                return [:]
            }
        }
    }

    static func kind(_ text: String) throws -> ModelKind {
        switch text {
        case "pretrained": return .pretrained
        case "exported": return .exported
        default: throw APIError.badRequest("type must be pretrained or exported, not '\(text)'")
        }
    }

    /// PaddleX's PretrainedModel / ExportedModel message: id, name, model, type, pid, tid,
    /// create_time, path (the model's registry folder), and exported_type 0 for an exported one.
    static func attributes(_ model: ModelRecord, _ workspace: Workspace) throws -> [String: Any] {
        let task = model.sourceTaskId.flatMap { try? workspace.task($0) }
        var attr: [String: Any] = [
            "id": model.id, "name": model.name, "model": task.flatMap { try? workspace.taskParams($0.id)["model"] } ?? (model.trainer ?? ""),
            "type": model.type?.rawValue ?? "", "pid": task?.projectId ?? "", "tid": model.sourceTaskId ?? "",
            "create_time": PaddleX.time(model.createdAt), "path": workspace.modelFolder(model.id).path,
        ]
        if model.kind == ModelKind.exported.rawValue { attr["exported_type"] = 0 }
        return attr
    }
}

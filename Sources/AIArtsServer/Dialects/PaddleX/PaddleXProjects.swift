import AIArtsEngine
import Foundation
import Hummingbird

/// /project, /project/task, /project/task/params.
enum PaddleXProjectRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get("project") { request, context in
            _ = try context.require(.read)
            let pid = try PaddleXRoutes.optionalID(try await PaddleXRoutes.parameters(request, environment), "id", kind: .project)
            return try await PaddleXRoutes.respond(environment) { workspace in
                if let pid { return ["attr": attributes(try workspace.project(pid))] }
                return ["projects": try workspace.projects().map { ["id": $0.id, "attr": attributes($0)] }]
            }
        }

        group.post("project") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let name = try parameters.string("name")
            let description = try parameters.optionalString("desc") ?? ""
            let type = try PaddleX.datasetType(try parameters.string("project_type"), field: "project_type")
            return try await PaddleXRoutes.respond(environment) { workspace in
                ["pid": try workspace.createProject(name: name, type: type, description: description).id]
            }
        }

        // PaddleX deletes a project with its tasks; running ones are stopped first.
        group.delete("project") { request, context in
            _ = try context.require(.train)
            let pid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "pid", kind: .project)
            return try await PaddleXRoutes.respond(environment) { workspace in
                let deleted = try workspace.deleteProject(pid, force: true)
                return ["tasks": deleted.tasks]
            }
        }

        group.get("project/task") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.optionalID(parameters, "tid", kind: .task)
            let pid = try PaddleXRoutes.optionalID(parameters, "pid", kind: .project)
            let resume = parameters["resume"] != nil && !(parameters["resume"] is NSNull)
            return try await PaddleXRoutes.respond(environment) { workspace in
                try workspace.refreshTasks()
                if let tid {
                    let record = try workspace.task(tid)
                    var answer: [String: Any] = ["task_status": PaddleX.taskStatus(record.status).rawValue,
                                                 "message": record.statusMessage, "attr": try attributes(record, workspace)]
                    if resume {
                        let epochs = (try? workspace.taskCheckpoints(tid))?.compactMap(\.epoch) ?? []
                        answer["resumable"] = record.taskStatus?.isEnded == true && !epochs.isEmpty
                        answer["max_saved_epochs"] = epochs.max() ?? 0
                    }
                    return answer
                }
                if let pid { _ = try workspace.project(pid) }
                return ["tasks": try workspace.tasks(projectID: pid).map { record -> [String: Any] in
                    var attr = try attributes(record, workspace)
                    attr["status"] = PaddleX.taskStatus(record.status).rawValue
                    return attr
                }]
            }
        }

        group.post("project/task") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let pid = try PaddleXRoutes.id(parameters, "pid", kind: .project)
            let train = try trainParameters(parameters["train"])
            let description = try parameters.optionalString("desc") ?? ""
            let parent = try PaddleXRoutes.optionalID(parameters, "parent_id", kind: .task)
            return try await PaddleXRoutes.respond(environment) { workspace in
                var params = train
                let trainer = try PaddleXProjectRoutes.trainer(params.removeValue(forKey: "trainer"), project: try workspace.project(pid))
                let name = params.removeValue(forKey: "name")
                let origin: TaskSpec.Origin = parent.map { .derived(from: $0, epoch: nil) } ?? .trainer(trainer)
                let record = try workspace.createTask(TaskSpec(projectID: pid, origin: origin, name: name, description: description, params: params))
                return ["tid": record.id]
            }
        }

        group.delete("project/task") { request, context in
            _ = try context.require(.train)
            let tid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "tid", kind: .task)
            return try await PaddleXRoutes.respond(environment) { workspace in
                let status = try workspace.task(tid).taskStatus
                if status?.hasProcess == true || status == .starting || status == .waitingGPU {
                    throw APIError(.conflict, "\(tid) is \(status?.rawValue ?? "running"); stop it first (PUT /paddlex/project/task/train with act=stop)")
                }
                try workspace.deleteTask(tid)
                return [:]
            }
        }

        group.get("project/task/params") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.optionalID(parameters, "tid", kind: .task)
            let pid = try PaddleXRoutes.optionalID(parameters, "pid", kind: .project)
            let model = try parameters.optionalString("model_type")
            let gpus = try gpuList(parameters["gpu_list"])
            guard tid != nil || pid != nil else { throw APIError.badRequest("give tid (a task's parameters) or pid (a project's defaults)") }
            return try await PaddleXRoutes.respond(environment) { workspace in
                if let tid {
                    let record = try workspace.task(tid)
                    var params = try workspace.taskParams(tid)
                    params["trainer"] = record.trainer
                    return ["train": typed(params)]
                }
                let project = try workspace.project(pid!)
                let trainer = defaultTrainer(for: project.type)
                var params = TaskParams.defaults(for: trainer, type: project.type)
                if let model {
                    try TaskParams.validate("model", model, trainer: trainer, type: project.type)
                    params["model"] = model
                }
                if let gpus { params["gpus"] = gpus }
                params["trainer"] = trainer.rawValue
                return ["train": typed(params)]
            }
        }

        group.post("project/task/params") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let given = try trainParameters(parameters["train"])
            guard !given.isEmpty else { throw APIError.badRequest("train is missing: send the parameters as an object") }
            return try await PaddleXRoutes.respond(environment) { workspace in
                var train = given
                let record = try workspace.task(tid)
                if let trainer = train.removeValue(forKey: "trainer"), TaskTrainer(name: trainer)?.rawValue != record.trainer {
                    throw APIError.badRequest("\(tid) runs \(record.trainer); its trainer cannot change (create another task)")
                }
                train["name"] = nil
                try workspace.setTaskParams(tid, train)
                return [:]
            }
        }
    }

    /// PaddleX's Project message: id, name, desc, type, did, path, create_time. An aiarts project
    /// has no folder of its own: `path` is empty.
    static func attributes(_ record: ProjectRecord) -> [String: Any] {
        ["id": record.id, "name": record.name, "desc": record.description, "type": record.type.rawValue,
         "did": record.datasetId ?? "", "path": "", "create_time": PaddleX.time(record.createdAt)]
    }

    /// PaddleX's Task message: id, name, desc, pid, path, create_time, parent_id; plus the
    /// project's type and the trainer.
    static func attributes(_ record: TaskRecord, _ workspace: Workspace) throws -> [String: Any] {
        ["id": record.id, "name": record.name, "desc": record.description, "pid": record.projectId,
         "path": workspace.taskFolder(record.id).path, "create_time": PaddleX.time(record.createdAt),
         "parent_id": record.parentId ?? "", "type": (try? workspace.project(record.projectId).type.rawValue) ?? "",
         "trainer": record.trainer]
    }

    /// The trainer a project's tasks get unless `train` names one: the built-in trainer for
    /// classification (CPU, no Python), the torch trainer for the other types.
    static func defaultTrainer(for type: DatasetType) -> TaskTrainer {
        type == .classification ? .aiartsTrain : .torch
    }

    static func trainer(_ name: String?, project: ProjectRecord) throws -> TaskTrainer {
        guard let name else { return defaultTrainer(for: project.type) }
        guard let trainer = TaskTrainer(name: name) else {
            throw APIError.badRequest("trainer must be aiarts-train, torch or command, not '\(name)'")
        }
        return trainer
    }

    /// `train`: an object, or (as PaddleX's quick start sends it) that object as a JSON string.
    /// Values become the engine's strings; lists (gpu ids) are joined with commas; the keys the
    /// engine writes itself are dropped, so that a dict read from GET can be sent back as it is.
    static func trainParameters(_ value: Any?) throws -> [String: String] {
        guard let value, !(value is NSNull) else { return [:] }
        var object = value as? [String: Any]
        if let text = value as? String {
            object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        guard let object else { throw APIError.badRequest("train must be an object of parameters (or that object as a JSON string)") }
        var result: [String: String] = [:]
        for (key, item) in object where !TaskParams.engineKeys.contains(key) {
            guard let text = try scalar(item, key: "train.\(key)") else { continue }
            result[key] = text
        }
        return result
    }

    static func scalar(_ item: Any, key: String) throws -> String? {
        switch item {
        case is NSNull: return nil
        case let text as String: return text
        case let number as NSNumber:
            if [String: Any].isJSONBool(number) { return number.boolValue ? "true" : "false" }
            return number.stringValue
        case let list as [Any]: return try list.compactMap { try scalar($0, key: key) }.joined(separator: ",")
        default: throw APIError.badRequest("\(key) must be a string, a number or a list of them")
        }
    }

    static func gpuList(_ value: Any?) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        if let text = value as? String, text.split(separator: ",").allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)) != nil }) {
            return text.replacingOccurrences(of: " ", with: "")
        }
        guard let list = value as? [Any], let text = try scalar(list, key: "gpu_list") else {
            throw APIError.badRequest("gpu_list must be a list of GPU ids, such as [0]")
        }
        return text
    }

    /// Parameters as PaddleX shows them: numbers as numbers, the rest as text.
    static func typed(_ params: [String: String]) -> [String: Any] {
        params.mapValues { text -> Any in
            if let number = Int(text) { return number }
            if let number = Double(text), number.isFinite, text.contains(".") || text.contains("e") { return number }
            return text
        }
    }
}

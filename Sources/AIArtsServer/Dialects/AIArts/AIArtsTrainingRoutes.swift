import AIArtsEngine
import Foundation
import Hummingbird

/// `/ai_arts/api/trainings`: tasks (docs/tasks.md) — list, detail, log, create (and start), stop,
/// delete; the metrics routes are in AIArtsMetricsRoutes.swift.
enum AIArtsTrainingRoutes {
    static let code = AIArtsDetail.unknownTraining

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        // ?project=P0001&state=running: the task list's stored summaries, so 200 tasks answer at once.
        group.get { request, context in
            _ = try context.require(.read)
            let query = request.queryParameters
            let project = try query["project"].flatMap { $0.isEmpty ? nil : $0 }.map { try $0.aiartsID("P", code: AIArtsDetail.unknownProject, what: "project") }
            let states = query["state"].map { Set($0.split(separator: ",").map(String.init)) }
            if let states, let bad = states.first(where: { TaskStatus(rawValue: $0) == nil }) {
                throw APIError.badRequest("state \(bad.prefix(40)) is not one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try await AIArtsOut.cachedList(environment, key: "trainings\u{0}\(project ?? "")\u{0}\(query["state"] ?? "")") {
                var items = try await environment.engine { try $0.taskStatuses(projectID: project) }
                if let states { items = items.filter { states.contains($0.state) } }
                return TrainingList(items: items, total: items.count)
            }
        }

        group.get("{id}") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "T", code: code, what: "training")
            return AIArtsOut.ok(try await detail(id, environment))
        }

        // ?offset=BYTES&limit=BYTES pages forward; ?tail=LINES gives the end.
        group.get("{id}/log") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "T", code: code, what: "training")
            let query = request.queryParameters
            let params: [String: Any] = query
            let offset = try params.optionalInt("offset").map(Int64.init)
            let tail = try params.optionalInt("tail")
            let limit = min(try params.optionalInt("limit") ?? (256 << 10), 4 << 20)
            if offset != nil && tail != nil { throw APIError.badRequest("give offset or tail, not both") }
            let page = try await environment.engine(notFound: code) {
                try $0.taskLogPage(id, offset: offset, tail: offset == nil ? (tail ?? 100) : nil, limit: limit)
            }
            return try AIArtsOut.ok(encoding: page)
        }

        // JSON: {"project_id", "trainer"?: "aiarts-train"|"builtin"|"torch"|"command", "name"?, "description"?,
        //        "params"?: {key: value}, "from_task"?, "from_epoch"?, "start"?: true}
        group.post { request, context in
            let user = try context.require(.train)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let project = try body.string("project_id").aiartsID("P", code: AIArtsDetail.unknownProject, what: "project")
            let trainerName = try body.optionalString("trainer") ?? "aiarts-train"
            guard let trainer = trainerName == "builtin" ? .aiartsTrain : TaskTrainer(rawValue: trainerName) else {
                throw APIError.badRequest("trainer must be one of builtin, \(TaskTrainer.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var params: [String: String] = [:]
            if let raw = body["params"], !(raw is NSNull) {
                guard let object = raw as? [String: Any] else { throw APIError.badRequest("params must be an object of key: value") }
                for (key, value) in object {
                    switch value {
                    case let text as String: params[key] = text
                    case let number as NSNumber where !(value is Bool): params[key] = number.stringValue
                    case let flag as Bool: params[key] = flag ? "true" : "false"
                    default: throw APIError.badRequest("params.\(key.prefix(40)) must be a string or a number")
                    }
                }
            }
            let fromTask = try body.optionalString("from_task").map { try $0.aiartsID("T", code: code, what: "training") }
            let fromEpoch = try body.optionalInt("from_epoch")
            // A command or a startup file runs as the server's user: only an admin may give one over HTTP.
            if (trainer == .command || params["command"] != nil || params["startup_file"] != nil), user.role != .admin {
                throw APIError(.forbidden, "a command or startup_file runs a program on the server: only an admin may create such a training over HTTP")
            }
            let start = try body.optionalBool("start") ?? true
            let spec = TaskSpec(projectID: project, origin: fromTask.map { .derived(from: $0, epoch: fromEpoch) } ?? .trainer(trainer),
                                name: try body.optionalString("name"), description: try body.optionalString("description") ?? "",
                                params: params, baseDirectory: nil)
            let id = try await environment.engine { workspace -> String in
                let record = try workspace.createTask(spec)
                if start {
                    do { try workspace.startTask(record.id, worker: .thisExecutable) } catch {
                        // Created but not started: the answer says why; the task stays to be fixed and started.
                        throw APIError(.unprocessableContent, "\(record.id) was created but could not start: \(AIArtsError.plain(error))")
                    }
                }
                return record.id
            }
            return AIArtsOut.ok(try await detail(id, environment), status: .created)
        }

        group.post("{id}/stop") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "T", code: code, what: "training")
            _ = try await environment.engine(notFound: code) { try $0.stopTask(id) }
            return AIArtsOut.ok(try await detail(id, environment))
        }

        // ?force=1 stops a running task first.
        group.delete("{id}") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "T", code: code, what: "training")
            let params: [String: Any] = request.queryParameters
            let force = try params.optionalBool("force") ?? false
            let removal = try await environment.engine(notFound: code) { try $0.deleteTask(id, force: force) }
            return try AIArtsOut.ok(encoding: removal)
        }

        AIArtsMetricsRoutes.register(on: group, environment: environment)
    }

    struct TrainingList: Encodable, Sendable {
        var items: [TaskStatusReport]
        var total: Int
    }

    /// A training's status report (progress, process, times) with its description, parameters and folder.
    static func detail(_ id: String, _ environment: ServerEnvironment) async throws -> [String: Any] {
        let (status, detail) = try await environment.engine(notFound: code) { workspace in
            (try workspace.taskStatus(id), try workspace.taskDetail(id))
        }
        var object = try AIArtsOut.object(status) as? [String: Any] ?? [:]
        object["description"] = detail.task.description
        object["params"] = detail.params
        object["folder"] = detail.folder
        object["created_at"] = ISO8601DateFormatter().string(from: detail.task.createdAt)
        return object
    }
}

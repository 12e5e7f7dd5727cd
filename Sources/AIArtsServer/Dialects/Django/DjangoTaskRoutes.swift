import AIArtsEngine
import Foundation
import Hummingbird

/// Stopping a run (`/generation/run/stop/`) and a training's results (`/runtime/train/{name}/`) over
/// the workspace's tasks. A task is named by its id (T0001) or its name (the newest task of that name).
enum DjangoTaskRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        router.djangoGroup("generation").post("run/stop/") { request, context in try await stop(request, context, environment) }
        router.djangoGroup("runtime").get("train/{name}/") { _, context in try await results(context, environment) }
    }

    /// The task a client's name means: an id, else the newest task with that name.
    static func resolve(_ name: String, in workspace: Workspace) throws -> TaskRecord {
        if RecordKind.of(id: name.uppercased()) == .task, let record = try? workspace.task(name.uppercased()) { return record }
        guard let record = try workspace.tasks().filter({ $0.name == name }).max(by: { $0.createdAt < $1.createdAt }) else {
            throw AIArtsError(.notFound, "no task with id or name \(name.prefix(200)) (aiarts task list)")
        }
        return record
    }

    static func stop(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.train)
        let body = try await DjangoOut.parameters(request, environment: environment)
        guard let name = try ["task_id", "id", "name", "modelname"].lazy.compactMap({ try body.optionalString($0) }).first(where: { !$0.isEmpty }) else {
            return DjangoOut.fieldErrors(["task_id": ["This field is required: the id (T0001) or name of the task to stop."]])
        }
        let record = try await environment.engine { workspace in
            let task = try resolve(name, in: workspace)
            return try workspace.stopTask(task.id)
        }
        return JSONOut.response(["result": "success", "task_id": record.id, "status": record.status, "message": record.statusMessage])
    }

    /// Candidate series for the platform's `accuracy`, in order of preference.
    static let accuracySeries = ["eval/accuracy", "eval/acc", "eval/top1", "eval/acc1", "accuracy", "acc", "train/accuracy", "train/acc"]

    /// The document's shape: `every_result` (each point's accuracy, the seconds since the previous
    /// point and the step, all as strings with six decimals) and `final_accuracy` (the last value,
    /// null when the task has no accuracy series). `metric` names the series used; `series` lists all.
    static func results(_ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.read)
        guard let name = context.parameters.get("name"), !name.isEmpty else { throw APIError.notFound("name a task: /runtime/train/T0001/") }
        let decoded = name.removingPercentEncoding ?? name
        let (record, table) = try await environment.engine { workspace in
            let task = try resolve(decoded, in: workspace)
            return (task, try workspace.taskMetricTable(task.id).table)
        }
        let names = table.names
        let chosen = accuracySeries.first { names.contains($0) }
            ?? names.sorted().first { $0.lowercased().contains("acc") }
        var every: [[String: Any]] = []
        var final: Any = NSNull()
        if let chosen, let column = table[chosen] {
            var previousTime: Double?
            for i in 0..<column.count {
                let point = column.point(at: i)
                let time = column.time(at: i)
                let duration = (time != nil && previousTime != nil) ? max(0, time! - previousTime!) : 0
                if let time { previousTime = time }
                every.append([
                    "accuracy": String(format: "%.6f", point.value),
                    "duration": String(format: "%.6f", duration),
                    "step": String(column.step(at: i) ?? i),
                ])
            }
            if let last = column.values.last, last.isFinite { final = last }
        }
        return JSONOut.response([
            "every_result": every, "final_accuracy": final, "task_id": record.id, "status": record.status,
            "metric": chosen.map { $0 as Any } ?? NSNull(), "series": names.sorted(),
        ])
    }
}

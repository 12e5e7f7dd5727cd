import AIArtsEngine
import Foundation
import Hummingbird

/// /project/task/train (start, stop, resume), /project/task/metrics, /project/task/vdl.
enum PaddleXTrainingRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        // Asynchronous: the trainer runs as its own process; GET /project/task (task_status) or
        // /project/task/metrics follows it.
        group.post("project/task/train") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            if parameters["eval_metric_loss"] != nil, !(parameters["eval_metric_loss"] is NSNull) {
                throw APIError.badRequest("eval_metric_loss: aiarts makes a pruned task with `aiarts task create P --from T --prune-from-analysis MAX_DROP`, not by training; leave it out")
            }
            return try await PaddleXRoutes.respond(environment) { workspace in
                let start = try workspace.startTask(tid, worker: .thisExecutable)
                return answer(start.record)
            }
        }

        group.put("project/task/train") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let act = try parameters.string("act")
            let epoch = try parameters.optionalInt("epoch")
            guard act == "stop" || act == "resume" else { throw APIError.badRequest("act must be stop or resume, not '\(act)'") }
            return try await PaddleXRoutes.respond(environment) { workspace in
                if act == "stop" { return answer(try workspace.stopTask(tid)) }
                return answer(try workspace.resumeTask(tid, epoch: epoch, worker: .thisExecutable).record)
            }
        }

        group.get("project/task/metrics") { request, context in
            _ = try context.require(.read)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let type = try parameters.optionalString("type") ?? "train"
            switch type {
            case "train":
                return try await PaddleXRoutes.respond(environment) { workspace in
                    try workspace.refreshTasks()
                    let record = try workspace.task(tid)
                    var log = try PaddleXRoutes.foundation(encoding: workspace.taskMetrics(tid)) as? [String: Any] ?? [:]
                    log["task_status"] = PaddleX.taskStatus(record.status).rawValue
                    log["message"] = record.statusMessage
                    return ["train_log": log]
                }
            case "eval":
                return try await PaddleXRoutes.respond(environment) { workspace in
                    guard let evaluation = try workspace.latestEvaluation(tid) else {
                        throw APIError.notFound("\(tid) has not been evaluated; POST /paddlex/project/task/evaluate first")
                    }
                    return ["eval_metrics": try PaddleXRoutes.foundation(encoding: evaluation)]
                }
            case "sensitivities":
                return try await PaddleXRoutes.respond(environment) { workspace in
                    guard let analysis = try workspace.pruneAnalysis(tid) else {
                        throw APIError.notFound("\(tid) has no sensitivity analysis; start one with POST /paddlex/project/task/prune")
                    }
                    return ["sensitivities_loss_img": try PaddleXRoutes.foundation(encoding: analysis)]
                }
            case "prune":
                return try await PaddleXRoutes.respond(environment) { workspace in
                    guard let report = try workspace.prunedTaskReport(tid) else {
                        throw APIError.notFound("\(tid) is not a pruned task (`aiarts task create P --from T --prune RATIO` makes one)")
                    }
                    return ["prune_log": try PaddleXRoutes.foundation(encoding: report)]
                }
            default:
                throw APIError.badRequest("type must be train, eval, sensitivities or prune, not '\(type)'")
            }
        }

        // There is no VisualDL in aiarts: the task is looked up, then the answer says where its
        // curves are instead.
        group.get("project/task/vdl") { request, context -> Response in
            _ = try context.require(.read)
            let tid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "tid", kind: .task)
            _ = try await environment.engine { try $0.task(tid) }
            throw APIError(.unprocessableContent, "aiarts runs no VisualDL: read \(tid)'s curves with GET /paddlex/project/task/metrics (type train), `aiarts task metrics \(tid)` or the terminal UI")
        }
    }

    static func answer(_ record: TaskRecord) -> [String: Any] {
        ["tid": record.id, "task_status": PaddleX.taskStatus(record.status).rawValue, "message": record.statusMessage]
    }
}

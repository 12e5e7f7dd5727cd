import AIArtsEngine
import Foundation
import Hummingbird

/// /project/task/prune: PaddleX's sensitivity analysis (docs/pruning.md). POST starts it (a detached
/// `aiarts_prune.py analyze`, the same as `aiarts task prune T --analyze`), GET says how it stands
/// (prune_status, PaddleX's PruneStatus) with its result once done, PUT act=stop stops it.
enum PaddleXPruneRoutes {
    /// PruneStatus (data_struct.md): Enum(..., start=0).
    enum PruneStatus: Int, CaseIterable {
        case xsPruneStart = 0, xsPruneIng, xsPruneDone, xsPruneFail, xsPruneExit
    }

    static func pruneStatus(_ state: PruneAnalysisStatus.State) -> PruneStatus? {
        switch state {
        case .none: nil
        case .running: .xsPruneIng
        case .done: .xsPruneDone
        case .failed: .xsPruneFail
        case .stopped: .xsPruneExit
        }
    }

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.post("project/task/prune") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let ratios = try self.ratios(parameters)
            let epoch = try parameters.optionalInt("epoch")
            return try await PaddleXRoutes.respond(environment) { workspace in
                answer(try workspace.startPruneAnalysis(tid, ratios: ratios, epoch: epoch), workspace: workspace)
            }
        }

        group.get("project/task/prune") { request, context in
            _ = try context.require(.read)
            let tid = try PaddleXRoutes.id(try await PaddleXRoutes.parameters(request, environment), "tid", kind: .task)
            return try await PaddleXRoutes.respond(environment) { workspace in
                let status = try workspace.pruneAnalysisStatus(tid)
                guard status.state != .none else {
                    throw APIError.notFound("\(tid) has no pruning analysis; start one with POST /paddlex/project/task/prune")
                }
                return answer(status, workspace: workspace)
            }
        }

        group.put("project/task/prune") { request, context in
            _ = try context.require(.train)
            let parameters = try await PaddleXRoutes.parameters(request, environment)
            let tid = try PaddleXRoutes.id(parameters, "tid", kind: .task)
            let act = try parameters.string("act")
            guard act == "stop" else { throw APIError.badRequest("act must be stop (the only change an analysis takes), not '\(act)'") }
            return try await PaddleXRoutes.respond(environment) { workspace in
                answer(try workspace.stopPruneAnalysis(tid), workspace: workspace)
            }
        }
    }

    /// `ratios`: a list of numbers or "0.1,0.2" (an aiarts addition; PaddleX always tries 0.1 … 0.9).
    static func ratios(_ parameters: [String: Any]) throws -> [Double] {
        switch parameters["ratios"] {
        case nil, is NSNull: return PruneRatios.analysisDefault
        case let text as String: return try PruneRatios.parseList(text)
        case let list as [Any]:
            let texts = try list.map { item -> String in
                guard let number = item as? NSNumber, !(item is Bool) else { throw APIError.badRequest("ratios must be numbers, e.g. [0.1, 0.5]") }
                return number.stringValue
            }
            return try PruneRatios.parseList(texts.joined(separator: ","))
        default: throw APIError.badRequest("ratios must be a list of numbers or text like 0.1,0.5")
        }
    }

    static func answer(_ status: PruneAnalysisStatus, workspace: Workspace) -> [String: Any] {
        var object: [String: Any] = ["tid": status.task, "message": status.message,
                                     "prune_status": pruneStatus(status.state)?.rawValue ?? NSNull()]
        if let done = status.done, let total = status.total { object["progress"] = ["done": done, "total": total] }
        if let ratios = status.ratios { object["ratios"] = ratios }
        if status.state == .done, let analysis = try? workspace.pruneAnalysis(status.task),
           let value = try? PaddleXRoutes.foundation(encoding: analysis) {
            object["sensitivities"] = value
        }
        return object
    }
}

import AIArtsEngine
import Foundation
import Hummingbird

/// `/generation/run/pause/` (docs/api.md, "Django"): pauses a run, or continues it. The body is the
/// stop route's (`task_id`, `id`, `name` or `modelname`: the task's id or name); `"resume": true`,
/// `"continue": true` or `"action": "continue"` (also `"resume"`) continues a paused task. Pausing a
/// paused task answers as the first pause did (a client's retry is harmless); anything but a running
/// or paused task is a conflict with the engine's one-line reason.
enum DjangoPauseRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        router.djangoGroup("generation").post("run/pause/") { request, context in try await pause(request, context, environment) }
    }

    static func pause(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        _ = try context.require(.train)
        let body = try await DjangoOut.parameters(request, environment: environment)
        guard let name = try ["task_id", "id", "name", "modelname"].lazy.compactMap({ try body.optionalString($0) }).first(where: { !$0.isEmpty }) else {
            return DjangoOut.fieldErrors(["task_id": ["This field is required: the id (T0001) or name of the task to pause."]])
        }
        let action = try body.optionalString("action")?.lowercased()
        if let action, !["pause", "continue", "resume"].contains(action) {
            return DjangoOut.fieldErrors(["action": ["Give pause, or continue (resume) to continue a paused task."]])
        }
        let continuing = try body.optionalBool("resume") == true || body.optionalBool("continue") == true
            || action == "continue" || action == "resume"
        let (record, note) = try await environment.engine { workspace -> (TaskRecord, String?) in
            let task = try DjangoTaskRoutes.resolve(name, in: workspace)
            let record: TaskRecord
            if continuing {
                record = try workspace.continueTask(task.id)
            } else {
                try workspace.refreshTasks()
                let current = try workspace.task(task.id)
                record = current.taskStatus == .paused ? current : try workspace.pauseTask(task.id)
            }
            return (record, workspace.pausedNote(record))
        }
        let answer: [String: Any] = ["result": "success", "task_id": record.id, "status": record.status,
                                     "message": record.statusMessage, "note": note.map { $0 as Any } ?? NSNull()]
        return JSONOut.response(answer)
    }
}

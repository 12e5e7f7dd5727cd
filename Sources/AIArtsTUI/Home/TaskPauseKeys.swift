import AIArtsEngine
import AIArtsRender
import Foundation

/// Pausing from the UI (docs/tasks.md, "Pausing"): one key pauses a running task and continues a
/// paused one, on the Tasks pane and the task screen; a paused task says what it holds.
extension TaskRow {
    /// What the pause key does to this task: pause it, continue it, or say why neither.
    static func pauseEffects(_ task: TaskRow) -> [HomeEffect] {
        switch task.state {
        case "running": return [.notice(Notice(text: "pausing \(task.id)…", isError: false)), .task(.pause, task.id)]
        case "paused": return [.notice(Notice(text: "continuing \(task.id)…", isError: false)), .task(.continue, task.id)]
        default: return [.notice(Notice(text: "\(task.id) is \(task.state): only a running task can be paused", isError: true))]
        }
    }

    /// "paused — GPU memory stays held (N MiB on GPU 0)" from the GPU pane's last read of the
    /// task's processes (the engine's wording); nil unless paused.
    func pausedNote(gpus: GPUPaneData?) -> String? {
        guard state == "paused" else { return nil }
        var mib: [Int: UInt64] = [:]
        for p in gpus?.processes ?? [] where p.task == id {
            if let memory = p.memory { mib[p.gpu, default: 0] += memory }
        }
        let held = mib.keys.sorted().map { (gpu: $0, mib: Int((mib[$0]! + (1 << 20) - 1) >> 20)) }
        return Sanitize.line(Workspace.pausedNote(held: held, assignedGPUs: self.gpus ?? ""))
    }

}

import AIArtsEngine
import AIArtsRender

/// The GPU screen: how its processes are sorted and which is selected.
struct GPUScreenState: Equatable, Sendable {
    var sort = GPUSort.memory
    var processes = ListCursor()

    /// What an action does on the GPU screen; nil for those it leaves to the app.
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        let count = home.gpus?.processes.count ?? 0, visible = max(1, home.size.height - 8)
        switch action {
        case .moveUp: processes.move(by: -1, count: count, visible: visible)
        case .moveDown: processes.move(by: 1, count: count, visible: visible)
        case .sort:
            sort = sort.next
            processes = ListCursor()
        case .openTask:
            let shown = sort.sorted(home.gpus?.processes ?? [])
            guard processes.selected < shown.count else { return [] }
            let process = shown[processes.selected]
            guard let id = process.task, home.data?.tasks.contains(where: { $0.id == id }) == true else {
                return [.notice(Notice(text: "pid \(process.pid) is not an aiarts task's", isError: true))]
            }
            return [.selectTask(id)]
        default: return nil
        }
        return []
    }
}

/// How the GPU screen orders processes.
public enum GPUSort: String, CaseIterable, Sendable {
    case memory, gpu, pid, task

    var next: GPUSort { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }

    func sorted(_ processes: [GPUPaneData.Process]) -> [GPUPaneData.Process] {
        processes.sorted { a, b in
            switch self {
            case .memory: (a.memory ?? 0, b.pid) > (b.memory ?? 0, a.pid)
            case .gpu: (a.gpu, a.pid) < (b.gpu, b.pid)
            case .pid: a.pid < b.pid
            // Tasks first, by id; then the rest by pid.
            case .task: (a.task == nil ? 1 : 0, a.task ?? "", a.pid) < (b.task == nil ? 1 : 0, b.task ?? "", b.pid)
            }
        }
    }
}

/// The full GPU screen: every GPU with a longer utilisation history, then every process of every GPU
/// in a table sorted as the user chose, with the task that owns it; Enter goes to that task.
struct GPUScreen: Widget {
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let block = theme.block("GPUs · sorted by \((state.gpuScreen?.sort ?? .memory).rawValue)", focused: true, ascii: state.ascii)
        buffer.render(block, in: area)
        var inner = block.inner(area)
        if let cluster = state.gpus?.cluster {
            // The Slurm cluster takes the lower part (ClusterPane.swift); this machine keeps the top.
            let local = state.gpus?.devices.isEmpty == false ? max(3, inner.height * 2 / 5) : 1
            let clusterArea = Rect(x: inner.x, y: inner.y + local + 1, width: inner.width, height: max(0, inner.height - local - 1))
            ClusterPane(data: cluster, theme: theme, compact: false).render(in: clusterArea, buffer: &buffer)
            inner.height = min(inner.height, local)
        }
        guard let data = state.gpus, !data.devices.isEmpty else {
            buffer.set(x: inner.x, y: inner.y, string: state.gpus?.reason ?? "reading…", style: theme.muted, maxWidth: inner.width)
            return
        }
        // The summary lines of the pane, as wide as the screen (the sparkline gets the room).
        var summary = state
        summary.gpus?.devices = data.devices.map { var d = $0; d.processes = []; return d }
        let rows = min(data.devices.count, max(1, inner.height / 2))
        GPUPane(state: summary, framed: false).render(in: Rect(x: inner.x, y: inner.y, width: inner.width, height: rows), buffer: &buffer)
        let processes = state.sortedGPUProcesses
        let table = Table(
            header: ["GPU", "PID", "TASK", "MEMORY", "USER / COMMAND"],
            rows: processes.map { [String($0.gpu), String($0.pid), $0.task ?? "-", $0.memory.map(GPUPane.gib) ?? "n/a", $0.owner] },
            widths: [.fixed(3), .fixed(8), .fixed(6), .fixed(7), .fill(1)],
            alignments: [.right, .right, .left, .right, .left],
            selected: processes.isEmpty ? nil : state.gpuScreen?.processes.selected ?? 0, offset: state.gpuScreen?.processes.offset ?? 0,
            headerStyle: theme.columnHeader, selectedStyle: theme.selection, emptyText: "no processes on the GPUs")
        buffer.render(table, in: Rect(x: inner.x, y: inner.y + rows + 1, width: inner.width, height: max(0, inner.height - rows - 1)))
    }
}

import Foundation
import AIArtsRender

/// Training tasks of every project: state, progress, and why it failed or what it waits for.
struct TasksPane: Widget {
    var state: HomeState

    static func progressText(_ row: TaskRow) -> String {
        guard let epoch = row.epoch else { return row.state == "created" ? "" : "-" }
        let e = epoch == epoch.rounded() ? String(Int(epoch)) : String(format: "%.1f", epoch)
        return e + (row.epochs.map { "/\($0)" } ?? "")
    }

    /// The task keys of the Tasks pane, on its selected task.
    static func update(_ action: Action, task: TaskRow, panes: inout HomePanes) -> [HomeEffect] {
        switch action {
        case .startTask: return [.task(.start, task.id)]
        case .stopTask:
            guard task.isActive || task.state == "created" else { return [] }
            return [.ask(Question(text: "Stop \(task.id) \(task.name)?", onYes: .stopTask(task.id)))]
        case .pauseTask: return TaskRow.pauseEffects(task)
        case .compareTask:
            if let i = panes.compared.firstIndex(of: task.id) {
                panes.compared.remove(at: i)
                return [.compare(task.id, watching: false)]
            }
            panes.compared.append(task.id)
            return [.compare(task.id, watching: true)]
        default: return []
        }
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let focused = state.home.focus == .tasks
        let theme = state.theme
        let block = theme.block("Tasks" + DatasetsPane.filterTitle(state, .tasks), focused: focused, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        // Only the rows on screen are made into text: a workspace of thousands of tasks costs a frame
        // what a screenful does.
        let all = state.visibleTasks
        let height = max(0, inner.height - 1)
        let first = Table.scrollOffset(selected: all.isEmpty ? nil : state.home.tasks.selected, offset: state.home.tasks.offset,
                                       visible: height, count: all.count)
        let rows = all[first..<min(all.count, first + height)]
        // EPOCH grows to fit "1200/1500" (up to 11 columns) and keeps 7 for short ones.
        let epochWidth = min(11, max(7, rows.map { DisplayWidth.of(Self.progressText($0)) + 1 }.max() ?? 7))
        let now = state.data?.readAt ?? Date()
        // TIME (elapsed, +ETA) gets its own column where there is room; on a narrow pane a running
        // task's time leads its message instead.
        let wide = inner.width >= 60
        let message = { (row: TaskRow) -> String in
            let time = wide || !row.isActive ? "" : row.timeText(now: now)
            // A paused task says what it holds: "paused — GPU memory stays held (N MiB on GPU 0)".
            let text = row.pausedNote(gpus: state.gpus) ?? row.message
            guard !time.isEmpty else { return text }
            return time + (text.isEmpty || text == row.state ? "" : " · " + text)
        }
        let table = Table(
            header: ["ID", "NAME", "PROJ", "STATE", "EPOCH"] + (wide ? ["TIME"] : []) + ["MESSAGE"],
            rows: rows.map { [$0.id, (state.home.compared.contains($0.id) ? (state.ascii ? "* " : "◆ ") : "") + $0.name, $0.project, $0.state,
                              Self.progressText($0)] + (wide ? [$0.timeText(now: now)] : []) + [message($0)] },
            widths: [.fixed(5), .fill(1), .fixed(5), .fixed(11), .fixed(epochWidth)] + (wide ? [.fixed(9)] : []) + [.fill(2)],
            selected: all.isEmpty ? nil : state.home.tasks.selected - first, offset: 0,
            headerStyle: theme.columnHeader,
            selectedStyle: focused ? theme.selection : theme.quietSelection,
            emptyText: state.data == nil ? "" : state.home.filters[.tasks]?.isEmpty == false ? "no task matches" : "no tasks yet: aiarts task create P0001")
        buffer.render(table, in: inner)
    }
}

import AIArtsEngine
import AIArtsRender
import Foundation

/// What the Home view does with keys typed into its inputs (the command line, forms, the `/` filter,
/// the log search) and with the mouse.
extension HomeApp {
    /// The command line takes every key: characters, Backspace, Tab (complete), Enter (run), Esc.
    mutating func typeCommand(_ key: Key) -> [Command<HomeMessage>] {
        guard var text = state.commandLine else { return [] }
        switch key {
        case .char(let c): text.append(c)
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .tab: text = CommandLineInput.complete(text, state: state)
        case .esc, .interrupt:
            state.commandLine = nil
            return []
        case .enter:
            state.commandLine = nil
            return run(CommandLineInput.parse(text))
        default: break
        }
        state.commandLine = text
        return []
    }

    /// A click focuses the pane under it and selects the row clicked; the wheel moves the selection
    /// (scrolls the log on the task screen) by three rows. Overlays take no mouse.
    mutating func mouse(x: Int, y: Int, _ kind: Key.MouseKind) -> [Command<HomeMessage>] {
        guard state.question == nil, !state.showHelp, state.commandLine == nil, state.review == nil else { return [] }
        let wheel = kind == .wheelUp ? -3 : kind == .wheelDown ? 3 : 0
        if state.openTaskID != nil || state.openDatasetID != nil || state.showGPUs {
            if wheel != 0 { return perform(wheel < 0 ? .moveUp : .moveDown) + perform(wheel < 0 ? .moveUp : .moveDown) + perform(wheel < 0 ? .moveUp : .moveDown) }
            return []
        }
        let layout = HomeLayout(size: state.size)
        let panes: [(HomePane, Rect)] = [(HomePane.datasets, layout.datasets), (HomePane.detail, layout.detail), (HomePane.tasks, layout.tasks)]
        guard let (pane, rect) = panes.first(where: { $0.1.contains(x: x, y: y) }) else { return [] }
        state.focus = pane
        if wheel != 0 {
            move(wheel)
        } else if pane != .detail {
            // Rows start under the border and the column header.
            let cursor = pane == .datasets ? state.datasets : state.tasks
            let row = y - rect.y - 2
            if row >= 0 { move(cursor.offset + row - cursor.selected) }
        }
        if selectionMoved, let task = state.selectedTask {
            selectionMoved = false
            return [curvesCommand(task)]
        }
        return []
    }

    /// The new-task form takes every key: fields, choices, text; Enter creates the task, Esc leaves
    /// (asking first when something was typed).
    mutating func typeForm(_ key: Key) -> [Command<HomeMessage>] {
        guard var form = state.taskForm else { return [] }
        if key == .esc || key == .interrupt {
            if form.edited {
                state.question = Question(text: "Discard the new task?", onYes: .discardForm)
            } else {
                state.taskForm = nil
            }
            return []
        }
        let submit = form.type(key)
        state.taskForm = form
        guard submit, form.projects.indices.contains(form.project) else { return [] }
        // The form closes when the task exists (`.taskCreated`), not before: a refusal keeps it.
        let create = actions.create, project = form.projects[form.project].id, trainer = form.trainer, name = form.name, params = form.parsedParams
        return [.perform { .taskCreated(create(project, trainer, name, params)) }]
    }

    /// A dataset or project form: Enter creates (and for a dataset with a path, starts its import);
    /// Esc leaves, asking first when something was typed.
    mutating func typeFieldForm(_ key: Key) -> [Command<HomeMessage>] {
        guard var form = state.fieldForm else { return [] }
        if key == .esc || key == .interrupt {
            if form.edited { state.question = Question(text: "Discard the \(form.title.lowercased())?", onYes: .discardForm) } else { state.fieldForm = nil }
            return []
        }
        let submit = form.type(key)
        state.fieldForm = form
        guard submit else { return [] }
        if let missing = form.missingField {
            state.notice = Notice(text: "\(missing) is needed", isError: true)
            return []
        }
        state.fieldForm = nil
        if case .attributes(let task, let sample, _) = form.kind {
            let changed = form.changedAttributes
            return changed.isEmpty ? [] : saveAttributes(taskID: task, sampleID: sample, changed)
        }
        if case .params(let id) = form.kind {
            let changed = form.changedParams(from: state.taskScreen?.taskID == id ? state.taskScreen?.params ?? [] : [])
            guard !changed.isEmpty else { return [] }
            let set = actions.setParams
            return [.perform { .done(set(id, changed)) }]
        }
        let run = actions.workspaceCommand, commands = form.commands(), source = form.importSource
        return [.perform {
            var notice = run(commands[0])
            // "D0003 created": import into it when a path was given.
            if !notice.isError, let source, let id = notice.text.split(separator: " ").first {
                notice = run(["dataset", "import", String(id), source.path, source.format])
            }
            return .done(notice)
        }]
    }

    /// The `/` filter takes every key while typed: characters narrow the focused list at once,
    /// Backspace widens it, Enter keeps it, Esc clears it.
    mutating func typeFilter(_ key: Key) -> [Command<HomeMessage>] {
        let pane = state.focus
        let before = pane == .tasks ? state.selectedTask?.id : state.selectedDataset?.id
        var text = state.filters[pane] ?? ""
        switch key {
        case .char(let c): text.append(c)
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .enter:
            state.filterTyping = false
            if text.isEmpty { state.filters[pane] = nil }
            return []
        case .esc, .interrupt:
            state.filterTyping = false
            text = ""
        default: return []
        }
        state.filters[pane] = text.isEmpty && !state.filterTyping ? nil : text
        if pane == .tasks { state.tasks = ListCursor() } else { state.datasets = ListCursor(); state.labels = ListCursor() }
        clampCursors()
        if pane == .tasks, let task = state.selectedTask, task.id != before { return [curvesCommand(task)] }
        return []
    }

    /// Carries out a command line.
    mutating func run(_ request: CommandLineInput.Request?) -> [Command<HomeMessage>] {
        guard let request else { return [] }
        let actions = self.actions
        switch request {
        case .action(let action): return perform(action)
        case .startTask(let id): return [.perform { .done(actions.start(id)) }]
        case .resumeTask(let id): return [.perform { .done(actions.resume(id)) }]
        case .workspace(let words): return [.perform { .done(actions.workspaceCommand(words)) }]
        case .stopTask(let id):
            state.question = Question(text: "Stop \(Sanitize.line(id))?", onYes: .stopTask(id))
        case .open(let id):
            state.review = nil
            state.showGPUs = false
            state.openTaskID = nil
            state.openDatasetID = nil
            state.filters = [:]
            if let i = state.data?.datasets.firstIndex(where: { $0.id == id }) {
                state.focus = .datasets
                state.datasets.selected = i
                clampCursors()
                return perform(.open)
            }
            if let i = state.data?.tasks.firstIndex(where: { $0.id == id }) {
                state.focus = .tasks
                state.tasks.selected = i
                clampCursors()
                return perform(.open)
            }
            state.notice = Notice(text: "no dataset or task \(Sanitize.line(id))", isError: true)
        case .review(let request): return openReview(request)
        case .axis(let axis): state.curveOptions.axis = axis
        case .smoothing(let weight): state.curveOptions.smoothing = weight
        case .error(let text): state.notice = Notice(text: text, isError: true)
        }
        return []
    }

    /// A search being typed takes every key: characters, Backspace, Enter (search), Esc (cancel).
    mutating func typeSearch(_ key: Key) {
        guard var text = state.logView.typing else { return }
        switch key {
        case .char(let c): text.append(c)
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .esc, .interrupt:
            state.logView.typing = nil
            return
        case .enter:
            state.logView.typing = nil
            state.logView.query = text
            jumpToMatch()
            return
        default: break
        }
        state.logView.typing = text
    }

    mutating func jumpToMatch() {
        guard let query = state.logView.query, let log = state.taskScreen?.log else { return }
        if let at = TaskScreen.nextMatch(log, query: query, fromEnd: state.logView.fromEnd, height: logHeight) {
            state.logView.fromEnd = at
        } else {
            state.notice = Notice(text: "not found: \(Sanitize.line(query))", isError: true)
        }
    }

    /// Rows of the task screen's log, from the same layout the view uses (roughly: the screen less
    /// the header, footer, the info box and borders).
    var logHeight: Int { max(1, state.size.height - 2 - min(12, max(6, (state.size.height - 2) / 3)) - 2) }

    /// Scrolls the log by `delta` lines (up is positive), kept within the log.
    mutating func scrollLog(_ delta: Int) {
        let count = state.taskScreen?.log.count ?? 0
        state.logView.fromEnd = min(max(0, count - logHeight), max(0, state.logView.fromEnd + delta))
    }
}

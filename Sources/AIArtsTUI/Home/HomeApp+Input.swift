import AIArtsEngine
import AIArtsRender
import Foundation

/// What the Home view does with keys typed into its inputs (the command line, forms, the `/` filter)
/// and with the mouse.
extension HomeApp {
    /// The command line takes every key: characters, Backspace, Tab (complete), Enter (run), Esc.
    mutating func typeCommand(_ key: Key) -> [HomeEffect] {
        guard var text = state.commandLine else { return [] }
        switch key {
        case .char(let c): text.append(c)
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .tab:
            let completion = CommandLineInput.complete(text, state: state)
            text = completion.text
            // Several candidates and nothing more in common: they are listed in the footer.
            state.notice = completion.choices.count > 1 && completion.text == text
                ? Notice(text: completion.choices.joined(separator: "  "), isError: false) : nil
        case .esc, .interrupt:
            state.commandLine = nil
            return []
        case .enter:
            state.commandLine = nil
            state.notice = nil
            return run(CommandLineInput.parse(text))
        default: break
        }
        state.commandLine = text
        return []
    }

    /// A click focuses the pane under it and selects the row clicked; the wheel moves the selection
    /// (scrolls the log on the task screen) by three rows. Overlays take no mouse.
    mutating func mouse(x: Int, y: Int, _ kind: Key.MouseKind) -> [HomeEffect] {
        guard state.question == nil, !state.showHelp, state.commandLine == nil else { return [] }
        let wheel = kind == .wheelUp ? -3 : kind == .wheelDown ? 3 : 0
        if case .review? = state.top { return [] }
        if state.top != nil {
            guard wheel != 0 else { return [] }
            return (0..<3).flatMap { _ in perform(wheel < 0 ? .moveUp : .moveDown) }
        }
        let layout = HomeLayout(size: state.size)
        let panes: [(HomePane, Rect)] = [(.datasets, layout.datasets), (.detail, layout.detail), (.tasks, layout.tasks),
                                         (.curves, layout.curves), (.predictions, layout.predictions), (.gpu, layout.gpus)]
        guard let (pane, rect) = panes.first(where: { $0.1.contains(x: x, y: y) }) else { return [] }
        let snapshot = state
        if wheel != 0 {
            state.home.focus = pane
            state.home.move(wheel, in: snapshot)
        } else {
            // Rows start under the border and the column header.
            state.home.click(pane, row: y - rect.y - 2, in: snapshot)
        }
        return []
    }

    /// The new-task form takes every key: fields, choices, text; Enter creates the task, Esc leaves
    /// (asking first when something was typed).
    mutating func typeForm(_ key: Key) -> [HomeEffect] {
        guard var form = state.taskForm else { return [] }
        if key == .esc || key == .interrupt {
            if form.edited { return [.ask(Question(text: "Discard the new task?", onYes: .discardForm))] }
            state.taskForm = nil
            return []
        }
        let submit = form.type(key)
        state.taskForm = form
        guard submit, form.projects.indices.contains(form.project) else { return [] }
        // The form closes when the task exists (`.taskCreated`), not before: a refusal keeps it.
        return [.createTask(TaskDraft(project: form.projects[form.project].id, trainer: form.trainer, name: form.name, params: form.parsedParams))]
    }

    /// A dataset or project form: Enter creates (and for a dataset with a path, starts its import);
    /// Esc leaves, asking first when something was typed.
    mutating func typeFieldForm(_ key: Key) -> [HomeEffect] {
        guard var form = state.fieldForm else { return [] }
        if key == .esc || key == .interrupt {
            if form.edited { return [.ask(Question(text: "Discard the \(form.title.lowercased())?", onYes: .discardForm))] }
            state.fieldForm = nil
            return []
        }
        let submit = form.type(key)
        state.fieldForm = form
        guard submit else { return [] }
        if let missing = form.missingField { return [.notice(Notice(text: "\(missing) is needed", isError: true))] }
        // A new dataset's form stays open until the engine has it (`.datasetCreated`): a refusal keeps what was typed.
        if let request = form.newDataset { return [.createDataset(request)] }
        state.fieldForm = nil
        switch form.kind {
        case .attributes(let task, let sample, _):
            let changed = form.changedAttributes
            return changed.isEmpty ? [] : [.saveAttributes(taskID: task, sampleID: sample, changed)]
        case .params(let id):
            let changed = form.changedParams(from: state.taskScreen?.taskID == id ? state.taskScreen?.data?.params ?? [] : [])
            return changed.isEmpty ? [] : [.setParams(id, changed)]
        default:
            return form.commands().first.map { [.workspace($0)] } ?? []
        }
    }

    /// The `/` filter being typed on Home.
    mutating func typeFilter(_ key: Key) -> [HomeEffect] {
        let snapshot = state
        state.home.typeFilter(key, in: snapshot)
        return []
    }

    /// Carries out a command line.
    mutating func run(_ request: CommandLineInput.Request?) -> [HomeEffect] {
        guard let request else { return [] }
        switch request {
        case .action(let action): return perform(action)
        case .task(let verb, let id):
            if verb == .stop { return [.ask(Question(text: "Stop \(Sanitize.line(id))?", onYes: .stopTask(id)))] }
            return [.task(verb, id)]
        case .createTask(let draft): return [.createTask(draft)]
        case .workspace(let words): return [.workspace(words)]
        case .open(let id):
            // Home, with the dataset or task selected, then its screen.
            state.home.filters = [:]
            if let i = state.data?.datasets.firstIndex(where: { $0.id == id }) {
                state.home.focus = .datasets
                state.home.datasets.selected = i
            } else if let i = state.data?.tasks.firstIndex(where: { $0.id == id }) {
                state.home.focus = .tasks
                state.home.tasks.selected = i
            } else {
                return [.notice(Notice(text: "no dataset or task \(Sanitize.line(id))", isError: true))]
            }
            state.screens = []
            clampCursors()
            return perform(.open)
        case .review(let request): return [.openReview(request)]
        case .axis(let axis):
            state.curveOptions.axis = axis
            state.curveOptions.window = nil
            prepareCurves()
        case .smoothing(let weight):
            state.curveOptions.smoothing = weight
            prepareCurves()
        case .error(let text): return [.notice(Notice(text: text, isError: true))]
        }
        return []
    }
}

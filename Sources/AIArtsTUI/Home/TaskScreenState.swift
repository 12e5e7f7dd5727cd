import AIArtsRender

/// The task screen: which task, what was read of it, where its log is scrolled, its last evaluation.
struct TaskScreenState: Equatable, Sendable {
    var taskID: String
    /// Parameters, checkpoints and log (nil until read).
    var data: TaskScreenData?
    var log = LogView()
    /// The last evaluation run from this screen, and whether one is running.
    var evaluation: EvaluationView?
    var evaluating = false

    init(taskID: String) { self.taskID = taskID }

    /// What an action does on the task screen; nil for those it leaves to the app (curves, help, quit).
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        let height = Self.logHeight(home.size)
        switch action {
        // Up scrolls back into the log; down towards its end. Home/End: top, and follow.
        case .moveUp: scroll(1, height: height)
        case .moveDown: scroll(-1, height: height)
        case .pageUp: scroll(max(1, height - 1), height: height)
        case .pageDown: scroll(-max(1, height - 1), height: height)
        case .first: scroll(Int.max / 4, height: height)
        case .last: scroll(-Int.max / 4, height: height)
        case .search: log.typing = ""
        case .nextMatch: return jumpToMatch(height: height)
        case .startTask: return [.task(.start, taskID)]
        case .stopTask:
            guard let task = home.screenTask, task.isActive || task.state == "created" else { return [] }
            return [.ask(Question(text: "Stop \(task.id) \(task.name)?", onYes: .stopTask(task.id)))]
        case .pauseTask:
            guard let task = home.screenTask else { return [] }
            return TaskRow.pauseEffects(task)
        case .resumeTask, .predictTask, .exportTask:
            let verb: TaskVerb = action == .resumeTask ? .resume : action == .predictTask ? .predict : .export
            return [.notice(Notice(text: "\(verb.doing) \(taskID)…", isError: false)), .task(verb, taskID)]
        case .evaluate:
            guard !evaluating else { return [] }
            evaluating = true
            return [.notice(Notice(text: "evaluating \(taskID)…", isError: false)), .evaluate(taskID)]
        case .editParams:
            guard let task = home.screenTask, let data else { return [] }
            // created, or failed/stopped before it ever ran; the engine refuses one that ran, saying why.
            guard ["created", "failed", "stopped"].contains(task.state) else {
                return [.notice(Notice(text: "\(task.id) has been started: its parameters are what it ran with (a new task can change them)", isError: true))]
            }
            return [.form(.params(taskID: task.id, data.params))]
        default: return nil
        }
        return []
    }

    /// A search being typed takes every key: characters, Backspace, Enter (search), Esc (cancel).
    mutating func type(_ key: Key, height: Int = 10) -> [HomeEffect] {
        guard var text = log.typing else { return [] }
        switch key {
        case .char(let c): text.append(c)
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .esc, .interrupt:
            log.typing = nil
            return []
        case .enter:
            log.typing = nil
            log.query = text
            return jumpToMatch(height: height)
        default: break
        }
        log.typing = text
        return []
    }

    mutating func jumpToMatch(height: Int) -> [HomeEffect] {
        guard let query = log.query, let lines = data?.log else { return [] }
        guard let at = TaskScreen.nextMatch(lines, query: query, fromEnd: log.fromEnd, height: height) else {
            return [.notice(Notice(text: "not found: \(Sanitize.line(query))", isError: true))]
        }
        log.fromEnd = at
        return []
    }

    /// Rows of the log at a terminal size, from the same layout the view uses (the screen less the
    /// header, footer, the info box and borders).
    static func logHeight(_ size: Size) -> Int { max(1, size.height - 2 - min(12, max(6, (size.height - 2) / 3)) - 2) }

    /// Scrolls the log by `delta` lines (up is positive), kept within the log.
    mutating func scroll(_ delta: Int, height: Int) {
        let count = data?.log.count ?? 0
        log.fromEnd = min(max(0, count - height), max(0, log.fromEnd + delta))
    }
}

import AIArtsEngine
import AIArtsRender

/// Home's own state: which pane has focus and where each pane's list stands.
public struct HomePanes: Equatable, Sendable {
    public var focus: HomePane = .datasets
    public var datasets = ListCursor()
    public var tasks = ListCursor()
    public var labels = ListCursor()
    /// The `/` filter of each list (text its rows must contain), and whether one is being typed.
    public var filters: [HomePane: String] = [:]
    public var filterTyping = false
    /// Tasks marked to compare: their curves are drawn over the selected task's, a colour each.
    public var compared: [String] = []

    public init() {}

    /// What an action does on Home: the moves and keys of the focused pane, Tab between panes; nil
    /// for those it leaves to the app (curves options, help, quit, other screens).
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        let page = max(1, Self.visibleRows(focus, in: home) - 1)
        switch action {
        case .nextPane: focus = focus.next
        case .previousPane: focus = focus.previous
        case .moveUp: move(-1, in: home)
        case .moveDown: move(1, in: home)
        case .pageUp: move(-page, in: home)
        case .pageDown: move(page, in: home)
        case .first: move(-Int.max / 2, in: home)
        case .last: move(Int.max / 2, in: home)
        case .filter:
            guard focus == .datasets || focus == .tasks else { return [] }
            filterTyping = true
            filters[focus] = filters[focus] ?? ""
        case .close:
            // Esc on Home clears the focused list's kept filter.
            guard filters[focus] != nil else { return [] }
            filters[focus] = nil
            clamp(in: home)
        case .zoomIn, .zoomOut, .panLeft, .panRight, .hideSeries:
            // The curves' own keys act where the curves have focus.
            return focus == .curves ? nil : []
        case .previousItem, .nextItem:
            switch focus {
            case .curves: return nil
            case .predictions: return PredictionsPane.page(action == .nextItem ? 1 : -1, in: home)
            default: return []
            }
        case .newProject:
            return [.form(.project(datasets: home.data?.datasets ?? []))]
        case .newTask where focus == .datasets:
            return [.form(.dataset())]
        case .newTask:
            guard let projects = home.data?.projects, !projects.isEmpty else {
                return [.notice(Notice(text: "no project yet: aiarts project create NAME --type T --dataset D0001", isError: true))]
            }
            return [.taskForm(TaskForm(projects: projects))]
        case .open:
            switch focus {
            case .datasets:
                guard let dataset = home.selectedDataset else { return [] }
                return [.push(.dataset(DatasetScreenState(datasetID: dataset.id))), .loadDatasetScreen(dataset.id)]
            case .tasks:
                guard let task = home.selectedTask else { return [] }
                return [.push(.task(TaskScreenState(taskID: task.id))), .loadTaskScreen(task.id)]
            case .gpu:
                return [.push(.gpu(GPUScreenState()))]
            default: return []
            }
        case .startTask, .stopTask, .pauseTask, .compareTask:
            guard focus == .tasks, let task = home.selectedTask else { return [] }
            return TasksPane.update(action, task: task, panes: &self)
        default: return nil
        }
        return []
    }

    /// Moves the focused list's selection.
    mutating func move(_ delta: Int, in home: HomeState) {
        let visible = Self.visibleRows(focus, in: home)
        switch focus {
        case .datasets:
            let before = datasets.selected
            datasets.move(by: delta, count: home.visibleDatasets.count, visible: visible)
            if datasets.selected != before { labels = ListCursor() }
        case .tasks:
            tasks.move(by: delta, count: home.visibleTasks.count, visible: visible)
        case .detail:
            labels.move(by: delta, count: home.selectedDataset?.labels.count ?? 0, visible: visible)
        case .curves, .predictions, .gpu:
            break
        }
    }

    /// A click on a list's row: focus there and select it.
    mutating func click(_ pane: HomePane, row: Int, in home: HomeState) {
        focus = pane
        let cursor = pane == .datasets ? datasets : pane == .tasks ? tasks : labels
        if row >= 0, pane == .datasets || pane == .tasks { move(cursor.offset + row - cursor.selected, in: home) }
    }

    /// Keeps every cursor within its list after the lists or the size changed.
    mutating func clamp(in home: HomeState) {
        var state = home
        state.home = self
        datasets.clamp(count: state.visibleDatasets.count, visible: Self.visibleRows(.datasets, in: state))
        tasks.clamp(count: state.visibleTasks.count, visible: Self.visibleRows(.tasks, in: state))
        state.home = self
        labels.clamp(count: state.selectedDataset?.labels.count ?? 0, visible: Self.visibleRows(.detail, in: state))
    }

    /// The `/` filter takes every key while typed: characters narrow the focused list at once,
    /// Backspace widens it, Enter keeps it, Esc clears it.
    mutating func typeFilter(_ key: Key, in home: HomeState) {
        var text = filters[focus] ?? ""
        switch key {
        case .char(let c): text.append(c)
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .enter:
            filterTyping = false
            if text.isEmpty { filters[focus] = nil }
            return
        case .esc, .interrupt:
            filterTyping = false
            text = ""
        default: return
        }
        filters[focus] = text.isEmpty && !filterTyping ? nil : text
        if focus == .tasks { tasks = ListCursor() } else { datasets = ListCursor(); labels = ListCursor() }
        clamp(in: home)
    }

    /// Rows of a pane's list that fit on screen now, from the same layout the view uses.
    static func visibleRows(_ pane: HomePane, in home: HomeState) -> Int {
        let layout = HomeLayout(size: home.size)
        switch pane {
        case .datasets: return max(1, layout.datasets.height - 3)  // border and header
        case .tasks: return max(1, layout.tasks.height - 3)
        case .detail:
            guard let row = home.selectedDataset else { return 1 }
            return max(1, DetailPane.labelsArea(in: layout.detail.inset(by: 1), row: row).height - 1)
        case .curves, .predictions, .gpu: return 1
        }
    }
}

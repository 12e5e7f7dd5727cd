import AIArtsEngine
import AIArtsRender

public enum HomeMessage: Sendable {
    case key(Key)
    case resized(Size)
    case loaded(HomeData)
    case loadFailed(String)
}

/// The Home screen as a Program: datasets, projects and the selected dataset's detail.
public struct HomeApp: Program {
    public var state: HomeState
    /// Reads the workspace; runs on the background queue, never on the loop.
    let load: @Sendable () -> HomeMessage

    public init(state: HomeState = HomeState(), load: @escaping @Sendable () -> HomeMessage) {
        self.state = state
        self.load = load
    }

    /// A Home view over a real workspace.
    public init(workspace: Workspace, ascii: Bool = false, theme: Theme = .monochrome, keymap: Keymap = .builtinDefault) {
        self.init(state: HomeState(ascii: ascii, theme: theme, keymap: keymap)) {
            do { return .loaded(try HomeData.load(from: workspace)) } catch { return .loadFailed("\(error)") }
        }
    }

    public static func key(_ key: Key) -> HomeMessage { .key(key) }
    public static func resized(_ size: Size) -> HomeMessage { .resized(size) }

    public func start() -> [Command<HomeMessage>] { [reload()] }

    private func reload() -> Command<HomeMessage> { .perform(load) }

    public mutating func update(_ message: HomeMessage) -> [Command<HomeMessage>] {
        switch message {
        case .resized(let size):
            state.size = size
            clampCursors()
        case .loaded(let data):
            // Keep the same dataset selected across a reload, even if rows were added before it.
            let selectedID = state.selectedDataset?.id
            state.data = data
            state.loading = false
            state.error = nil
            if let selectedID, let i = data.datasets.firstIndex(where: { $0.id == selectedID }) {
                state.datasets.selected = i
            }
            clampCursors()
        case .loadFailed(let text):
            state.loading = false
            state.error = Sanitize.line(text)
        case .key(let key):
            // Keys become actions through the keymap only; this file never names a key.
            if let action = state.keymap.action(for: key, in: state.keyContext) { return perform(action) }
            // Any other key closes the help, so nobody is stuck in it whatever their keymap.
            if state.showHelp { state.showHelp = false }
        }
        return []
    }

    private mutating func perform(_ action: Action) -> [Command<HomeMessage>] {
        switch action {
        case .quit: return [.quit]
        case .help: state.showHelp = true
        case .close: state.showHelp = false
        case .reload:
            state.loading = true
            return [reload()]
        case .nextPane: state.focus = state.focus.next
        case .previousPane: state.focus = state.focus.previous
        case .moveUp: move(-1)
        case .moveDown: move(1)
        case .pageUp: move(-max(1, visibleRows(state.focus) - 1))
        case .pageDown: move(max(1, visibleRows(state.focus) - 1))
        case .first: move(-Int.max / 2)
        case .last: move(Int.max / 2)
        }
        return []
    }

    private mutating func move(_ delta: Int) {
        let visible = visibleRows(state.focus)
        switch state.focus {
        case .datasets:
            let before = state.datasets.selected
            state.datasets.move(by: delta, count: state.data?.datasets.count ?? 0, visible: visible)
            if state.datasets.selected != before { state.labels = ListCursor() }
        case .projects:
            state.projects.move(by: delta, count: state.data?.projects.count ?? 0, visible: visible)
        case .detail:
            state.labels.move(by: delta, count: state.selectedDataset?.labels.count ?? 0, visible: visible)
        }
    }

    private mutating func clampCursors() {
        state.datasets.clamp(count: state.data?.datasets.count ?? 0, visible: visibleRows(.datasets))
        state.projects.clamp(count: state.data?.projects.count ?? 0, visible: visibleRows(.projects))
        state.labels.clamp(count: state.selectedDataset?.labels.count ?? 0, visible: visibleRows(.detail))
    }

    /// Rows of the focused pane's list that fit on screen now, from the same layout the view uses.
    private func visibleRows(_ pane: HomePane) -> Int {
        let layout = HomeLayout(size: state.size)
        switch pane {
        case .datasets: return max(1, layout.datasets.height - 3)  // border and header
        case .projects: return max(1, layout.projects.height - 3)
        case .detail:
            guard let row = state.selectedDataset else { return 1 }
            return max(1, DetailPane.labelsArea(in: layout.detail.inset(by: 1), row: row).height - 1)
        }
    }

    public func render(size: Size) -> Buffer { HomeView.render(state, size: size) }
}

import AIArtsEngine
import AIArtsRender

public enum HomeMessage: Sendable {
    case key(Key)
    case resized(Size)
    case loaded(HomeData)
    case loadFailed(String)
}

/// What a key means on the Home view; the keymap is the only place keys are named.
enum HomeAction: Equatable {
    case up, down, pageUp, pageDown, top, bottom, nextPane, previousPane, reload, help, closeHelp, quit

    static func of(_ key: Key, helpShown: Bool) -> HomeAction? {
        switch key {
        case .char("q"): return .quit
        case _ where helpShown: return .closeHelp  // any other key closes the help
        case .up, .char("k"): return .up
        case .down, .char("j"): return .down
        case .pageUp, .ctrl("b"): return .pageUp
        case .pageDown, .ctrl("f"), .char(" "): return .pageDown
        case .home, .char("g"): return .top
        case .end, .char("G"): return .bottom
        case .tab, .right, .char("l"): return .nextPane
        case .backtab, .left, .char("h"): return .previousPane
        case .char("r"), .ctrl("r"): return .reload
        case .char("?"), .function(1): return .help
        default: return nil
        }
    }
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
    public init(workspace: Workspace, ascii: Bool = false) {
        self.init(state: HomeState(ascii: ascii)) {
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
            guard let action = HomeAction.of(key, helpShown: state.showHelp) else { return [] }
            return perform(action)
        }
        return []
    }

    private mutating func perform(_ action: HomeAction) -> [Command<HomeMessage>] {
        switch action {
        case .quit: return [.quit]
        case .help: state.showHelp = true
        case .closeHelp: state.showHelp = false
        case .reload:
            state.loading = true
            return [reload()]
        case .nextPane: state.focus = state.focus.next
        case .previousPane: state.focus = state.focus.previous
        case .up: move(-1)
        case .down: move(1)
        case .pageUp: move(-max(1, visibleRows(state.focus) - 1))
        case .pageDown: move(max(1, visibleRows(state.focus) - 1))
        case .top: move(-Int.max / 2)
        case .bottom: move(Int.max / 2)
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

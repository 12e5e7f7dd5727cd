import AIArtsRender

/// The panes of the Home view that can take focus, in Tab order.
public enum HomePane: CaseIterable, Sendable {
    case datasets, detail, tasks

    var next: HomePane { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
    var previous: HomePane { Self.allCases[(Self.allCases.firstIndex(of: self)! + Self.allCases.count - 1) % Self.allCases.count] }
}

public struct HomeState: Equatable, Sendable {
    /// nil until the first load finishes.
    public var data: HomeData?
    public var loading = false
    /// The last load's error, sanitized, shown in the footer until the next successful load.
    public var error: String?
    public var focus: HomePane = .datasets
    public var datasets = ListCursor()
    public var tasks = ListCursor()
    public var labels = ListCursor()
    public var showHelp = false
    /// The selected task's curves (nil until loaded) and how they are drawn.
    public var curves: CurveData?
    public var curveOptions = CurveOptions()
    /// The GPUs (nil until first read).
    public var gpus: GPUPaneData?
    /// A yes/no question on screen, and what a yes does.
    public var question: Question?
    /// The last thing that happened that the user should know of (a task ended, a start failed),
    /// shown in the footer until the next key.
    public var notice: Notice?
    public var size = Size(width: 80, height: 24)
    /// Draw with ASCII only (the locale is not UTF-8).
    public var ascii = false
    /// Styles resolved for this terminal; tests that only read text keep the colourless default.
    public var theme: Theme
    /// What keys do; the footer and help are written from it.
    public var keymap: Keymap

    public init(data: HomeData? = nil, ascii: Bool = false, theme: Theme = .monochrome, keymap: Keymap = .builtinDefault) {
        self.data = data; self.ascii = ascii; self.theme = theme; self.keymap = keymap
    }

    /// Where keys are looked up now: the help overlay has its own bindings.
    public var keyContext: KeyContext { question != nil ? .confirm : showHelp ? .help : .home }

    public var selectedTask: TaskRow? {
        guard let rows = data?.tasks, tasks.selected < rows.count else { return nil }
        return rows[tasks.selected]
    }

    public var selectedDataset: DatasetRow? {
        guard let rows = data?.datasets, datasets.selected < rows.count else { return nil }
        return rows[datasets.selected]
    }
}

/// A question the UI asks before doing something that can't be undone.
public struct Question: Equatable, Sendable {
    public enum Answer: Equatable, Sendable { case stopTask(String) }
    public var text: String
    public var onYes: Answer
}

public struct Notice: Equatable, Sendable {
    public var text: String
    public var isError: Bool
}

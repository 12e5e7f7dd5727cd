import AIArtsRender

/// The panes of the Home view, in Tab order: each takes focus, and keys act on the focused one.
public enum HomePane: CaseIterable, Sendable {
    case datasets, detail, tasks, curves, predictions, gpu

    var next: HomePane { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
    var previous: HomePane { Self.allCases[(Self.allCases.firstIndex(of: self)! + Self.allCases.count - 1) % Self.allCases.count] }
}

/// Everything the UI shows: Home (always at the bottom), the screens stacked over it, the overlays
/// (help, forms, a question, the command line) and what they all share.
public struct HomeState: Equatable, Sendable {
    /// nil until the first load finishes.
    public var data: HomeData?
    public var loading = false
    /// The last load's error, sanitized, shown in the footer until the next successful load.
    public var error: String?
    public var home = HomePanes()
    /// Screens over Home, the last on top (Screen.swift).
    var screens: [Screen] = []
    public var showHelp = false
    /// How far the help is scrolled, when it is taller than the terminal.
    public var helpOffset = 0
    /// The selected task's curves (nil until loaded), those of tasks marked to compare, and how
    /// all of them are drawn (on Home and on the task screen alike).
    public var curves: CurveData?
    public var comparedCurves: [String: CurveData] = [:]
    public var curveOptions = CurveOptions()
    /// Set when the terminal shows images itself (kitty's protocol): the size of a cell in pixels.
    public var graphicsCell: Size?
    /// The selected task's latest prediction (nil until read).
    public var predictions: PredictionsData?
    /// The GPUs (nil until first read).
    public var gpus: GPUPaneData?
    /// The inference services, read while the Models screen is open (nil until first read), and the
    /// one chosen there for the dataset screen's predictions.
    public var services: ServicesData?
    public var chosenService: String?
    /// The new-task form, while open.
    public var taskForm: TaskForm?
    /// The new-dataset or new-project form, while open.
    public var fieldForm: FieldForm?
    /// The `:` command line being typed (nil when closed).
    public var commandLine: String?
    /// A yes/no question on screen, and what a yes does.
    public var question: Question?
    /// The last thing that happened that the user should know of (a task ended, a start failed),
    /// shown in the footer until the next key.
    public var notice: Notice?
    /// A task or dataset to select once the next load lists it (one just created from a form), and
    /// the pane it is in.
    public var selectAfterLoad: PendingSelection?
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

    /// Where keys are looked up now: a question, the help, the top screen, else Home.
    public var keyContext: KeyContext {
        question != nil ? .confirm : showHelp ? .help : screenContext
    }

    /// The context of what is showing under any overlay.
    var screenContext: KeyContext { top?.context ?? .home }

    /// The datasets and tasks the lists show: those that contain the list's `/` filter (any column,
    /// any case).
    public var visibleDatasets: [DatasetRow] {
        let rows = data?.datasets ?? []
        guard let f = home.filters[.datasets], !f.isEmpty else { return rows }
        return rows.filter { [$0.id, $0.name, $0.type, $0.status].contains { $0.localizedCaseInsensitiveContains(f) } }
    }

    public var visibleTasks: [TaskRow] {
        let rows = data?.tasks ?? []
        guard let f = home.filters[.tasks], !f.isEmpty else { return rows }
        return rows.filter { [$0.id, $0.name, $0.project, $0.state, $0.trainer, $0.message].contains { $0.localizedCaseInsensitiveContains(f) } }
    }

    /// How images are drawn here: through the terminal's graphics protocol where it has one, else
    /// half blocks, else coloured blocks without UTF-8, else a ramp.
    public var imageMode: ImageView.Mode {
        ascii ? (theme.hasColor ? .colorBlocks : .luminance) : graphicsCell != nil ? .graphics : .halfBlock
    }

    /// The pixels to decode an image at for an area of cells: two a cell (half blocks), or what the
    /// cells measure on a terminal that shows images itself, at most 2048 a side.
    public func imagePixels(_ area: Rect) -> Size {
        guard let cell = graphicsCell, !ascii else { return Size(width: max(1, area.width), height: max(1, area.height * 2)) }
        let w = area.width * cell.width, h = area.height * cell.height
        let scale = min(1, 2048 / Double(max(1, max(w, h))))
        return Size(width: max(1, Int(Double(w) * scale)), height: max(1, Int(Double(h) * scale)))
    }

    /// The task whose screen is open (on top).
    public var screenTask: TaskRow? { openTaskID.flatMap { id in data?.tasks.first { $0.id == id } } }

    /// The GPU screen's processes in their shown order.
    var sortedGPUProcesses: [GPUPaneData.Process] { (gpuScreen?.sort ?? .memory).sorted(gpus?.processes ?? []) }

    /// The task the task keys and the curves are about: the open task screen's, else the Tasks pane's selection.
    public var selectedTask: TaskRow? {
        if let task = screenTask { return task }
        let rows = visibleTasks
        guard home.tasks.selected < rows.count else { return nil }
        return rows[home.tasks.selected]
    }

    public var selectedDataset: DatasetRow? {
        let rows = visibleDatasets
        guard home.datasets.selected < rows.count else { return nil }
        return rows[home.datasets.selected]
    }
}

/// A row to select in a pane once a load lists it.
public struct PendingSelection: Equatable, Sendable {
    public var pane: HomePane
    public var id: String
}

/// A question the UI asks before doing something that can't be undone.
public struct Question: Equatable, Sendable {
    public enum Answer: Equatable, Sendable {
        case stopTask(String), discardForm, quit, stopService(String), removeService(String), stopNotebook(String), removeNotebook(String)
    }
    public var text: String
    public var onYes: Answer
}

public struct Notice: Equatable, Sendable {
    public var text: String
    public var isError: Bool

    public init(text: String, isError: Bool) { self.text = text; self.isError = isError }
}

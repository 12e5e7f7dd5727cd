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
    /// Set when the terminal shows images itself (kitty's protocol): the size of a cell in pixels.
    public var graphicsCell: Size?
    /// Tasks marked to compare: their curves are drawn over the selected task's, a colour each.
    public var compared: [String] = []
    public var comparedCurves: [String: CurveData] = [:]
    /// The Models screen is open, with the registry as last read.
    public var showModels = false
    public var models: ModelsData?
    public var modelCursor = ListCursor()
    /// The selected task's latest prediction (nil until read).
    public var predictions: PredictionsData?
    /// The GPUs (nil until first read).
    public var gpus: GPUPaneData?
    /// The `/` filter of each list (text its rows must contain), and the one being typed.
    public var filters: [HomePane: String] = [:]
    public var filterTyping = false
    /// The new-task form, while open.
    public var taskForm: TaskForm?
    /// The new-dataset or new-project form, while open.
    public var fieldForm: FieldForm?
    /// The `:` command line being typed (nil when closed).
    public var commandLine: String?
    /// The dataset screen is open on this dataset.
    public var openDatasetID: String?
    public var datasetScreen: DatasetScreenData?
    public var datasetFilter = DatasetFilter()
    public var datasetFiles = ListCursor()
    public var preview: Preview?
    /// The task screen is open on this task.
    public var openTaskID: String?
    public var taskScreen: TaskScreenData?
    public var logView = LogView()
    /// The last evaluation run from the task screen, and whether one is running.
    public var evaluation: EvaluationView?
    public var evaluating = false
    /// The full GPU screen is open, its process list sorted by `gpuSort`.
    public var showGPUs = false
    public var gpuSort = GPUSort.memory
    public var gpuProcesses = ListCursor()
    /// The review screen, while open (over whatever screen opened it).
    public var review: ReviewState?
    /// A yes/no question on screen, and what a yes does.
    public var question: Question?
    /// The last thing that happened that the user should know of (a task ended, a start failed),
    /// shown in the footer until the next key.
    public var notice: Notice?
    /// A task to select once the next load lists it (one just created from the form).
    public var selectAfterLoad: String?
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
    public var keyContext: KeyContext {
        question != nil ? .confirm : showHelp ? .help : review != nil ? .review : showGPUs || showModels ? .gpu : openTaskID != nil ? .task
            : openDatasetID != nil ? .dataset : .home
    }

    /// The datasets and tasks the lists show: those that contain the list's `/` filter (any column,
    /// any case).
    public var visibleDatasets: [DatasetRow] {
        let rows = data?.datasets ?? []
        guard let f = filters[.datasets], !f.isEmpty else { return rows }
        return rows.filter { [$0.id, $0.name, $0.type, $0.status].contains { $0.localizedCaseInsensitiveContains(f) } }
    }

    public var visibleTasks: [TaskRow] {
        let rows = data?.tasks ?? []
        guard let f = filters[.tasks], !f.isEmpty else { return rows }
        return rows.filter { [$0.id, $0.name, $0.project, $0.state, $0.trainer, $0.message].contains { $0.localizedCaseInsensitiveContains(f) } }
    }

    /// The dataset screen's files that pass its filter.
    public var filteredSamples: [DatasetScreenData.Sample] {
        (datasetScreen?.samples ?? []).filter(datasetFilter.matches)
    }

    /// How images are drawn here: through the terminal's graphics protocol where it has one, else
    /// half blocks, else coloured blocks without UTF-8, else a ramp.
    public var imageMode: ImageView.Mode {
        ascii ? (theme.hasColor ? .colorBlocks : .luminance) : graphicsCell != nil ? .graphics : .halfBlock
    }

    /// The pixels to decode an image at for an area of cells: two a cell (half blocks), or what the
    /// cells measure on a terminal that shows images itself, at most 2048 a side.
    public func imagePixels(_ area: Rect) -> (width: Int, height: Int) {
        guard let cell = graphicsCell, !ascii else { return (max(1, area.width), max(1, area.height * 2)) }
        let w = area.width * cell.width, h = area.height * cell.height
        let scale = min(1, 2048 / Double(max(1, max(w, h))))
        return (max(1, Int(Double(w) * scale)), max(1, Int(Double(h) * scale)))
    }

    /// The task whose screen is open.
    public var screenTask: TaskRow? { openTaskID.flatMap { id in data?.tasks.first { $0.id == id } } }

    /// The GPU screen's processes in their shown order.
    public var sortedGPUProcesses: [GPUPaneData.Process] { gpuSort.sorted(gpus?.processes ?? []) }

    /// The task the task keys and the curves are about: the open task screen's, else the Tasks pane's selection.
    public var selectedTask: TaskRow? {
        if let task = screenTask { return task }
        let rows = visibleTasks
        guard tasks.selected < rows.count else { return nil }
        return rows[tasks.selected]
    }

    public var selectedDataset: DatasetRow? {
        let rows = visibleDatasets
        guard datasets.selected < rows.count else { return nil }
        return rows[datasets.selected]
    }
}

/// A question the UI asks before doing something that can't be undone.
public struct Question: Equatable, Sendable {
    public enum Answer: Equatable, Sendable { case stopTask(String), discardForm, quit }
    public var text: String
    public var onYes: Answer
}

public struct Notice: Equatable, Sendable {
    public var text: String
    public var isError: Bool

    public init(text: String, isError: Bool) { self.text = text; self.isError = isError }
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

import Foundation
import AIArtsEngine
import AIArtsRender

public enum HomeMessage: Sendable {
    case key(Key)
    case resized(Size)
    case loaded(HomeData)
    case loadFailed(String)
    /// Time to look at running tasks again.
    case tick
    case curvesLoaded(CurveData)
    case gpus(GPUPaneData)
    case taskScreenLoaded(TaskScreenData)
    case datasetScreenLoaded(DatasetScreenData)
    case evaluated(EvaluationView?, Notice)
    case predictionsLoaded(PredictionsData)
    case modelsLoaded(ModelsData)
    case previewLoaded(Preview)
    /// A task action finished in the background: what to tell the user.
    case done(Notice)
    /// The new-task form's create finished.
    case taskCreated(TaskCreation)
    /// The review screen's background work (Review/).
    case review(ReviewMessage)
}

/// The Home screen as a Program: datasets and the selected dataset's detail, and tasks.
public struct HomeApp: Program {
    public var state: HomeState
    /// Reads the workspace; runs on the background queue, never on the loop.
    let load: @Sendable () -> HomeMessage
    /// Starts watching a task's metric series (posting `.curvesLoaded`); returns what stops it.
    let watchCurves: @Sendable (String, @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void
    let actions: TaskActions
    /// Reads what the task screen shows of a task (parameters, checkpoints, log), on the background queue.
    let loadTaskScreen: @Sendable (String) -> HomeMessage
    /// Reads a dataset's records, and decodes an image for the preview (background queue).
    let loadDatasetScreen: @Sendable (String) -> HomeMessage
    let loadPreview: @Sendable (_ path: String, _ fullPath: String, DatasetScreenData.Sample, _ width: Int, _ height: Int) -> HomeMessage
    /// Reads the model registry (background queue).
    let loadModels: @Sendable () -> HomeMessage
    /// Reads a task's latest prediction with its image at the given pixel size (background queue).
    let loadPredictions: @Sendable (String, Int, Int) -> HomeMessage
    /// Starts sampling the GPUs (posting `.gpus`); returns what stops it. nil: no GPU pane data.
    let watchGPUs: (@Sendable (@escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void)?
    /// How long to wait before looking at running tasks again.
    let refreshInterval: Double
    /// A tick is on its way; never more than one.
    var tickPending = false
    /// The dataset screen's selection moved: its image is to be decoded.
    var pendingPreview = false
    /// The selection moved: the new task's curves are to be watched.
    var selectionMoved = false
    /// The task whose curves are watched, and its state when the watch started.
    var watched: (id: String, state: String)?
    /// The engine calls behind the review screen.
    var reviewActions: ReviewActions = .none

    public init(state: HomeState = HomeState(), actions: TaskActions = .none, refreshInterval: Double = 1,
                watchCurves: @escaping @Sendable (String, @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void = { id, post in
                    post(.curvesLoaded(CurveData(taskID: id, curves: [])))
                    return {}
                },
                watchGPUs: (@Sendable (@escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void)? = nil,
                loadTaskScreen: @escaping @Sendable (String) -> HomeMessage = { .taskScreenLoaded(TaskScreenData(taskID: $0, params: [:], checkpoints: [], log: [])) },
                loadDatasetScreen: @escaping @Sendable (String) -> HomeMessage = { _ in .loadFailed("no engine") },
                loadPreview: @escaping @Sendable (String, String, DatasetScreenData.Sample, Int, Int) -> HomeMessage = { path, _, _, _, _ in
                    .previewLoaded(Preview(path: path, image: nil, boxes: [], error: "no engine"))
                },
                loadPredictions: @escaping @Sendable (String, Int, Int) -> HomeMessage = { id, _, _ in .predictionsLoaded(PredictionsData(taskID: id)) },
                loadModels: @escaping @Sendable () -> HomeMessage = { .modelsLoaded(ModelsData(models: [])) },
                load: @escaping @Sendable () -> HomeMessage) {
        self.state = state
        self.loadModels = loadModels
        self.loadPredictions = loadPredictions
        self.loadTaskScreen = loadTaskScreen
        self.loadDatasetScreen = loadDatasetScreen
        self.loadPreview = loadPreview
        self.watchGPUs = watchGPUs
        self.load = load
        self.watchCurves = watchCurves
        self.actions = actions
        self.refreshInterval = refreshInterval
    }

    /// A Home view over a real workspace.
    public init(workspace: Workspace, executable: String, ascii: Bool = false, theme: Theme = .monochrome, keymap: Keymap = .builtinDefault) {
        self.init(state: HomeState(ascii: ascii, theme: theme, keymap: keymap),
                  actions: .engine(workspace, executable: executable),
                  watchCurves: { id, post in CurveData.watch(taskID: id, workspace: workspace, post: post) },
                  watchGPUs: { post in GPUPaneData.watch(workspace: workspace, post: post) },
                  loadTaskScreen: { TaskScreenData.load(taskID: $0, from: workspace) },
                  loadDatasetScreen: { DatasetScreenData.load(datasetID: $0, from: workspace) },
                  loadPreview: { Preview.load(path: $0, fullPath: $1, sample: $2, width: $3, height: $4) },
                  loadPredictions: { PredictionsData.load(taskID: $0, workspace: workspace, width: $1, height: $2) },
                  loadModels: { ModelsData.load(from: workspace) }) {
            do { return .loaded(try HomeData.load(from: workspace)) } catch { return .loadFailed("\(error)") }
        }
        reviewActions = .engine(workspace)
    }

    public static func key(_ key: Key) -> HomeMessage { .key(key) }
    public static func resized(_ size: Size) -> HomeMessage { .resized(size) }

    public func start() -> [Command<HomeMessage>] {
        // Opened straight into a review (`aiarts review open`): read it along with the workspace.
        let review = state.review.map { [openReviewCommand($0.request)] } ?? []
        guard let watchGPUs else { return [reload()] + review }
        return [reload(), .watch(key: "gpus", start: watchGPUs)] + review
    }

    func reload() -> Command<HomeMessage> { .perform(load) }

    public mutating func update(_ message: HomeMessage) -> [Command<HomeMessage>] {
        switch message {
        case .resized(let size):
            state.size = size
            clampCursors()
            if state.review != nil { return reviewResized() }
        case .loaded(let data):
            // Keep the same rows selected across a reload, even if rows were added before them.
            let selectedID = state.selectedDataset?.id
            let selectedTask = state.selectedTask?.id
            if let ended = Self.endedTask(before: state.data?.tasks ?? [], after: data.tasks) { state.notice = ended }
            // An import into the open dataset has ended: its screen is read again.
            let openWasBusy = state.openDatasetID.flatMap { id in state.data?.datasets.first { $0.id == id } }?.isBusy == true
            let openIsBusy = state.openDatasetID.flatMap { id in data.datasets.first { $0.id == id } }?.isBusy == true
            state.data = data
            state.loading = false
            state.error = nil
            if let selectedID, let i = state.visibleDatasets.firstIndex(where: { $0.id == selectedID }) {
                state.datasets.selected = i
            }
            if let wanted = state.selectAfterLoad ?? selectedTask, let i = state.visibleTasks.firstIndex(where: { $0.id == wanted }) {
                state.tasks.selected = i
            }
            state.selectAfterLoad = nil
            clampCursors()
            // The selected task's curves come from a watch on its folder, started again when the
            // task's state changes (a created task has no folder yet; a resumed one starts over).
            var commands = scheduleTick()
            if let task = state.selectedTask, watched?.id != task.id || watched?.state != task.state {
                commands.append(curvesCommand(task))
            }
            if openWasBusy && !openIsBusy, let id = state.openDatasetID { commands.append(datasetScreenCommand(id)) }
            // The open task screen's log and parameters: again on each load while the task runs.
            if let task = state.screenTask, task.isActive || state.taskScreen?.taskID != task.id {
                commands.append(taskScreenCommand(task.id))
            }
            return commands
        case .loadFailed(let text):
            state.loading = false
            state.error = Sanitize.line(text)
            return scheduleTick()
        case .tick:
            tickPending = false
            return [reload()]
        case .gpus(let data):
            state.gpus = data
        case .modelsLoaded(let data):
            state.models = data
            state.modelCursor.clamp(count: data.models.count, visible: max(1, state.size.height / 2))
        case .predictionsLoaded(let data):
            if data.taskID == state.selectedTask?.id { state.predictions = data }
        case .taskScreenLoaded(let data):
            if data.taskID == state.openTaskID { state.taskScreen = data }
        case .evaluated(let view, let notice):
            state.evaluating = false
            state.notice = notice
            if let view, view.taskID == state.openTaskID { state.evaluation = view }
        case .datasetScreenLoaded(let data):
            guard data.id == state.openDatasetID else { return [] }
            state.datasetScreen = data
            state.datasetFiles = ListCursor()
            return previewCommand().map { [$0] } ?? []
        case .previewLoaded(let preview):
            // Kept only while its file is still the one selected (a fast scroll skips the rest).
            if preview.path == selectedSample?.path { state.preview = preview }
        case .curvesLoaded(let data):
            // A late answer for a task no longer selected (or compared) is dropped.
            if data.taskID == state.selectedTask?.id { state.curves = data }
            if state.compared.contains(data.taskID) { state.comparedCurves[data.taskID] = data }
        case .taskCreated(.failed(let notice)):
            // The form stays open with what was typed, the field the engine refused marked.
            state.notice = notice
            state.taskForm?.refusal = notice.text
            if let field = state.taskForm?.field(refusedBy: notice.text) { state.taskForm?.field = field }
            return []
        case .taskCreated(.created(let id, let notice)):
            state.taskForm = nil
            state.notice = notice
            // Focus on the new task, so `s` starts it as the notice says.
            state.focus = .tasks
            state.filters[.tasks] = nil
            state.selectAfterLoad = id
            return [reload()]
        case .done(let notice):
            state.notice = notice
            watched = nil  // what was done (a prediction, a resume) may change the task's curves and predictions
            // ... and what its screen shows (parameters just edited, a dataset split again).
            return [reload()] + (state.openTaskID.map { [taskScreenCommand($0)] } ?? []) + (state.openDatasetID.map { [datasetScreenCommand($0)] } ?? [])
        case .key(let key) where state.logView.typing != nil:
            typeSearch(key)
        case .key(let key) where state.commandLine != nil:
            return typeCommand(key)
        case .key(let key) where state.review?.isTyping == true && state.question == nil:
            return typeReview(key)
        case .review(let message):
            return receiveReview(message)
        case .key(let key) where state.filterTyping:
            return typeFilter(key)
        case .key(let key) where state.taskForm != nil && state.question == nil:
            return typeForm(key)
        case .key(let key) where state.fieldForm != nil && state.question == nil:
            return typeFieldForm(key)
        case .key(.mouse(let x, let y, let kind)):
            return mouse(x: x, y: y, kind)
        case .key(let key):
            state.notice = nil
            // Keys become actions through the keymap only; this file never names a key.
            if let action = state.keymap.action(for: key, in: state.keyContext) {
                var commands = perform(action)
                if pendingPreview {
                    pendingPreview = false
                    if let preview = previewCommand() { commands.append(preview) }
                }
                if selectionMoved, let task = state.selectedTask {
                    selectionMoved = false
                    commands.append(curvesCommand(task))
                }
                return commands
            }
            // Any other key closes the help, so nobody is stuck in it whatever their keymap.
            if state.showHelp { state.showHelp = false }
        }
        return []
    }

    /// The dataset screen's selected file.
    var selectedSample: DatasetScreenData.Sample? {
        let files = state.filteredSamples
        return state.datasetFiles.selected < files.count ? files[state.datasetFiles.selected] : nil
    }

    /// Decodes the selected file for the preview, at the size its area has now.
    func previewCommand() -> Command<HomeMessage>? {
        guard let sample = selectedSample, let folder = state.datasetScreen?.folder else { return nil }
        let area = DatasetScreen.layout(Rect(x: 0, y: 1, width: state.size.width, height: max(0, state.size.height - 2))).image.inset(by: 1)
        let (w, h) = state.imagePixels(area)
        let load = loadPreview, full = URL(fileURLWithPath: folder).appendingPathComponent(sample.storedPath).path
        return .perform { load(sample.path, full, sample, w, h) }
    }

    func datasetScreenCommand(_ id: String) -> Command<HomeMessage> {
        let load = loadDatasetScreen
        return .perform { load(id) }
    }

    func taskScreenCommand(_ id: String) -> Command<HomeMessage> {
        let load = loadTaskScreen
        return .perform { load(id) }
    }

    /// The selected task's curves (a watch on its folder) and its latest prediction (read once).
    mutating func curvesCommand(_ task: TaskRow) -> Command<HomeMessage> {
        watched = (task.id, task.state)
        let watch = watchCurves, id = task.id
        let area = HomeLayout(size: state.size).predictions.inset(by: 1)
        let (w, h) = state.imagePixels(Rect(x: area.x, y: area.y, width: area.width, height: max(1, area.height - 2)))
        let load = loadPredictions
        return .watch(key: "curves") { post in
            DispatchQueue.global(qos: .utility).async { post(load(id, w, h)) }
            return watch(id, post)
        }
    }

    /// While a task runs, look again after `refreshInterval` (a background sleep: the loop itself
    /// stays blocked in poll). Nothing running, nothing scheduled: an idle UI does no work.
    mutating func scheduleTick() -> [Command<HomeMessage>] {
        guard !tickPending, state.data?.tasks.contains(where: \.isActive) == true || state.data?.datasets.contains(where: \.isBusy) == true
        else { return [] }
        tickPending = true
        let interval = refreshInterval
        return [.perform { Thread.sleep(forTimeInterval: interval); return .tick }]
    }

    /// A task that was active and has ended since the last load: what the user is told.
    static func endedTask(before: [TaskRow], after: [TaskRow]) -> Notice? {
        for row in after where ["finished", "failed", "stopped"].contains(row.state) {
            guard let old = before.first(where: { $0.id == row.id }), old.isActive else { continue }
            let text = row.state == "failed" ? "\(row.id) failed: \(row.message)" : "\(row.id) \(row.state)"
            return Notice(text: text, isError: row.state == "failed")
        }
        return nil
    }

    mutating func perform(_ action: Action) -> [Command<HomeMessage>] {
        if state.keyContext == .review, let commands = performReview(action) { return commands }
        switch action {
        case .quit:
            // Nothing of the UI's own is lost by quitting, except a form being filled in.
            if state.taskForm?.edited == true || state.fieldForm?.edited == true {
                state.question = Question(text: "Quit and lose the new task?", onYes: .quit)
                return []
            }
            return [.quit]
        case .startTask:
            guard state.focus == .tasks || state.openTaskID != nil, let task = state.selectedTask else { return [] }
            let start = actions.start
            return [.perform { .done(start(task.id)) }]
        case .importData, .splitData, .exportData:
            guard let data = state.datasetScreen, data.id == state.openDatasetID else { return [] }
            state.fieldForm = action == .importData ? .importData(data.id, type: data.type)
                : action == .splitData ? .splitData(data.id) : .exportData(data.id, type: data.type)
        case .editParams:
            guard let task = state.screenTask, let screen = state.taskScreen, screen.taskID == task.id else { return [] }
            // created, or failed/stopped before it ever ran; the engine refuses one that ran, saying why.
            guard ["created", "failed", "stopped"].contains(task.state) else {
                state.notice = Notice(text: "\(task.id) has been started: its parameters are what it ran with (a new task can change them)", isError: true)
                return []
            }
            state.fieldForm = .params(taskID: task.id, screen.params)
        case .compareTask:
            guard state.focus == .tasks, let task = state.selectedTask else { return [] }
            let key = "compare-\(task.id)"
            if let i = state.compared.firstIndex(of: task.id) {
                state.compared.remove(at: i)
                state.comparedCurves[task.id] = nil
                return [.unwatch(key: key)]
            }
            state.compared.append(task.id)
            let watch = watchCurves, id = task.id
            return [.watch(key: key) { post in watch(id, post) }]
        case .stopTask:
            guard state.focus == .tasks || state.openTaskID != nil, let task = state.selectedTask,
                  task.isActive || task.state == "created" else { return [] }
            state.question = Question(text: "Stop \(task.id) \(task.name)?", onYes: .stopTask(task.id))
        case .confirm:
            guard let question = state.question else { return [] }
            state.question = nil
            switch question.onYes {
            case .discardForm:
                state.taskForm = nil
                state.fieldForm = nil
                return []
            case .quit:
                return [.quit]
            case .stopTask(let id):
                let stop = actions.stop
                state.notice = Notice(text: "stopping \(id)…", isError: false)
                return [.perform { .done(stop(id)) }]
            }
        case .cancel: state.question = nil
        case .commandLine:
            state.commandLine = ""
        case .newTask where state.focus == .datasets:
            state.fieldForm = .dataset()
        case .newProject:
            state.fieldForm = .project(datasets: state.data?.datasets ?? [])
        case .newTask:
            guard let projects = state.data?.projects, !projects.isEmpty else {
                state.notice = Notice(text: "no project yet: aiarts project create NAME --type T --dataset D0001", isError: true)
                return []
            }
            state.taskForm = TaskForm(projects: projects)
        case .filter:
            guard state.focus == .datasets || state.focus == .tasks else { return [] }
            state.filterTyping = true
            state.filters[state.focus] = state.filters[state.focus] ?? ""
        case .open where state.focus == .datasets:
            guard let dataset = state.selectedDataset else { return [] }
            state.openDatasetID = dataset.id
            state.datasetScreen = nil
            state.datasetFilter = DatasetFilter()
            state.preview = nil
            return [datasetScreenCommand(dataset.id)]
        case .filterLabel:
            let count = state.datasetScreen?.labels.count ?? 0
            let next = (state.datasetFilter.label ?? -1) + 1
            state.datasetFilter.label = next < count ? next : nil
            state.datasetFiles = ListCursor()
            return previewCommand().map { [$0] } ?? []
        case .filterSplit:
            let splits = ["train", "val", "test"]
            let next = state.datasetFilter.split.flatMap { splits.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
            state.datasetFilter.split = next < splits.count ? splits[next] : nil
            state.datasetFiles = ListCursor()
            return previewCommand().map { [$0] } ?? []
        case .open:
            guard state.focus == .tasks, let task = state.selectedTask else { return [] }
            state.openTaskID = task.id
            state.evaluation = nil
            state.taskScreen = nil
            state.logView = LogView()
            return [taskScreenCommand(task.id)]
        case .search:
            state.logView.typing = ""
        case .resumeTask, .predictTask, .exportTask:
            guard let id = state.openTaskID else { return [] }
            let work = action == .resumeTask ? actions.resume : action == .predictTask ? actions.predict : actions.export
            state.notice = Notice(text: "\(action == .resumeTask ? "resuming" : action == .predictTask ? "predicting with" : "exporting") \(id)…", isError: false)
            return [.perform { .done(work(id)) }]
        case .evaluate:
            guard let id = state.openTaskID, !state.evaluating else { return [] }
            state.evaluating = true
            state.notice = Notice(text: "evaluating \(id)…", isError: false)
            let evaluate = actions.evaluate
            return [.perform { evaluate(id) }]
        case .nextMatch:
            jumpToMatch()
        case .modelsScreen:
            state.showModels = true
            state.modelCursor = ListCursor()
            let load = loadModels
            return [.perform(load)]
        case .gpuScreen:
            state.showGPUs = true
            state.gpuProcesses = ListCursor()
        case .sort where state.showModels, .openTask where state.showModels:
            return []
        case .sort:
            state.gpuSort = state.gpuSort.next
            state.gpuProcesses = ListCursor()
        case .openTask:
            let processes = state.sortedGPUProcesses
            guard state.gpuProcesses.selected < processes.count else { return [] }
            let process = processes[state.gpuProcesses.selected]
            guard let id = process.task, let index = state.data?.tasks.firstIndex(where: { $0.id == id }) else {
                state.notice = Notice(text: "pid \(process.pid) is not an aiarts task's", isError: true)
                return []
            }
            state.showGPUs = false
            state.focus = .tasks
            state.filters[.tasks] = nil
            state.tasks.selected = index
            clampCursors()
            selectionMoved = true
        case .xAxis: state.curveOptions.axis = state.curveOptions.axis.next
        case .smoothMore: state.curveOptions.smoothing = min(0.99, (state.curveOptions.smoothing * 100 + 10).rounded() / 100)
        case .smoothLess: state.curveOptions.smoothing = max(0, (state.curveOptions.smoothing * 100 - 10).rounded() / 100)
        case .logScale: state.curveOptions.logScale.toggle()
        case .outliers: state.curveOptions.ignoreOutliers.toggle()
        case .help: state.showHelp = true
        case .close:
            if state.showHelp {
                state.showHelp = false
            } else if state.showModels {
                state.showModels = false
            } else if state.showGPUs {
                state.showGPUs = false
            } else if state.openDatasetID != nil {
                state.openDatasetID = nil
                state.datasetScreen = nil
                state.preview = nil
            } else if state.openTaskID != nil {
                state.openTaskID = nil
                state.taskScreen = nil
                selectionMoved = true  // the curves go back to the Tasks pane's selection
            } else if state.filters[state.focus] != nil {
                state.filters[state.focus] = nil  // Home: Esc clears the focused list's kept filter
            }
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
        case .review: return openReviewFromDataset()
        // The review screen's own actions (Review/ReviewLogic.swift); nothing elsewhere.
        case .class1, .class2, .class3, .class4, .class5, .class6, .class7, .class8, .class9, .class10, .pickLabel, .accept,
             .autoAdvance, .previousSample, .nextSample, .nextUnreviewed, .flag, .markBad, .nextBox, .previousBox, .deleteBox,
             .chooseEdge, .nudgeBack, .nudgeForward, .nudgeBackFast, .nudgeForwardFast, .hideOverlays, .note, .acceptSuggestion,
             .undo, .redo, .editAttributes:
            return []
        }
        return []
    }

    mutating func move(_ delta: Int) {
        if state.openDatasetID != nil {
            let before = selectedSample?.path
            let rows = DatasetScreen.layout(Rect(x: 0, y: 0, width: state.size.width, height: max(0, state.size.height - 2))).files.height - 3
            state.datasetFiles.move(by: delta, count: state.filteredSamples.count, visible: max(1, rows))
            if selectedSample?.path != before { pendingPreview = true }
            return
        }
        if state.openTaskID != nil {
            // Up scrolls back into the log; down towards its end. Home/End: top, and follow.
            scrollLog(delta == -Int.max / 2 ? Int.max / 4 : delta == Int.max / 2 ? -Int.max / 4 : -delta)
            return
        }
        if state.showModels {
            state.modelCursor.move(by: delta, count: state.models?.models.count ?? 0, visible: max(1, state.size.height * 6 / 10 - 4))
            return
        }
        if state.showGPUs {
            state.gpuProcesses.move(by: delta, count: state.gpus?.processes.count ?? 0, visible: max(1, state.size.height - 8))
            return
        }
        let visible = visibleRows(state.focus)
        switch state.focus {
        case .datasets:
            let before = state.datasets.selected
            state.datasets.move(by: delta, count: state.visibleDatasets.count, visible: visible)
            if state.datasets.selected != before { state.labels = ListCursor() }
        case .tasks:
            let before = state.selectedTask?.id
            state.tasks.move(by: delta, count: state.visibleTasks.count, visible: visible)
            if state.selectedTask?.id != before { selectionMoved = true }
        case .detail:
            state.labels.move(by: delta, count: state.selectedDataset?.labels.count ?? 0, visible: visible)
        }
    }

    mutating func clampCursors() {
        state.datasets.clamp(count: state.visibleDatasets.count, visible: visibleRows(.datasets))
        state.tasks.clamp(count: state.visibleTasks.count, visible: visibleRows(.tasks))
        state.labels.clamp(count: state.selectedDataset?.labels.count ?? 0, visible: visibleRows(.detail))
    }

    /// Rows of the focused pane's list that fit on screen now, from the same layout the view uses.
    func visibleRows(_ pane: HomePane) -> Int {
        let layout = HomeLayout(size: state.size)
        switch pane {
        case .datasets: return max(1, layout.datasets.height - 3)  // border and header
        case .tasks: return max(1, layout.tasks.height - 3)
        case .detail:
            guard let row = state.selectedDataset else { return 1 }
            return max(1, DetailPane.labelsArea(in: layout.detail.inset(by: 1), row: row).height - 1)
        }
    }

    public func render(size: Size) -> Buffer { HomeView.render(state, size: size) }
}

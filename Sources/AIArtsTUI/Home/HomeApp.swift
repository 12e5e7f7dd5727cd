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
    /// What a watched task's metrics gained since the last post (MetricsFeed's deltas).
    case curvesDelta(taskID: String, MetricsDelta)
    case gpus(GPUPaneData)
    case taskScreenLoaded(TaskScreenData)
    case datasetScreenLoaded(DatasetScreenData)
    case evaluated(EvaluationView?, Notice)
    case predictionsLoaded(PredictionsData)
    case modelsLoaded(ModelsData)
    /// The compare view's comparison (with `measured`: after timing each model).
    case modelsCompared(ModelCompareView, measured: Bool)
    case previewLoaded(Preview)
    /// A task action finished in the background: what to tell the user.
    case done(Notice)
    /// The new-task form's create finished.
    case taskCreated(TaskCreation)
    /// The new-dataset form's create (and import) started, or was refused.
    case datasetCreated(DatasetCreation)
    /// The review screen's background work (Review/).
    case review(ReviewMessage)
    /// The inference services as read (the Models screen's Services list), and after a service action.
    case servicesLoaded(ServicesData)
    case servicesChanged(Notice, ServicesData)
    /// A dataset image predicted through a service.
    case imagePredicted(ImagePrediction)
    /// The notebook sessions as read, after a stop or remove, and an endpoint (NotebookActions.swift).
    case notebooks(NotebookMessage)
    /// The preprocessing form's preview and job (HomeApp+Preprocess.swift).
    case preprocess(PreprocessMessage)
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
    /// Reads a task's latest prediction with one of its images at the given pixel size (background queue).
    let loadPredictions: @Sendable (_ task: String, _ index: Int, Size) -> HomeMessage
    /// Starts sampling the GPUs (posting `.gpus`); returns what stops it. nil: no GPU pane data.
    let watchGPUs: (@Sendable (@escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void)?
    /// How long to wait before looking at running tasks again.
    let refreshInterval: Double
    /// A tick is on its way; never more than one.
    var tickPending = false
    /// The task whose curves are watched, and its state when the watch started.
    var watched: (id: String, state: String)?
    /// The engine calls behind the review screen.
    var reviewActions: ReviewActions = .none
    /// Compares models, timing them first when asked (background queue): the compare view's engine call.
    var compareModels: @Sendable ([String], Bool) -> HomeMessage = { refs, measure in
        .modelsCompared(ModelCompareView(refs: refs, error: "no engine"), measured: measure)
    }
    /// The inference services: read now and every second (posting `.servicesLoaded`), read once,
    /// and what the Models and dataset screens do to them (ServicesPane.swift, ServiceActions.swift).
    var watchServices: @Sendable (@escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void = { post in
        post(.servicesLoaded(ServicesData(services: [])))
        return {}
    }
    var loadServices: @Sendable () -> ServicesData = { ServicesData(services: []) }
    var serviceActions: ServiceActions = .none
    /// What the Models screen's Notebooks list does to sessions (NotebookActions.swift); the sessions
    /// are read with the services, by the same watch.
    var notebookActions: NotebookActions = .none
    /// Whether the services are being watched (only while a Models screen is open).
    var servicesWatched = false
    /// The preprocessing form's preview and job (HomeApp+Preprocess.swift).
    var preprocessActions: PreprocessActions = .none

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
                loadPredictions: @escaping @Sendable (String, Int, Size) -> HomeMessage = { id, _, _ in .predictionsLoaded(PredictionsData(taskID: id)) },
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
                  watchCurves: { id, post in
                      CurveData.watchDeltas(taskID: id, workspace: workspace) { update in
                          switch update {
                          case .loaded(let data): post(.curvesLoaded(data))
                          case .delta(let task, let delta): post(.curvesDelta(taskID: task, delta))
                          }
                      }
                  },
                  watchGPUs: { post in GPUPaneData.watch(workspace: workspace, post: post) },
                  loadTaskScreen: { TaskScreenData.load(taskID: $0, from: workspace) },
                  loadDatasetScreen: { DatasetScreenData.load(datasetID: $0, from: workspace) },
                  loadPreview: { Preview.load(path: $0, fullPath: $1, sample: $2, width: $3, height: $4) },
                  loadPredictions: { PredictionsData.load(taskID: $0, index: $1, workspace: workspace, width: $2.width, height: $2.height) },
                  loadModels: { ModelsData.load(from: workspace) }) {
            do { return .loaded(try HomeData.load(from: workspace)) } catch { return .loadFailed("\(error)") }
        }
        reviewActions = .engine(workspace)
        compareModels = { refs, measure in .modelsCompared(ModelCompareView.load(refs, measure: measure, from: workspace), measured: measure) }
        loadServices = { ServicesData.load(from: workspace) }
        watchServices = { post in
            let services = ServicesData.watch(load: { ServicesData.load(from: workspace) }, post: post)
            let notebooks = NotebooksData.watch(load: { NotebooksData.load(from: workspace) }, post: post)
            return { services(); notebooks() }
        }
        serviceActions = .engine(workspace)
        notebookActions = .engine(workspace)
        preprocessActions = .engine(workspace)
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

    /// A message's state change, then its effects carried out (HomeApp+Effects.swift).
    public mutating func update(_ message: HomeMessage) -> [Command<HomeMessage>] {
        run(reduce(message))
    }

    /// What a message changes and asks for. HomeApp only routes: keys go to the overlay or screen on
    /// top (else to Home's focused pane), answers from the background to the state that asked.
    mutating func reduce(_ message: HomeMessage) -> [HomeEffect] {
        var effects = receive(message)
        // Whatever moved the selected task (a key, a load, a click), its curves are watched anew.
        if let task = state.selectedTask, watched?.id != task.id || watched?.state != task.state {
            watched = (task.id, task.state)
            effects.append(.watchCurves(task.id, predictionPixels: HomeLayout.predictionPixels(state)))
        }
        return effects
    }

    private mutating func receive(_ message: HomeMessage) -> [HomeEffect] {
        switch message {
        case .resized(let size):
            state.size = size
            clampCursors()
            if let review = state.review, let item = review.item, case .review? = state.top {
                return [.review(.loadImage(item.sampleId, item.imageURL))]
            }
            return []
        case .loaded(let data):
            return loaded(data)
        case .loadFailed(let text):
            state.loading = false
            state.error = Sanitize.line(text)
            return [.scheduleTick]
        case .tick:
            tickPending = false
            return [.reload]
        case .gpus(let data):
            state.gpus = data
        case .modelsLoaded(let data):
            state.modelsScreen?.data = data
            let visible = ModelsScreen.visibleRows(state.size)
            state.modelsScreen?.cursor.clamp(count: data.models.count, visible: visible)
        case .modelsCompared(let view, let measured):
            guard var screen = state.modelCompare else { return [] }
            let measuring = screen.measuring
            screen.take(view)
            // A plain comparison that lands while a measurement runs leaves the "measuring" mark.
            if !measured { screen.measuring = measuring && view.refs == screen.refs }
            state.modelCompare = screen
        case .predictionsLoaded(let data):
            if data.taskID == state.selectedTask?.id { state.predictions = data }
        case .taskScreenLoaded(let data):
            if data.taskID == state.taskScreen?.taskID { state.taskScreen?.data = data }
        case .evaluated(let view, let notice):
            state.notice = notice
            state.taskScreen?.evaluating = false
            if let view, view.taskID == state.taskScreen?.taskID { state.taskScreen?.evaluation = view }
        case .datasetScreenLoaded(let data):
            guard var screen = state.datasetScreen, data.id == screen.datasetID else { return [] }
            screen.data = data
            screen.files = ListCursor()
            state.datasetScreen = screen
            return screen.previewEffect(in: state)
        case .previewLoaded(let preview):
            // Kept only while its file is still the one selected (a fast scroll skips the rest).
            if preview.path == state.datasetScreen?.selectedSample?.path { state.datasetScreen?.preview = preview }
        case .curvesLoaded(var data):
            // A late answer for a task no longer selected (or compared) is dropped.
            data.prepare(axis: state.curveOptions.axis, smoothing: state.curveOptions.smoothing)
            if data.taskID == state.selectedTask?.id { state.curves = data }
            if state.home.compared.contains(data.taskID) { state.comparedCurves[data.taskID] = data }
        case .curvesDelta(let id, let delta):
            // Applied where it belongs: only the points added are smoothed (CurveLines).
            if state.curves?.taskID == id { state.curves?.apply(delta) }
            state.comparedCurves[id]?.apply(delta)
        case .taskCreated(.failed(let notice)):
            // The form stays open with what was typed, the field the engine refused marked.
            state.notice = notice
            state.taskForm?.refusal = notice.text
            if let field = state.taskForm?.field(refusedBy: notice.text) { state.taskForm?.field = field }
        case .taskCreated(.created(let id, let notice)):
            // Focus on the new task, so `s` starts it as the notice says.
            return created(id, in: .tasks, notice: notice)
        case .datasetCreated(.failed(let notice)):
            state.notice = notice
        case .datasetCreated(.created(let id, let notice)):
            // The new dataset is selected, its import followed in the Datasets pane.
            return created(id, in: .datasets, notice: notice)
        case .done(let notice):
            state.notice = notice
            watched = nil  // what was done (a prediction, a resume) may change the task's curves and predictions
            // ... and what its screen shows (parameters just edited, a dataset split again).
            return [.reload] + (state.taskScreen.map { [.loadTaskScreen($0.taskID)] } ?? [])
                + (state.datasetScreen.map { [.loadDatasetScreen($0.datasetID)] } ?? [])
        case .review(let message):
            return receiveReview(message)
        case .servicesLoaded(let data):
            receiveServices(data)
        case .servicesChanged(let notice, let data):
            state.notice = notice
            receiveServices(data)
        case .notebooks(let message):
            return receiveNotebooks(message)
        case .imagePredicted(let prediction):
            // Kept only while its image is still the one selected.
            if prediction.path == state.datasetScreen?.selectedSample?.path { state.datasetScreen?.prediction = prediction }
            if let error = prediction.error { state.notice = Notice(text: error, isError: true) }
        case .preprocess(let message):
            return receivePreprocess(message)
        case .key(let key):
            return press(key)
        }
        return []
    }

    /// A form's task or dataset exists: the form closes, and it is selected in its pane (with the
    /// focus, and no filter hiding it) once the reload lists it.
    private mutating func created(_ id: String, in pane: HomePane, notice: Notice) -> [HomeEffect] {
        state.taskForm = nil
        state.fieldForm = nil
        state.notice = notice
        state.home.focus = pane
        state.home.filters[pane] = nil
        state.selectAfterLoad = PendingSelection(pane: pane, id: id)
        return [.reload]
    }

    /// A new reading of the workspace: selections kept by id, the end of a task told, open screens
    /// read again where what they show may have changed.
    private mutating func loaded(_ data: HomeData) -> [HomeEffect] {
        // Keep the same rows selected across a reload, even if rows were added before them.
        let selectedID = state.selectedDataset?.id
        let selectedTask = state.selectedTask?.id
        if let ended = Self.endedTask(before: state.data?.tasks ?? [], after: data.tasks) { state.notice = ended }
        // An import into the open dataset has ended: its screen is read again.
        let openDataset = state.datasetScreen?.datasetID
        let openWasBusy = openDataset.flatMap { id in state.data?.datasets.first { $0.id == id } }?.isBusy == true
        let openIsBusy = openDataset.flatMap { id in data.datasets.first { $0.id == id } }?.isBusy == true
        state.data = data
        state.loading = false
        state.error = nil
        let wanted = state.selectAfterLoad
        state.selectAfterLoad = nil
        if let id = wanted?.pane == .datasets ? wanted?.id : selectedID, let i = state.visibleDatasets.firstIndex(where: { $0.id == id }) {
            state.home.datasets.selected = i
        }
        if let id = wanted?.pane == .tasks ? wanted?.id : selectedTask, let i = state.visibleTasks.firstIndex(where: { $0.id == id }) {
            state.home.tasks.selected = i
        }
        clampCursors()
        var effects: [HomeEffect] = [.scheduleTick]
        if openWasBusy && !openIsBusy, let id = openDataset { effects.append(.loadDatasetScreen(id)) }
        // The task screen's log and parameters: again on each load while the task runs.
        if let screen = state.taskScreen, let task = data.tasks.first(where: { $0.id == screen.taskID }), task.isActive || screen.data == nil {
            effects.append(.loadTaskScreen(task.id))
        }
        return effects
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

    /// A key: to what is being typed, else through the keymap to an action for the overlay or screen
    /// on top. This file never names a key.
    private mutating func press(_ key: Key) -> [HomeEffect] {
        if state.commandLine != nil { return typeCommand(key) }
        if state.question == nil {
            if state.taskForm != nil { return typeForm(key) }
            if state.fieldForm != nil { return typeFieldForm(key) }
            switch state.top {
            case .task(var screen)? where screen.log.typing != nil:
                let effects = screen.type(key, height: TaskScreenState.logHeight(state.size))
                state.taskScreen = screen
                return effects
            case .review(let review)? where review.isTyping:
                return typeReview(key)
            case .preprocess? where key != .interrupt:
                return typePreprocess(key)
            case nil where state.home.filterTyping:
                return typeFilter(key)
            default: break
            }
        }
        if case .mouse(let x, let y, let kind) = key { return mouse(x: x, y: y, kind) }
        state.notice = nil
        guard let action = state.keymap.action(for: key, in: state.keyContext) else {
            // Any other key closes the help, so nobody is stuck in it whatever their keymap.
            state.showHelp = false
            return []
        }
        return perform(action)
    }

    /// An action: the overlay's or the app's own (help, quit, other screens), else the top screen's,
    /// else Home's focused pane's.
    mutating func perform(_ action: Action) -> [HomeEffect] {
        if let question = state.question {
            state.question = nil
            return action == .confirm ? answer(question.onYes) : []
        }
        if state.showHelp, action == .close || action == .moveUp || action == .moveDown {
            if action == .close { state.showHelp = false }
            let hidden = max(0, HelpOverlay.entries(state).count - HelpOverlay.rows(state.size))
            state.helpOffset = min(hidden, max(0, state.helpOffset + (action == .moveUp ? -1 : action == .moveDown ? 1 : 0)))
            return []
        }
        let snapshot = state
        if var top = state.screens.popLast() {
            let effects = top.update(action, in: snapshot)
            state.screens.append(top)
            if let effects { return effects }
            if case .review = top, action == .editAttributes { return editAttributes() }
        } else if let effects = state.home.update(action, in: snapshot) {
            return effects
        }
        return performCommon(action)
    }

    /// What an action does on any screen: curves options, other screens, help, quit.
    private mutating func performCommon(_ action: Action) -> [HomeEffect] {
        if CurvesPane.update(action, options: &state.curveOptions, curves: state.curves) {
            prepareCurves()
            return []
        }
        switch action {
        case .quit:
            // Nothing of the UI's own is lost by quitting, except a form being filled in.
            if state.taskForm?.edited == true || state.fieldForm?.edited == true {
                return [.ask(Question(text: "Quit and lose the new task?", onYes: .quit))]
            }
            return [.quit]
        case .help:
            state.showHelp = true
            state.helpOffset = 0
        case .commandLine: state.commandLine = ""
        case .reload:
            state.loading = true
            return [.reload]
        case .gpuScreen:
            if case .gpu? = state.top { return [] }
            return [.push(.gpu(GPUScreenState()))]
        case .modelsScreen:
            if case .models? = state.top { return [] }
            return [.push(.models(ModelsScreenState())), .loadModels, .watchServices]
        case .close where state.top != nil:
            return [.pop]
        default: break
        }
        return []
    }

    /// What a yes does.
    private mutating func answer(_ answer: Question.Answer) -> [HomeEffect] {
        switch answer {
        case .discardForm:
            state.taskForm = nil
            state.fieldForm = nil
            return []
        case .quit:
            return [.quit]
        case .stopTask(let id):
            state.notice = Notice(text: "stopping \(id)…", isError: false)
            return [.task(.stop, id)]
        case .stopService(let id):
            state.notice = Notice(text: "stopping \(id)…", isError: false)
            return [.service(.stop, id)]
        case .removeService(let id):
            state.notice = Notice(text: "removing \(id)…", isError: false)
            if state.chosenService == id { state.chosenService = nil }
            return [.service(.remove, id)]
        case .stopNotebook(let id):
            state.notice = Notice(text: "stopping \(id)…", isError: false)
            return [.notebooks(.stop(id))]
        case .removeNotebook(let id):
            state.notice = Notice(text: "removing \(id)…", isError: false)
            return [.notebooks(.remove(id))]
        }
    }

    /// Keeps the curves' lines for the axis and smoothing chosen, so frames only read them.
    mutating func prepareCurves() {
        let (axis, smoothing) = (state.curveOptions.axis, state.curveOptions.smoothing)
        state.curves?.prepare(axis: axis, smoothing: smoothing)
        for id in state.comparedCurves.keys { state.comparedCurves[id]?.prepare(axis: axis, smoothing: smoothing) }
    }

    mutating func clampCursors() {
        let snapshot = state
        state.home.clamp(in: snapshot)
    }

    public func render(size: Size) -> Buffer { HomeView.render(state, size: size) }
}

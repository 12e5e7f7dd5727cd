import AIArtsEngine
import AIArtsRender

/// What a screen or pane asks for when it handles a key or a message: data, so tests can read it.
/// `HomeApp+Effects.swift` is the one place that turns effects into state changes and background work.
enum HomeEffect: Equatable {
    // The UI's own state.
    /// Say something in the footer until the next key.
    case notice(Notice)
    /// Ask a yes/no question first.
    case ask(Question)
    /// Open a screen over the one showing, or go back to the one under it.
    case push(Screen)
    case pop
    /// Open a dataset, project, parameters or attributes form, or the new-task form.
    case form(FieldForm)
    case taskForm(TaskForm)
    /// Select a task in the Tasks pane (focus moves there).
    case selectTask(String)

    // Background work; each answer comes back as a message.
    case quit
    /// Read the workspace again (datasets, projects, tasks).
    case reload
    /// While tasks run or imports go on, read it again after a while (one such wait at a time).
    case scheduleTick
    case loadTaskScreen(String)
    case loadDatasetScreen(String)
    /// Decode a dataset file for the dataset screen's preview at a pixel size.
    case loadPreview(DatasetScreenData.Sample, folder: String, pixels: Size)
    /// Compare models (the compare view), timing them first with `measure`.
    case compareModels([String], measure: Bool)
    case loadModels
    /// Watch the selected task's metrics (its curves) and read its latest prediction at a pixel size.
    case watchCurves(String, predictionPixels: Size)
    /// Read one image of the task's latest prediction (paging through them).
    case loadPrediction(String, index: Int, pixels: Size)
    /// Start or stop watching a compared task's metrics.
    case compare(String, watching: Bool)
    /// Do something to a task (start, stop, resume, predict, export).
    case task(TaskVerb, String)
    case evaluate(String)
    case createTask(TaskDraft)
    case setParams(String, [String: String])
    /// `dataset …` and `project …` from the command line or a form (see `WorkspaceCommandLine`).
    case workspace([String])
    /// A dataset from the form, created and (given a path) imported by one engine call.
    case createDataset(NewDataset)
    case openReview(ReviewRequest)
    case review(ReviewEffect)
    case saveAttributes(taskID: String, sampleID: Int64, [AttributeField])
    /// Read the inference services now and every second while the Models screen is open.
    case watchServices
    /// Serve a model (its id goes with `.create`), stop or remove a service.
    case service(ServiceVerb, String)
    /// The service the dataset screen's predictions go to.
    case chooseService(String)
    /// Predict a dataset image through a service, drawn at the preview's pixel size.
    case predictImage(path: String, fullPath: String, pixels: Size)
    /// Stop or remove a notebook session, or read its endpoint (NotebookActions.swift).
    case notebooks(NotebookEffect)
    /// The preprocessing form's background work (HomeApp+Preprocess.swift).
    case preprocess(PreprocessEffect)
}

/// What can be done to a task from a key or the command line.
enum TaskVerb: String, Equatable, Sendable {
    case start, stop, resume, predict, export, pause, `continue`

    /// "resuming T0003…" while it runs.
    var doing: String {
        switch self {
        case .start: "starting"
        case .stop: "stopping"
        case .resume: "resuming"
        case .predict: "predicting with"
        case .export: "exporting"
        case .pause: "pausing"
        case .continue: "continuing"
        }
    }
}

/// A task as the new-task form describes it.
struct TaskDraft: Equatable, Sendable {
    var project: String
    var trainer: TaskTrainer
    var name: String
    var params: [String: String]
}

import AIArtsRender

/// A screen over Home. Screens stack: `:gpu` on a task screen opens the GPU screen over it, and Esc
/// goes back to the task. Each screen's state holds only what that screen shows; what every screen
/// shares (the workspace as read, the GPUs, the curves) stays in `HomeState`.
enum Screen: Equatable, Sendable {
    case task(TaskScreenState)
    case dataset(DatasetScreenState)
    case gpu(GPUScreenState)
    case models(ModelsScreenState)
    /// The Models screen's compare view.
    case modelCompare(ModelCompareView)
    case review(ReviewState)
    /// The preprocessing form over a dataset's screen; it takes every key itself (HomeApp+Preprocess.swift).
    case preprocess(PreprocessState)

    /// What an action does on this screen, its state changed in place; nil for the actions it leaves
    /// to the app (help, quit, the curves' keys, other screens). The review screen's own effects come
    /// back wrapped.
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        switch self {
        case .task(var s): defer { self = .task(s) }; return s.update(action, in: home)
        case .dataset(var s): defer { self = .dataset(s) }; return s.update(action, in: home)
        case .gpu(var s): defer { self = .gpu(s) }; return s.update(action, in: home)
        case .models(var s): defer { self = .models(s) }; return s.update(action, in: home)
        case .modelCompare(var s): defer { self = .modelCompare(s) }; return s.update(action, in: home)
        case .review(var s): defer { self = .review(s) }; return s.perform(action)?.map(HomeEffect.review)
        case .preprocess: return []
        }
    }

    /// Where keys are looked up while this screen is on top.
    var context: KeyContext {
        switch self {
        case .task: .task
        case .dataset: .dataset
        case .gpu: .gpu
        case .models, .modelCompare: .models
        case .review: .review
        case .preprocess: .dataset
        }
    }
}

/// Reading and writing the screen stack. The stack is the only record of what is showing; these
/// are views of it. Setting a screen's state replaces it where it is in the stack (the top one of
/// its kind), pushes it when none is open, and setting nil closes the top one of its kind.
extension HomeState {
    var top: Screen? { screens.last }

    private mutating func replace(_ screen: Screen?, where matches: (Screen) -> Bool) {
        let index = screens.lastIndex(where: matches)
        switch (index, screen) {
        case (let i?, let s?): screens[i] = s
        case (let i?, nil): screens.remove(at: i)
        case (nil, let s?): screens.append(s)
        case (nil, nil): break
        }
    }

    var taskScreen: TaskScreenState? {
        get { last { if case .task(let s) = $0 { s } else { nil } } }
        set { replace(newValue.map(Screen.task)) { if case .task = $0 { true } else { false } } }
    }

    var datasetScreen: DatasetScreenState? {
        get { last { if case .dataset(let s) = $0 { s } else { nil } } }
        set { replace(newValue.map(Screen.dataset)) { if case .dataset = $0 { true } else { false } } }
    }

    var gpuScreen: GPUScreenState? {
        get { last { if case .gpu(let s) = $0 { s } else { nil } } }
        set { replace(newValue.map(Screen.gpu)) { if case .gpu = $0 { true } else { false } } }
    }

    var modelsScreen: ModelsScreenState? {
        get { last { if case .models(let s) = $0 { s } else { nil } } }
        set { replace(newValue.map(Screen.models)) { if case .models = $0 { true } else { false } } }
    }

    var modelCompare: ModelCompareView? {
        get { last { if case .modelCompare(let s) = $0 { s } else { nil } } }
        set { replace(newValue.map(Screen.modelCompare)) { if case .modelCompare = $0 { true } else { false } } }
    }

    var review: ReviewState? {
        get { last { if case .review(let s) = $0 { s } else { nil } } }
        set { replace(newValue.map(Screen.review)) { if case .review = $0 { true } else { false } } }
    }

    /// The state of the top screen of one kind.
    private func last<T>(_ state: (Screen) -> T?) -> T? { screens.lazy.reversed().compactMap(state).first }

    /// The task whose screen is on top (a screen under another one is not "open").
    var openTaskID: String? { if case .task(let s)? = top { s.taskID } else { nil } }
    var openDatasetID: String? { if case .dataset(let s)? = top { s.datasetID } else { nil } }
}

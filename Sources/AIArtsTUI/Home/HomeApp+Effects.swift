import AIArtsEngine
import AIArtsRender
import Foundation

/// The one interpreter of effects: each becomes a change of the UI's own state or a command for
/// the loop (background work whose answer comes back as a message). Screens and panes never run
/// anything themselves, so what a key does can be read off the effects it returns.
extension HomeApp {
    mutating func run(_ effects: [HomeEffect]) -> [Command<HomeMessage>] {
        var commands: [Command<HomeMessage>] = []
        var queue = effects[...]
        while let effect = queue.popFirst() {
            switch effect {
            case .notice(let notice): state.notice = notice
            case .ask(let question): state.question = question
            case .push(let screen):
                state.screens.append(screen)
                state.showHelp = false
            case .pop:
                if case .review? = state.top { commands.append(.unwatch(key: "review-hide")) }
                _ = state.screens.popLast()
                clampCursors()
            case .form(let form): state.fieldForm = form
            case .taskForm(let form): state.taskForm = form
            case .selectTask(let id):
                state.screens = []
                state.home.focus = .tasks
                state.home.filters[.tasks] = nil
                if let index = state.visibleTasks.firstIndex(where: { $0.id == id }) { state.home.tasks.selected = index }
                clampCursors()
            case .quit: commands.append(.quit)
            case .reload: commands.append(reload())
            case .scheduleTick:
                if let tick = scheduleTick() { commands.append(tick) }
            case .loadTaskScreen(let id):
                let load = loadTaskScreen
                commands.append(.perform { load(id) })
            case .loadDatasetScreen(let id):
                let load = loadDatasetScreen
                commands.append(.perform { load(id) })
            case .loadPreview(let sample, let folder, let pixels):
                let load = loadPreview, full = URL(fileURLWithPath: folder).appendingPathComponent(sample.storedPath).path
                commands.append(.perform { load(sample.path, full, sample, pixels.width, pixels.height) })
            case .loadModels:
                commands.append(.perform(loadModels))
            case .compareModels(let refs, let measure):
                let compare = compareModels
                commands.append(.perform { compare(refs, measure) })
            case .watchCurves(let id, let pixels):
                let watch = watchCurves, load = loadPredictions
                commands.append(.watch(key: "curves") { post in
                    DispatchQueue.global(qos: .utility).async { post(load(id, 0, pixels)) }
                    return watch(id, post)
                })
            case .loadPrediction(let id, let index, let pixels):
                let load = loadPredictions
                commands.append(.perform { load(id, index, pixels) })
            case .compare(let id, let watching):
                let key = "compare-\(id)", watch = watchCurves
                if !watching { state.comparedCurves[id] = nil }
                commands.append(watching ? .watch(key: key) { post in watch(id, post) } : .unwatch(key: key))
            case .task(let verb, let id):
                let work: @Sendable (String) -> Notice = switch verb {
                case .start: actions.start
                case .stop: actions.stop
                case .resume: actions.resume
                case .predict: actions.predict
                case .export: actions.export
                case .pause: actions.pause
                case .continue: actions.continueTask
                }
                commands.append(.perform { .done(work(id)) })
            case .evaluate(let id):
                let evaluate = actions.evaluate
                commands.append(.perform { evaluate(id) })
            case .createTask(let draft):
                let create = actions.create
                commands.append(.perform { .taskCreated(create(draft.project, draft.trainer, draft.name, draft.params)) })
            case .setParams(let id, let values):
                let set = actions.setParams
                commands.append(.perform { .done(set(id, values)) })
            case .workspace(let words):
                let run = actions.workspaceCommand
                commands.append(.perform { .done(run(words)) })
            case .createDataset(let request):
                let create = actions.createDataset
                commands.append(.perform { .datasetCreated(create(request)) })
            case .openReview(let request):
                // A review asked for over another replaces it.
                if case .review? = state.top { _ = state.screens.popLast() }
                state.screens.append(.review(ReviewState(request: request)))
                state.showHelp = false
                commands.append(openReviewCommand(request))
            case .review(let review):
                commands += runReview(review)
            case .saveAttributes(let task, let sample, let fields):
                let set = reviewActions.setAttributes
                commands.append(.perform { .review(set(task, sample, fields)) })
            case .watchServices:
                servicesWatched = true
                commands.append(.watch(key: "services", start: watchServices))
            case .service(let verb, let id):
                let actions = serviceActions
                let work: @Sendable (String) -> Notice = switch verb {
                case .create: actions.create
                case .stop: actions.stop
                case .remove: actions.remove
                }
                let load = loadServices
                commands.append(.perform { .servicesChanged(work(id), load()) })
            case .chooseService(let id):
                state.chosenService = id
                state.notice = Notice(text: "predictions from the dataset screen (P) go to \(id)", isError: false)
            case .predictImage(let path, let fullPath, let pixels):
                let predict = serviceActions.predict, chosen = state.chosenService
                commands.append(.perform { .imagePredicted(predict(path, fullPath, chosen, pixels)) })
            case .notebooks(let effect):
                commands += runNotebooks(effect)
            case .preprocess(let effect):
                commands += runPreprocess(effect)
            }
        }
        // The services are read only while a Models screen is open.
        if servicesWatched && state.modelsScreen == nil {
            servicesWatched = false
            commands.append(.unwatch(key: "services"))
        }
        return commands
    }

    /// While a task runs or an import goes on, look again after `refreshInterval` (a background
    /// sleep: the loop itself stays blocked in poll). Nothing running, nothing scheduled: an idle
    /// UI does no work.
    mutating func scheduleTick() -> Command<HomeMessage>? {
        guard !tickPending, state.data?.tasks.contains(where: \.isActive) == true || state.data?.datasets.contains(where: \.isBusy) == true
        else { return nil }
        tickPending = true
        let interval = refreshInterval
        return .perform { Thread.sleep(forTimeInterval: interval); return .tick }
    }
}

/// What a key asks the UI to do. Views switch on actions, never on keys; keymap files name actions
/// by their raw value (`move_up = ["up", "k"]`).
public enum Action: String, CaseIterable, Sendable {
    case moveUp = "move_up"
    case moveDown = "move_down"
    case pageUp = "page_up"
    case pageDown = "page_down"
    case first
    case last
    case nextPane = "next_pane"
    case previousPane = "previous_pane"
    case reload
    case help
    case quit
    case close
    case xAxis = "x_axis"
    case smoothMore = "smoothing_more"
    case smoothLess = "smoothing_less"
    case logScale = "log_scale"
    case outliers
    /// Curves: narrow or widen the x range shown, move it left or right (the focused Curves pane, the task screen).
    case zoomIn = "zoom_in"
    case zoomOut = "zoom_out"
    case panLeft = "pan_left"
    case panRight = "pan_right"
    /// Curves: hide or show the selected series. Predictions: nothing.
    case hideSeries = "hide_series"
    /// The focused pane's previous or next item: a series of the curves, an image of the predictions.
    case previousItem = "previous_item"
    case nextItem = "next_item"
    case gpuScreen = "gpu_screen"
    case modelsScreen = "models_screen"
    case commandLine = "command_line"
    case newTask = "new_task"
    case newProject = "new_project"
    case evaluate
    case resumeTask = "resume_task"
    case predictTask = "predict_task"
    case exportTask = "export_task"
    case filter
    case open
    case search
    case nextMatch = "next_match"
    case filterLabel = "filter_label"
    case filterSplit = "filter_split"
    case importData = "import_data"
    case splitData = "split_data"
    case exportData = "export_data"
    case sort
    case openTask = "open_task"
    case startTask = "start_task"
    case compareTask = "compare_task"
    case editParams = "edit_params"
    case stopTask = "stop_task"
    /// Pauses the running task (SIGSTOP; it keeps its GPU memory) or continues the paused one.
    case pauseTask = "pause_task"
    case confirm
    case cancel
    /// Opens the review screen over the dataset screen's label and split filter.
    case review
    /// Predicts the dataset screen's image through a ready inference service (docs/ui.md, "Services").
    case predictImage = "predict_image"
    /// Opens the preprocessing form over the dataset screen (docs/ui.md, "Preprocessing").
    case preprocessData = "preprocess_data"
    // The Models screen's Services list (docs/inference.md).
    case serveModel = "serve_model"
    case stopService = "stop_service"
    case removeService = "remove_service"
    // The Models screen's compare view (docs/ui.md, "Comparing models").
    case compareModels = "compare_models"
    case measureModels = "measure_models"
    // The review screen (docs/review.md, "Review screen").
    case class1 = "class_1", class2 = "class_2", class3 = "class_3", class4 = "class_4", class5 = "class_5"
    case class6 = "class_6", class7 = "class_7", class8 = "class_8", class9 = "class_9", class10 = "class_10"
    case pickLabel = "pick_label"
    case accept
    case autoAdvance = "auto_advance"
    case previousSample = "previous_sample"
    case nextSample = "next_sample"
    case nextUnreviewed = "next_unreviewed"
    case flag
    case markBad = "mark_bad"
    case nextBox = "next_box"
    case previousBox = "previous_box"
    case deleteBox = "delete_box"
    case chooseEdge = "choose_edge"
    case nudgeBack = "nudge_back"
    case nudgeForward = "nudge_forward"
    case nudgeBackFast = "nudge_back_fast"
    case nudgeForwardFast = "nudge_forward_fast"
    case hideOverlays = "hide_overlays"
    case note
    case acceptSuggestion = "accept_suggestion"
    case undo
    case redo
    case editAttributes = "edit_attributes"

    /// The class a number key assigns: class_1 … class_10 are the first ten labels (0 … 9).
    public var classIndex: Int? {
        let all: [Action] = [.class1, .class2, .class3, .class4, .class5, .class6, .class7, .class8, .class9, .class10]
        return all.firstIndex(of: self)
    }
}

/// Where a key is pressed: each context has its own bindings, so one key may mean different things in
/// the Home view and in the help overlay.
public enum KeyContext: String, CaseIterable, Sendable {
    case home
    case help
    /// A yes/no question (stopping a task).
    case confirm
    /// The full GPU screen: processes, sortable.
    case gpu
    /// The Models screen: the registry's models and their versions.
    case models
    /// A task's screen: its parameters, checkpoints, log and curves.
    case task
    /// A dataset's screen: labels, files, the image with its boxes.
    case dataset
    /// The review screen: one sample at a time, its label or boxes, decisions saved at once.
    case review

    /// The actions that mean something here. A keymap that binds another one is refused, so a typo'd
    /// section or a misplaced line is reported rather than ignored.
    public var actions: [Action] {
        switch self {
        case .home: [.moveUp, .moveDown, .pageUp, .pageDown, .first, .last, .nextPane, .previousPane, .reload,
                     .open, .startTask, .stopTask, .pauseTask, .compareTask, .xAxis, .smoothMore, .smoothLess, .logScale, .outliers, .zoomIn, .zoomOut, .panLeft, .panRight,
                     .hideSeries, .previousItem, .nextItem, .gpuScreen, .modelsScreen, .filter, .close, .newTask, .newProject, .commandLine, .help, .quit]
        case .help: [.close, .moveUp, .moveDown, .quit]
        case .confirm: [.confirm, .cancel]
        case .gpu: [.moveUp, .moveDown, .sort, .openTask, .commandLine, .close, .help, .quit]
        case .models: [.moveUp, .moveDown, .nextPane, .previousPane, .open, .serveModel, .stopService, .removeService,
                       .compareTask, .compareModels, .measureModels,
                       .commandLine, .close, .help, .quit]
        case .dataset: [.moveUp, .moveDown, .pageUp, .pageDown, .first, .last, .filterLabel, .filterSplit, .importData, .splitData, .exportData,
                        .review, .predictImage, .preprocessData, .commandLine, .close, .help, .quit]
        case .review: [.class1, .class2, .class3, .class4, .class5, .class6, .class7, .class8, .class9, .class10, .pickLabel,
                       .accept, .autoAdvance, .previousSample, .nextSample, .nextUnreviewed, .flag, .markBad, .nextBox, .previousBox,
                       .deleteBox, .chooseEdge, .nudgeBack, .nudgeForward, .nudgeBackFast, .nudgeForwardFast, .hideOverlays, .note,
                       .acceptSuggestion, .undo, .redo, .editAttributes, .commandLine, .close, .help, .quit]
        case .task: [.moveUp, .moveDown, .pageUp, .pageDown, .first, .last, .search, .nextMatch, .startTask, .stopTask, .pauseTask, .editParams, .evaluate, .resumeTask, .predictTask, .exportTask,
                     .xAxis, .smoothMore, .smoothLess, .logScale, .outliers, .zoomIn, .zoomOut, .panLeft, .panRight, .hideSeries,
                     .previousItem, .nextItem, .commandLine, .close, .help, .quit]
        }
    }
}

/// How the help overlay and the footer describe actions. Pairs of opposite actions share one line.
enum ActionHelp {
    /// One line of help: the actions whose keys it lists, and what it says they do.
    struct Line {
        var actions: [Action]
        var text: String
        /// Shorter text for the footer; nil keeps the line out of the footer.
        var footer: String?
        /// Whether the footer shows both actions' keys ("↑↓/jk") or only the first action's first key.
        var footerShowsPairs = false

        /// Whether the two actions are opposite moves whose keys read best side by side ("↑ ↓  j k");
        /// otherwise the line says "A / B" and its keys are listed the same way ("v / M").
        var opposite: Bool {
            [[.moveUp, .moveDown], [.pageUp, .pageDown], [.first, .last], [.nextPane, .previousPane], [.zoomIn, .zoomOut], [.panLeft, .panRight], [.previousItem, .nextItem],
             [.smoothMore, .smoothLess]].contains(actions)
        }
    }

    static func lines(for context: KeyContext, pane: HomePane) -> [Line] {
        switch context {
        case .home:
            let labels = pane == .detail
            var lines = [
                Line(actions: [.moveUp, .moveDown], text: labels ? "scroll the labels" : "move the selection",
                     footer: labels ? "labels" : "move", footerShowsPairs: true),
                Line(actions: [.pageUp, .pageDown], text: "move by a page"),
                Line(actions: [.first, .last], text: "first / last row"),
                Line(actions: [.nextPane, .previousPane], text: "next / previous pane", footer: "next pane"),
                Line(actions: [.reload], text: "reload the workspace", footer: "reload"),
            ]
            lines.append(Line(actions: [.open], text: "open the selected dataset's or task's screen",
                              footer: pane == .tasks || pane == .datasets ? "open" : nil))
            // Task keys only say so in the footer where they act, but help lists them everywhere.
            lines.append(Line(actions: [.startTask], text: "start the selected task (Tasks pane)", footer: pane == .tasks ? "start" : nil))
            lines.append(Line(actions: [.stopTask], text: "stop the selected task, after a yes (Tasks pane)", footer: pane == .tasks ? "stop" : nil))
            lines.append(Line(actions: [.pauseTask], text: "pause the selected running task / continue a paused one; paused, it keeps its GPU memory (Tasks pane)",
                              footer: pane == .tasks ? "pause" : nil))
            lines.append(Line(actions: [.compareTask], text: "mark / unmark the selected task to compare: its curves are drawn with the selected one's (Tasks pane)",
                              footer: pane == .tasks ? "compare" : nil))
            lines.append(Line(actions: [.newTask, .newProject], text: "new: a task (Tasks pane) or a dataset to import (Datasets pane) / a project",
                              footer: pane == .detail ? nil : "new"))
            lines += [
                Line(actions: [.xAxis, .logScale], text: "curves: x in steps, epochs or time / linear or log y"),
                Line(actions: [.smoothMore, .smoothLess], text: "curves: more / less smoothing"),
                Line(actions: [.outliers], text: "curves: fit y without outliers (1st–99th percentile) / to everything"),
                Line(actions: [.zoomIn, .zoomOut], text: "curves: zoom the x range in / out (Curves pane)", footer: pane == .curves ? "zoom" : nil),
                Line(actions: [.panLeft, .panRight], text: "curves: move the x range left / right", footer: pane == .curves ? "pan" : nil),
                Line(actions: [.previousItem, .nextItem], text: "previous / next: series of the curves, image of the predictions",
                     footer: pane == .curves ? "series" : pane == .predictions ? "image" : nil),
                Line(actions: [.hideSeries], text: "curves: hide / show the selected series", footer: pane == .curves ? "hide" : nil),
                Line(actions: [.gpuScreen, .modelsScreen], text: "the GPU screen (processes, sortable) / the Models screen", footer: "GPUs"),
                Line(actions: [.filter, .close], text: "filter the focused list (Enter keeps it) / clear a kept filter"),
                Line(actions: [.commandLine], text: "command line: task start T0001, open D0001, gpu, smoothing 0.8 … (Tab completes)"),
                Line(actions: [.help], text: "this help", footer: "help"),
                Line(actions: [.quit], text: "quit (training goes on)", footer: "quit"),
            ]
            return lines
        case .help:
            return [Line(actions: [.close], text: "close this help", footer: "close"),
                    Line(actions: [.moveUp, .moveDown], text: "scroll this help (when it is taller than the terminal)", footer: "scroll", footerShowsPairs: true)]
        case .confirm:
            return [Line(actions: [.confirm], text: "yes", footer: "yes"), Line(actions: [.cancel], text: "no", footer: "no")]
        case .dataset:
            return [
                Line(actions: [.moveUp, .moveDown], text: "dataset screen: move through the files", footer: "move", footerShowsPairs: true),
                Line(actions: [.pageUp, .pageDown], text: "dataset screen: move by a page"),
                Line(actions: [.first, .last], text: "dataset screen: first / last file"),
                Line(actions: [.filterLabel], text: "dataset screen: only files with the next label (then all)", footer: "label"),
                Line(actions: [.filterSplit], text: "dataset screen: only the next split (then all)", footer: "split"),
                Line(actions: [.importData], text: "import more files into this dataset: path and format", footer: "import"),
                Line(actions: [.splitData], text: "split it again at random: val and test fractions", footer: "split again"),
                Line(actions: [.exportData], text: "export it: destination folder and format", footer: "export"),
                Line(actions: [.review], text: "review these files one at a time (the label and split filter apply)", footer: "review"),
                Line(actions: [.predictImage], text: "predict the image through the chosen (or the only ready) inference service; the result is drawn over it",
                     footer: "predict"),
                Line(actions: [.preprocessData], text: "preprocess: an op list previewed on the image, then into a new dataset or added as copies",
                     footer: "preprocess"),
                Line(actions: [.close], text: "back to Home", footer: "back"),
            ]
        case .task:
            return [
                Line(actions: [.moveUp, .moveDown], text: "task screen: scroll the log", footer: "scroll", footerShowsPairs: true),
                Line(actions: [.pageUp, .pageDown], text: "task screen: scroll the log by a page"),
                Line(actions: [.last, .first], text: "task screen: follow the log's end / go to its top", footer: "follow"),
                Line(actions: [.search, .nextMatch], text: "task screen: search the log / next match", footer: "search"),
                Line(actions: [.startTask], text: "start the task", footer: "start"),
                Line(actions: [.stopTask], text: "stop the task, after a yes", footer: "stop"),
                Line(actions: [.pauseTask], text: "pause the running task / continue it; paused, it keeps its GPU memory", footer: "pause"),
                Line(actions: [.editParams], text: "edit its parameters (before it is started)", footer: "params"),
                Line(actions: [.evaluate], text: "evaluate its best checkpoint on val (confusion matrix, per-class AP)", footer: "eval"),
                Line(actions: [.resumeTask], text: "resume it from its last checkpoint", footer: "resume"),
                Line(actions: [.predictTask], text: "predict the test split with its best checkpoint (Predictions pane)", footer: "predict"),
                Line(actions: [.exportTask], text: "export its best checkpoint to the model registry (checked by loading it back)", footer: "export"),
                Line(actions: [.xAxis], text: "curves: x axis in steps, epochs or time"),
                Line(actions: [.smoothMore, .smoothLess], text: "curves: more / less smoothing"),
                Line(actions: [.logScale], text: "curves: linear / log y"),
                Line(actions: [.outliers], text: "curves: fit y without outliers / to everything"),
                Line(actions: [.zoomIn, .zoomOut], text: "curves: zoom the x range in / out"),
                Line(actions: [.panLeft, .panRight], text: "curves: move the x range left / right"),
                Line(actions: [.previousItem, .nextItem], text: "curves: previous / next series"),
                Line(actions: [.hideSeries], text: "curves: hide / show the selected series"),
                Line(actions: [.close], text: "back to Home", footer: "back"),
            ]
        case .review:
            return ReviewHelp.lines
        case .gpu:
            return [
                Line(actions: [.moveUp, .moveDown], text: "GPU screen: move", footer: "move", footerShowsPairs: true),
                Line(actions: [.sort], text: "GPU screen: sort by memory, GPU, pid or task", footer: "sort"),
                Line(actions: [.openTask], text: "GPU screen: go to the process's task", footer: "open task"),
                Line(actions: [.close], text: "GPU screen: back", footer: "back"),
            ]
        case .models:
            return [
                Line(actions: [.moveUp, .moveDown], text: "Models screen: move", footer: "move", footerShowsPairs: true),
                Line(actions: [.nextPane, .previousPane], text: "Models screen: move between the models, the services and the notebook sessions", footer: "services"),
                Line(actions: [.serveModel], text: "serve the selected model: a new inference service (its newest version)", footer: "serve"),
                Line(actions: [.open], text: "Services: predictions from the dataset screen go to the selected service; Notebooks: show the URL and ssh -L line"),
                Line(actions: [.stopService, .removeService], text: "Services, Notebooks: stop the selected one / remove it and its folder (after a yes)",
                     footer: "stop"),
                Line(actions: [.compareTask], text: "Models screen: mark / unmark the selected model to compare", footer: "mark"),
                Line(actions: [.compareModels], text: "compare the marked models side by side (none marked: the selected model's versions)",
                     footer: "compare"),
                Line(actions: [.measureModels], text: "compare view: time each model on the CPU (in the background) and compare again"),
                Line(actions: [.close], text: "Models screen: back", footer: "back"),
            ]
        }
    }
}

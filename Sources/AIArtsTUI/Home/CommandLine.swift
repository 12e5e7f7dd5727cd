import AIArtsEngine
import AIArtsRender
import Foundation

/// The `:` command line: every action by name, with Tab completion of commands and ids
/// (`:task start T0003`, `:task create P0001 --trainer torch epochs=5`, `:open D0001`, `:gpu`, `:smoothing 0.8`).
enum CommandLineInput {
    /// What the command line understands, word by word, for completion and for `:help`.
    static let commands: [String: [String]] = [
        "task": ["start", "stop", "pause", "continue", "resume", "predict", "export", "create"],
        "open": [], "gpu": [], "models": [], "reload": [], "help": [], "quit": [],
        "axis": ["step", "epoch", "time"], "smoothing": [], "log": [],
        "dataset": ["create", "import", "split", "export"], "project": ["create", "set"], "review": [],
    ]

    /// The words that may come at the end of `text` (the word being typed), given the workspace's ids.
    static func candidates(_ text: String, state: HomeState) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let taskIDs = state.data?.tasks.map(\.id) ?? []
        let datasetIDs = state.data?.datasets.map(\.id) ?? []
        switch words.count {
        case 0, 1: return commands.keys.sorted()
        case 2: return words[0] == "open" ? datasetIDs + taskIDs : words[0] == "review" ? datasetIDs : commands[words[0]] ?? []
        case 3... where words[0] == "review":
            // key=value words: the splits and statuses, the dataset's labels, the tasks for order=.
            let labels = state.data?.datasets.first { $0.id == words[1] }?.labels.map { "label=" + $0.name } ?? []
            return Split.allCases.map { "split=" + $0.rawValue } + ReviewFilterStatus.allCases.map { "status=" + $0.rawValue }
                + labels + taskIDs.map { "order=" + $0 }
        case 3 where words[0] == "task" && words[1] == "create": return state.data?.projects.map(\.id) ?? []
        case 4... where words[0] == "task" && words[1] == "create":
            return ["--trainer", "--name"] + TaskTrainer.allCases.map(\.rawValue) + ["builtin"]
        case 3 where words[0] == "task": return taskIDs
        case 3 where words[0] == "dataset" && words[1] != "create": return datasetIDs
        case 3 where words[0] == "project" && words[1] == "set": return state.data?.projects.map(\.id) ?? []
        case 4 where words[0] == "project" && words[1] == "set":
            // A project takes a dataset of its own type only.
            let type = state.data?.projects.first { $0.id == words[2] }?.type
            return state.data?.datasets.filter { type == nil || $0.type == type }.map(\.id) ?? []
        case 4 where words[0] == "dataset" && words[1] == "create", 4 where words[0] == "project":
            return DatasetType.allCases.map(\.rawValue)
        case 5 where words[0] == "dataset" && words[1] != "split": return DatasetFormat.allCases.map(\.rawValue)
        case 5 where words[0] == "project": return datasetIDs
        default: return []
        }
    }

    /// `text` with its last word completed as far as the candidates agree (a space added when one
    /// fits), and the candidates that match what was typed (shown when there are several).
    static func complete(_ text: String, state: HomeState) -> (text: String, choices: [String]) {
        let prefix = String(text.split(separator: " ", omittingEmptySubsequences: false).last ?? "")
        let matches = candidates(text, state: state).filter { $0.hasPrefix(prefix) }
        guard let first = matches.first else { return (text, []) }
        var common = first
        for m in matches.dropFirst() { while !m.hasPrefix(common) { common.removeLast() } }
        let head = String(text.dropLast(prefix.count))
        return (head + common + (matches.count == 1 ? " " : ""), matches)
    }

    /// What a command line asks for.
    enum Request: Equatable {
        case action(Action)
        case task(TaskVerb, String)
        /// `task create P [--trainer T] [--name N] [key=value …]`.
        case createTask(TaskDraft)
        /// `dataset …` and `project create …`: done by the engine in the background.
        case workspace([String])
        case open(String)
        case review(ReviewRequest)
        case axis(CurveAxis)
        case smoothing(Double)
        case error(String)
    }

    static func parse(_ text: String) -> Request? {
        let words = text.split(separator: " ").map(String.init)
        guard let command = words.first else { return nil }
        let argument = words.count > 1 ? words[1] : nil
        switch (command, words.count) {
        case ("quit", 1), ("q", 1): return .action(.quit)
        case ("help", 1): return .action(.help)
        case ("reload", 1): return .action(.reload)
        case ("gpu", 1): return .action(.gpuScreen)
        case ("models", 1): return .action(.modelsScreen)
        case ("log", 1): return .action(.logScale)
        case ("open", 2): return .open(argument!)
        case ("review", 2...):
            switch ReviewRequest.parse(Array(words.dropFirst())) {
            case .success(let request): return .review(request)
            case .failure(let error): return .error(error.text)
            }
        case ("axis", 2): return CurveAxis(rawValue: argument!).map(Request.axis) ?? .error("axis is step, epoch or time")
        case ("smoothing", 2):
            guard let w = Double(argument!), (0...0.99).contains(w) else { return .error("smoothing is a number from 0 to 0.99") }
            return .smoothing(w)
        case ("dataset", 4...5) where ["create", "import", "split", "export"].contains(argument!),
             ("project", 4...5) where argument == "create", ("project", 4) where argument == "set":
            return .workspace(words)
        case ("task", 3...) where argument == "create":
            return parseCreate(Array(words.dropFirst(2)))
        case ("task", 3):
            guard let verb = TaskVerb(rawValue: argument!) else { return .error("task takes start, stop, pause, continue, resume, predict, export or create") }
            return .task(verb, words[2])
        default:
            return .error("unknown command: \(Sanitize.line(text)) (Tab completes; try task start T0001, open D0001, review D0002, dataset import D0001 PATH FORMAT, quit)")
        }
    }

    /// `P0001 [--trainer T] [--name N] [key=value …]`: the project, then options and parameters.
    static func parseCreate(_ words: [String]) -> Request {
        let usage = "task create P0001 [--trainer builtin|torch|command] [--name N] [key=value …]"
        guard let project = words.first, !project.hasPrefix("-"), !project.contains("=") else { return .error(usage) }
        var draft = TaskDraft(project: project, trainer: .aiartsTrain, name: "", params: [:])
        var rest = words.dropFirst()[...]
        while let word = rest.popFirst() {
            switch word {
            case "--trainer":
                guard let name = rest.popFirst(), let trainer = TaskTrainer(name: name) else {
                    return .error("--trainer is builtin, torch or command")
                }
                draft.trainer = trainer
            case "--name":
                guard let name = rest.popFirst() else { return .error(usage) }
                draft.name = name
            default:
                guard let eq = word.firstIndex(of: "="), eq != word.startIndex else { return .error("\(Sanitize.line(word)): parameters are key=value (\(usage))") }
                draft.params[String(word[..<eq])] = String(word[word.index(after: eq)...])
            }
        }
        return .createTask(draft)
    }
}

/// `dataset create NAME TYPE`, `dataset import ID PATH FORMAT`, `dataset split ID VAL TEST`,
/// `dataset export ID DEST FORMAT`, `project create NAME TYPE [DATASET]`, `project set P DATASET`, carried out by the
/// engine. An import starts on its own thread and is followed in the Datasets pane.
enum WorkspaceCommandLine {
    /// The new-dataset form: the dataset made, and its import started when the form named a
    /// source (`createDatasetAndImport`). Returns the new id and what to tell the user.
    static func createDataset(_ request: NewDataset, workspace: Workspace, directory: String) throws -> (id: String, notice: String) {
        guard let source = request.source?.trimmingCharacters(in: .whitespaces), !source.isEmpty else {
            let record = try workspace.createDataset(name: request.name, type: request.type)
            return (record.id, "\(record.id) created")
        }
        let url = URL(fileURLWithPath: source.hasPrefix("/") ? source : directory + "/" + source).standardizedFileURL
        let job = try workspace.createDatasetAndImport(name: request.name, type: request.type, from: url, format: request.format)
        return (job.datasetID, "\(job.datasetID) created; importing \(Sanitize.line(source)): its progress shows in the Datasets pane")
    }

    static func run(_ words: [String], workspace: Workspace, directory: String) throws -> String {
        func path(_ p: String) -> URL {
            URL(fileURLWithPath: p.hasPrefix("/") ? p : directory + "/" + p).standardizedFileURL
        }
        func type(_ t: String) throws -> DatasetType {
            guard let value = DatasetType(rawValue: t) else {
                throw AIArtsError(.invalidArgument, "\(t) is not a type: \(DatasetType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        func format(_ f: String) throws -> DatasetFormat {
            guard let value = DatasetFormat(rawValue: f) else {
                throw AIArtsError(.invalidArgument, "\(f) is not a format: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        switch (words[0], words[1], words.count) {
        case ("dataset", "create", 4):
            return "\(try workspace.createDataset(name: words[2], type: try type(words[3])).id) created"
        case ("dataset", "import", 5):
            // The engine marks the dataset as importing before it returns, so the pane follows it
            // from its next reload; a refusal (no such folder, a wrong format) is there at once.
            let job = workspace.startImport(words[2], from: path(words[3]), format: try format(words[4]))
            if case .failure(let error)? = job.result { throw error }
            return "importing into \(words[2]); its progress shows in the Datasets pane"
        case ("dataset", "split", 5):
            guard let val = Double(words[3]), let test = Double(words[4]) else { throw AIArtsError(.invalidArgument, "split takes two fractions, e.g. 0.2 0.1") }
            let counts = try workspace.split(words[2], val: val, test: test, seed: 1)
            return "\(words[2]) split: " + ["train", "val", "test"].map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: " · ")
        case ("dataset", "export", 5):
            try workspace.exportDataset(words[2], format: try format(words[4]), to: path(words[3]))
            return "\(words[2]) exported to \(path(words[3]).path)"
        case ("project", "create", 4), ("project", "create", 5):
            let record = try workspace.createProject(name: words[2], type: try type(words[3]), datasetID: words.count == 5 ? words[4] : nil)
            return "\(record.id) created"
        case ("project", "set", 4):
            let record = try workspace.setProjectDataset(words[2], datasetID: words[3])
            return "\(record.id) now trains on \(words[3]); tasks that have run keep their dataset"
        default:
            throw AIArtsError(.invalidArgument, "dataset create NAME TYPE · dataset import ID PATH FORMAT · dataset split ID VAL TEST · dataset export ID DEST FORMAT · project create NAME TYPE [DATASET] · project set P DATASET")
        }
    }
}

import AIArtsEngine
import AIArtsRender
import Foundation

/// What creating a task from the form gave: the new task's id, or why not (the form stays open).
public enum TaskCreation: Sendable, Equatable {
    case created(String, Notice)
    case failed(Notice)
}

/// A dataset the new-dataset form asks for: its name and type, and optionally where to import from.
public struct NewDataset: Sendable, Equatable {
    public var name: String
    public var type: DatasetType
    /// A folder, archive or annotation file, as typed (relative to the folder aiarts runs in).
    public var source: String?
    public var format: DatasetFormat

    public init(name: String, type: DatasetType, source: String? = nil, format: DatasetFormat = .imagenet) {
        self.name = name; self.type = type; self.source = source; self.format = format
    }
}

/// What creating a dataset from the form gave: its id (its import, when one was asked for, runs
/// on and shows in the Datasets pane), or why not (nothing was created).
public enum DatasetCreation: Sendable, Equatable {
    case created(String, Notice)
    case failed(Notice)
}

/// What the Home view asks the engine to do to tasks; each runs on the background queue.
public struct TaskActions: Sendable {
    public var start: @Sendable (String) -> Notice
    public var stop: @Sendable (String) -> Notice
    public var resume: @Sendable (String) -> Notice
    /// Pauses a running task / continues a paused one (TaskPauseKeys.swift).
    public var pause: @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) }
    public var continueTask: @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) }
    /// Predicts on the test split (else val) with a task's best checkpoint; exports it to the registry.
    public var predict: @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) }
    public var export: @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) }
    /// Datasets and projects from the command line (`dataset import …`, `project create …`).
    public var workspaceCommand: @Sendable ([String]) -> Notice = { _ in Notice(text: "no engine", isError: true) }
    /// Evaluates a task's best checkpoint on its val split.
    public var evaluate: @Sendable (String) -> HomeMessage = { _ in .evaluated(nil, Notice(text: "no engine", isError: true)) }
    /// Creates a task: project, trainer, name, parameters.
    public var create: @Sendable (String, TaskTrainer, String, [String: String]) -> TaskCreation
    /// Changes parameters of a task not yet started, all or none.
    public var setParams: @Sendable (String, [String: String]) -> Notice = { _, _ in Notice(text: "no engine", isError: true) }
    /// Creates a dataset and, when the form named a source, starts importing it (the engine's
    /// `createDatasetAndImport`): the new id comes back at once.
    public var createDataset: @Sendable (NewDataset) -> DatasetCreation = { _ in .failed(Notice(text: "no engine", isError: true)) }

    public init(start: @escaping @Sendable (String) -> Notice, stop: @escaping @Sendable (String) -> Notice,
                resume: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                create: @escaping @Sendable (String, TaskTrainer, String, [String: String]) -> TaskCreation = { _, _, _, _ in .failed(Notice(text: "no engine", isError: true)) },
                workspaceCommand: @escaping @Sendable ([String]) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                predict: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                export: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                evaluate: @escaping @Sendable (String) -> HomeMessage = { _ in .evaluated(nil, Notice(text: "no engine", isError: true)) },
                setParams: @escaping @Sendable (String, [String: String]) -> Notice = { _, _ in Notice(text: "no engine", isError: true) },
                createDataset: @escaping @Sendable (NewDataset) -> DatasetCreation = { _ in .failed(Notice(text: "no engine", isError: true)) }) {
        self.start = start; self.stop = stop; self.resume = resume; self.create = create; self.evaluate = evaluate; self.setParams = setParams
        self.predict = predict; self.export = export; self.workspaceCommand = workspaceCommand; self.createDataset = createDataset
    }

    /// Says what the engine did, or why it could not.
    static func notice(_ work: () throws -> String) -> Notice {
        do { return Notice(text: try work(), isError: false) } catch {
            return Notice(text: Sanitize.line((error as? AIArtsError)?.message ?? "\(error)"), isError: true)
        }
    }

    public static func engine(_ workspace: Workspace, executable: String) -> TaskActions {
        let worker = QueueWorker(executable: executable)
        // Relative paths typed in forms (a startup file, an import source) are taken from where aiarts was started.
        let directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        var actions = TaskActions(
            start: { id in notice {
                switch try workspace.startTask(id, worker: worker) {
                case .waitingGPU(_, let reason): return "\(id) waits: \(reason)"
                case .running: return "\(id) started"
                case .other(let record): return "\(id) \(record.status): \(record.statusMessage)"
                }
            } },
            stop: { id in notice { "\(id) \(try workspace.stopTask(id).status)" } },
            resume: { id in notice { "\(id) \(try workspace.resumeTask(id, worker: worker).record.statusMessage)" } },
            create: { project, trainer, name, params in
                do {
                    let record = try workspace.createTask(TaskSpec(projectID: project, origin: .trainer(trainer), name: name.isEmpty ? nil : name,
                                                                   params: params, baseDirectory: directory))
                    return .created(record.id, Notice(text: "\(record.id) created in \(project): s starts it", isError: false))
                } catch {
                    return .failed(Notice(text: Sanitize.line((error as? AIArtsError)?.message ?? "\(error)"), isError: true))
                }
            },
            workspaceCommand: { words in notice {
                try WorkspaceCommandLine.run(words, workspace: workspace, directory: FileManager.default.currentDirectoryPath)
            } },
            predict: { id in notice {
                let result = try workspace.predictTask(id, split: .test)
                return "\(id): \(result.images.count) predictions in \(result.folder)"
            } },
            export: { id in notice {
                let result = try workspace.exportTask(id)
                return "\(id) exported as \(result.model.model.id) \(result.model.version.name): \(result.check)"
            } },
            evaluate: { id in
                do {
                    let result = try workspace.evaluateTask(id)
                    return .evaluated(EvaluationView(result), Notice(text: "\(id) evaluated on \(result.report.split)", isError: false))
                } catch {
                    return .evaluated(nil, Notice(text: Sanitize.line((error as? AIArtsError)?.message ?? "\(error)"), isError: true))
                }
            },
            setParams: { id, values in notice {
                try workspace.setTaskParams(id, values, baseDirectory: directory)
                return "\(id): " + values.keys.sorted().map { "\($0)=\(values[$0] ?? "")" }.joined(separator: " ")
            } },
            createDataset: { request in
                do {
                    let (id, text) = try WorkspaceCommandLine.createDataset(request, workspace: workspace, directory: directory.path)
                    return .created(id, Notice(text: text, isError: false))
                } catch {
                    return .failed(Notice(text: Sanitize.line((error as? AIArtsError)?.message ?? "\(error)"), isError: true))
                }
            })
        actions.pause = { id in notice {
            let record = try workspace.pauseTask(id)
            return "\(id) " + (workspace.pausedNote(record) ?? record.status)
        } }
        actions.continueTask = { id in notice { "\(id) \(try workspace.continueTask(id).status)" } }
        return actions
    }

    /// For views without an engine (tests): every action says it can't.
    public static let none = TaskActions(start: { _ in Notice(text: "no engine", isError: true) },
                                         stop: { _ in Notice(text: "no engine", isError: true) })
}

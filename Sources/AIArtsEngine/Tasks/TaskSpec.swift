import Foundation

/// What a front end asks for when it creates a task: the CLI's `task create`, the UI's form, the
/// HTTP API. Every rule about it is applied by `Workspace.createTask(_:)`, so each front end gets
/// the same checks: a derived task stays in its parent's project, and a startup file named
/// relative to where the user is becomes an absolute path (the task runs later, from its own folder).
public struct TaskSpec: Sendable, Equatable {
    /// Where the task's trainer and starting weights come from.
    public enum Origin: Sendable, Equatable {
        /// A new task of this trainer, from its defaults.
        case trainer(TaskTrainer)
        /// Derived from another task: its trainer and parameters, starting from the weights it saved
        /// at `epoch` (nil: its best).
        case derived(from: String, epoch: Int?)
    }

    public var projectID: String
    public var origin: Origin
    public var name: String?
    public var description: String
    public var params: [String: String]
    /// The folder relative paths in `params` (`startup_file`) are taken from: where the user is
    /// (the CLI's and the UI's working folder). nil: such a path must be absolute already.
    public var baseDirectory: URL?

    public init(projectID: String, origin: Origin = .trainer(.aiartsTrain), name: String? = nil, description: String = "",
                params: [String: String] = [:], baseDirectory: URL? = nil) {
        self.projectID = projectID; self.origin = origin; self.name = name; self.description = description
        self.params = params; self.baseDirectory = baseDirectory
    }
}

extension TaskParams {
    /// Parameters that name a file the task reads when it runs: made absolute against the folder
    /// the user named them from.
    public static let pathKeys: Set<String> = ["startup_file"]

    /// `params` with each relative path of `pathKeys` made absolute against `base`. Without a base
    /// a relative path is left as given (validation then refuses it, saying to give an absolute path).
    public static func resolvingPaths(_ params: [String: String], base: URL?) -> [String: String] {
        guard let base else { return params }
        var resolved = params
        for key in pathKeys {
            guard let value = params[key], !value.isEmpty, !value.hasPrefix("/") else { continue }
            resolved[key] = URL(fileURLWithPath: value, relativeTo: base).standardizedFileURL.path
        }
        return resolved
    }
}

extension Workspace {
    /// Creates the task `spec` describes, in state `created`. A derived task is refused unless its
    /// parent is in `spec.projectID` (it trains on its parent's data, in its parent's project).
    @discardableResult
    public func createTask(_ spec: TaskSpec) throws -> TaskRecord {
        let params = TaskParams.resolvingPaths(spec.params, base: spec.baseDirectory)
        switch spec.origin {
        case .trainer(let trainer):
            return try createTask(projectID: spec.projectID, name: spec.name, trainer: trainer, params: params,
                                  description: spec.description)
        case .derived(let parentID, let epoch):
            let parent = try task(parentID)
            guard parent.projectId == spec.projectID else {
                throw AIArtsError(.invalidArgument, "\(parentID) is in project \(parent.projectId), not \(spec.projectID); a derived task stays in its parent's project")
            }
            return try createDerivedTask(from: parentID, epoch: epoch, name: spec.name, params: params,
                                         description: spec.description.isEmpty ? nil : spec.description)
        }
    }

    /// Sets parameters of a task not yet started (all or none), relative paths of `pathKeys` taken
    /// from `baseDirectory` as at creation.
    public func setTaskParams(_ id: String, _ values: [String: String], baseDirectory: URL?) throws {
        try setTaskParams(id, TaskParams.resolvingPaths(values, base: baseDirectory))
    }
}

import Foundation

/// Where a training task stands (the `status` column). docs/tasks.md draws the transitions.
public enum TaskStatus: String, Codable, Sendable, CaseIterable {
    /// Created, not started; its parameters may still change. (Stored as `queued` before
    /// migration v8-task-created: that word belongs to the GPU queue, `waiting_gpu`.)
    case created
    /// Started, but its GPUs lack the memory it asks for: the queue starts it when they have room.
    case waitingGPU = "waiting_gpu"
    /// Claimed by a `startTask` that is launching it.
    case starting
    /// Submitted to an executor (Slurm) and waiting in its queue; the message says why
    /// ("pending: Resources"). No process of it runs yet (docs/slurm.md).
    case pending
    case running
    /// Its processes are stopped (SIGSTOP, `task pause`; or `scontrol suspend` on Slurm): alive,
    /// holding their memory and GPU memory, making no progress until `task continue`.
    case paused
    /// A stop was asked for and the process has not ended yet.
    case stopping
    case stopped
    case finished
    case failed

    /// The states in which a process may be alive and must be reconciled with the process table.
    public var hasProcess: Bool { self == .running || self == .paused || self == .stopping }
    public var isEnded: Bool { self == .stopped || self == .finished || self == .failed }
}

/// What a task runs.
public enum TaskTrainer: String, Codable, Sendable, CaseIterable {
    /// The built-in trainer, an `aiarts-train` executable beside `aiarts` (or on PATH).
    case aiartsTrain = "aiarts-train"
    /// The PyTorch/torchvision trainers shipped with aiarts (trainers/torch), where torch is installed.
    case torch
    /// `params["command"]`, a shell command line the user typed, run by /bin/sh -c, or a startup
    /// file (`params["startup_file"]`, .py or .sh) given the other params as `--key value`.
    case command

    /// The names `--trainer` takes: `builtin` (or `aiarts-train`), `torch`, `command`.
    public init?(name: String) {
        switch name {
        case "builtin", "aiarts-train": self = .aiartsTrain
        default: self.init(rawValue: name)
        }
    }
}

/// Parameter names, defaults and checks. Values are kept as strings (they come from the command
/// line and are passed on as arguments); checks parse them so a typo is refused at once rather
/// than when the trainer starts minutes later.
public enum TaskParams {
    public static let aiartsTrainDefaults: [String: String] = [
        "model": "cnn", "epochs": "60", "batch_size": "16", "learning_rate": "0.01",
        "optimizer": "adam", "image_size": "32", "seed": "1", "save_interval": "1", "keep_checkpoints": "3",
    ]

    /// Keys any trainer takes: GPU ids for CUDA_VISIBLE_DEVICES, the MiB each must have free, and
    /// how many of the latest checkpoints to keep besides the best (0: all; see CheckpointRetention).
    /// `cpus`, `memory`, `time` and `nodes` are read on an executor only (SlurmResources).
    static let commonKeys: Set<String> = Set(["gpus", "gpu_memory", "keep_checkpoints"]).union(SlurmResources.keys)

    /// A command task's own keys, not passed on to a startup file as `--key value`.
    static let commandOwnKeys: Set<String> = Set(["command", "startup_file", "gpus", "gpu_memory", "keep_checkpoints", "python"]).union(SlurmResources.keys)

    /// Keys the engine writes when it starts a task (what it resolved); never set by hand.
    /// `dataset_id` is the dataset the task trains on: the project's when the task was created
    /// (a project's dataset may change later; a task that has run keeps its own).
    /// `asked_batch_size` and `asked_learning_rate` keep what a torch task asked for when its
    /// `batch_size=auto` was resolved at start (a derived task asks for the same, not the result).
    public static let engineKeys: Set<String> = ["assigned_gpus", "resume_from", "resume_epoch", "dataset_id",
                                                 "asked_batch_size", "asked_learning_rate"]

    /// A trainer's defaults; the torch trainer's depend on the project's dataset type, and it
    /// sizes its batch from free GPU memory (`batch_size=auto`, see `TrainingMemory`) and asks
    /// for the memory its model and batch need (`gpu_memory=auto`).
    public static func defaults(for trainer: TaskTrainer, type: DatasetType? = nil) -> [String: String] {
        switch trainer {
        case .aiartsTrain: return aiartsTrainDefaults
        case .torch:
            return TorchTrainer.defaults(for: type ?? .classification).merging(["batch_size": "auto", "gpu_memory": "auto", "keep_checkpoints": "3"]) { $1 }
        case .command: return [:]
        }
    }

    /// Throws `.invalidArgument` saying what is wrong with `key=value` for `trainer`.
    public static func validate(_ key: String, _ value: String, trainer: TaskTrainer, type: DatasetType? = nil) throws {
        func bad(_ why: String) -> AIArtsError { AIArtsError(.invalidArgument, "\(key)=\(value): \(why)") }
        guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw AIArtsError(.invalidArgument, "'\(key)' is not a parameter name (letters, digits and _ only)")
        }
        if engineKeys.contains(key) {
            throw AIArtsError(.invalidArgument, "'\(key)' is set by aiarts when the task starts or resumes, not by hand")
        }
        if key == "gpu_memory" {
            guard value == "auto" || (Int(value).map { $0 >= 0 } ?? false) else { throw bad("give the MiB needed on each GPU, e.g. 8000, or auto") }
            return
        }
        if key == "keep_checkpoints" {
            guard let n = Int(value), n >= 0 else { throw bad("give how many of the latest checkpoints to keep besides the best, e.g. 3; 0 keeps all") }
            return
        }
        if SlurmResources.keys.contains(key) {
            try SlurmResources.validate(key, value)
            return
        }
        if key == "gpus" {
            // Passed as CUDA_VISIBLE_DEVICES; "" hides every GPU, which is allowed (CPU run).
            guard value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) })
                    || value.isEmpty || value == "auto" else { throw bad("give GPU ids separated by commas, e.g. 0,1, or auto") }
            return
        }
        switch trainer {
        case .command:
            if key == "command" && value.trimmingCharacters(in: .whitespaces).isEmpty { throw bad("the command is empty") }
            if key == "startup_file" {
                guard value.hasPrefix("/") else { throw bad("give an absolute path") }
                guard value.hasSuffix(".py") || value.hasSuffix(".sh") else { throw bad("a startup file is a .py or .sh file") }
            }
            // The interpreter of a .py startup file (`Workspace.python(params:)`).
            if key == "python", !value.isEmpty { try Workspace.checkPython(value) }
        case .torch:
            if key == "batch_size" && value == "auto" { return }
            try TorchTrainer.validate(key, value, type: type)
        case .aiartsTrain:
            switch key {
            case "keep_checkpoints": break  // checked above
            case "pretrained":
                // Written by `task create --from` (a checkpoint folder); empty: from scratch.
                guard value.isEmpty || value.hasPrefix("/") else { throw bad("give the absolute path of a checkpoint folder (checkpoints/epoch_N) or its model.bin") }
            case "epochs", "batch_size", "image_size", "save_interval":
                guard let n = Int(value), n >= 1 else { throw bad("must be a whole number of at least 1") }
            case "seed":
                guard UInt64(value) != nil else { throw bad("must be a whole number of at least 0") }
            case "learning_rate":
                guard let x = Double(value), x.isFinite, x > 0 else { throw bad("must be a number above 0, e.g. 0.01") }
            case "optimizer":
                guard ["adam", "sgd"].contains(value) else { throw bad("must be adam or sgd") }
            case "model":
                guard ["cnn", "mlp"].contains(value) else { throw bad("must be cnn or mlp") }
            default:
                let known = Set(Array(aiartsTrainDefaults.keys) + Array(commonKeys)).sorted().joined(separator: ", ")
                throw AIArtsError(.invalidArgument, "aiarts-train has no parameter '\(key)'; it takes \(known)")
            }
        }
    }

    /// Parses "key=value" (the value may contain '=').
    public static func parseAssignment(_ text: String) throws -> (key: String, value: String) {
        guard let eq = text.firstIndex(of: "=") else {
            throw AIArtsError(.invalidArgument, "'\(text)' is not key=value (e.g. epochs=20)")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    static func encode(_ params: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(params), as: UTF8.self)
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}

/// A task as `task show` presents it: the record, its parameters decoded, and its folder. As JSON
/// it is one flat object (`id`, `name`, `project`, `trainer`, `parent`, `state`, `message`, `pid`,
/// `exit_code`, `signal`, times (`created_at`, `started_at`, `launched_at`, `finished_at`), `params`, `folder`).
public struct TaskDetail: Encodable, Equatable, Sendable {
    public var task: TaskRecord
    public var params: [String: String]
    public var folder: String

    enum Key: String, CodingKey {
        case id, name, description, project, trainer, parent, state, message, pid, exitCode = "exit_code", signal
        case createdAt = "created_at", startedAt = "started_at", launchedAt = "launched_at", finishedAt = "finished_at", params, folder
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(task.id, forKey: .id)
        try c.encode(task.name, forKey: .name)
        try c.encode(task.description, forKey: .description)
        try c.encode(task.projectId, forKey: .project)
        try c.encode(task.trainer, forKey: .trainer)
        try c.encode(task.parentId, forKey: .parent)
        try c.encode(task.status, forKey: .state)
        try c.encode(task.statusMessage, forKey: .message)
        try c.encode(task.taskStatus?.hasProcess == true ? task.pid : nil, forKey: .pid)
        try c.encode(task.exitCode, forKey: .exitCode)
        try c.encode(task.exitSignal, forKey: .signal)
        try c.encode(task.createdAt, forKey: .createdAt)
        try c.encode(task.startedAt, forKey: .startedAt)
        try c.encode(task.launchedAt, forKey: .launchedAt)
        try c.encode(task.finishedAt, forKey: .finishedAt)
        try c.encode(params, forKey: .params)
        try c.encode(folder, forKey: .folder)
    }
}

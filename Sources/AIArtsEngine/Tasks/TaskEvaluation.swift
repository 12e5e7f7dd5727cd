import Foundation

/// A task's evaluation: which checkpoint was scored on which split, and the engine's report
/// (docs/evaluation.md). Every trainer is scored by the engine from a predictions file.
public struct TaskEvaluation: Codable, Sendable, Equatable {
    public var task: String
    public var epoch: Int?
    public var checkpoint: String?
    public var predictions: String
    public var report: EvaluationReport
}

extension Workspace {
    /// The torch script and manifest, written when a task folder lacks them (a task evaluated,
    /// predicted or exported by an aiarts newer than the one that started it).
    func ensureTorchFolder(_ folder: URL, datasetID: String?, python: String) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent(TorchTrainer.scriptFileName).path),
           fm.fileExists(atPath: folder.appendingPathComponent(TorchTrainer.manifestFileName).path) { return }
        try prepareTorchFolder(folder, datasetID: datasetID, python: python)
    }

    /// Scores a task on a split of its project's dataset. The trainer writes predictions for the
    /// checkpoint saved at `epoch` (default: the best, else the last), then the engine scores them;
    /// `predictions` skips the trainer and scores that file (how command tasks are evaluated).
    /// The report is kept as tasks/Txxxx/eval/epoch_N_<split>.metrics.json.
    public func evaluateTask(_ id: String, epoch: Int? = nil, split: Split = .val,
                             options: EvaluationOptions = EvaluationOptions(), predictions: URL? = nil) throws -> TaskEvaluation {
        let record = try task(id)
        try requireWritable("evaluation writes its predictions and results into \(id)'s folder")
        guard let dataset = try taskDatasetID(record) else {
            throw AIArtsError(.invalidArgument, "project \(record.projectId) has no dataset to evaluate \(id) on")
        }
        let folder = taskFolder(id)
        let evalFolder = folder.appendingPathComponent("eval")
        try? FileManager.default.createDirectory(at: evalFolder, withIntermediateDirectories: true)
        var chosen: TaskCheckpoint?
        let predictionsURL: URL
        if let predictions {
            predictionsURL = predictions
        } else {
            let checkpoint = try taskCheckpoint(id, epoch: epoch)
            chosen = checkpoint
            let stem = "epoch_\(checkpoint.epoch.map(String.init) ?? "last")_\(split.rawValue)"
            let plan = try TaskPredictionPlan.make(trainer: TaskTrainer(rawValue: record.trainer), taskID: id, workspace: root,
                                                   dataset: dataset, checkpoint: checkpoint.url,
                                                   split: split, topk: options.topk, evalFolder: evalFolder, stem: stem,
                                                   folder: folder, params: TaskParams.decode(record.params),
                                                   python: python(params: TaskParams.decode(record.params)).path)
            if record.trainer == TaskTrainer.torch.rawValue { try ensureTorchFolder(folder, datasetID: dataset, python: plan.executable) }
            try ChildRun.run(plan.executable, plan.arguments, workingDirectory: folder, what: "the trainer's eval of \(id)")
            predictionsURL = plan.predictions
        }
        guard FileManager.default.fileExists(atPath: predictionsURL.path) else {
            throw AIArtsError(.notFound, "no predictions file at \(predictionsURL.path)")
        }
        let report = try Evaluation.evaluate(workspace: self, dataset: dataset, split: split, predictions: predictionsURL, options: options)
        let result = TaskEvaluation(task: id, epoch: chosen?.epoch ?? report.epoch, checkpoint: chosen?.url.path,
                                    predictions: predictionsURL.path, report: report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let name = "epoch_\(result.epoch.map(String.init) ?? "file")_\(split.rawValue).metrics.json"
        try? encoder.encode(result).write(to: evalFolder.appendingPathComponent(name), options: .atomic)
        return result
    }

}

/// How a trainer writes predictions for a checkpoint on a split.
struct TaskPredictionPlan {
    var executable: String
    var arguments: [String]
    var predictions: URL

    static func make(trainer: TaskTrainer?, taskID: String, workspace: URL, dataset: String, checkpoint: URL, split: Split,
                     topk: Int, evalFolder: URL, stem: String, folder: URL, params: [String: String],
                     python: String = PythonChoice.defaultPath) throws -> TaskPredictionPlan {
        switch trainer {
        case .aiartsTrain:
            guard let trainer = TaskLaunchPlan.locateBuiltInTrainer() else {
                throw AIArtsError(.notFound, "the built-in trainer `aiarts-train` was not found next to aiarts or on PATH")
            }
            let report = evalFolder.appendingPathComponent("\(stem).json")
            return TaskPredictionPlan(
                executable: trainer,
                arguments: ["eval", "--workspace", workspace.path, "--dataset", dataset, "--checkpoint", checkpoint.path,
                            "--split", split.rawValue, "--top-k", String(max(1, topk)), "--out", report.path],
                predictions: report.deletingPathExtension().appendingPathExtension("predictions.jsonl"))
        case .command:
            throw AIArtsError(.invalidArgument, "\(taskID) is a command task: aiarts cannot run its model; have the script write a predictions file (docs/evaluation.md) and pass it with --predictions FILE")
        case .torch:
            let out = evalFolder.appendingPathComponent("\(stem).predictions.jsonl")
            return TaskPredictionPlan(
                executable: python,
                arguments: [folder.appendingPathComponent(TorchTrainer.scriptFileName).path, "eval",
                            "--manifest", folder.appendingPathComponent(TorchTrainer.manifestFileName).path,
                            "--checkpoint", checkpoint.path, "--split", split.rawValue, "--out", out.path, "--top-k", String(max(1, topk))],
                predictions: out)
        case nil:
            throw AIArtsError(.badInput, "\(taskID) has an unknown trainer")
        }
    }
}

/// Runs a child to completion and returns its stdout; stderr is kept for the error message when
/// it fails.
enum ChildRun {
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], workingDirectory: URL, what: String,
                    environment: [String: String] = [:]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.currentDirectoryURL = workingDirectory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw AIArtsError(.io, "cannot run \(executable) for \(what): \(error.localizedDescription)")
        }
        // Both pipes drained at once, so a child filling one never blocks on the other.
        nonisolated(unsafe) var errorData = Data()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let tail = String(decoding: (errorData.isEmpty ? data : errorData).suffix(4096), as: UTF8.self)
                .split(separator: "\n").suffix(5).map(String.init)
            let exit: ExitStatus = process.terminationReason == .exit
                ? .exited(code: process.terminationStatus) : .signaled(signal: process.terminationStatus, coreDumped: false)
            let reason = FailureClassifier.classify(logTail: tail, exit: exit)
            throw AIArtsError(.io, "\(what) failed: \(reason?.message ?? tail.joined(separator: "\n"))")
        }
        return data
    }
}

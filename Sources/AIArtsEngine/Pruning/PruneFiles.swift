import Foundation

/// Where pruning keeps its files (docs/pruning.md) and how it runs `aiarts_prune.py`.
///
/// ```
/// tasks/T/prune/            the analysis of T (and, in a pruned task P, how P was pruned)
///   aiarts_prune.py         the script (Sources/AIArtsEngine/Python/aiarts_prune.py, embedded)
///   aiarts_torch.py         the trainer it imports (model building, data loading, evaluation)
///   dataset.json            the training manifest of T's dataset
///   analysis.json           the running analysis: pid, start time, ratios, checkpoint
///   analysis.log            its output (progress lines), analysis.exit its exit status
///   sensitivity.json        the result (SensitivityAnalysis)
///   pruned.pt, report.json  in a pruned task: the pruned starting model and PruneReport
/// ```
public enum PruneFiles {
    public static let folderName = "prune"
    public static let scriptName = "aiarts_prune.py"
    public static let sensitivityName = "sensitivity.json"
    public static let stateName = "analysis.json"
    public static let logName = "analysis.log"
    public static let exitName = "analysis.exit"
    public static let reportName = "report.json"
    public static let prunedName = "pruned.pt"
    public static let pruneLogName = "prune.log"

    /// The script's bytes: Sources/AIArtsEngine/Python/aiarts_prune.py, embedded by SwiftPM.
    static var script: [UInt8] { PackageResources.aiarts_prune_py }

    /// Writes aiarts_prune.py and the aiarts_torch.py it imports into `folder`.
    static func writeScripts(into folder: URL) throws {
        try TorchTrainer.writeScript(into: folder)
        let url = folder.appendingPathComponent(scriptName)
        do {
            try Data(script).write(to: url, options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// The last `error: ...` line of a log, without the prefix (the script's one-line reasons).
    static func errorLine(in log: URL) -> String? {
        for line in FileTail.lines(log, count: 40).reversed() {
            let text = TerminalText.finalRedraw(line).trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("error: ") { return String(text.dropFirst(7).prefix(400)) }
        }
        return nil
    }

    /// The last non-empty line of a log (a traceback's exception), for a failure with no error line.
    static func lastLine(in log: URL) -> String? {
        FileTail.lines(log, count: 10).map { TerminalText.finalRedraw($0).trimmingCharacters(in: .whitespaces) }
            .last { !$0.isEmpty }.map { String($0.prefix(300)) }
    }

    /// What a JSON decoding error says, in a few words.
    static func decodingProblem(_ error: Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?: return context.debugDescription.isEmpty ? "not JSON" : "not JSON: \(context.debugDescription)"
        case .keyNotFound(let key, _)?: return "no \(key.stringValue)"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "\(error)"
        }
    }

    /// Writes JSON atomically (a temporary file renamed into place).
    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try (encoder.encode(value) + Data("\n".utf8)).write(to: url, options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}

extension Workspace {
    /// `tasks/T/prune`.
    public func pruneFolder(_ taskID: String) -> URL {
        taskFolder(taskID).appendingPathComponent(PruneFiles.folderName, isDirectory: true)
    }

    /// What pruning needs of a task: a torch task of a classification or segmentation dataset that is
    /// not running. Returns its parameters and dataset id.
    func prunableTask(_ id: String) throws -> (record: TaskRecord, params: [String: String], datasetID: String) {
        let record = try task(id)
        guard record.trainer == TaskTrainer.torch.rawValue else {
            throw AIArtsError(.invalidArgument, "\(id) is a \(record.trainer) task; pruning works on torch tasks (docs/pruning.md)")
        }
        if let status = record.taskStatus, status.hasProcess || status == .starting {
            throw AIArtsError(.conflict, "\(id) is \(record.status); prune it once it has ended (its checkpoints may still change)")
        }
        guard let datasetID = try taskDatasetID(record) else {
            throw AIArtsError(.invalidArgument, "\(id)'s project has no dataset to evaluate on")
        }
        let type = try dataset(datasetID).type
        guard type == .classification || type == .segmentation else {
            throw AIArtsError(.invalidArgument, "\(id) trains a \(type.rawValue) model; pruning covers classification and segmentation models (docs/pruning.md)")
        }
        return (record, TaskParams.decode(record.params), datasetID)
    }

    /// The model file of a task's checkpoint (best unless `epoch` names one).
    func pruneCheckpoint(_ id: String, epoch: Int?) throws -> (url: URL, epoch: Int?) {
        let checkpoint = try taskCheckpoint(id, epoch: epoch)
        var url = checkpoint.url
        if FileManager.default.isDirectory(url) { url = url.appendingPathComponent("model.pt") }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AIArtsError(.notFound, "\(id)'s checkpoint \(url.path) is missing; train it again or name another --epoch")
        }
        return (url, checkpoint.epoch)
    }
}

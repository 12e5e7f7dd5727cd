import Foundation
import Logging

/// How a task's sensitivity analysis stands (`Workspace.pruneAnalysisStatus`).
public struct PruneAnalysisStatus: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        /// Never analysed.
        case none
        case running, done, failed, stopped
    }

    public var task: String
    public var state: State
    /// One line: the progress, the result, or why it failed.
    public var message: String
    /// Evaluations done and in all (layers × ratios), from the progress lines.
    public var done: Int?
    public var total: Int?
    public var pid: Int32?
    public var started: Date?
    public var ratios: [Double]?
    public var checkpoint: String?
    public var log: String
    /// sensitivity.json, once there is one.
    public var result: String?
}

/// analysis.json: the detached run, so any aiarts finds it again.
struct PruneAnalysisRun: Codable, Equatable {
    var pid: Int32
    var startTime: UInt64
    var started: Date
    var ratios: [Double]
    var checkpoint: String
    var epoch: Int?
    var stopRequested: Bool

    enum CodingKeys: String, CodingKey {
        case pid, ratios, checkpoint, epoch, started
        case startTime = "start_time", stopRequested = "stop_requested"
    }

    var identity: ProcessIdentity { ProcessIdentity(pid: pid, startTime: startTime) }
}

extension Workspace {
    /// Starts the sensitivity analysis of `id` (docs/pruning.md): a detached `aiarts_prune.py analyze`
    /// on its dataset's val split from its best checkpoint (or `epoch`'s), in a session of its own so it
    /// outlives the terminal. Refused while one runs for the task, or while the task itself runs.
    @discardableResult
    public func startPruneAnalysis(_ id: String, ratios: [Double] = PruneRatios.analysisDefault,
                                   epoch: Int? = nil) throws -> PruneAnalysisStatus {
        try requireWritable("the analysis writes into the task's folder")
        try refreshTasks()
        let (_, params, datasetID) = try prunableTask(id)
        guard !ratios.isEmpty, ratios.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw AIArtsError(.invalidArgument, "ratios must lie strictly between 0 and 1, e.g. 0.1,0.5,0.9")
        }
        let current = try pruneAnalysisStatus(id)
        if current.state == .running {
            throw AIArtsError(.conflict, "\(id)'s analysis is running (\(current.message)); wait for it or stop it with `aiarts task prune \(id) --stop`")
        }
        let checkpoint = try pruneCheckpoint(id, epoch: epoch)
        let python = self.python(params: params).path
        let availability = TorchTrainer.available(python: python)
        guard availability.isAvailable else {
            throw AIArtsError(.invalidArgument, availability.reason ?? "PyTorch and torchvision are not installed for \(python)")
        }
        let folder = pruneFolder(id)
        let fm = FileManager.default
        do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw AIArtsError(.io, "cannot create \(folder.path): \(error.localizedDescription)")
        }
        try PruneFiles.writeScripts(into: folder)
        let manifest = folder.appendingPathComponent(TorchTrainer.manifestFileName)
        try writeTrainingManifest(dataset: datasetID, to: manifest)
        let log = folder.appendingPathComponent(PruneFiles.logName), exit = folder.appendingPathComponent(PruneFiles.exitName)
        // The last run's files go first, so no reader takes them for the new run's.
        try? fm.removeItem(at: folder.appendingPathComponent(PruneFiles.stateName))
        try? fm.removeItem(at: exit)
        try? fm.removeItem(at: log)
        let text = ratios.map { String($0) }.joined(separator: ",")
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        let launched: LaunchedProcess
        do {
            launched = try DetachedProcess.launch(
                executable: python,
                arguments: [folder.appendingPathComponent(PruneFiles.scriptName).path, "analyze", "--manifest", manifest.path,
                            "--checkpoint", checkpoint.url.path, "--out", folder.appendingPathComponent(PruneFiles.sensitivityName).path,
                            "--ratios", text],
                environment: environment, workingDirectory: folder, logFile: log, exitStatusFile: exit)
        } catch {
            throw AIArtsError(.io, "\(id)'s analysis could not be started: \(error)")
        }
        let run = PruneAnalysisRun(pid: launched.pid, startTime: launched.startTime, started: Date(), ratios: ratios,
                                   checkpoint: checkpoint.url.path, epoch: checkpoint.epoch, stopRequested: false)
        try PruneFiles.writeJSON(run, to: folder.appendingPathComponent(PruneFiles.stateName))
        Logger(label: "aiarts.prune").info("\(id): sensitivity analysis started, pid \(launched.pid), ratios \(text)")
        return try pruneAnalysisStatus(id)
    }

    /// How `id`'s analysis stands: read from analysis.json, the process table, the exit status and
    /// the log's progress lines. Reads only.
    public func pruneAnalysisStatus(_ id: String) throws -> PruneAnalysisStatus {
        _ = try task(id)
        let folder = pruneFolder(id)
        let log = folder.appendingPathComponent(PruneFiles.logName)
        let resultURL = folder.appendingPathComponent(PruneFiles.sensitivityName)
        let fm = FileManager.default
        let hasResult = fm.fileExists(atPath: resultURL.path)
        var status = PruneAnalysisStatus(task: id, state: .none, message: "not analysed: run `aiarts task prune \(id) --analyze`",
                                         log: log.path, result: hasResult ? resultURL.path : nil)
        guard let data = fm.contents(atPath: folder.appendingPathComponent(PruneFiles.stateName).path),
              let run = try? Self.pruneDecoder.decode(PruneAnalysisRun.self, from: data) else {
            if hasResult { status.state = .done; status.message = "analysed" }
            return status
        }
        status.pid = run.pid; status.started = run.started; status.ratios = run.ratios; status.checkpoint = run.checkpoint
        let progress = Self.pruneProgress(log)
        status.done = progress?.done; status.total = progress?.total
        if run.identity.isAlive {
            status.state = .running
            status.message = progress.map { "analysing: \($0.done)/\($0.total) (\($0.layer) at \($0.ratio))" } ?? "analysing: loading the model"
            return status
        }
        let exit = ExitRecord.read(from: folder.appendingPathComponent(PruneFiles.exitName))
        let fresh = ((try? fm.attributesOfItem(atPath: resultURL.path)[.modificationDate]) as? Date).map { $0 >= run.started.addingTimeInterval(-1) } ?? false
        if run.stopRequested || !(exit?.stopSignals.isEmpty ?? true) {
            status.state = .stopped
            status.message = "stopped at \(progress.map { "\($0.done)/\($0.total)" } ?? "the start")" + (hasResult && !fresh ? "; sensitivity.json is an earlier run's" : "")
        } else if exit?.status == .exited(code: 0), hasResult, fresh {
            status.state = .done
            status.message = "analysed \(progress.map { "\($0.total) layer/ratio pairs" } ?? "")".trimmingCharacters(in: .whitespaces)
        } else {
            status.state = .failed
            let reason = PruneFiles.errorLine(in: log) ?? PruneFiles.lastLine(in: log) ?? "it ended without a result"
            status.message = "failed: \(reason) (log: \(log.path))"
        }
        return status
    }

    /// Stops a running analysis (TERM, then KILL after `grace`); its partial work is not kept.
    @discardableResult
    public func stopPruneAnalysis(_ id: String, grace: Duration = .seconds(5)) throws -> PruneAnalysisStatus {
        let folder = pruneFolder(id)
        let stateURL = folder.appendingPathComponent(PruneFiles.stateName)
        guard try pruneAnalysisStatus(id).state == .running, let data = FileManager.default.contents(atPath: stateURL.path),
              var run = try? Self.pruneDecoder.decode(PruneAnalysisRun.self, from: data) else {
            throw AIArtsError(.conflict, "\(id) has no analysis running")
        }
        run.stopRequested = true
        try PruneFiles.writeJSON(run, to: stateURL)
        do {
            _ = try DetachedProcess.stop(run.identity, grace: grace, exitStatusFile: folder.appendingPathComponent(PruneFiles.exitName))
        } catch RunnerError.notRunning {
            // It ended meanwhile.
        } catch {
            throw AIArtsError(.io, "\(id)'s analysis could not be stopped: \(error)")
        }
        return try pruneAnalysisStatus(id)
    }

    /// The last analysis' result, nil when there is none.
    public func pruneAnalysis(_ id: String) throws -> SensitivityAnalysis? {
        _ = try task(id)
        let url = pruneFolder(id).appendingPathComponent(PruneFiles.sensitivityName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try SensitivityAnalysis.read(url)
    }

    static let pruneDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        return decoder
    }()

    /// The last `progress I/N LAYER RATIO METRIC` line of the log.
    static func pruneProgress(_ log: URL) -> (done: Int, total: Int, layer: String, ratio: String)? {
        for line in FileTail.lines(log, count: 20).reversed() {
            let parts = TerminalText.finalRedraw(line).split(separator: " ")
            guard parts.count >= 4, parts[0] == "progress" else { continue }
            let fraction = parts[1].split(separator: "/")
            guard fraction.count == 2, let done = Int(fraction[0]), let total = Int(fraction[1]) else { continue }
            return (done, total, String(parts[2].prefix(120)), String(parts[3].prefix(20)))
        }
        return nil
    }
}

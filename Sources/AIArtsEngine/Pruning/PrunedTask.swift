import Foundation
import Logging

/// How a pruned task's channels are chosen.
public enum PrunePlan: Equatable, Sendable {
    /// The same share of every prunable layer group.
    case ratio(Double)
    /// Each layer's ratio from the parent's sensitivity analysis, its drop at most this (`PruneRatios.choose`).
    case maxDrop(Double)
}

extension Workspace {
    /// Creates a pruned task from `spec` (a derived task: `.derived(from: T, epoch:)`): T's checkpoint is
    /// pruned structurally now (`aiarts_prune.py prune`, in the foreground: seconds to minutes), into
    /// `tasks/P/prune/pruned.pt` and `report.json`, and P starts from it (`pretrained`) when it is
    /// started, fine-tuning it like any torch task. A failure removes P again and says why.
    @discardableResult
    public func createPrunedTask(_ spec: TaskSpec, plan: PrunePlan, timeout: TimeInterval = 3600) throws -> PrunedTaskReport {
        guard case .derived(let parentID, let epoch) = spec.origin else {
            throw AIArtsError(.invalidArgument, "a pruned task is derived from a trained task: give --from TASK")
        }
        try requireWritable("the pruned model is written into the new task's folder")
        try refreshTasks()
        let (parent, params, datasetID) = try prunableTask(parentID)
        guard parent.projectId == spec.projectID else {
            throw AIArtsError(.invalidArgument, "\(parentID) is in project \(parent.projectId), not \(spec.projectID); a derived task stays in its parent's project")
        }
        var ratios: [String: Double]?
        var maxDrop: Double?
        switch plan {
        case .ratio(let r):
            guard r > 0, r < 1 else { throw AIArtsError(.invalidArgument, "ratio \(r) is outside (0, 1)") }
        case .maxDrop(let bound):
            guard let analysis = try pruneAnalysis(parentID) else {
                throw AIArtsError(.notFound, "\(parentID) has no sensitivity analysis; run `aiarts task prune \(parentID) --analyze` first")
            }
            let chosen = PruneRatios.choose(from: analysis, maxDrop: bound)
            guard !chosen.isEmpty else {
                let smallest = analysis.ratios.min().map { String($0) } ?? "?"
                throw AIArtsError(.invalidArgument, "no layer of \(parentID) stays within a drop of \(bound) even at ratio \(smallest); allow a larger drop")
            }
            ratios = chosen
            maxDrop = bound
        }
        let checkpoint = try pruneCheckpoint(parentID, epoch: epoch)
        let python = self.python(params: params.merging(spec.params) { $1 }).path
        let availability = TorchTrainer.available(python: python)
        guard availability.isAvailable else {
            throw AIArtsError(.invalidArgument, availability.reason ?? "PyTorch and torchvision are not installed for \(python)")
        }
        let shown = ratios == nil ? "pruned \(Int((plan.ratioValue ?? 0) * 100))%" : "pruned within a drop of \(maxDrop ?? 0)"
        let record = try createTask(TaskSpec(projectID: spec.projectID, origin: spec.origin,
                                             name: spec.name ?? "\(parent.name) \(shown)",
                                             description: spec.description.isEmpty ? "\(shown) from \(parentID)" : spec.description,
                                             params: spec.params, baseDirectory: spec.baseDirectory))
        let folder = pruneFolder(record.id)
        let staging = taskFolder(record.id).appendingPathComponent(".prune.tmp-\(getpid())", isDirectory: true)
        do {
            let fm = FileManager.default
            try? fm.removeItem(at: staging)
            do { try fm.createDirectory(at: staging, withIntermediateDirectories: true) } catch {
                throw AIArtsError(.io, "cannot create \(staging.path): \(error.localizedDescription)")
            }
            try PruneFiles.writeScripts(into: staging)
            let manifest = staging.appendingPathComponent(TorchTrainer.manifestFileName)
            try writeTrainingManifest(dataset: datasetID, to: manifest)
            var arguments = [staging.appendingPathComponent(PruneFiles.scriptName).path, "prune", "--manifest", manifest.path,
                             "--checkpoint", checkpoint.url.path, "--out", staging.path]
            if let ratios {
                let file = staging.appendingPathComponent("ratios.json")
                try PruneFiles.writeJSON(["ratios": ratios], to: file)
                arguments += ["--ratios-file", file.path]
            } else if case .ratio(let r) = plan {
                arguments += ["--ratio", String(r)]
            }
            try Self.runPrune(python: python, arguments: arguments, folder: staging,
                              log: staging.appendingPathComponent(PruneFiles.pruneLogName), timeout: timeout)
            var report = try PruneReport.read(staging.appendingPathComponent(PruneFiles.reportName))
            report.parentTask = parentID
            report.maxDrop = maxDrop
            report.prunedCheckpoint = folder.appendingPathComponent(PruneFiles.prunedName).path
            try PruneFiles.writeJSON(report, to: staging.appendingPathComponent(PruneFiles.reportName))
            try? fm.removeItem(at: folder)
            guard rename(staging.path, folder.path) == 0 else {
                throw AIArtsError(.io, "cannot move \(staging.path) to \(folder.path): \(String(cString: strerror(errno)))")
            }
            try setTaskParams(record.id, ["pretrained": report.prunedCheckpoint])
            Logger(label: "aiarts.prune").info("\(record.id): \(shown) from \(parentID); params \(report.before.params) -> \(report.pruned.params)")
            return PrunedTaskReport(task: record.id, report: report)
        } catch {
            // Nothing half made: the new task goes again, and the reason is the script's own line.
            try? FileManager.default.removeItem(at: staging)
            _ = try? deleteTask(record.id)
            throw error
        }
    }

    /// Runs `aiarts_prune.py prune` to its end, its output in `log`; its `error:` line on failure.
    static func runPrune(python: String, arguments: [String], folder: URL, log: URL, timeout: TimeInterval) throws {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python] + arguments
        }
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONUNBUFFERED": "1"]) { $1 }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        guard let handle = try? FileHandle(forWritingTo: log) else {
            throw AIArtsError(.io, "cannot write \(log.path)")
        }
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw AIArtsError(.invalidArgument, "\(python) could not be run (\(error.localizedDescription)): install Python 3 with torch, torchvision and torch-pruning")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw AIArtsError(.io, "pruning did not finish within \(Int(timeout)) s (log: \(log.path))")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = PruneFiles.errorLine(in: log) ?? PruneFiles.lastLine(in: log) ?? "exit status \(process.terminationStatus)"
            throw AIArtsError(.invalidArgument, "pruning failed: \(reason)")
        }
    }
}

extension PrunePlan {
    var ratioValue: Double? { if case .ratio(let r) = self { r } else { nil } }
}

import Foundation

/// Running `aiarts_modeljob.py` for a job: the script (and the torch trainer's, whose model builder
/// it imports) written into the job folder, a request.json in, a result.json out, its output
/// appended to the job's log.
extension Workspace {
    static let modelJobScriptName = "aiarts_modeljob.py"

    /// The Python a model job runs: `Workspace.python()` (`$AIARTS_PYTHON`, the workspace setting, `python3`).
    func modelJobPython() -> String { python().path }

    func runModelJobPython(_ id: String, command: String, request: [String: Any]) throws -> [String: Any] {
        let folder = modelJobFolder(id)
        let requestURL = folder.appendingPathComponent("request-\(command).json")
        let resultURL = folder.appendingPathComponent("result-\(command).json")
        try? FileManager.default.removeItem(at: resultURL)
        do {
            try Data(PackageResources.aiarts_modeljob_py).write(to: folder.appendingPathComponent(Self.modelJobScriptName), options: .atomic)
            try Data(TorchTrainer.script).write(to: folder.appendingPathComponent(TorchTrainer.scriptFileName), options: .atomic)
            try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]).write(to: requestURL, options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write the job's script into \(folder.path): \(error.localizedDescription)")
        }
        let python = modelJobPython()
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [Self.modelJobScriptName, command, "--request", requestURL.path, "--out", resultURL.path]
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, Self.modelJobScriptName, command, "--request", requestURL.path, "--out", resultURL.path]
        }
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        let log = folder.appendingPathComponent("job.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try? FileHandle(forWritingTo: log)
        _ = try? handle?.seekToEnd()
        if let handle { process.standardOutput = handle; process.standardError = handle }
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw AIArtsError(.io, "cannot run \(python): \(error.localizedDescription); set AIARTS_PYTHON (or `aiarts workspace python PATH`) to a Python with torch, onnx and onnxruntime")
        }
        process.waitUntilExit()
        try? handle?.close()
        let result = (try? Data(contentsOf: resultURL)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        if let error = result?["error"] as? String { throw AIArtsError(.badInput, TerminalText.finalRedraw(error)) }
        guard process.terminationReason == .exit, process.terminationStatus == 0, let result else {
            let exit: ExitStatus = process.terminationReason == .uncaughtSignal
                ? .signaled(signal: process.terminationStatus, coreDumped: false) : .exited(code: process.terminationStatus)
            let reason = FailureClassifier.classify(logTail: Self.logTail(log, lines: 40), exit: exit, stopRequested: false)
            throw AIArtsError(.io, "\(Self.modelJobScriptName) failed: " + (reason?.message ?? "\(exit)"))
        }
        return result
    }
}

/// Reading what the Python script answered.
enum ModelJobPythonResult {
    /// Merges one file's reading (extract) into the Swift artifact: tensors, parameters, inputs.
    static func merge(_ read: [String: Any], into artifact: inout ModelArtifact) {
        if let error = read["error"] as? String { artifact.error = TerminalText.finalRedraw(error); return }
        if let n = read["parameter_count"] as? Int64 ?? (read["parameter_count"] as? Int).map(Int64.init) { artifact.parameterCount = n }
        if let n = read["tensor_count"] as? Int { artifact.tensorCount = n }
        if let producer = read["producer"] as? String { artifact.producer = TerminalText.finalRedraw(producer) }
        for key in ["inputs", "outputs"] {
            let tensors = (read[key] as? [[String: Any]] ?? []).prefix(256).map { t in
                ModelTensorInfo(name: TerminalText.finalRedraw(t["name"] as? String ?? "?"), dtype: TerminalText.finalRedraw(t["dtype"] as? String ?? "?"),
                                shape: (t["shape"] as? [Any])?.prefix(64).map { "\($0)" })
            }
            if !tensors.isEmpty { if key == "inputs" { artifact.inputs = tensors } else { artifact.outputs = tensors } }
        }
        for (k, v) in (read["details"] as? [String: Any] ?? [:]).prefix(32) {
            artifact.details[TerminalText.finalRedraw(k)] = TerminalText.finalRedraw(String("\(v)".prefix(300)))
        }
    }

    static func report(_ r: [String: Any], target: String, source: String) throws -> ModelConversionReport {
        func double(_ k: String) -> Double? { (r[k] as? NSNumber)?.doubleValue }
        func int(_ k: String) -> Int? { (r[k] as? NSNumber)?.intValue }
        return ModelConversionReport(
            target: target, source: source, output: (r["output"] as? String).map { ($0 as NSString).lastPathComponent },
            opset: int("opset"), sourceOpset: int("source_opset"), checkImages: int("check_images"), maxAbsDiff: double("max_abs_diff"),
            tolerance: double("tolerance"), checkPassed: r["check_passed"] as? Bool, top1Agreement: double("top1_agreement"),
            metric: r["metric"] as? String, metricBefore: double("metric_before"), metricAfter: double("metric_after"),
            valImages: int("val_images"), calibrationImages: int("calibration_images"), quantization: r["quantization"] as? String,
            sizeBefore: (r["size_before"] as? NSNumber)?.int64Value, sizeAfter: (r["size_after"] as? NSNumber)?.int64Value,
            notes: (r["notes"] as? [String])?.prefix(16).map { TerminalText.finalRedraw($0) })
    }
}

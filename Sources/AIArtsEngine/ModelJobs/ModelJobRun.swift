import Foundation
import GRDB

/// The job process's side: `aiarts model job run J0001` calls `runModelJob`, which does the Swift
/// part (extraction readers, choosing files, registering the result) and runs
/// `aiarts_modeljob.py` as its child for what only Python can do.
extension Workspace {
    /// Runs a created job to its end and returns its record. Refused for a job that already ran.
    @discardableResult
    public func runModelJob(_ id: String) throws -> ModelJobRecord {
        let job: ModelJobRecord = try store.pool.write { db in
            guard var r = try ModelJobRecord.fetchOne(db, key: id) else { throw Self.modelJobNotFound(id) }
            guard r.state == .created else { throw AIArtsError(.conflict, "\(id) is \(r.state.rawValue); a job runs once (create another)") }
            r.state = .running
            r.startedAt = Date()
            r.message = "running"
            try r.update(db)
            var event = ModelJobEvent(id: nil, jobId: id, time: r.startedAt!, type: .normal, reason: "Started", message: "job process \(getpid())")
            try event.insert(db)
            return r
        }
        do {
            switch job.kind {
            case .extraction: return try runExtraction(job)
            case .conversion: return try runConversion(job)
            }
        } catch {
            return try finishModelJob(id, state: .failed, message: (error as? AIArtsError)?.message ?? "\(error)")
        }
    }

    // MARK: Extraction

    func runExtraction(_ job: ModelJobRecord) throws -> ModelJobRecord {
        let url: URL
        if let model = job.sourceModelId, let version = job.sourceVersion {
            url = URL(fileURLWithPath: try modelVersion(model, version: version).folder)
        } else {
            url = URL(fileURLWithPath: job.sourcePath ?? "")
        }
        var extraction = try ModelInspector.inspect(url)
        addModelJobEvent(job.id, .normal, "Recognised", "\(extraction.format): \(extraction.artifacts.count) artifact(s), \(extraction.fileCount) file(s), \(formatBytes(extraction.size))")
        let torchFiles = extraction.artifacts.indices.filter { extraction.artifacts[$0].needsPython && extraction.artifacts[$0].error == nil }
        if !torchFiles.isEmpty {
            let base = url.hasDirectoryPath || FileManager.default.isDirectory(url) ? url : url.deletingLastPathComponent()
            let paths = torchFiles.map { base.appendingPathComponent(extraction.artifacts[$0].path).path }
            do {
                let result = try runModelJobPython(job.id, command: "extract", request: ["files": paths])
                let read = (result["artifacts"] as? [[String: Any]]) ?? []
                for (i, index) in torchFiles.enumerated() where i < read.count {
                    ModelJobPythonResult.merge(read[i], into: &extraction.artifacts[index])
                }
                addModelJobEvent(job.id, .normal, "PythonRead", "\(torchFiles.count) torch file(s) read by aiarts_modeljob.py")
            } catch {
                addModelJobEvent(job.id, .warning, "PythonUnavailable", "torch files recognised but their tensors not read: \((error as? AIArtsError)?.message ?? "\(error)")")
            }
        }
        for a in extraction.artifacts where a.error != nil {
            addModelJobEvent(job.id, .warning, "Unreadable", "\(a.path): \(a.error!)")
        }
        let readable = extraction.artifacts.filter { $0.error == nil }
        let json = String(decoding: try JSONEncoder.sortedKeys.encode(extraction), as: UTF8.self)
        // The summary names a model file where there is one (an export's export.json only describes it).
        let models = readable.filter { $0.format != ModelFormat.aiartsExport }
        guard let main = models.first(where: { !$0.inputs.isEmpty }) ?? models.first ?? readable.first else {
            return try finishModelJob(job.id, state: .failed, message: extraction.artifacts.first?.error ?? "nothing readable", result: json)
        }
        let summary = Self.summary(of: main)
        addModelJobEvent(job.id, .normal, "Extracted", summary)
        return try finishModelJob(job.id, state: .succeeded, message: summary, result: json)
    }

    /// "onnx model.onnx: in images float32[batch,3,64,64]; out output float32[batch,3]; opset 17; 11.2M parameters"
    static func summary(of a: ModelArtifact) -> String {
        var parts = ["\(a.format) \(a.path)"]
        if !a.inputs.isEmpty { parts.append("in " + a.inputs.prefix(4).map(\.summary).joined(separator: ", ")) }
        if !a.outputs.isEmpty { parts.append("out " + a.outputs.prefix(4).map(\.summary).joined(separator: ", ")) }
        if let opset = a.opsets?["ai.onnx"] { parts.append("opset \(opset)") }
        if let p = a.parameterCount { parts.append("\(p) parameters") }
        return parts.joined(separator: "; ")
    }

    // MARK: Conversion

    struct ConversionSource {
        var url: URL
        /// aiarts_checkpoint, torchscript, state_dict, onnx
        var kind: String
    }

    /// The file a conversion starts from, in a version folder.
    func conversionSource(in folder: URL, for target: ModelJobTarget, modelID: String, version: Int) throws -> ConversionSource {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            .map { folder.appendingPathComponent($0) }.filter { !FileManager.default.isDirectory($0) }
        let name = "\(modelID):v\(version)"
        let format = ModelFormat.detect(files)
        if case .onnx = target {
            if let pt = files.first(where: { $0.lastPathComponent == "model.pt" }), files.contains(where: { $0.lastPathComponent == "state.json" }),
               !ModelFormat.isTorchScript(pt) {
                return ConversionSource(url: pt, kind: "aiarts_checkpoint")
            }
            let torch = files.filter { ["pt", "pth", "ts", "jit", "torchscript"].contains($0.pathExtension.lowercased()) }
            if let scripted = torch.first(where: ModelFormat.isTorchScript) { return ConversionSource(url: scripted, kind: "torchscript") }
            if let stateDict = torch.first {
                guard try torchArchitecture(modelID, version) != nil else {
                    throw AIArtsError(.invalidArgument, "\(name) is a state dict without its architecture: it came from no torch task naming its model; upload a TorchScript file or an aiarts torch checkpoint")
                }
                return ConversionSource(url: stateDict, kind: "state_dict")
            }
            throw AIArtsError(.invalidArgument, "\(name) holds no PyTorch or TorchScript file to convert to ONNX (it is \(format))")
        }
        let onnx = files.filter { $0.pathExtension.lowercased() == "onnx" }
        guard let file = onnx.first(where: { $0.lastPathComponent == "model.onnx" }) ?? onnx.first else {
            throw AIArtsError(.invalidArgument, "\(name) holds no ONNX file (it is \(format)); convert it first: --convert onnx")
        }
        return ConversionSource(url: file, kind: "onnx")
    }

    /// The dataset of the task a version came from, when it came from one.
    func datasetOfModelVersion(_ modelID: String, _ version: Int) throws -> String? {
        let v = try modelVersion(modelID, version: version)
        guard let taskID = v.sourceTaskId, let task = try? task(taskID) else { return nil }
        return try store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT datasetId FROM project WHERE id = ?", arguments: [task.projectId])
        }
    }

    /// The torch model name and class count a state dict was trained as (its task's parameters and dataset).
    func torchArchitecture(_ modelID: String, _ version: Int) throws -> (model: String, labels: Int, imageSize: Int)? {
        let v = try modelVersion(modelID, version: version)
        guard let taskID = v.sourceTaskId, let task = try? task(taskID), task.trainer == "torch" else { return nil }
        let params = TaskParams.decode(task.params)
        guard let model = params["model"], let datasetID = try datasetOfModelVersion(modelID, version) else { return nil }
        let labels = try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM label WHERE datasetId = ?", arguments: [datasetID]) } ?? 0
        return (model, labels, Int(params["image_size"] ?? "") ?? 224)
    }

    func runConversion(_ job: ModelJobRecord) throws -> ModelJobRecord {
        guard let modelID = job.sourceModelId, let versionNumber = job.sourceVersion else {
            throw AIArtsError(.invalidArgument, "a conversion starts from a registry version")
        }
        let model = try self.model(modelID)
        let version = try modelVersion(modelID, version: versionNumber)
        let folder = URL(fileURLWithPath: version.folder)
        let options = job.optionValues
        let target = try ModelJobTarget(parsing: job.target, dynamic: options["dynamic"] == "true",
                                        calibration: options["calibration"].flatMap(Int.init))
        let source = try conversionSource(in: folder, for: target, modelID: modelID, version: versionNumber)
        let jobFolder = modelJobFolder(job.id)
        let out = jobFolder.appendingPathComponent("out")
        try? FileManager.default.removeItem(at: out)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var request: [String: Any] = [
            "target": target.description.hasPrefix("opset") ? "opset" : target.description,
            "source": source.url.path, "source_kind": source.kind, "out": out.path, "check_images": 8, "val_limit": 200,
        ]
        if case .opset(let n) = target { request["opset"] = n }
        if case .int8(let dynamic, let calibration) = target { request["dynamic"] = dynamic; request["calibration"] = calibration }
        let export = folder.appendingPathComponent("export.json")
        if FileManager.default.fileExists(atPath: export.path) { request["export_json"] = export.path }
        if source.kind == "state_dict", let arch = try torchArchitecture(modelID, versionNumber) {
            request["model_name"] = arch.model
            request["num_labels"] = arch.labels
            request["image_size"] = arch.imageSize
        }
        if let dataset = try datasetOfModelVersion(modelID, versionNumber) {
            let manifest = jobFolder.appendingPathComponent("dataset.json")
            try writeTrainingManifest(dataset: dataset, to: manifest)
            request["manifest"] = manifest.path
            addModelJobEvent(job.id, .normal, "Dataset", "check images from \(dataset) (its val split; train for calibration)")
        } else {
            addModelJobEvent(job.id, .normal, "Dataset", "\(modelID):v\(versionNumber) came from no task with a dataset: checked on generated images")
        }
        addModelJobEvent(job.id, .normal, "Converting", "\(source.url.lastPathComponent) (\(source.kind)) to \(target)")
        let result = try runModelJobPython(job.id, command: "convert", request: request)
        let report = try ModelJobPythonResult.report(result, target: target.description, source: source.url.lastPathComponent)
        let reportJSON = String(decoding: try JSONEncoder.sortedKeys.encode(report), as: UTF8.self)
        guard let output = report.output, FileManager.default.fileExists(atPath: out.appendingPathComponent(output).path) else {
            return try finishModelJob(job.id, state: .failed, message: "the conversion wrote no model file", result: reportJSON)
        }
        addModelJobEvent(job.id, .normal, "Converted", "\(output), \(formatBytes(report.sizeAfter ?? 0))" + (report.opset.map { ", opset \($0)" } ?? ""))
        if let passed = report.checkPassed {
            let line = "max abs difference \(Self.number(report.maxAbsDiff)) on \(report.checkImages ?? 0) images (tolerance \(Self.number(report.tolerance)))"
            guard passed else {
                return try finishModelJob(job.id, state: .failed, message: "the converted model differs from its source: " + line, result: reportJSON)
            }
            addModelJobEvent(job.id, .normal, "Checked", line)
        }
        if let agreement = report.top1Agreement {
            var line = "top-1 agreement with the source \(Self.number(agreement)) on \(report.valImages ?? 0) val images"
            if let m = report.metric, let b = report.metricBefore, let a = report.metricAfter { line += "; \(m) \(Self.number(b)) → \(Self.number(a))" }
            addModelJobEvent(job.id, agreement < 0.9 ? .warning : .normal, "Evaluated", line)
        }
        var evaluation = version.evaluation
        if case .int8 = target {
            evaluation = [:]
            if let a = report.metricAfter, let m = report.metric { evaluation?[m] = a }
            if let b = report.metricBefore, let m = report.metric { evaluation?[m + "_source"] = b }
            if let t = report.top1Agreement { evaluation?["top1_agreement"] = t }
        }
        try Data((reportJSON + "\n").utf8).write(to: out.appendingPathComponent("modeljob.json"))
        let registered = try addVersion(
            VersionSource(items: [.init(url: out, placeAs: nil)], taskID: version.sourceTaskId, epoch: version.sourceEpoch, path: nil,
                          evaluation: evaluation?.isEmpty == true ? nil : evaluation, format: ModelFormat.onnx, type: model.type,
                          trainer: model.trainer, symlinks: .refuse),
            newModel: nil, to: modelID, faults: ModelFaults())
        let name = "\(modelID):v\(registered.version.version)"
        addModelJobEvent(job.id, .normal, "Registered", "\(name) (\(registered.version.format), \(formatBytes(registered.version.size)))")
        var message = "\(name) \(target)"
        if let d = report.maxAbsDiff { message += ", max abs difference \(Self.number(d))" }
        if let t = report.top1Agreement { message += ", top-1 agreement \(Self.number(t))" }
        return try finishModelJob(job.id, state: .succeeded, message: message, result: reportJSON, resultModel: (modelID, registered.version.version))
    }

    static func number(_ x: Double?) -> String {
        guard let x else { return "-" }
        if x == 0 { return "0" }
        return abs(x) >= 0.001 && abs(x) < 1e6 ? String(format: "%.4g", x) : String(format: "%.2e", x)
    }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }
}

import Foundation

/// The PyTorch trainers (docs/torch-trainers.md): torchvision models trained by
/// `aiarts_torch.py`, a script compiled into aiarts (a SwiftPM resource, `script`) and written into the
/// task folder at start, beside the dataset manifest (`Workspace.writeTrainingManifest`).
public enum TorchTrainer {
    public static let scriptFileName = "aiarts_torch.py"
    /// The script's bytes: Sources/AIArtsEngine/Tasks/Torch/aiarts_torch.py, embedded by SwiftPM.
    static var script: [UInt8] { PackageResources.aiarts_torch_py }
    public static let manifestFileName = "dataset.json"

    /// Model names, as torchvision names them, with the dataset type each trains on, in the order
    /// a front end lists them.
    public static let models: [(name: String, type: DatasetType)] = [
        ("resnet18", .classification), ("resnet50", .classification),
        ("mobilenet_v3_large", .classification), ("mobilenet_v3_small", .classification),
        ("fasterrcnn_mobilenet_v3_large_fpn", .detection), ("retinanet_resnet50_fpn", .detection),
        ("ssdlite320_mobilenet_v3_large", .detection),
        ("deeplabv3_mobilenet_v3_large", .segmentation), ("deeplabv3_resnet50", .segmentation),
        ("fcn_resnet50", .segmentation),
        ("maskrcnn_resnet50_fpn", .instanceSegmentation),
    ]

    /// The dataset type a model trains on; nil for an unknown name.
    public static func modelType(_ name: String) -> DatasetType? {
        models.first { $0.name == name }?.type
    }

    /// Models that can train on a dataset of `type`. Detection models also train on instance
    /// segmentation datasets (their boxes).
    public static func models(for type: DatasetType) -> [String] {
        models.filter { accepts($0.type, dataset: type) }.map(\.name)
    }

    static func accepts(_ modelType: DatasetType, dataset: DatasetType) -> Bool {
        modelType == dataset || (modelType == .detection && dataset == .instanceSegmentation)
    }

    // MARK: Parameters

    /// Every parameter, with its default for each dataset type. Values are strings, as task
    /// parameters are.
    public static func defaults(for type: DatasetType) -> [String: String] {
        var p: [String: String] = [
            "epochs": "24", "optimizer": "sgd", "weight_decay": "0.0001", "lr_schedule": "cosine",
            "warmup_epochs": "1", "workers": "4", "save_interval": "1", "seed": "1", "pretrained": "",
        ]
        switch type {
        case .classification:
            // AdamW at 1e-3 learns from scratch on a few hundred images in a few epochs; SGD at 0.05
            // diverged there (val_loss 2066 after an epoch of the demo data: docs/torch-trainers.md).
            p.merge(["model": "resnet18", "epochs": "30", "batch_size": "32", "optimizer": "adamw", "learning_rate": "0.001",
                     "weight_decay": "0.01", "image_size": "224"]) { $1 }
        case .detection:
            p.merge(["model": "fasterrcnn_mobilenet_v3_large_fpn", "batch_size": "4", "learning_rate": "0.01", "image_size": "512"]) { $1 }
        case .segmentation:
            p.merge(["model": "deeplabv3_mobilenet_v3_large", "epochs": "40", "batch_size": "8", "learning_rate": "0.01", "image_size": "512"]) { $1 }
        case .instanceSegmentation:
            p.merge(["model": "maskrcnn_resnet50_fpn", "batch_size": "2", "learning_rate": "0.01", "image_size": "512"]) { $1 }
        }
        return p
    }

    /// The parameter names the torch trainer takes, besides `gpus`.
    public static let keys: Set<String> = Set(defaults(for: .classification).keys)

    /// Checks one `key=value`. With `type`, a model must also fit that dataset type.
    /// Throws `.invalidArgument` saying what is wrong. `gpus` is accepted (the engine checks it).
    public static func validate(_ key: String, _ value: String, type: DatasetType? = nil) throws {
        func bad(_ why: String) -> AIArtsError { AIArtsError(.invalidArgument, "\(key)=\(value): \(why)") }
        switch key {
        case "gpus":
            return
        case "python":
            // The interpreter for this task (`Workspace.python(params:)`); empty: the workspace's choice.
            if !value.isEmpty { try Workspace.checkPython(value) }
        case "epochs", "batch_size", "image_size", "save_interval":
            guard let n = Int(value), n >= 1 else { throw bad("must be a whole number of at least 1") }
            if key == "image_size", n < 32 { throw bad("must be at least 32") }
        case "workers":
            guard let n = Int(value), n >= 0 else { throw bad("must be a whole number of at least 0") }
        case "seed":
            guard let n = Int(value), n >= 0 else { throw bad("must be a whole number of at least 0") }
        case "learning_rate":
            guard let x = Double(value), x.isFinite, x > 0 else { throw bad("must be a number above 0, e.g. 0.01") }
        case "weight_decay", "warmup_epochs":
            guard let x = Double(value), x.isFinite, x >= 0 else { throw bad("must be a number of at least 0") }
        case "optimizer":
            guard ["sgd", "adamw"].contains(value) else { throw bad("must be sgd or adamw") }
        case "lr_schedule":
            guard ["cosine", "step", "constant"].contains(value) else { throw bad("must be cosine, step or constant") }
        case "pretrained":
            // A local file; checked for existence when the task starts (it may be copied in later).
            if !value.isEmpty, value.contains("\0") { throw bad("is not a path") }
        case "model":
            guard let modelType = modelType(value) else {
                throw bad("unknown model; choose one of \(models.map(\.name).joined(separator: ", "))")
            }
            if let type, !accepts(modelType, dataset: type) {
                throw bad("\(value) trains \(modelType.rawValue) datasets, not \(type.rawValue); choose one of \(models(for: type).joined(separator: ", "))")
            }
        default:
            throw AIArtsError(.invalidArgument, "the torch trainer has no parameter '\(key)'; it takes \((keys.sorted() + ["gpus", "python"]).joined(separator: ", "))")
        }
    }

    /// Checks every parameter (defaults for `type` filled in) and that the model fits `type`.
    public static func validate(_ params: [String: String], type: DatasetType) throws {
        for (key, value) in defaults(for: type).merging(params, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            try validate(key, value, type: type)
        }
    }

    // MARK: Command

    /// The command that trains: `python3 aiarts_torch.py train ...` on one GPU or the CPU, and
    /// `python3 -m torch.distributed.run --standalone --nproc_per_node N aiarts_torch.py train ...`
    /// on N > 1 GPUs (DistributedDataParallel, one process per GPU). `env` holds the variables to
    /// add: CUDA_VISIBLE_DEVICES (when `gpus` is not empty) and PYTHONUNBUFFERED.
    /// `resumeFrom` is a checkpoint folder (`checkpoints/epoch_N`, relative to the task folder or absolute).
    public static func command(params: [String: String], manifest: URL, taskFolder: URL, gpus: [Int],
                               python: String = "python3", resumeFrom: String? = nil) throws -> (argv: [String], env: [String: String]) {
        guard let model = params["model"], let type = modelType(model) else {
            throw AIArtsError(.invalidArgument, "model=\(params["model"] ?? ""): unknown model; choose one of \(models.map(\.name).joined(separator: ", "))")
        }
        let p = defaults(for: type).merging(params) { $1 }
        for (key, value) in p.sorted(by: { $0.key < $1.key }) { try validate(key, value) }
        func value(_ key: String) -> String { p[key] ?? "" }
        let script = taskFolder.appendingPathComponent(scriptFileName).path
        var train = [
            script, "train", "--manifest", manifest.path, "--out", taskFolder.path, "--model", model,
            "--epochs", value("epochs"), "--batch-size", value("batch_size"), "--lr", value("learning_rate"),
            "--optimizer", value("optimizer"), "--weight-decay", value("weight_decay"),
            "--lr-schedule", value("lr_schedule"), "--warmup-epochs", value("warmup_epochs"),
            "--image-size", value("image_size"), "--workers", value("workers"),
            "--save-interval", value("save_interval"), "--seed", value("seed"),
        ]
        if !value("pretrained").isEmpty { train += ["--pretrained", value("pretrained")] }
        if let resumeFrom, !resumeFrom.isEmpty { train += ["--resume", resumeFrom] }
        var env = ["PYTHONUNBUFFERED": "1"]
        if !gpus.isEmpty { env["CUDA_VISIBLE_DEVICES"] = gpus.map(String.init).joined(separator: ",") }
        if gpus.count > 1 {
            return ([python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", String(gpus.count)] + train, env)
        }
        return ([python] + train, env)
    }

    /// Writes the script into a task folder (atomically) and returns its path.
    @discardableResult
    public static func writeScript(into folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(scriptFileName)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(script).write(to: url, options: .atomic)
        } catch {
            throw AIArtsError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
        return url
    }

    // MARK: Availability

    /// Whether `python -c 'import torch, torchvision'` works here, and why not when it does not.
    public struct Availability: Equatable, Sendable {
        public var isAvailable: Bool
        /// One line: what failed and what to do. nil when available.
        public var reason: String?
    }

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [String: Availability] = [:]

    /// Runs the import check once per `python` per process and remembers the answer (importing
    /// torch takes seconds). `python` is a name looked up on PATH or a path.
    public static func available(python: String = "python3") -> Availability {
        cacheLock.lock()
        if let known = cache[python] { cacheLock.unlock(); return known }
        cacheLock.unlock()
        let result = check(python: python)
        cacheLock.lock()
        cache[python] = result
        cacheLock.unlock()
        return result
    }

    /// The check itself, uncached: runs the interpreter with a time limit.
    static func check(python: String, timeout: TimeInterval = 120) -> Availability {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import torch, torchvision"]
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, "-c", "import torch, torchvision"]
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Availability(isAvailable: false, reason: "\(python) could not be run (\(error.localizedDescription)): install Python 3 with torch and torchvision")
        }
        // Read stderr while waiting, so a chatty import cannot fill the pipe and block.
        let reader = DispatchQueue(label: "aiarts.torch-check")
        let box = DataBox()
        let group = DispatchGroup()
        group.enter()
        reader.async {
            box.data = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            _ = group.wait(timeout: .now() + 2)
            return Availability(isAvailable: false, reason: "`\(python) -c 'import torch, torchvision'` did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        _ = group.wait(timeout: .now() + 2)
        if process.terminationStatus == 0 { return Availability(isAvailable: true, reason: nil) }
        let text = String(decoding: box.data, as: UTF8.self)
        return Availability(isAvailable: false, reason: unavailableReason(stderr: text, python: python, status: process.terminationStatus))
    }

    /// One line from the failed import's stderr.
    static func unavailableReason(stderr: String, python: String, status: Int32) -> String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let line = lines.last(where: { $0.contains("No module named") }),
           let start = line.range(of: "No module named '"), let end = line[start.upperBound...].firstIndex(of: "'") {
            let module = line[start.upperBound..<end].split(separator: ".").first.map(String.init) ?? ""
            return "Python module '\(module)' is not installed for \(python): pip install torch torchvision"
        }
        if status == 127 { return "\(python) was not found: install Python 3 with torch and torchvision" }
        let last = lines.last.map { String($0.prefix(200)) } ?? "exit status \(status)"
        return "`\(python) -c 'import torch, torchvision'` failed: \(last)"
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}

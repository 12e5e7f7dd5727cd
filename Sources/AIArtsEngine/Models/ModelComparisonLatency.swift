import Foundation
import GRDB

/// A version's measured time per image on the CPU (batch 1, one thread), kept in the engine's
/// store (table `modelLatency`), never in the version folder: downloads check that folder
/// against its manifest. A state dict has no graph to run, so only its parameters are counted.
public struct ModelLatency: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "modelLatency"
    public static let defaultRuns = 20
    public static let warmup = 3

    public var modelId: String
    public var version: Int
    /// The median of the timed runs; nil when the model could not be run (`note` says why).
    public var msPerImage: Double?
    public var p90Ms: Double?
    public var runs: Int
    public var threads: Int
    /// "aiarts-train", "onnxruntime 1.32.0", "torch 2.15.0".
    public var runtime: String
    /// The input fed, "1x3x64x64".
    public var input: String
    /// The number of weights, when the runtime counted them.
    public var parameters: Int?
    /// Why there is no time, when there is none.
    public var note: String?
    public var measuredAt: Date

    enum CodingKeys: String, CodingKey {
        case modelId = "model", version, msPerImage = "ms_per_image", p90Ms = "p90_ms", runs, threads, runtime, input
        case parameters, note, measuredAt = "measured_at"
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["modelId"] = modelId
        container["version"] = version
        container["msPerImage"] = msPerImage
        container["p90Ms"] = p90Ms
        container["runs"] = runs
        container["threads"] = threads
        container["runtime"] = runtime
        container["input"] = input
        container["parameters"] = parameters
        container["note"] = note
        container["measuredAt"] = measuredAt
    }

    public init(row: Row) throws {
        modelId = row["modelId"]; version = row["version"]; msPerImage = row["msPerImage"]; p90Ms = row["p90Ms"]
        runs = row["runs"]; threads = row["threads"]; runtime = row["runtime"]; input = row["input"]
        parameters = row["parameters"]; note = row["note"]; measuredAt = row["measuredAt"]
    }

    public init(modelId: String, version: Int, msPerImage: Double?, p90Ms: Double?, runs: Int, threads: Int, runtime: String,
                input: String, parameters: Int?, note: String?, measuredAt: Date) {
        self.modelId = modelId; self.version = version; self.msPerImage = msPerImage; self.p90Ms = p90Ms; self.runs = runs
        self.threads = threads; self.runtime = runtime; self.input = input; self.parameters = parameters; self.note = note
        self.measuredAt = measuredAt
    }

    /// The first line of a child's message, escape sequences removed, at most 300 characters.
    static func oneLine(_ text: String) -> String {
        let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = TerminalText.finalRedraw(first)
        return clean.count > 300 ? String(clean.prefix(299)) + "…" : clean
    }
}

/// What the runtimes print (`aiarts-train bench --json`, Python/model_latency.py).
struct LatencyOutput: Decodable {
    var msPerImage: Double?
    var p90Ms: Double?
    var runs: Int
    var threads: Int
    var parameters: Int?
    var input: [Int]
    var runtime: String

    enum CodingKeys: String, CodingKey {
        case msPerImage = "ms_per_image", p90Ms = "p90_ms", runs, threads, parameters, input, runtime
    }

    /// The last line of `data` that decodes.
    static func parse(_ data: Data, what: String) throws -> LatencyOutput {
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).reversed() {
            if let out = try? JSONDecoder().decode(LatencyOutput.self, from: Data(line.utf8)) {
                guard out.msPerImage.map({ $0.isFinite && $0 >= 0 }) ?? true else { break }
                return out
            }
        }
        throw AIArtsError(.io, "\(what) printed no timing (expected one JSON line)")
    }
}

/// How a version is run to time it.
enum LatencyPlan: Equatable {
    /// `aiarts-train bench` on a model.bin.
    case builtIn(URL)
    /// Python/model_latency.py with `--format`: onnx, torchscript, state_dict.
    case python(URL, format: String, task: String, imageSize: Int)

    /// Picks the file of a version folder to time: the built-in checkpoint, else ONNX (what a
    /// service would run), else TorchScript, else a state dict (parameters only).
    static func make(folder: URL, format: String, type: String?) throws -> LatencyPlan {
        let files = try versionFiles(folder)
        if format.contains("aiarts-train"), let bin = files.first(where: { $0.lastPathComponent == "model.bin" }) {
            return .builtIn(bin)
        }
        let export = ExportInfo.read(folder)
        let task = export?.task ?? type ?? DatasetType.classification.rawValue
        let size = export?.imageSize ?? 224
        if let onnx = files.first(where: { $0.pathExtension.lowercased() == "onnx" }) {
            return .python(onnx, format: "onnx", task: task, imageSize: size)
        }
        let torchFiles = files.filter { ["pt", "pth", "ts"].contains($0.pathExtension.lowercased()) }
        if let script = torchFiles.first(where: { ModelFormat.isTorchScript($0) }) {
            return .python(script, format: "torchscript", task: task, imageSize: size)
        }
        if let state = torchFiles.first {
            return .python(state, format: "state_dict", task: task, imageSize: size)
        }
        throw AIArtsError(.badInput, "nothing in this version can be run (\(format)): aiarts times aiarts-train checkpoints, ONNX and TorchScript files")
    }

    /// The version's regular files, shallowest first (links are refused: the registry never writes one).
    static func versionFiles(_ folder: URL) throws -> [URL] {
        let tree = try FileTree.scan(folder, symlinks: .refuse, shown: "the version folder \(folder.path)")
        return tree.files
            .map { ($0.relative.split(separator: "/").count, $0.relative, $0.source) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map(\.2)
    }

    /// The task and input size a torch export recorded (export.json), when the version has one.
    struct ExportInfo: Decodable {
        var task: String?
        var imageSize: Int?
        enum CodingKeys: String, CodingKey { case task, imageSize = "image_size" }

        static func read(_ folder: URL) -> ExportInfo? {
            let url = folder.appendingPathComponent("export.json")
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  attributes[.type] as? FileAttributeType == .typeRegular, (attributes[.size] as? Int ?? 0) < 1 << 20,
                  let data = FileManager.default.contents(atPath: url.path),
                  var info = try? JSONDecoder().decode(ExportInfo.self, from: data) else { return nil }
            if let size = info.imageSize, !(8...4096).contains(size) { info.imageSize = nil }
            return info
        }
    }
}

extension Workspace {
    /// The figure kept for a version, when it has been measured.
    public func storedModelLatency(_ modelID: String, version: Int) throws -> ModelLatency? {
        try store.pool.read { db in
            try ModelLatency.filter(Column("modelId") == modelID && Column("version") == version).fetchOne(db)
        }
    }

    /// Times a version on the CPU (batch 1, one thread, a seeded random input): aiarts-train
    /// checkpoints through `aiarts-train bench` (Swift), ONNX through onnxruntime and TorchScript
    /// through torch in the workspace's Python. The figure replaces the kept one. A version that
    /// cannot be run is an error with the reason; a state dict's parameters are kept with a note.
    public func measureModelLatency(_ ref: ModelVersionRef, runs: Int = ModelLatency.defaultRuns) throws -> ModelLatency {
        try measureModelLatency(ref, runs: runs, python: nil)
    }

    /// `python` replaces the workspace's choice (tests).
    func measureModelLatency(_ ref: ModelVersionRef, runs: Int, python: String?) throws -> ModelLatency {
        guard (1...10_000).contains(runs) else { throw AIArtsError(.invalidArgument, "runs must be 1 to 10000, not \(runs)") }
        let model = try self.model(ref.model)
        let version = try modelVersion(ref.model, version: ref.version)
        try requireWritable("the measured latency is kept in the workspace's database")
        let plan = try LatencyPlan.make(folder: URL(fileURLWithPath: version.folder), format: version.format, type: model.type?.rawValue)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-measure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let what = "timing \(model.id) v\(version.version)"
        let output: LatencyOutput
        switch plan {
        case .builtIn(let bin):
            guard let trainer = TaskLaunchPlan.locateBuiltInTrainer() else {
                throw AIArtsError(.notFound, "the built-in trainer `aiarts-train` was not found next to aiarts or on PATH; it times built-in models")
            }
            let data = try ChildRun.run(trainer, ["bench", "--checkpoint", bin.path, "--runs", String(runs),
                                                  "--warmup", String(ModelLatency.warmup), "--json"],
                                        workingDirectory: scratch, what: what)
            output = try LatencyOutput.parse(data, what: what)
        case .python(let file, let format, let task, let size):
            let script = scratch.appendingPathComponent("model_latency.py")
            try Data(PackageResources.model_latency_py).write(to: script)
            let data = try ChildRun.run(python ?? comparisonPython(), [script.path, "--model", file.path, "--format", format, "--task", task,
                                                             "--image-size", String(size), "--runs", String(runs),
                                                             "--warmup", String(ModelLatency.warmup), "--threads", "1"],
                                        workingDirectory: scratch, what: what)
            output = try LatencyOutput.parse(data, what: what)
        }
        let figure = ModelLatency(
            modelId: model.id, version: version.version, msPerImage: output.msPerImage, p90Ms: output.p90Ms, runs: output.runs,
            threads: output.threads, runtime: ModelLatency.oneLine(output.runtime), input: output.input.map(String.init).joined(separator: "x"),
            parameters: output.parameters.flatMap { $0 >= 0 ? $0 : nil },
            note: output.msPerImage == nil ? "a state dict has no graph to time: export the task (`aiarts task export`) and compare the export" : nil,
            measuredAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        try store.pool.write { db in try figure.insert(db, onConflict: .replace) }
        return figure
    }

    /// The Python that runs the timing script: the workspace's choice (docs/tasks.md).
    func comparisonPython() -> String { python().path }
}

import Foundation

/// What a service serves: one registry version, the file its backend loads, and how images are
/// prepared for it (export.json's preprocess, else the model's own header for the built-in model).
public struct InferenceModel: Sendable, Equatable {
    public var modelId: String
    public var version: Int
    public var name: String
    public var backend: InferenceBackend
    /// The version folder.
    public var folder: URL
    /// The file the backend loads (model.bin, model.onnx, model.torchscript.pt).
    public var file: URL
    /// "classification", "detection" or "segmentation".
    public var task: String
    /// Class names, index order; empty when unknown (an uploaded file without export.json).
    public var labels: [String]
    /// The side the image is resized to (nil: the model takes any size, or it is read from the model).
    public var imageSize: Int?
    /// Per-channel normalisation after scaling to 0...1.
    public var mean: [Float]
    public var std: [Float]

    static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    static let imageNetStd: [Float] = [0.229, 0.224, 0.225]
}

extension Workspace {
    /// Resolves "M0001", "M0001:v2", "M0001:2", a model's name or "name:v2" to a version and what
    /// serves it. `backend` picks among the version's files; nil: the built-in model, else ONNX,
    /// else TorchScript.
    public func inferenceModel(_ reference: String, backend wanted: InferenceBackend? = nil) throws -> InferenceModel {
        let text = reference.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw AIArtsError(.invalidArgument, "name a model to serve: M0001, M0001:v2 or a model's name") }
        var head = text, versionText: String?
        if let colon = text.lastIndex(of: ":") {
            head = String(text[..<colon])
            versionText = String(text[text.index(after: colon)...])
        }
        let version = try versionText.map { try Self.parseModelVersion($0) }
        let id: String
        if RecordKind.of(id: head.uppercased()) == .model {
            id = head.uppercased()
        } else {
            let named = try models().filter { $0.model.name == head }
            guard let first = named.first else {
                throw AIArtsError(.notFound, "no model is named or numbered '\(head)' (see `aiarts model list`)")
            }
            guard named.count == 1 else {
                throw AIArtsError(.conflict, "\(named.count) models are named '\(head)' (\(named.map(\.model.id).joined(separator: ", "))); name one by id")
            }
            id = first.model.id
        }
        let record = try model(id)
        let chosen = try modelVersion(id, version: version)
        let folder = URL(fileURLWithPath: chosen.folder)
        return try Self.inferenceModel(record: record, version: chosen.version, folder: folder, backend: wanted)
    }

    static func inferenceModel(record: ModelRecord, version: Int, folder: URL, backend wanted: InferenceBackend?) throws -> InferenceModel {
        let files = ((try? FileManager.default.subpathsOfDirectory(atPath: folder.path)) ?? []).sorted()
            .map { folder.appendingPathComponent($0) }
        let builtin = files.first { $0.lastPathComponent == "model.bin" && ModelFormat.head($0, 8) == Array("AIARTSNN".utf8) }
        let onnx = files.first { $0.pathExtension.lowercased() == "onnx" }
        let torchScript = files.first { ["pt", "pth", "ts", "jit", "torchscript"].contains($0.pathExtension.lowercased()) && ModelFormat.isTorchScript($0) }
        let candidates: [(InferenceBackend, URL?)] = [(.builtin, builtin), (.onnx, onnx), (.torchscript, torchScript)]
        let pick: (InferenceBackend, URL)
        if let wanted {
            guard let file = candidates.first(where: { $0.0 == wanted })?.1 else {
                throw AIArtsError(.invalidArgument, "\(record.id):v\(version) has no \(wanted.rawValue) file to serve (\(ModelFormat.detect(files)))")
            }
            pick = (wanted, file)
        } else {
            guard let found = candidates.first(where: { $0.1 != nil }) else {
                throw AIArtsError(.invalidArgument, "\(record.id):v\(version) holds no file a service can load (\(ModelFormat.detect(files))); serve an aiarts-train model, an ONNX file or a TorchScript file (`aiarts task export T --format onnx`)")
            }
            pick = (found.0, found.1!)
        }
        var model = InferenceModel(modelId: record.id, version: version, name: record.name, backend: pick.0, folder: folder, file: pick.1,
                                   task: record.type?.rawValue ?? "classification", labels: [], imageSize: nil,
                                   mean: InferenceModel.imageNetMean, std: InferenceModel.imageNetStd)
        if pick.0 != .builtin { try readExportReport(into: &model, folder: folder, near: pick.1) }
        return model
    }

    /// export.json (written by `aiarts task export`): task, labels, image size and normalisation.
    /// Missing is allowed (an uploaded file): the worker then reports the input size.
    static func readExportReport(into model: inout InferenceModel, folder: URL, near file: URL) throws {
        let candidates = [file.deletingLastPathComponent().appendingPathComponent("export.json"), folder.appendingPathComponent("export.json")]
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return }
        guard let data = FileManager.default.contents(atPath: url.path), data.count < 16 << 20,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AIArtsError(.badInput, "\(url.path) is not a JSON object; export the model again")
        }
        if let task = object["task"] as? String, ["classification", "detection", "segmentation"].contains(task) { model.task = task }
        if let labels = object["labels"] as? [Any] { model.labels = labels.map { "\($0)" } }
        if model.task == "detection" {
            // Detection models take a list of 0...1 images of any size and resize themselves.
            model.mean = [0, 0, 0]
            model.std = [1, 1, 1]
        } else if let size = object["image_size"] as? Int, size > 0, size <= 8192 {
            model.imageSize = size
        }
        if let pre = object["preprocess"] as? [String: Any] {
            if let resize = pre["resize"] as? [Int], let side = resize.first, side > 0, side <= 8192 { model.imageSize = side }
            func floats(_ key: String) -> [Float]? {
                guard let values = pre[key] as? [Any], values.count == 3 else { return nil }
                let numbers = values.compactMap { ($0 as? NSNumber)?.floatValue }
                return numbers.count == 3 && numbers.allSatisfy(\.isFinite) ? numbers : nil
            }
            if let mean = floats("mean") { model.mean = mean }
            if let std = floats("std"), std.allSatisfy({ $0 > 0 }) { model.std = std }
        }
    }
}

import Foundation

/// Extraction: recognises what a file or folder holds and reads what each format lets one read
/// without running it (docs/model-jobs.md). Torch files are only recognised here: their tensors
/// are read by the job's Python script (`needsPython`).
public enum ModelInspector {
    static let maxFiles = 10_000
    static let maxDepth = 12
    static let maxJSON = 64 << 20

    /// Reads `url` (a file or a folder). Throws `.badInput` with a one-line reason when nothing
    /// in it is a model aiarts recognises, or when a single file cannot be read as its format.
    public static func inspect(_ url: URL) throws -> ModelExtraction {
        let root = url.standardizedFileURL
        guard let info = statInfo(root.path) else { throw AIArtsError(.notFound, "\(root.path) does not exist") }
        if info.st_mode & S_IFMT == S_IFDIR {
            return try inspectFolder(root)
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw AIArtsError(.badInput, "\(root.path) is not a regular file or folder") }
        guard var artifact = inspectFile(root, relative: root.lastPathComponent) else {
            throw AIArtsError(.badInput, "\(root.lastPathComponent) is not a model format aiarts recognises (ONNX, TorchScript, PyTorch, TensorFlow, Keras, Paddle, safetensors, aiarts): it starts with \(hexHead(root))")
        }
        artifact.path = root.lastPathComponent
        if let error = artifact.error { throw AIArtsError(.badInput, "\(root.lastPathComponent): \(error)") }
        return ModelExtraction(path: root.path, format: artifact.format, size: artifact.size, fileCount: 1, artifacts: [artifact])
    }

    static func inspectFolder(_ root: URL) throws -> ModelExtraction {
        var files: [(URL, String, Int64)] = []
        var folders: [String] = []
        try walk(root, relative: "", depth: 0, files: &files, folders: &folders)
        var artifacts: [ModelArtifact] = []
        var claimed = Set<String>()
        // A SavedModel is a folder: saved_model.pb beside variables/.
        for (url, rel, _) in files where url.lastPathComponent == "saved_model.pb" {
            let dir = (rel as NSString).deletingLastPathComponent
            let variables = dir.isEmpty ? "variables" : dir + "/variables"
            guard folders.contains(variables) else { continue }
            var artifact = ModelArtifact(path: dir.isEmpty ? "." : dir, format: ModelFormat.savedModel, size: 0)
            artifact.size = files.filter { dir.isEmpty || $0.1.hasPrefix(dir + "/") }.reduce(0) { $0 + $1.2 }
            do { try TensorFlowReader.withBytes(url) { b throws(ProtobufError) in try TensorFlowReader.savedModel(b, into: &artifact) } }
            catch { artifact.error = "\(error)" }
            artifact.details["variables"] = String(files.filter { $0.1.hasPrefix(variables + "/") }.count) + " files"
            artifacts.append(artifact)
            for f in files where dir.isEmpty || f.1.hasPrefix(dir + "/") { claimed.insert(f.1) }
        }
        for (url, rel, _) in files where !claimed.contains(rel) {
            guard var artifact = inspectFile(url, relative: rel) else { continue }
            artifact.path = rel
            artifacts.append(artifact)
        }
        pairPaddle(&artifacts)
        guard !artifacts.isEmpty else {
            let names = files.prefix(5).map(\.1).joined(separator: ", ")
            throw AIArtsError(.badInput, "no model file aiarts recognises in \(root.lastPathComponent) (\(files.count) files\(names.isEmpty ? "" : ": " + names)\(files.count > 5 ? " …" : ""))")
        }
        var formats: [String] = []
        for a in artifacts where a.error == nil && !formats.contains(a.format) { formats.append(a.format) }
        return ModelExtraction(path: root.path, format: formats.isEmpty ? artifacts[0].format : formats.joined(separator: ", "),
                               size: files.reduce(0) { $0 + $1.2 }, fileCount: files.count, artifacts: artifacts)
    }

    /// Regular files under `url`, links and special files left out (never followed).
    private static func walk(_ url: URL, relative: String, depth: Int, files: inout [(URL, String, Int64)], folders: inout [String]) throws {
        guard depth <= maxDepth else { throw AIArtsError(.badInput, "\(relative) is nested more than \(maxDepth) folders deep") }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        for name in names where !name.hasPrefix(".") {
            let child = url.appendingPathComponent(name)
            let rel = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(child.path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                folders.append(rel)
                try walk(child, relative: rel, depth: depth + 1, files: &files, folders: &folders)
            case S_IFREG:
                guard files.count < maxFiles else { throw AIArtsError(.badInput, "more than \(maxFiles) files in \(url.path)") }
                files.append((child, rel, Int64(info.st_size)))
            default: continue
            }
        }
    }

    /// A `.pdiparams` beside its `.pdmodel` is that program's weights: one artifact.
    private static func pairPaddle(_ artifacts: inout [ModelArtifact]) {
        for (i, a) in artifacts.enumerated() where a.format == ModelFormat.paddleInference && a.path.hasSuffix(".pdiparams") {
            let stem = String(a.path.dropLast(".pdiparams".count))
            if let j = artifacts.firstIndex(where: { $0.path == stem + ".pdmodel" || $0.path == stem + ".json" }) {
                artifacts[j].details["weights"] = a.path + " (\(a.size) bytes)"
                artifacts[j].size += a.size
                artifacts[i].format = ""
            }
        }
        artifacts.removeAll { $0.format.isEmpty }
    }

    /// The artifact a file is, or nil when it is no model file (a text file, a label list ...).
    static func inspectFile(_ url: URL, relative: String) -> ModelArtifact? {
        let name = url.lastPathComponent.lowercased()
        let ext = url.pathExtension.lowercased()
        let size = (statInfo(url.path).map { Int64($0.st_size) }) ?? 0
        func artifact(_ format: String, _ read: (inout ModelArtifact) throws -> Void) -> ModelArtifact {
            var a = ModelArtifact(path: relative, format: format, size: size)
            do { try read(&a) } catch let error as ProtobufError { a.error = error.message } catch let error as AIArtsError {
                a.error = error.message
            } catch { a.error = "cannot read it: \(error.localizedDescription)" }
            return a
        }
        if name == "model.bin", ModelFormat.head(url, 8) == Array("AIARTSNN".utf8) {
            return artifact(ModelFormat.aiartsTrain) { try AIArtsFileReaders.trainCheckpoint(url, into: &$0) }
        }
        switch ext {
        case "onnx":
            return artifact(ModelFormat.onnx) { a in
                let read = try ONNXReader.read(url)
                a = read
                a.path = relative
            }
        case "pt", "pth", "ts", "pt2", "jit", "torchscript", "bin", "ckpt":
            let entries = ModelFormat.zipEntries(url)
            let isPickle = ModelFormat.head(url, 2).first == 0x80
            if ext == "bin" || ext == "ckpt", !entries.contains(where: { $0.hasSuffix("data.pkl") }), !isPickle { return nil }
            if entries.isEmpty, !isPickle {
                return artifact(ModelFormat.stateDict) { $0.error = "not a PyTorch file: neither a zip (torch.save since 1.6) nor a pickle; it starts with \(hexHead(url))" }
            }
            let scripted = ModelFormat.isTorchScript(url)
            return artifact(scripted ? ModelFormat.torchScript : ModelFormat.stateDict) { a in
                a.needsPython = true
                if let code = entries.first(where: { $0.contains("/code/__torch__/") && $0.hasSuffix(".py") }) {
                    a.details["code"] = TerminalText.finalRedraw(String(code.split(separator: "/").dropFirst(2).joined(separator: "/").prefix(200)))
                }
                a.details["entries"] = String(entries.count)
            }
        case "safetensors":
            return artifact(ModelFormat.safetensors) { try AIArtsFileReaders.safetensors(url, into: &$0) }
        case "h5", "hdf5", "keras":
            if ext == "keras" { return artifact(ModelFormat.keras) { try KerasReader.kerasZip(url, into: &$0) } }
            return artifact(ModelFormat.kerasH5) { try KerasReader.hdf5(url, into: &$0) }
        case "pdmodel":
            return artifact(ModelFormat.paddleInference) { a in
                try TensorFlowReader.withBytes(url) { b throws(ProtobufError) in try PaddleReader.program(b, into: &a) }
            }
        case "pdiparams":
            return ModelArtifact(path: relative, format: ModelFormat.paddleInference, size: size)
        case "pdparams":
            return artifact(ModelFormat.paddle) { $0.details["note"] = "Paddle training weights (a pickle); no program to read inputs from" }
        case "pb":
            if name == "saved_model.pb" {
                return artifact(ModelFormat.savedModel) { a in try TensorFlowReader.withBytes(url) { b throws(ProtobufError) in try TensorFlowReader.savedModel(b, into: &a) } }
            }
            return artifact(ModelFormat.graphDef) { a in try TensorFlowReader.withBytes(url) { b throws(ProtobufError) in try TensorFlowReader.graphDef(b, into: &a) } }
        case "json":
            if name == "export.json" { return artifact(ModelFormat.aiartsExport) { try AIArtsFileReaders.exportJSON(url, into: &$0) } }
            if name == "inference.json" || name.hasSuffix(".json") && FileManager.default.fileExists(atPath: url.deletingPathExtension().path + ".pdiparams") {
                return artifact(ModelFormat.paddleInference) { try AIArtsFileReaders.paddleJSON(url, into: &$0) }
            }
            return nil
        default:
            return nil
        }
    }

    static func hexHead(_ url: URL) -> String {
        let head = ModelFormat.head(url, 8)
        if head.isEmpty { return "nothing (an empty file)" }
        return "bytes " + head.map { String(format: "%02x", $0) }.joined(separator: " ")
    }

    /// Reads a JSON file of at most `maxJSON` bytes as an object.
    static func jsonObject(_ url: URL, limit: Int = maxJSON) throws -> [String: Any] {
        let size = statInfo(url.path).map { Int($0.st_size) } ?? 0
        guard size <= limit else { throw AIArtsError(.badInput, "\(url.lastPathComponent) is \(size) bytes, over the \(limit)-byte limit for JSON") }
        return try jsonObject(Data(contentsOf: url), what: url.lastPathComponent)
    }

    static func jsonObject(_ data: Data, what: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw AIArtsError(.badInput, "\(what) is not a JSON object")
        }
        return object
    }
}

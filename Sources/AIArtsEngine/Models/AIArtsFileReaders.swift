import Foundation

/// Readers of the formats whose header says it all: aiarts-train's model.bin, aiarts' export.json,
/// safetensors' JSON header, and a Paddle 3 program saved as JSON.
enum AIArtsFileReaders {
    /// model.bin (docs/trainer.md): magic, version, architecture, image size, channels, normalisation,
    /// widths, labels, then the parameters as a count and floats.
    static func trainCheckpoint(_ url: URL, into artifact: inout ModelArtifact) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let bytes = [UInt8]((try handle.read(upToCount: 1 << 20)) ?? Data())
        var at = 8
        func need(_ n: Int) throws {
            guard n >= 0, at + n <= bytes.count else { throw AIArtsError(.badInput, "not an aiarts-train model.bin: truncated at byte \(min(bytes.count, at + max(n, 0)))") }
        }
        func u32() throws -> UInt32 {
            try need(4)
            defer { at += 4 }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        let version = try u32()
        let arch = try u32(), imageSize = try u32(), channels = try u32()
        _ = try u32(); _ = try u32()  // mean, std
        let widthCount = try u32()
        guard widthCount <= 8 else { throw AIArtsError(.badInput, "not an aiarts-train model.bin: \(widthCount) layer widths") }
        var widths: [String] = []
        for _ in 0..<widthCount { widths.append(String(try u32())) }
        let labelCount = try u32()
        guard labelCount >= 1, labelCount <= 100_000 else { throw AIArtsError(.badInput, "not an aiarts-train model.bin: \(labelCount) labels") }
        var labels: [String] = []
        for _ in 0..<labelCount {
            let n = Int(try u32())
            guard n <= 4096 else { throw AIArtsError(.badInput, "not an aiarts-train model.bin: a \(n)-byte label") }
            try need(n)
            if labels.count < 32 { labels.append(TerminalText.finalRedraw(String(decoding: bytes[at..<(at + n)], as: UTF8.self))) }
            at += n
        }
        let low = try u32(), high = try u32()
        let parameters = UInt64(high) << 32 | UInt64(low)
        let fileSize = UInt64(max(0, artifact.size))
        guard parameters <= (fileSize - min(fileSize, UInt64(at))) / 4 else {
            throw AIArtsError(.badInput, "not an aiarts-train model.bin: it declares \(parameters) parameters, more than its \(fileSize) bytes hold")
        }
        artifact.parameterCount = Int64(parameters)
        artifact.details["format_version"] = String(version)
        artifact.details["architecture"] = arch == 1 ? "mlp" : arch == 2 ? "cnn" : "code \(arch)"
        artifact.details["widths"] = widths.joined(separator: ",")
        artifact.details["labels"] = labels.joined(separator: ",") + (labelCount > 32 ? " …" : "")
        artifact.producer = "aiarts-train"
        let s = String(imageSize)
        artifact.inputs = [ModelTensorInfo(name: "image", dtype: "float32", shape: ["1", String(channels), s, s])]
        artifact.outputs = [ModelTensorInfo(name: "logits", dtype: "float32", shape: ["1", String(labelCount)])]
    }

    /// An aiarts torch export's export.json: the model, task, labels, input size and preprocessing.
    static func exportJSON(_ url: URL, into artifact: inout ModelArtifact) throws {
        let json = try ModelInspector.jsonObject(url, limit: 16 << 20)
        guard let model = json["model"] as? String, json["preprocess"] != nil || json["files"] != nil else {
            throw AIArtsError(.badInput, "export.json is not an aiarts export (no model and preprocess)")
        }
        artifact.producer = "aiarts torch export"
        artifact.details["model"] = TerminalText.finalRedraw(model)
        if let task = json["task"] as? String { artifact.details["task"] = TerminalText.finalRedraw(task) }
        if let labels = json["labels"] as? [Any] { artifact.details["labels"] = String(labels.count) }
        if let size = json["image_size"] as? Int { artifact.details["image_size"] = String(size) }
        if let ok = json["ok"] as? Bool { artifact.details["checks"] = ok ? "passed" : "failed" }
        if let files = json["files"] as? [String: Any] {
            artifact.details["files"] = files.keys.sorted().map { "\($0)=\(files[$0] as? String ?? "?")" }.joined(separator: ",")
        }
        if let pre = json["preprocess"] as? [String: Any], let resize = pre["resize"] as? [Int], resize.count == 2 {
            artifact.inputs = [ModelTensorInfo(name: "images", dtype: "float32", shape: ["batch", "3", String(resize[0]), String(resize[1])])]
        }
    }

    /// safetensors: an 8-byte little-endian header length, then a JSON object naming each tensor's
    /// dtype, shape and data offsets (and an optional `__metadata__`).
    static func safetensors(_ url: URL, into artifact: inout ModelArtifact) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let head = [UInt8]((try handle.read(upToCount: 8)) ?? Data())
        guard head.count == 8 else { throw AIArtsError(.badInput, "not a safetensors file: truncated at byte \(head.count)") }
        let length = head.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= 100 << 20, Int64(length) <= artifact.size - 8 else {
            throw AIArtsError(.badInput, "not a safetensors file: its header declares \(length) bytes, and the file has \(artifact.size)")
        }
        let header = (try handle.read(upToCount: Int(length))) ?? Data()
        let json = try ModelInspector.jsonObject(header, what: "the safetensors header")
        var total: Int64? = 0
        var dtypes: [String: Int] = [:]
        var count = 0
        for (name, value) in json {
            if name == "__metadata__" {
                if let meta = value as? [String: String] {
                    for (k, v) in meta.prefix(16) { artifact.details["metadata." + TerminalText.finalRedraw(k)] = TerminalText.finalRedraw(String(v.prefix(200))) }
                }
                continue
            }
            guard let tensor = value as? [String: Any], let dtype = tensor["dtype"] as? String, let shape = tensor["shape"] as? [Int] else {
                throw AIArtsError(.badInput, "not a safetensors file: tensor \(TerminalText.finalRedraw(String(name.prefix(100)))) has no dtype and shape")
            }
            count += 1
            dtypes[dtype.lowercased(), default: 0] += 1
            total = TensorFlowReader.add(total, TensorFlowReader.elements(shape.map(String.init)))
        }
        artifact.tensorCount = count
        artifact.parameterCount = total
        artifact.details["dtypes"] = dtypes.keys.sorted().map { "\($0)×\(dtypes[$0]!)" }.joined(separator: ",")
    }

    /// Paddle 3's program as JSON (inference.json beside inference.pdiparams): recognised, its
    /// version and size recorded; its layout is Paddle-internal.
    static func paddleJSON(_ url: URL, into artifact: inout ModelArtifact) throws {
        let json = try ModelInspector.jsonObject(url)
        artifact.producer = "PaddlePaddle"
        if let base = json["base_code"] as? [String: Any], let version = base["version"] { artifact.details["program_version"] = "\(version)" }
        if let program = json["program"] as? [String: Any], let regions = program["regions"] as? [Any] {
            artifact.details["regions"] = String(regions.count)
        }
    }
}

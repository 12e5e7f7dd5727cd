import Foundation

/// Keras models: a `.keras` file (a zip holding config.json and metadata.json) and a legacy HDF5
/// `.h5` (the HDF5 signature, with the model's config as a JSON attribute, found by its text).
enum KerasReader {
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Where the HDF5 superblock is: offset 0, 512, 1024, 2048 … (the signature's possible places).
    static func hdf5SignatureOffset(_ url: URL) -> Int? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        for offset in [0, 512, 1024, 2048, 4096] {
            guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
                  let bytes = try? handle.read(upToCount: 8) else { return nil }
            if [UInt8](bytes) == signature { return offset }
            if bytes.count < 8 { return nil }
        }
        return nil
    }

    static func kerasZip(_ url: URL, into artifact: inout ModelArtifact) throws {
        let entries = ModelFormat.zipEntries(url)
        guard !entries.isEmpty else { throw AIArtsError(.badInput, "not a .keras file: not a zip (it starts with \(ModelInspector.hexHead(url)))") }
        guard let config = try zipEntry(url, "config.json") else {
            throw AIArtsError(.badInput, "not a .keras file: no config.json among its \(entries.count) entries")
        }
        try readConfig(ModelInspector.jsonObject(Data(config), what: "config.json"), into: &artifact)
        if let meta = try? zipEntry(url, "metadata.json"), let json = try? ModelInspector.jsonObject(Data(meta), what: "metadata.json") {
            if let version = json["keras_version"] as? String { artifact.producer = "Keras " + TerminalText.finalRedraw(String(version.prefix(32))) }
        }
        if let weights = entries.first(where: { $0.hasSuffix(".h5") }) { artifact.details["weights"] = TerminalText.finalRedraw(weights) }
    }

    static func hdf5(_ url: URL, into artifact: inout ModelArtifact) throws {
        guard let offset = hdf5SignatureOffset(url) else {
            throw AIArtsError(.badInput, "not an HDF5 file: no HDF5 signature (it starts with \(ModelInspector.hexHead(url)))")
        }
        artifact.details["superblock"] = String(offset)
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let window = [UInt8]((try handle.read(upToCount: 64 << 20)) ?? Data())
        guard let json = embeddedConfig(window) else {
            artifact.details["note"] = "HDF5 without a Keras model_config (weights only?)"
            return
        }
        try readConfig(json, into: &artifact)
        artifact.producer = artifact.producer ?? "Keras (HDF5)"
    }

    /// Keras writes the model's config as a JSON string attribute: `{"class_name": …}`. The first
    /// such object that parses is taken.
    static func embeddedConfig(_ bytes: [UInt8]) -> [String: Any]? {
        let needle = Array(#"{"class_name""#.utf8)
        var start = 0
        var tries = 0
        while start + needle.count <= bytes.count, tries < 16 {
            guard let at = find(needle, in: bytes, from: start) else { return nil }
            tries += 1
            if let end = balancedEnd(bytes, from: at), let json = try? ModelInspector.jsonObject(Data(bytes[at...end]), what: "model_config"),
               json["config"] != nil {
                return json
            }
            start = at + 1
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard let first = needle.first else { return nil }
        var i = from
        while i + needle.count <= bytes.count {
            if bytes[i] == first, Array(bytes[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// The index of the brace closing the object that starts at `start`, strings respected.
    private static func balancedEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0, inString = false, escaped = false
        var i = start
        while i < bytes.count, i - start < 16 << 20 {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 { inString = true } else if b == 0x7B { depth += 1 } else if b == 0x7D {
                depth -= 1
                if depth == 0 { return i }
            } else if b == 0 { return nil }
            i += 1
        }
        return nil
    }

    /// The model's class, layer count, inputs (InputLayer's batch shape) and, for a last Dense
    /// layer, the output width.
    static func readConfig(_ json: [String: Any], into artifact: inout ModelArtifact) throws {
        guard let className = json["class_name"] as? String, let config = json["config"] as? [String: Any] else {
            throw AIArtsError(.badInput, "the Keras config has no class_name and config")
        }
        artifact.details["class_name"] = TerminalText.finalRedraw(String(className.prefix(100)))
        if let name = config["name"] as? String { artifact.details["name"] = TerminalText.finalRedraw(String(name.prefix(100))) }
        let layers = config["layers"] as? [[String: Any]] ?? []
        artifact.nodeCount = layers.count
        func shape(_ any: Any?) -> [String]? {
            (any as? [Any])?.prefix(64).map { ($0 as? Int).map(String.init) ?? "?" }
        }
        for layer in layers where layer["class_name"] as? String == "InputLayer" {
            let c = layer["config"] as? [String: Any] ?? [:]
            let name = (c["name"] as? String).map { TerminalText.finalRedraw(String($0.prefix(200))) } ?? "input"
            let dtype = (c["dtype"] as? String) ?? ((c["dtype"] as? [String: Any])?["config"] as? [String: Any])?["name"] as? String ?? "?"
            artifact.inputs.append(ModelTensorInfo(name: name, dtype: dtype, shape: shape(c["batch_shape"] ?? c["batch_input_shape"])))
        }
        if artifact.inputs.isEmpty, let first = layers.first?["config"] as? [String: Any], let s = shape(first["batch_input_shape"] ?? first["batch_shape"]) {
            artifact.inputs.append(ModelTensorInfo(name: "input", dtype: (first["dtype"] as? String) ?? "?", shape: s))
        }
        if let last = layers.last, last["class_name"] as? String == "Dense", let c = last["config"] as? [String: Any], let units = c["units"] as? Int {
            let name = (c["name"] as? String).map { TerminalText.finalRedraw(String($0.prefix(200))) } ?? "output"
            artifact.outputs.append(ModelTensorInfo(name: name, dtype: "float32", shape: ["?", String(units)]))
        }
    }

    /// The bytes of one zip entry (stored or deflated, at most 64 MB), or nil when it is not there.
    static func zipEntry(_ url: URL, _ name: String) throws -> [UInt8]? {
        let file = try ArchiveFile(url)
        var reader = ZipReader(file, limits: .default)
        guard let entry = try reader.entries().first(where: { $0.name == name }) else { return nil }
        guard entry.size <= 64 << 20, entry.compressedSize <= 64 << 20 else {
            throw AIArtsError(.badInput, "\(name) in \(url.lastPathComponent) is over 64 MB")
        }
        guard let start = try reader.dataStart(of: entry) else { throw AIArtsError(.badInput, "\(name) in \(url.lastPathComponent) has a damaged local header") }
        let packed = try file.read(at: start, count: Int(entry.compressedSize))
        switch entry.method {
        case 0: return packed
        case 8:
            guard let out = ZlibStream.decompress(packed, format: .raw, limit: Int(entry.size) + 1), out.count == Int(entry.size) else {
                throw AIArtsError(.badInput, "\(name) in \(url.lastPathComponent) has bad deflate data")
            }
            return out
        default: throw AIArtsError(.badInput, "\(name) in \(url.lastPathComponent) uses compression method \(entry.method)")
        }
    }
}

import Foundation

/// Recognises what a version's files are, from their names and first bytes. Only a label for
/// people and for tools choosing a loader: nothing is refused for being unrecognised ("files").
enum ModelFormat {
    static let aiartsTrain = "aiarts-train checkpoint"
    static let torchScript = "torchscript"
    static let stateDict = "pytorch state_dict"
    static let onnx = "onnx"
    static let safetensors = "safetensors"
    static let paddle = "paddle"
    static let paddleInference = "paddle inference"
    static let savedModel = "tensorflow savedmodel"
    static let graphDef = "tensorflow graphdef"
    static let kerasH5 = "keras hdf5"
    static let keras = "keras"
    static let aiartsExport = "aiarts export"
    static let unknown = "files"

    /// Formats found among `files` (URLs of regular files), most specific first, joined by ", ".
    static func detect(_ files: [URL]) -> String {
        var found = Set<String>()
        for url in files {
            let name = url.lastPathComponent.lowercased()
            let ext = url.pathExtension.lowercased()
            if name == "model.bin", head(url, 8) == Array("AIARTSNN".utf8) {
                found.insert(aiartsTrain)
            } else if ext == "onnx" {
                found.insert(onnx)
            } else if ["pt", "pth", "ts", "pt2", "jit", "torchscript"].contains(ext) {
                found.insert(isTorchScript(url) ? torchScript : stateDict)
            } else if ext == "bin", zipEntries(url).contains(where: { $0.hasSuffix("data.pkl") }) {
                found.insert(stateDict)  // Hugging Face's pytorch_model.bin is torch.save's zip
            } else if ext == "safetensors" {
                found.insert(safetensors)
            } else if ["pdparams", "pdmodel", "pdiparams"].contains(ext) {
                found.insert(paddle)
            } else if name == "saved_model.pb" {
                found.insert(savedModel)
            } else if ext == "pb" {
                found.insert(graphDef)
            } else if ["h5", "hdf5"].contains(ext), KerasReader.hdf5SignatureOffset(url) != nil {
                found.insert(kerasH5)
            } else if ext == "keras", zipEntries(url).contains("config.json") {
                found.insert(keras)
            } else if name == "inference.json", FileManager.default.fileExists(atPath: url.deletingLastPathComponent().appendingPathComponent("inference.pdiparams").path) {
                found.insert(paddle)
            }
        }
        let order = [aiartsTrain, torchScript, onnx, stateDict, safetensors, paddle, savedModel, graphDef, kerasH5, keras]
        let named = order.filter(found.contains)
        return named.isEmpty ? unknown : named.joined(separator: ", ")
    }

    /// The trainer a format implies, when it implies one.
    static func trainer(of format: String) -> String? {
        format.hasPrefix(aiartsTrain) ? "aiarts-train" : nil
    }

    /// torch.jit.save writes a zip holding the model's code (`<name>/code/...`) and
    /// `constants.pkl`; torch.save of a state_dict writes a zip with only data.pkl and tensors.
    static func isTorchScript(_ url: URL) -> Bool {
        zipEntries(url).contains { $0.hasSuffix("constants.pkl") || $0.contains("/code/") }
    }

    /// Entry names when `url` is a zip; none when it is not one or cannot be read.
    static func zipEntries(_ url: URL) -> [String] {
        guard head(url, 2) == [0x50, 0x4B], let file = try? ArchiveFile(url) else { return [] }
        var reader = ZipReader(file, limits: .default)
        return ((try? reader.entries()) ?? []).map(\.name)
    }

    static func head(_ url: URL, _ count: Int) -> [UInt8] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: count)) ?? Data())
    }
}

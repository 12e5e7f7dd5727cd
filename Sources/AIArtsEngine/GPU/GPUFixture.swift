import Foundation

/// `AIARTS_GPU_FIXTURE=/path/file.json`: the monitor reports the GPUs that file describes instead
/// of asking the driver (tests, demos, machines without a GPU). The file is read again on every
/// snapshot, so a test can change free memory while a task waits. docs/gpu.md gives the format:
/// the output of `aiarts system --json` (an object with "gpus"), or just the array of GPUs.
public enum GPUFixture {
    public static let environmentKey = "AIARTS_GPU_FIXTURE"

    /// The GPUs in the file, or why it could not be used (it does not exist, is not JSON, ...).
    public static func load(path: String) -> Result<(gpus: [GPUDevice], reason: String?), GPUSourceError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(GPUSourceError("\(environmentKey): cannot read \(path)"))
        }
        return parse(data, name: path)
    }

    public static func parse(_ data: Data, name: String = "fixture") -> Result<(gpus: [GPUDevice], reason: String?), GPUSourceError> {
        struct Document: Decodable { var gpus: [GPUDevice]?; var reason: String?; var gpu_reason: String? }
        var gpus: [GPUDevice]
        var reason: String?
        do {
            if data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[") {
                gpus = try JSONDecoder().decode([GPUDevice].self, from: data)
            } else {
                let document = try JSONDecoder().decode(Document.self, from: data)
                gpus = document.gpus ?? []
                reason = document.reason ?? document.gpu_reason
            }
        } catch {
            return .failure(GPUSourceError("\(environmentKey): \(name) is not a GPU list: \(describe(error))"))
        }
        for i in gpus.indices {
            if gpus[i].index < 0 { gpus[i].index = i }
            if gpus[i].name.isEmpty { gpus[i].name = "GPU \(gpus[i].index)" }
            // Free memory follows from total and used when the file leaves it out.
            if gpus[i].memoryFree == nil, let total = gpus[i].memoryTotal, let used = gpus[i].memoryUsed {
                gpus[i].memoryFree = total >= used ? total - used : 0
            }
        }
        return .success((gpus, reason))
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        default:
            return error.localizedDescription
        }
    }
}

import AIArtsEngine
import Foundation

/// What the AIArts and registry dialects read from a create request and write for a service: the
/// engine's `InferenceServiceSpec` from loosely typed JSON, and the service as `aiarts infer show
/// --json` prints it with its latest stats.
struct InferenceRequest {
    var spec: InferenceServiceSpec

    /// `keys` names the fields as the dialect spells them (snake_case for AIArts, camelCase in a
    /// kleveross spec); `model` is already resolved to what the engine takes ("M0001:v2", a name).
    init(_ body: [String: Any], model: String, keys: Keys = .snake) throws {
        var spec = InferenceServiceSpec(model: model)
        if let port = try body.optionalInt(keys.port) { spec.port = port }
        if let batch = try body.optionalInt(keys.maxBatch) { spec.maxBatch = batch }
        if let delay = try body.optionalInt(keys.maxDelayMs) { spec.maxDelayMs = delay }
        spec.gpus = try Self.gpus(body[keys.gpus], field: keys.gpus)
        self.spec = spec
    }

    struct Keys {
        var port = "port", gpus = "gpus", maxBatch = "max_batch", maxDelayMs = "max_delay_ms"
        static let snake = Keys()
        static let camel = Keys(maxBatch: "maxBatch", maxDelayMs: "maxDelayMs")
    }

    /// GPU indices as a list of integers, or a string "0,1"; absent, null, "" or []: the CPU.
    static func gpus(_ value: Any?, field: String) throws -> [Int] {
        guard let value, !(value is NSNull) else { return [] }
        let bad = APIError.badRequest("\(field) must be GPU indices: [0, 1] or \"0,1\" (absent: the CPU)")
        if let text = value as? String {
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return try parts.map { part in
                guard let index = Int(part), (0..<1024).contains(index) else { throw bad }
                return index
            }
        }
        if let list = value as? [Any] {
            return try list.map { item in
                guard let number = item as? NSNumber, !Dictionary<String, Any>.isJSONBool(item),
                      number.doubleValue.rounded() == number.doubleValue, (0..<1024).contains(number.doubleValue) else { throw bad }
                return number.intValue
            }
        }
        throw bad
    }
}

/// A service with the stats it last wrote (null before its first request), as both dialects answer it.
struct InferenceItem: Encodable, Sendable {
    var service: InferenceService
    var stats: InferenceStats?

    init(_ service: InferenceService, _ workspace: Workspace) {
        self.service = service
        stats = (try? workspace.inferenceServiceStats(service.id)) ?? nil
    }

    enum Extra: String, CodingKey { case stats }

    func encode(to encoder: any Encoder) throws {
        try InferenceService.JSON(service).encode(to: encoder)
        var c = encoder.container(keyedBy: Extra.self)
        try c.encode(stats, forKey: .stats)
    }
}

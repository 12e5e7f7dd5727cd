import AIArtsEngine
import Foundation
import Hummingbird

/// PaddleX RESTful under /paddlex (docs/api.md, "PaddleX RESTful"): its clients send every
/// parameter as a JSON body (GET included), and read `status` 1 (done) or -1 (refused, `message`).
enum PaddleXRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        PaddleXWorkspaceRoutes.register(on: group, environment: environment)
        PaddleXDatasetRoutes.register(on: group, environment: environment)
        PaddleXProjectRoutes.register(on: group, environment: environment)
        PaddleXTrainingRoutes.register(on: group, environment: environment)
        PaddleXJobRoutes.register(on: group, environment: environment)
        PaddleXPruneRoutes.register(on: group, environment: environment)
        PaddleXSystemRoutes.register(on: group, environment: environment)
    }

    /// The request's parameters: the JSON body merged over the query string.
    static func parameters(_ request: Request, _ environment: ServerEnvironment) async throws -> [String: Any] {
        try await request.parameters(limit: environment.limits.maxBodyBytes)
    }

    /// Runs `body` on the engine's thread pool and answers its fields with `status: 1`.
    static func respond(_ environment: ServerEnvironment,
                        _ body: @escaping @Sendable (Workspace) throws -> [String: Any]) async throws -> Response {
        let data = try await environment.engine { workspace -> Data in
            var object = try body(workspace)
            object["status"] = 1
            return try JSONSerialization.data(withJSONObject: finite(object), options: [.sortedKeys, .withoutEscapingSlashes])
        }
        return JSONOut.response(data: data)
    }

    /// An id parameter of the kind named (did → D0001), refused with a 400 when it is another kind.
    static func id(_ parameters: [String: Any], _ key: String, kind: RecordKind) throws -> String {
        let value = try parameters.string(key)
        guard RecordKind.of(id: value) == kind else {
            throw APIError.badRequest("\(key) must be an id like \(kind.rawValue)0001, not '\(value)'")
        }
        return value
    }

    static func optionalID(_ parameters: [String: Any], _ key: String, kind: RecordKind) throws -> String? {
        guard try parameters.optionalString(key) != nil else { return nil }
        return try id(parameters, key, kind: kind)
    }

    /// `value` with every NaN or infinite number as text ("nan", "inf"), which JSON cannot carry.
    static func finite(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]: return object.mapValues(finite)
        case let list as [Any]: return list.map(finite)
        case let number as Double where !number.isFinite: return String(number)
        default: return value
        }
    }

    /// A JSON value as Foundation values.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let flag): flag
        case .number(let number):
            !number.isFinite ? String(number) as Any : number.rounded() == number && abs(number) < 9e15 ? Int(number) as Any : number as Any
        case .string(let text): text
        case .array(let items): items.map(foundation)
        case .object(let members): Dictionary(members.map { ($0.key, foundation($0.value)) }, uniquingKeysWith: { _, last in last })
        }
    }

    /// An Encodable engine value as Foundation values (its --json shape).
    static func foundation<T: Encodable>(encoding value: T) throws -> Any {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // A diverged run's loss is NaN: said as text rather than failing the whole answer.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try JSONSerialization.jsonObject(with: encoder.encode(value), options: [.fragmentsAllowed])
    }
}

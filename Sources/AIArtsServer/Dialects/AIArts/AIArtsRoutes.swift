import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

/// The AIArts platform's API under /ai_arts/api (docs/api.md, "AIArts"): models, trainings (with
/// their live metrics), datasets, inferences (the inference services), codes (notebook sessions).
/// `annotations` is the crowd annotation API, mounted by DialectRoutes.
enum AIArtsRoutes {
    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        AIArtsModelRoutes.register(on: group.group("models"), environment: environment)
        AIArtsTrainingRoutes.register(on: group.group("trainings"), environment: environment)
        AIArtsDatasetRoutes.register(on: group.group("datasets"), environment: environment)
        AIArtsInferenceRoutes.register(on: group.group("inferences"), environment: environment)
        AIArtsCodeRoutes.register(on: group.group("codes"), environment: environment)
    }
}

/// The AIArts envelope: `{"code": 0, "msg": "success", "data": …}`.
enum AIArtsOut {
    static func ok(_ data: Any, status: HTTPResponse.Status = .ok) -> Response {
        JSONOut.response(["code": 0, "msg": "success", "data": data], status: status)
    }

    /// An Encodable value as `data`, encoded as the CLI's --json (snake_case keys, RFC 3339 times).
    static func ok<T: Encodable>(encoding value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = Data(#"{"code":0,"msg":"success","data":"#.utf8)
        data.append(try encoder.encode(value))
        data.append(UInt8(ascii: "}"))
        return JSONOut.response(data: data, status: status)
    }

    /// `ok(encoding:)` of a list, kept a moment in the server's `ResponseCache` (a burst of list
    /// requests computes it once; any request that may write makes it stale).
    static func cachedList<T: Encodable & Sendable>(_ environment: ServerEnvironment, key: String,
                                                    _ compute: @escaping @Sendable () async throws -> T) async throws -> Response {
        let body = try await environment.cache.body("aiarts\u{0}" + key) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            var data = Data(#"{"code":0,"msg":"success","data":"#.utf8)
            data.append(try encoder.encode(try await compute()))
            data.append(UInt8(ascii: "}"))
            return ByteBuffer(bytes: data)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// An Encodable value as a Foundation object, to combine with other fields.
    static func object<T: Encodable>(_ value: T) throws -> Any {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONSerialization.jsonObject(with: encoder.encode(value), options: [.fragmentsAllowed])
    }
}

/// The detail codes of the AIArts dialect (docs/api.md, "AIArts error codes").
enum AIArtsDetail {
    static let unknownDataset = 40401, unknownTraining = 40402, unknownModel = 40403, unknownProject = 40404
    static let unknownInference = 40405, unknownImage = 40406
    static let badPath = 40001, badArchive = 40002, missingFile = 40003
}

extension String {
    /// A record id from a path, checked for its shape (`D0001`, `T0001`, `M0001`) before any lookup.
    func aiartsID(_ prefix: Character, code: Int, what: String) throws -> String {
        let digits = dropFirst()
        guard first == prefix, !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw APIError.notFound("no \(what) \(self.prefix(40)); \(what) ids look like \(prefix)0001", code: code)
        }
        return self
    }
}

extension Request {
    /// The id in the route's `{id}` parameter.
    func aiartsID(_ context: ServerContext, _ prefix: Character, code: Int, what: String) throws -> String {
        guard let id = context.parameters.get("id") else { throw APIError.notFound("no \(what) id in the path", code: code) }
        return try id.aiartsID(prefix, code: code, what: what)
    }
}

/// Engine calls whose not-found error is given the route's detail code.
extension ServerEnvironment {
    func engine<T: Sendable>(notFound code: Int, _ body: @escaping @Sendable (Workspace) throws -> T) async throws -> T {
        do {
            return try await engine(body)
        } catch {
            let mapped = APIError.from(error)
            if mapped.status == .notFound && mapped.code == nil { throw APIError(.notFound, code: code, mapped.message) }
            throw error
        }
    }
}

/// A file streamed from disk as a download (never read whole into memory), removed afterwards when
/// it was written for this response.
enum AIArtsDownload {
    static func file(_ url: URL, name: String, contentType: String, removeAfter: Bool, context: ServerContext) async throws -> Response {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(size)
        let safe = name.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && !$0.isNewline }
        headers[.contentDisposition] = "attachment; filename=\"\(safe)\""
        let path = url.path
        let chunk = 256 << 10
        let body = ResponseBody(contentLength: size) { writer in
            defer { if removeAfter { try? FileManager.default.removeItem(atPath: path) } }
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            while true {
                let data = try await NIOThreadPool.singleton.runIfActive { try handle.read(upToCount: chunk) ?? Data() }
                if data.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

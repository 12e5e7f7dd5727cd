import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The platforms whose HTTP APIs the server speaks, each under its own mount point (docs/api.md).
/// A request belongs to the dialect whose mount its path starts with; errors are written in that
/// dialect's shape, whatever the route.
public enum Dialect: String, CaseIterable, Sendable {
    case aiarts, paddlex, registry, crowd, django

    /// Where its routes start. Django's are at the root, under the paths its document gives.
    public var mount: String {
        switch self {
        case .aiarts: "/ai_arts/api"
        case .paddlex: "/paddlex"
        case .registry: "/api/v1alpha1"
        case .crowd: "/api"
        case .django: ""
        }
    }

    /// The dialect a path belongs to (the longest mount that is a whole-segment prefix).
    public static func of(path: String) -> Dialect {
        for dialect in [Dialect.aiarts, .paddlex, .registry, .crowd] {
            if path == dialect.mount || path.hasPrefix(dialect.mount + "/") { return dialect }
        }
        return .django
    }

    /// An error response in the dialect's own shape (docs/api.md, "Errors").
    public func errorResponse(_ error: APIError) -> Response {
        let body: [String: Any]
        switch self {
        case .aiarts:
            body = ["code": error.code ?? AIArtsCodes.code(for: error.status), "msg": error.message, "data": NSNull()]
        case .paddlex:
            body = ["status": -1, "message": error.message]
        case .registry:
            body = ["code": error.status.code, "message": error.message]
        case .crowd:
            body = ["errors": ["status": error.status.code, "title": error.status.reasonPhrase.lowercased(), "detail": error.message]]
        case .django:
            body = ["detail": error.message]
        }
        var response = JSONOut.response(body, status: error.status)
        if error.status == .unauthorized {
            response.headers[.wwwAuthenticate] = #"Bearer realm="aiarts", Basic realm="aiarts""#
        }
        return response
    }
}

/// The AIArts dialect's five-digit error codes (docs/api.md, "Error codes"): the HTTP status times 100
/// plus a detail, so that 40000 is any bad request and 40401 a missing record.
public enum AIArtsCodes {
    public static func code(for status: HTTPResponse.Status) -> Int { status.code * 100 }
}

/// JSON responses from Foundation values ([String: Any], arrays, numbers, strings, NSNull).
public enum JSONOut {
    public static func response(_ value: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return response(data: data, status: status)
    }

    public static func response(data: Data, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

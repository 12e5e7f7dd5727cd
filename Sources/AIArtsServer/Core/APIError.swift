import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// A refusal a handler throws: an HTTP status, the dialect's own error code where it has one, and a
/// message that says what to do. `DialectErrorMiddleware` writes it in the dialect's shape.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    /// The dialect's code (AIArts: five digits, docs/api.md "Error codes"); nil: derived from the status.
    public var code: Int?
    public var message: String

    public init(_ status: HTTPResponse.Status, code: Int? = nil, _ message: String) {
        self.status = status; self.code = code; self.message = message
    }

    public static func badRequest(_ message: String, code: Int? = nil) -> APIError { .init(.badRequest, code: code, message) }
    public static func notFound(_ message: String, code: Int? = nil) -> APIError { .init(.notFound, code: code, message) }

    /// Any error as a refusal: engine errors keep their message and get the status of their kind;
    /// anything unexpected is a 500 whose message names the log, never the error's text.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as HTTPError:
            let status = error.status
            return APIError(status, error.body ?? Self.defaultMessage(status))
        default: break
        }
        let plain = AIArtsError.plain(error)
        if let engine = plain as? AIArtsError {
            let status: HTTPResponse.Status = switch engine.kind {
            case .notFound: .notFound
            case .invalidArgument, .badInput: .badRequest
            case .conflict: .conflict
            case .cancelled: .conflict
            case .io: .unprocessableContent
            }
            return APIError(status, engine.message)
        }
        return APIError(.internalServerError, "the server failed on this request; its log (logs/serve.log in the workspace) says why")
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such route; docs/api.md lists the routes of each dialect"
        case .methodNotAllowed: "this route does not take that method; docs/api.md lists the routes of each dialect"
        case .contentTooLarge: "the request body is larger than the server's limit (aiarts serve --max-body)"
        default: status.reasonPhrase
        }
    }
}

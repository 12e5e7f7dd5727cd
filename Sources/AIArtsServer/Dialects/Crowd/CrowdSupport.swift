import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// A refusal with the crowd document's own title (`{"errors": {status, title, detail}}`), such as
/// "json error" or "you have unfinished commit of this task".
struct CrowdError: Error {
    var status: HTTPResponse.Status
    var title: String
    var detail: String

    static func json(_ detail: String) -> CrowdError { CrowdError(status: .badRequest, title: "json error", detail: detail) }
}

/// Writes the crowd routes' errors as the document shows them: `CrowdError`s with their titles, and
/// a 403 in the Spring shape (`timestamp`, `status`, `error`, `message`, `path`). Under the AIArts
/// mount (`/ai_arts/api/annotations`) errors go on to the AIArts shape instead.
struct CrowdErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CrowdError {
            guard CrowdPaths.isCrowdMount(request.uri.path) else { throw APIError(error.status, error.detail) }
            return JSONOut.response(["errors": ["status": error.status.code, "title": error.title, "detail": error.detail]], status: error.status)
        } catch {
            let apiError = APIError.from(error)
            guard apiError.status == .forbidden, CrowdPaths.isCrowdMount(request.uri.path) else { throw error }
            return JSONOut.response([
                "timestamp": CrowdTime.string(Date()), "status": 403, "error": "Forbidden",
                "message": apiError.message, "path": request.uri.path,
            ], status: .forbidden)
        }
    }
}

enum CrowdPaths {
    static func isCrowdMount(_ path: String) -> Bool { Dialect.of(path: path) == .crowd }

    /// The mount a request came in under: /api or /ai_arts/api/annotations.
    static func mount(of request: Request) -> String {
        let aiarts = Dialect.aiarts.mount + "/annotations"
        return request.uri.path.hasPrefix(aiarts + "/") ? aiarts : Dialect.crowd.mount
    }

    /// `http://HOST` as the client reached the server (the Host header), or "" when it sent none.
    static func base(of request: Request, environment: ServerEnvironment) -> String {
        guard let host = request.head.authority, !host.isEmpty,
              host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]_".contains($0) }) else { return "" }
        let tls = environment.state.withLock { $0?.tls } ?? false
        return "\(tls ? "https" : "http")://\(host)"
    }

    /// The URL of a picture: `…/file/tasks/{task}/pictures/{sample}`.
    static func pictureURL(_ request: Request, _ environment: ServerEnvironment, task: Int64, sample: Int64) -> String {
        "\(base(of: request, environment: environment))\(mount(of: request))/file/tasks/\(task)/pictures/\(sample)"
    }

    /// The sample id a picture URL names (its last path component), or nil.
    static func sampleId(inPictureURL url: String) -> Int64? {
        let path = url.split(separator: "?").first.map(String.init) ?? url
        guard path.contains("/pictures/"), let last = path.split(separator: "/").last else { return nil }
        return Int64(last)
    }
}

/// Times as the document writes them (Java's `Instant.toString()`: `2018-06-14T07:04:20.123Z`).
/// Read as well: ISO 8601 with or without fractions or an offset, a bare date (midnight UTC), and
/// Java's `Date.toString()` (`Thu Jun 14 15:04:20 GMT+08:00 2018`) as the document's examples send.
enum CrowdTime {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(trimmed) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(trimmed) { return date }
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd",
                       "EEE MMM dd HH:mm:ss zzzz yyyy", "EEE MMM dd HH:mm:ss zzz yyyy", "EEE MMM dd HH:mm:ss ZZZZ yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// A time field of a request: nil when absent or null; a 400 "json error" when unreadable.
    static func field(_ object: [String: Any], _ key: String) throws -> Date? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String, let date = parse(text) else {
            throw CrowdError.json("\(key) must be a time such as 2018-06-14T07:04:20.123Z (or Thu Jun 14 15:04:20 GMT+08:00 2018)")
        }
        return date
    }
}

enum CrowdInput {
    /// The `data` object of a body (`{"data": {...}}`); a body without one is read as the object itself.
    static func data(_ request: Request, _ environment: ServerEnvironment) async throws -> [String: Any] {
        let body: [String: Any]
        do {
            body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
        } catch let error as APIError where error.status == .badRequest {
            throw CrowdError.json(error.message)
        }
        if let data = body["data"] {
            guard let object = data as? [String: Any] else { throw CrowdError.json("data must be a JSON object") }
            return object
        }
        return body
    }

    static func int(_ object: [String: Any], _ key: String) throws -> Int? {
        guard object[key] != nil, !(object[key] is NSNull) else { return nil }
        do { return try object.int(key) } catch { throw CrowdError.json("\(key) must be an integer") }
    }

    static func string(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw CrowdError.json("\(key) must be a string") }
        return text
    }

    /// A user field (`user_id`; aiarts users are names, so a string, or a number that names one).
    static func user(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let text = value as? String { return text }
        // (On Linux every NSNumber reads as a Bool too, so a number is taken as it is written.)
        if let number = value as? NSNumber { return number.stringValue }
        throw CrowdError.json("\(key) must be a user name")
    }

    /// The user a request acts for: the token's own, or (for an admin only) another existing user.
    static func actingUser(_ named: String?, principal: Principal, environment: ServerEnvironment) async throws -> String {
        guard let named, named != principal.user else { return principal.user }
        guard principal.role == .admin else {
            throw APIError(.forbidden, "user_id '\(named)' is not the token's user (\(principal.user)); only an admin may act for another user")
        }
        _ = try await environment.engine { try $0.user(named) }
        return named
    }

    /// Runs engine work on a task, a missing task being the document's 404 "No such task".
    static func task<T: Sendable>(_ environment: ServerEnvironment, _ body: @escaping @Sendable (Workspace) throws -> T) async throws -> T {
        do {
            return try await environment.engine(body)
        } catch let error as AIArtsError where error.kind == .notFound && error.message.hasPrefix("No such task") {
            throw CrowdError(status: .notFound, title: "No such task", detail: error.message)
        }
    }

    /// A task id from the path: a positive integer.
    static func taskId(_ context: ServerContext, _ name: String = "id") throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id >= 1 else {
            throw CrowdError(status: .notFound, title: "No such task", detail: "No such task: task ids are positive integers")
        }
        return id
    }
}

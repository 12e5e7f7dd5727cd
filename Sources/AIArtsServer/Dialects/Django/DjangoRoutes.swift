import Foundation
import HTTPTypes
import Hummingbird

/// The Django ML platform's routes, at the root under the paths its document gives, each with its
/// trailing slash (docs/api.md, "Django ML platform"): rest-auth, data uploads, stopping a run, a
/// training's results and the models.
enum DjangoRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        DjangoAuthRoutes.register(on: router, environment: environment)
        DjangoDataRoutes.register(on: router, environment: environment)
        DjangoTaskRoutes.register(on: router, environment: environment)
        DjangoPauseRoutes.register(on: router, environment: environment)
        DjangoModelRoutes.register(on: router, environment: environment)
        DjangoPreprocessRoutes.register(on: router, environment: environment)
        DjangoRuntimeRoutes.register(on: router, environment: environment)
    }
}

/// Django's routes end with a slash and only those paths are served: the router itself matches a
/// path with or without one, so each Django group checks it (`/rest-auth/user` is a 404).
struct DjangoTrailingSlash: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasSuffix("/") else {
            throw APIError.notFound("Django routes end with a slash: \(request.uri.path)/ (docs/api.md, \"Django ML platform\")")
        }
        return try await next(request, context)
    }
}

extension Router<ServerContext> {
    /// A group of Django routes under `path`, served only with their trailing slash.
    func djangoGroup(_ path: String) -> RouterGroup<ServerContext> {
        group(RouterPath(path)).add(middleware: DjangoTrailingSlash())
    }
}

/// Shapes the Django platform's clients read besides `{"detail": …}`.
enum DjangoOut {
    /// Field errors as Django REST framework writes them: `{"field": ["message"]}` (400).
    static func fieldErrors(_ errors: [String: [String]], status: HTTPResponse.Status = .badRequest) -> Response {
        JSONOut.response(errors, status: status)
    }

    /// Times as Django REST framework writes them: ISO 8601 in UTC with microseconds.
    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// A request's parameters: a JSON body, a urlencoded form (as Django's browsable clients post), and the query.
    static func parameters(_ request: Request, environment: ServerEnvironment) async throws -> [String: Any] {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            let buffer = try await request.bodyBytes(limit: environment.limits.maxBodyBytes)
            var merged: [String: Any] = request.queryParameters
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: Data(buffer: buffer), as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
            for item in components.queryItems ?? [] { merged[item.name] = item.value ?? "" }
            return merged
        }
        return try await request.parameters(limit: environment.limits.maxBodyBytes)
    }
}

import Hummingbird
import Logging

/// Turns every error a route throws (or the router's own 404 and 405) into the dialect's error shape.
/// A 5xx is logged with its cause; the client only learns that the log says why.
struct DialectErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(String(describing: error))")
            }
            return Dialect.of(path: request.uri.path).errorResponse(apiError)
        }
    }
}

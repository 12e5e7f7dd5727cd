import Hummingbird
import Logging

/// Counts every request, invalidates kept list answers on any request that may write, and, at debug level (`aiarts serve --log-requests`), logs one line per request: method, path (never the query, which may
/// name a picture's token), status, time and user. Headers, and so tokens, never reach the log.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let environment: ServerEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        environment.counted()
        // A request that may write makes every kept list answer stale (ResponseCache): when it
        // starts, and again when it is done, so that a list computed meanwhile is not kept either.
        let writes = request.method != .get && request.method != .head
        if writes { environment.cache.invalidate() }
        defer { if writes { environment.cache.invalidate() } }
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        environment.logger.debug("\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", ms)) ms \(context.principal?.user ?? "-")")
        return response
    }
}

import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// Every request carries a token, loopback included (docs/api.md, "Tokens"): `Authorization: Bearer
/// TOKEN`, Basic credentials with the token as password (any user name: clients that only take a base
/// URL such as `http://me:TOKEN@host/paddlex`), Django REST framework's `Token TOKEN`, or on a GET,
/// `?access_token=TOKEN` (a picture's URL handed to an image loader). A request
/// without a valid one gets a 401 in its dialect's shape and learns nothing else: the route is not
/// looked up. Only `PublicRoutes` (a dialect's login) pass without one.
struct TokenAuthMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let environment: ServerEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(in: request.headers[.authorization]) ?? Self.queryToken(request) {
            context.principal = try await principal(for: token)
        }
        if context.principal == nil && !PublicRoutes.allows(request.method, request.uri.path) {
            return Dialect.of(path: request.uri.path).errorResponse(
                APIError(.unauthorized, "a valid token is needed: send Authorization: Bearer TOKEN (an admin makes one with `aiarts token create USER`)"))
        }
        return try await next(request, context)
    }

    private func principal(for token: String) async throws -> Principal? {
        if let cached = environment.tokens.lookup(token) { return cached }
        let found = try await environment.engine { try $0.principal(forToken: token) }
        if environment.tokens.store(token, principal: found), let id = found?.tokenID {
            _ = try? await environment.engine { try $0.markTokenUsed(id) }
        }
        return found
    }

    /// `?access_token=TOKEN` on a GET or HEAD without an Authorization header (RFC 6750's query
    /// form): an image loader given only a picture's URL cannot set headers. The query never reaches
    /// the log (RequestLogMiddleware logs the path alone).
    static func queryToken(_ request: Request) -> String? {
        guard request.method == .get || request.method == .head, request.headers[.authorization] == nil else { return nil }
        guard let value = request.uri.queryParameters["access_token"], !value.isEmpty else { return nil }
        return String(value)
    }

    /// The token in an Authorization header, in any of the three forms.
    static func token(in header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer", "token": return value
        case "basic":
            guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":") else { return nil }
            // The password is the token; the user name is the client's to choose (`me`, the user's own).
            let password = text[text.index(after: colon)...]
            return password.isEmpty ? nil : String(password.removingPercentEncoding ?? String(password))
        default: return nil
        }
    }
}

/// Routes answered without a token: a dialect's password login, which is how its clients get one.
enum PublicRoutes {
    static let routes: Set<String> = ["POST /rest-auth/login/"]

    static func allows(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        routes.contains("\(method.rawValue) \(path)")
    }
}

import AIArtsEngine
import Hummingbird

/// The context of one request: who sent it (set by `TokenAuthMiddleware`) and the server's limits.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token's user; nil only on the routes a dialect serves before login (`PublicRoutes`).
    public var principal: Principal?
    /// The address the request came from, for the login throttle.
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The request's user, allowed `permission`, or a 403 in the dialect's shape.
    public func require(_ permission: Permission) throws -> Principal {
        guard let principal else { throw APIError(.unauthorized, "a token is needed: send Authorization: Bearer TOKEN (see `aiarts token create`)") }
        guard principal.allows(permission) else {
            throw APIError(.forbidden, "user \(principal.user) is a \(principal.role.rawValue) and may not do this (it needs \(permission.rawValue) rights; an admin can change it with `aiarts user role`)")
        }
        return principal
    }
}

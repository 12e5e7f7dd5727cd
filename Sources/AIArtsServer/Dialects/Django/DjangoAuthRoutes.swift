import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird

/// django-rest-auth's routes over the workspace's users and tokens: login makes a token, logout
/// revokes the one the request came with. Registration, e-mail verification and password reset by
/// e-mail are not served (aiarts sends no mail; an admin adds users with `aiarts user add`).
enum DjangoAuthRoutes {
    static func register(on router: Router<ServerContext>, environment: ServerEnvironment) {
        let auth = router.djangoGroup("rest-auth")
        auth.post("login/") { request, context in try await login(request, context, environment) }
        auth.post("logout/") { request, context in try await logout(request, context, environment) }
        auth.get("user/") { _, context in try await user(context, environment) }
        auth.put("user/") { request, context in try await updateUser(request, context, environment) }
        auth.patch("user/") { request, context in try await updateUser(request, context, environment) }
        auth.post("password/change/") { request, context in try await changePassword(request, context, environment) }
    }

    static let loginFailed = "Unable to log in with provided credentials."

    /// Throttle keys: the user name and the address, so that neither many names from one address
    /// nor many addresses against one name get more than a handful of guesses.
    static func throttleKeys(user: String, context: ServerContext) -> [String] {
        ["user:\(user)", "address:\(context.remoteAddress ?? "unknown")"]
    }

    static func lockedResponse(_ seconds: Int) -> Response {
        var response = JSONOut.response(["detail": "Too many failed logins. Try again in \(seconds) seconds."], status: .tooManyRequests)
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }

    static func login(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let body = try await DjangoOut.parameters(request, environment: environment)
        let name = try body.optionalString("username") ?? ""
        let password = try body.optionalString("password") ?? ""
        var missing: [String: [String]] = [:]
        if name.isEmpty { missing["username"] = ["This field is required."] }
        if password.isEmpty { missing["password"] = ["This field is required."] }
        if !missing.isEmpty { return DjangoOut.fieldErrors(missing) }
        let keys = throttleKeys(user: name, context: context)
        if let wait = environment.logins.retryAfter(keys: keys) { return lockedResponse(wait) }
        let found = try await environment.engine { try $0.checkPassword(user: name, password: password) }
        guard let found else {
            environment.logins.failed(keys: keys)
            return DjangoOut.fieldErrors(["non_field_errors": [loginFailed]])
        }
        environment.logins.succeeded(keys: keys)
        let issued = try await environment.engine { try $0.createToken(for: found.name, label: "login") }
        return JSONOut.response(["key": issued.token])
    }

    static func logout(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.read)
        if let id = principal.tokenID {
            try await environment.engine { try $0.revokeToken(id) }
        }
        // The cache would otherwise accept the token for up to two more seconds.
        if let token = TokenAuthMiddleware.token(in: request.headers[.authorization]) {
            _ = environment.tokens.store(token, principal: nil)
        }
        return JSONOut.response(["detail": "Successfully logged out."])
    }

    static func userObject(_ name: String, _ environment: ServerEnvironment) async throws -> [String: Any] {
        let number = try await environment.engine { try $0.userNumber(name) }
        return ["pk": number, "username": name, "email": "", "first_name": "", "last_name": ""]
    }

    static func user(_ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.read)
        return JSONOut.response(try await userObject(principal.user, environment))
    }

    /// PUT and PATCH: aiarts keeps a user's name (which tokens, review decisions and commits
    /// record) and no e-mail or names, so a body may only restate them: another user name, or a
    /// non-empty e-mail, first or last name, is refused with a field error that says so.
    static func updateUser(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.read)
        let body = try await DjangoOut.parameters(request, environment: environment)
        var errors: [String: [String]] = [:]
        if let name = try body.optionalString("username"), name != principal.user {
            errors["username"] = ["aiarts does not rename users (tokens, review decisions and commits carry the name); an admin adds a new one with `aiarts user add`."]
        } else if request.method == .put && body["username"] == nil {
            errors["username"] = ["This field is required."]
        }
        for field in ["email", "first_name", "last_name"] {
            if let value = try body.optionalString(field), !value.isEmpty {
                errors[field] = ["aiarts does not store a user's \(field.replacingOccurrences(of: "_", with: " ")); leave it empty."]
            }
        }
        if !errors.isEmpty { return DjangoOut.fieldErrors(errors) }
        return JSONOut.response(try await userObject(principal.user, environment))
    }

    static func changePassword(_ request: Request, _ context: ServerContext, _ environment: ServerEnvironment) async throws -> Response {
        let principal = try context.require(.read)
        let body = try await DjangoOut.parameters(request, environment: environment)
        let old = try body.optionalString("old_password") ?? ""
        let new1 = try body.optionalString("new_password1") ?? ""
        let new2 = try body.optionalString("new_password2") ?? ""
        var errors: [String: [String]] = [:]
        for (field, value) in [("old_password", old), ("new_password1", new1), ("new_password2", new2)] where value.isEmpty {
            errors[field] = ["This field is required."]
        }
        if !errors.isEmpty { return DjangoOut.fieldErrors(errors) }
        if new1 != new2 { return DjangoOut.fieldErrors(["new_password2": ["The two password fields didn't match."]]) }
        let keys = throttleKeys(user: principal.user, context: context)
        if let wait = environment.logins.retryAfter(keys: keys) { return lockedResponse(wait) }
        let user = principal.user
        guard try await environment.engine({ try $0.checkPassword(user: user, password: old) }) != nil else {
            environment.logins.failed(keys: keys)
            return DjangoOut.fieldErrors(["old_password": ["Your old password was entered incorrectly. Please enter it again."]])
        }
        environment.logins.succeeded(keys: keys)
        do {
            try await environment.engine { try $0.setPassword(of: user, to: new1) }
        } catch let error as AIArtsError where error.kind == .invalidArgument {
            return DjangoOut.fieldErrors(["new_password2": [error.message]])
        }
        return JSONOut.response(["detail": "New password has been saved."])
    }
}

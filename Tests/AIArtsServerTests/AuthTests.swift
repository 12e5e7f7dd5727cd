import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct AuthTests {
    @Test func noTokenIs401InTheDialectsShapeWhateverThePath() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            for path in ["/paddlex/project", "/paddlex/no-such-route"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .unauthorized)
                #expect(response.json["status"] as? Int == -1)
                #expect(response.headers[.wwwAuthenticate]?.contains("Bearer") == true)
            }
            let aiarts = try await client.execute(uri: "/ai_arts/api/datasets", method: .get)
            #expect(aiarts.status == .unauthorized)
            #expect(aiarts.json["code"] as? Int == 40100)
            let django = try await client.execute(uri: "/data/list/", method: .get)
            #expect(django.status == .unauthorized)
            #expect(django.json["detail"] is String)
        }
    }

    @Test func bearerBasicAndTokenFormsAreAcceptedAndAWrongTokenIsNot() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let token = fixture.tokens[.viewer]!
        let basic = Data("anyone:\(token)".utf8).base64EncodedString()
        try await fixture.test { client in
            for value in ["Bearer \(token)", "Basic \(basic)", "Token \(token)"] {
                let response = try await client.execute(uri: "/paddlex/no-such-route", method: .get, headers: [.authorization: value])
                #expect(response.status == .notFound, "\(value.prefix(6))")
            }
            var wrong = token
            wrong.removeLast()
            wrong.append(token.hasSuffix("0") ? "1" : "0")
            for value in ["Bearer \(wrong)", "Bearer nonsense", "Basic !!!", "Digest \(token)"] {
                let response = try await client.execute(uri: "/paddlex/no-such-route", method: .get, headers: [.authorization: value])
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func aQueryTokenWorksOnGetOnly() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let token = fixture.tokens[.viewer]!
        try await fixture.test { client in
            let get = try await client.execute(uri: "/paddlex/no-such-route?access_token=\(token)", method: .get)
            #expect(get.status == .notFound)
            let post = try await client.execute(uri: "/paddlex/no-such-route?access_token=\(token)", method: .post)
            #expect(post.status == .unauthorized)
            let wrong = try await client.execute(uri: "/paddlex/no-such-route?access_token=aiarts_0_0", method: .get)
            #expect(wrong.status == .unauthorized)
        }
    }

    @Test func revokedAndExpiredTokensStopWorking() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let issued = try fixture.workspace.createToken(for: "trainer")
        #expect(try fixture.workspace.principal(forToken: issued.token)?.user == "trainer")
        try fixture.workspace.revokeToken(issued.record.id)
        #expect(try fixture.workspace.principal(forToken: issued.token) == nil)
        let short = try fixture.workspace.createToken(for: "viewer", expires: Date().addingTimeInterval(60))
        #expect(try fixture.workspace.principal(forToken: short.token, now: Date().addingTimeInterval(61)) == nil)
        try fixture.workspace.removeUser("viewer")
        #expect(try fixture.workspace.principal(forToken: fixture.tokens[.viewer]!) == nil)
    }

    @Test func tokensAreStoredOnlyAsDigests() throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let issued = try fixture.workspace.createToken(for: "admin")
        let secret = String(issued.token.split(separator: "_").last!)
        let stored = try fixture.workspace.store.pool.read { try String.fetchAll($0, sql: "SELECT digest FROM apiToken") }
        #expect(!stored.contains { $0.contains(secret) })
        #expect(stored.allSatisfy { $0.count == 64 })
    }

    @Test func passwordsUseSaltedPBKDF2AndWrongOnesFail() throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        #expect(try fixture.workspace.checkPassword(user: "admin", password: "password-admin")?.name == "admin")
        #expect(try fixture.workspace.checkPassword(user: "admin", password: "password-Admin") == nil)
        #expect(try fixture.workspace.checkPassword(user: "nobody", password: "password-admin") == nil)
        let hashes = try fixture.workspace.store.pool.read { try String.fetchAll($0, sql: "SELECT passwordHash FROM user") }
        #expect(hashes.allSatisfy { $0.hasPrefix("pbkdf2-sha256$") })
        #expect(Set(hashes.map { $0.split(separator: "$")[2] }).count == hashes.count)
        #expect(throws: AIArtsError.self) { try fixture.workspace.addUser("x", role: .viewer, password: "short") }
    }

    @Test func aNewRoleAppliesToTheUsersTokens() throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try fixture.workspace.setRole(of: "viewer", to: .trainer)
        #expect(try fixture.workspace.principal(forToken: fixture.tokens[.viewer]!)?.role == .trainer)
        #expect(throws: AIArtsError.self) { try fixture.workspace.setRole(of: "nobody", to: .admin) }
    }

    @Test func rolesAllowWhatTheyShould() {
        #expect(UserRole.viewer.allows(.read) && !UserRole.viewer.allows(.review))
        #expect(UserRole.reviewer.allows(.review) && !UserRole.reviewer.allows(.train))
        #expect(UserRole.trainer.allows(.train) && !UserRole.trainer.allows(.admin))
        #expect(UserRole.admin.allows(.admin))
    }

    @Test func loginThrottleLocksAfterFiveFailures() {
        let throttle = LoginThrottle()
        let now = Date()
        for _ in 0..<4 { throttle.failed(keys: ["u:bob"], now: now) }
        #expect(throttle.retryAfter(keys: ["u:bob"], now: now) == nil)
        throttle.failed(keys: ["u:bob"], now: now)
        #expect(throttle.retryAfter(keys: ["u:bob"], now: now) == 60)
        #expect(throttle.retryAfter(keys: ["u:bob"], now: now.addingTimeInterval(61)) == nil)
    }

    @Test func credentialsAreReadFromEachHeaderForm() {
        #expect(TokenAuthMiddleware.token(in: "Bearer abc") == "abc")
        #expect(TokenAuthMiddleware.token(in: "Token abc") == "abc")
        #expect(TokenAuthMiddleware.token(in: "Basic " + Data("me:abc".utf8).base64EncodedString()) == "abc")
        #expect(TokenAuthMiddleware.token(in: "Basic " + Data("me:".utf8).base64EncodedString()) == nil)
        #expect(TokenAuthMiddleware.token(in: "Bearer") == nil)
        #expect(TokenAuthMiddleware.token(in: nil) == nil)
    }
}

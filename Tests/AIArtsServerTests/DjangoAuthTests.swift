import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The Django dialect's rest-auth routes: login makes a token, logout revokes it, failed logins are throttled.
@Suite struct DjangoAuthTests {
    static func json(_ object: Any) -> (HTTPFields, ByteBuffer) {
        ([.contentType: "application/json"], .json(object))
    }

    @Test func loginGivesAWorkingTokenAndAWrongPasswordGivesNonFieldErrors() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (headers, body) = Self.json(["username": "trainer", "password": "password-trainer"])
            let ok = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers, body: body)
            #expect(ok.status == .ok)
            let key = try #require(ok.json["key"] as? String)
            let me = try await client.execute(uri: "/rest-auth/user/", method: .get, headers: [.authorization: "Token \(key)"])
            #expect(me.status == .ok)
            #expect(me.json["username"] as? String == "trainer")
            #expect(me.json["pk"] as? Int != nil)
            #expect(me.json["email"] as? String == "")
            let tokens = try fixture.workspace.tokens(of: "trainer")
            #expect(tokens.contains { $0.label == "login" })

            let (_, wrong) = Self.json(["username": "trainer", "password": "nope-nope"])
            let bad = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers, body: wrong)
            #expect(bad.status == .badRequest)
            #expect((bad.json["non_field_errors"] as? [String])?.first == "Unable to log in with provided credentials.")
            let missing = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers, body: .json(["username": "trainer"]))
            #expect(missing.status == .badRequest)
            #expect(missing.json["password"] is [String])
            let garbage = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers, body: ByteBuffer(string: "{nope"))
            #expect(garbage.status == .badRequest)
            #expect(garbage.json["detail"] is String)
            let form = try await client.execute(uri: "/rest-auth/login/", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "username=viewer&password=password-viewer"))
            #expect(form.status == .ok)
            #expect(form.json["key"] is String)
        }
    }

    @Test func theSixthWrongLoginInARowIs429WithRetryAfterEvenWithTheRightPassword() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (headers, wrong) = Self.json(["username": "viewer", "password": "wrong-password"])
            for _ in 0..<5 {
                let response = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers, body: wrong)
                #expect(response.status == .badRequest)
            }
            let locked = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers,
                                                  body: .json(["username": "viewer", "password": "password-viewer"]))
            #expect(locked.status == .tooManyRequests)
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(locked.json["detail"] is String)
        }
    }

    @Test func failuresAreCountedPerAddressTooSoManyNamesFromOneAddressAreLockedOut() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            for name in ["a1", "a2", "a3", "a4", "a5"] {
                let response = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: [.contentType: "application/json"],
                                                        body: .json(["username": name, "password": "guess-guess"]))
                #expect(response.status == .badRequest)
            }
            let locked = try await client.execute(uri: "/rest-auth/login/", method: .post, headers: [.contentType: "application/json"],
                                                  body: .json(["username": "admin", "password": "password-admin"]))
            #expect(locked.status == .tooManyRequests)
        }
    }

    @Test func logoutRevokesTheTokenAtOnce() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (headers, body) = Self.json(["username": "reviewer", "password": "password-reviewer"])
            let key = try #require(try await client.execute(uri: "/rest-auth/login/", method: .post, headers: headers, body: body).json["key"] as? String)
            let auth: HTTPFields = [.authorization: "Token \(key)"]
            #expect(try await client.execute(uri: "/rest-auth/user/", method: .get, headers: auth).status == .ok)
            let out = try await client.execute(uri: "/rest-auth/logout/", method: .post, headers: auth)
            #expect(out.status == .ok)
            let after = try await client.execute(uri: "/rest-auth/user/", method: .get, headers: auth)
            #expect(after.status == .unauthorized)
            #expect(after.json["detail"] is String)
        }
    }

    @Test func userUpdatesOnlyRestateWhatAiartsKeeps() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            var headers = fixture.headers(.viewer, json: true)
            let same = try await client.execute(uri: "/rest-auth/user/", method: .patch, headers: headers, body: .json(["username": "viewer", "first_name": ""]))
            #expect(same.status == .ok)
            #expect(same.json["username"] as? String == "viewer")
            let rename = try await client.execute(uri: "/rest-auth/user/", method: .put, headers: headers, body: .json(["username": "someone"]))
            #expect(rename.status == .badRequest)
            #expect(rename.json["username"] is [String])
            let email = try await client.execute(uri: "/rest-auth/user/", method: .patch, headers: headers, body: .json(["email": "a@b.c"]))
            #expect(email.status == .badRequest)
            #expect(email.json["email"] is [String])
            let wrongType = try await client.execute(uri: "/rest-auth/user/", method: .patch, headers: headers, body: .json(["username": 5]))
            #expect(wrongType.status == .badRequest)
            headers[.authorization] = nil
            #expect(try await client.execute(uri: "/rest-auth/user/", method: .get, headers: headers).status == .unauthorized)
        }
    }

    @Test func passwordChangeChecksTheOldOneAndTheTwoNewOnes() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let headers = fixture.headers(.viewer, json: true)
            let mismatch = try await client.execute(uri: "/rest-auth/password/change/", method: .post, headers: headers,
                                                    body: .json(["old_password": "password-viewer", "new_password1": "a-new-password", "new_password2": "another-one"]))
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.json["new_password2"] is [String])
            let wrongOld = try await client.execute(uri: "/rest-auth/password/change/", method: .post, headers: headers,
                                                    body: .json(["old_password": "not-it-at-all", "new_password1": "a-new-password", "new_password2": "a-new-password"]))
            #expect(wrongOld.status == .badRequest)
            #expect(wrongOld.json["old_password"] is [String])
            let short = try await client.execute(uri: "/rest-auth/password/change/", method: .post, headers: headers,
                                                 body: .json(["old_password": "password-viewer", "new_password1": "short", "new_password2": "short"]))
            #expect(short.status == .badRequest)
            let ok = try await client.execute(uri: "/rest-auth/password/change/", method: .post, headers: headers,
                                              body: .json(["old_password": "password-viewer", "new_password1": "a-new-password", "new_password2": "a-new-password"]))
            #expect(ok.status == .ok)
            #expect(try fixture.workspace.checkPassword(user: "viewer", password: "a-new-password") != nil)
            #expect(try fixture.workspace.checkPassword(user: "viewer", password: "password-viewer") == nil)
        }
    }

    @Test func registrationAndResetAreNotServedAndPathsNeedTheirSlash() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            for path in ["/rest-auth/registration/", "/rest-auth/password/reset/", "/rest-auth/password/reset/confirm/"] {
                let response = try await client.execute(uri: path, method: .post, headers: fixture.headers(.admin, json: true), body: .json([:]))
                #expect(response.status == .notFound, "\(path)")
                #expect(response.json["detail"] is String)
            }
            let bare = try await client.execute(uri: "/rest-auth/user", method: .get, headers: fixture.headers(.admin))
            #expect(bare.status == .notFound)
        }
    }
}

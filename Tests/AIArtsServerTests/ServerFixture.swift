import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A throwaway workspace with one user of each role and their tokens, and the server's router over
/// it, for tests that send requests in process (`.router`) or over loopback (`.live`).
struct ServerFixture {
    let root: URL
    let workspace: Workspace
    let environment: ServerEnvironment
    /// Token of each role's user: admin, trainer, reviewer, viewer (users named after their role).
    let tokens: [UserRole: String]

    init(limits: ServerLimits = ServerLimits()) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-server-\(UUID().uuidString)")
        workspace = try Workspace(root: root, gpuProbe: .none)
        var tokens: [UserRole: String] = [:]
        for role in UserRole.allCases {
            try workspace.addUser(role.rawValue, role: role, password: "password-\(role.rawValue)")
            tokens[role] = try workspace.createToken(for: role.rawValue).token
        }
        self.tokens = tokens
        environment = try ServerEnvironment(workspace: workspace, limits: limits, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    func application() -> some ApplicationProtocol {
        Application(router: APIServer.router(environment))
    }

    /// Runs `body` with a client of the router, in process.
    func test<T>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application().test(.router, body)
    }

    func headers(_ role: UserRole = .admin, json: Bool = false) -> HTTPFields {
        var fields = HTTPFields()
        fields[.authorization] = "Bearer \(tokens[role]!)"
        if json { fields[.contentType] = "application/json" }
        return fields
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}

extension ByteBuffer {
    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }
}

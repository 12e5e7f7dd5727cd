import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The model registry dialect under /api/v1alpha1.
@Suite struct RegistryTests {
    static let path = "/api/v1alpha1/projects/vision/models/resnet/versions"

    func upload(_ fixture: ServerFixture, _ client: any TestClientProtocol, version: String, bytes: Data, role: UserRole = .trainer,
                extra: HTTPFields = [:]) async throws -> TestResponse {
        let boundary = "reg-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.onnx\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body.append(bytes)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var headers = fixture.headers(role)
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        for field in extra { headers[field.name] = field.value }
        return try await client.execute(uri: "\(Self.path)/\(version)/upload", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    @Test func uploadThenDownloadGivesTheSameBytes() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await fixture.test { client in
            let up = try await upload(fixture, client, version: "v1", bytes: bytes, extra: [HTTPField.Name("X-User")!: "trainer"])
            #expect(up.status == .created)
            #expect(up.json["model_version"] as? String == "v1" && up.json["project"] as? String == "vision")
            let second = try await upload(fixture, client, version: "2.0-rc", bytes: Data("other".utf8))
            #expect(second.json["model_id"] as? String == up.json["model_id"] as? String && second.json["model_version"] as? String == "v2")
            let again = try await upload(fixture, client, version: "v1", bytes: bytes)
            #expect(again.status == .conflict && again.json["code"] as? Int == 409)
            let down = try await client.execute(uri: "\(Self.path)/v1/download", method: .post, headers: fixture.headers(.viewer))
            #expect(down.status == .ok)
            #expect(Data(buffer: down.body) == bytes)
            #expect(down.headers[.contentDisposition]?.contains("model.onnx") == true)
            let other = try await client.execute(uri: "\(Self.path)/2.0-rc/download", method: .post, headers: fixture.headers(.viewer))
            #expect(String(buffer: other.body) == "other")
            #expect(try fixture.workspace.models().first?.model.name == "vision/resnet")
        }
    }

    @Test func headersNamingAnotherUserRolesAndBadNamesAreRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let spoofed = try await upload(fixture, client, version: "v1", bytes: Data("x".utf8), extra: [HTTPField.Name("X-User")!: "admin"])
            #expect(spoofed.status == .forbidden && spoofed.json["code"] as? Int == 403)
            let tenant = try await upload(fixture, client, version: "v1", bytes: Data("x".utf8), extra: [HTTPField.Name("X-Tenant")!: "acme"])
            #expect(tenant.status == .forbidden)
            let viewer = try await upload(fixture, client, version: "v1", bytes: Data("x".utf8), role: .viewer)
            #expect(viewer.status == .forbidden)
            let badName = try await upload(fixture, client, version: "..", bytes: Data("x".utf8))
            #expect(badName.status == .badRequest || badName.status == .notFound)
            let missing = try await client.execute(uri: "\(Self.path)/v9/download", method: .post, headers: fixture.headers(.viewer))
            #expect(missing.status == .notFound && missing.json["message"] is String)
            let notMultipart = try await client.execute(uri: "\(Self.path)/v1/upload", method: .post, headers: fixture.headers(.trainer, json: true),
                                                        body: .json(["file": "x"]))
            #expect(notMultipart.status == .badRequest)
            // Dialect of a registry path, and crowd routes do not shadow it.
            #expect(Dialect.of(path: "/api/v1alpha1/projects/a/models/b/versions/c/upload") == .registry)
            #expect(Dialect.of(path: "/api/tasks") == .crowd)
            let unknown = try await client.execute(uri: "/api/v1alpha1/namespaces/ns/pods/p/logs", method: .get, headers: fixture.headers(.viewer))
            #expect(unknown.status == .notFound && unknown.json["code"] as? Int == 404)
        }
    }
}

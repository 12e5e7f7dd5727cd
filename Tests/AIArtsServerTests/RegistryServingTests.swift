@testable import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The registry dialect's kleveross `Serving` routes over the inference services.
@Suite struct RegistryServingTests {
    static let base = "/api/v1alpha1/namespaces/default/servings"

    @Test func listGetAndDeleteAServing() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let fake = try FakeInferenceService(json: AIArtsInferenceTests.classification)
        defer { fake.stop() }
        try fake.record(in: fixture.workspace)
        try await fixture.test { client in
            let list = try await client.execute(uri: Self.base, method: .get, headers: fixture.headers(.viewer))
            #expect(list.status == .ok && list.json["kind"] as? String == "ServingList")
            let item = (list.json["items"] as? [[String: Any]])?.first
            let metadata = item?["metadata"] as? [String: Any], status = item?["status"] as? [String: Any], spec = item?["spec"] as? [String: Any]
            #expect(item?["kind"] as? String == "Serving" && item?["apiVersion"] as? String == "kleveross.io/v1alpha1")
            #expect(metadata?["name"] as? String == "S0001" && metadata?["namespace"] as? String == "default")
            #expect(status?["phase"] as? String == "Running" && status?["url"] as? String == "http://127.0.0.1:\(fake.port)")
            #expect(spec?["model"] as? String == "M0001:v1" && spec?["maxBatch"] as? Int == 8)

            let one = try await client.execute(uri: "\(Self.base)/S0001", method: .get, headers: fixture.headers(.viewer))
            #expect(one.status == .ok && (one.json["metadata"] as? [String: Any])?["name"] as? String == "S0001")
            let other = try await client.execute(uri: "/api/v1alpha1/namespaces/team-a/servings/S0001", method: .get, headers: fixture.headers(.viewer))
            #expect((other.json["metadata"] as? [String: Any])?["namespace"] as? String == "team-a")

            for (path, status) in [("\(Self.base)/S0404", HTTPResponse.Status.notFound), ("\(Self.base)/resnet", .notFound),
                                   ("/api/v1alpha1/namespaces/Bad_NS/servings", .badRequest)] {
                let refused = try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer))
                #expect(refused.status == status, "\(path)")
                #expect(refused.json["code"] as? Int == Int(status.code) && refused.json["message"] is String, "\(refused.json)")
            }
            let spoofed = try await client.execute(uri: Self.base, method: .get,
                                                   headers: fixture.headers(.viewer).merging([HTTPField.Name("X-User")!: "admin"]))
            #expect(spoofed.status == .forbidden)

            let viewer = try await client.execute(uri: "\(Self.base)/S0001", method: .delete, headers: fixture.headers(.viewer))
            #expect(viewer.status == .forbidden)
            let deleted = try await client.execute(uri: "\(Self.base)/S0001", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok && (deleted.json["status"] as? [String: Any])?["phase"] as? String == "Stopped", "\(deleted.json)")
            #expect(try fixture.workspace.inferenceServices().isEmpty)
        }
    }

    @Test func createChecksTheBodyAndResolvesRegistryNames() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            for body: [String: Any] in [["kind": "ModelJob", "spec": ["model": "M0001"]], ["kind": "Serving"], ["spec": ["maxBatch": 2]],
                                        ["spec": ["model": "M0001", "maxBatch": "two"]], ["spec": ["model": "M0001", "gpus": "a,b"]]] {
                let bad = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true), body: .json(body))
                #expect(bad.status == .badRequest && bad.json["code"] as? Int == 400, "\(body): \(bad.json)")
            }
            let viewer = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.viewer, json: true),
                                                  body: .json(["spec": ["model": "M0001"]]))
            #expect(viewer.status == .forbidden)
            let unknown = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["spec": ["model": "vision/resnet:v1.0"]]))
            #expect(unknown.status == .notFound && (unknown.json["message"] as? String)?.contains("vision/resnet") == true, "\(unknown.json)")
        }
        // A version uploaded through this dialect is found by its registry name: the engine is then
        // asked for the aiarts version it became (here a file no service can load, so the refusal names it).
        let file = fixture.root.appendingPathComponent("weights.bin")
        try Data("not a model".utf8).write(to: file)
        let registered = try fixture.workspace.uploadRegistryVersion(project: "vision", model: "resnet", version: "v1.0", file: file, filename: "weights.bin")
        #expect(try ServingRoutes.model("harbor.example.com/vision/resnet:v1.0", workspace: fixture.workspace) == "\(registered.modelId):v\(registered.modelVersion)")
        #expect(try ServingRoutes.model("M0007:v2", workspace: fixture.workspace) == "M0007:v2")
        try await fixture.test { client in
            let unfit = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true),
                                                 body: .json(["metadata": ["name": "resnet"], "spec": ["model": "vision/resnet:v1.0"]]))
            #expect(unfit.status == .badRequest && (unfit.json["message"] as? String)?.contains("\(registered.modelId):v1") == true, "\(unfit.json)")
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var all = self
        for field in other { all[field.name] = field.value }
        return all
    }
}

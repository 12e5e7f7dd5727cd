@testable import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The registry dialect's kleveross `ModelJob` routes over the workspace's model jobs
/// (`swift test --filter RegistryModelJobTests`). Jobs are created without launching (the test
/// process is not aiarts) and run in-process, as `aiarts model job run` would.
@Suite struct RegistryModelJobTests {
    static let base = "/api/v1alpha1/namespaces/default/modeljobs"

    /// A small ONNX model (onnx.proto's ModelProto, written field by field): images float32[batch,3,8,8] → output float32[batch,2].
    static func onnx() -> Data {
        func varint(_ v: UInt64) -> [UInt8] { var v = v, o: [UInt8] = []; while v >= 0x80 { o.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }; return o + [UInt8(v)] }
        func f(_ n: Int, _ v: UInt64) -> [UInt8] { varint(UInt64(n << 3)) + varint(v) }
        func b(_ n: Int, _ d: [UInt8]) -> [UInt8] { varint(UInt64(n << 3 | 2)) + varint(UInt64(d.count)) + d }
        func s(_ n: Int, _ t: String) -> [UInt8] { b(n, Array(t.utf8)) }
        func value(_ name: String, _ dims: [Any]) -> [UInt8] {
            let shape = dims.flatMap { d in b(1, d is String ? s(2, d as! String) : f(1, UInt64(d as! Int))) }
            return s(1, name) + b(2, b(1, f(1, 1) + b(2, shape)))
        }
        let graph = b(1, s(1, "images") + s(2, "output") + s(4, "Flatten")) + s(2, "g")
            + b(5, f(1, 2) + f(1, 192) + f(2, 1) + s(8, "w")) + b(11, value("images", ["batch", 3, 8, 8])) + b(12, value("output", ["batch", 2]))
        return Data(f(1, 8) + s(2, "test") + b(7, graph) + b(8, s(1, "") + f(2, 17)))
    }

    static func uploadedONNX(_ fixture: ServerFixture) throws -> String {
        let file = fixture.root.appendingPathComponent("tiny.onnx")
        try onnx().write(to: file)
        return try fixture.workspace.uploadModel(from: file, name: "tiny").model.id
    }

    @Test func createRunGetEventsListAndDelete() async throws {
        ModelJobRoutes.executable.withLock { $0 = nil }
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let model = try Self.uploadedONNX(fixture)
        try await fixture.test { client in
            let body: [String: Any] = ["apiVersion": "kleveross.io/v1alpha1", "kind": "ModelJob", "metadata": ["name": "modeljob-onnx-extract"],
                                       "spec": ["model": "\(model):v1", "extraction": ["format": "ONNX"]]]
            let created = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true), body: .json(body))
            #expect(created.status == .created, "\(created.json)")
            let metadata = created.json["metadata"] as? [String: Any], status = created.json["status"] as? [String: Any]
            #expect(created.json["kind"] as? String == "ModelJob" && metadata?["name"] as? String == "J0001")
            #expect((metadata?["annotations"] as? [String: String])?["aiarts.io/requested-name"] == "modeljob-onnx-extract")
            #expect(status?["phase"] as? String == "Pending")

            try fixture.workspace.runModelJob("J0001")
            let one = try await client.execute(uri: "\(Self.base)/J0001", method: .get, headers: fixture.headers(.viewer))
            let s = one.json["status"] as? [String: Any], result = s?["result"] as? [String: Any]
            #expect(s?["phase"] as? String == "Succeeded", "\(one.json)")
            #expect(result?["format"] as? String == "onnx")
            let artifact = (result?["artifacts"] as? [[String: Any]])?.first
            #expect((artifact?["inputs"] as? [[String: Any]])?.first?["shape"] as? [String] == ["batch", "3", "8", "8"])
            #expect(artifact?["parameterCount"] as? Int == 384)
            #expect((artifact?["opsets"] as? [String: Int])?["ai.onnx"] == 17)

            let events = try await client.execute(uri: "\(Self.base)/J0001/events", method: .get, headers: fixture.headers(.viewer))
            let items = events.json["items"] as? [[String: Any]] ?? []
            #expect(events.json["kind"] as? String == "EventList")
            #expect(items.map { $0["reason"] as? String ?? "" } == ["Created", "Started", "Recognised", "Extracted", "Succeeded"])
            #expect(items.allSatisfy { $0["type"] as? String == "Normal" && ($0["involvedObject"] as? [String: Any])?["name"] as? String == "J0001" })

            let list = try await client.execute(uri: "/api/v1alpha1/namespaces/team-a/modeljobs", method: .get, headers: fixture.headers(.viewer))
            #expect(list.json["kind"] as? String == "ModelJobList")
            #expect(((list.json["items"] as? [[String: Any]])?.first?["metadata"] as? [String: Any])?["namespace"] as? String == "team-a")

            for (path, code) in [("\(Self.base)/J0404", HTTPResponse.Status.notFound), ("\(Self.base)/resnet", .notFound),
                                 ("\(Self.base)/J0404/events", .notFound), ("/api/v1alpha1/namespaces/Bad_NS/modeljobs", .badRequest)] {
                let refused = try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer))
                #expect(refused.status == code, "\(path)")
                #expect(refused.json["code"] as? Int == Int(code.code) && refused.json["message"] is String, "\(refused.json)")
            }
            let viewer = try await client.execute(uri: "\(Self.base)/J0001", method: .delete, headers: fixture.headers(.viewer))
            #expect(viewer.status == .forbidden)
            let deleted = try await client.execute(uri: "\(Self.base)/J0001", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok && (deleted.json["status"] as? [String: Any])?["phase"] as? String == "Succeeded")
            #expect(try fixture.workspace.modelJobs().isEmpty)
            #expect(try fixture.workspace.models().count == 1)  // the model stays
        }
    }

    @Test func createChecksTheBodyAndWhatCanBeConverted() async throws {
        ModelJobRoutes.executable.withLock { $0 = nil }
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let model = try Self.uploadedONNX(fixture)
        try await fixture.test { client in
            let bad: [[String: Any]] = [
                ["kind": "Serving", "spec": ["model": model, "extraction": [:]]],
                ["spec": ["extraction": [:]]],
                ["spec": ["model": model]],
                ["spec": ["model": model, "extraction": [:], "conversion": ["to": "onnx"]]],
                ["spec": ["model": model, "conversion": ["to": "tflite"]]],
                ["spec": ["model": model, "conversion": ["to": "opset=3"]]],
                ["spec": ["model": model, "conversion": ["to": "opset=18", "dynamic": true]]],
                ["spec": ["model": "/etc/passwd", "extraction": [:]]],
                ["spec": ["model": model, "conversion": ["to": "onnx"]]],  // an ONNX model has nothing to export from
                ["spec": ["model": model, "conversion": ["to": "int8"]]],  // static int8 needs the dataset of a task
            ]
            for body in bad {
                let refused = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true), body: .json(body))
                #expect(refused.status == .badRequest && refused.json["code"] as? Int == 400 && refused.json["message"] is String, "\(body): \(refused.json)")
            }
            let missing = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["spec": ["model": "M0404", "extraction": [:]]]))
            #expect(missing.status == .notFound)
            let viewer = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.viewer, json: true),
                                                  body: .json(["spec": ["model": model, "extraction": [:]]]))
            #expect(viewer.status == .forbidden)
            let upgrade = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["spec": ["model": model, "conversion": ["mmdnn": ["from": "ONNX", "to": "opset=18"]]]]))
            #expect(upgrade.status == .created, "\(upgrade.json)")
            #expect((upgrade.json["spec"] as? [String: Any])?["conversion"] as? [String: String] == ["to": "opset=18"])
            let dynamic = try await client.execute(uri: Self.base, method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["spec": ["model": model, "conversion": ["to": "int8", "dynamic": true]]]))
            #expect(((dynamic.json["spec"] as? [String: Any])?["conversion"] as? [String: Any])?["dynamic"] as? Bool == true)
            #expect(try fixture.workspace.modelJobs().map(\.state) == [.created, .created])
        }
    }
}

@testable import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The AIArts dialect's `/ai_arts/api/inferences`: list and detail with stats, create's checks,
/// upload_image (stored confined in the service's folder, checked, size-limited) and recognition
/// through a service (a stand-in listener: the real service process is e2e/api-infer.sh's).
@Suite struct AIArtsInferenceTests {
    static let classification = #"{"task":"classification","width":3,"height":2,"classes":[{"label":"circle","index":0,"score":0.91},{"label":"square","index":1,"score":0.09}],"boxes":[],"masks":[],"latency_ms":0.5}"#

    func upload(_ fixture: ServerFixture, _ client: any TestClientProtocol, _ id: String, name: String = "cat.png", bytes: Data,
                role: UserRole = .trainer) async throws -> TestResponse {
        let (headers, body) = AIArtsRoutesTests.multipart([("file", name, bytes)])
        var all = fixture.headers(role)
        for field in headers { all[field.name] = field.value }
        return try await client.execute(uri: "/ai_arts/api/inferences/\(id)/upload_image", method: .post, headers: all, body: body)
    }

    @Test func listDetailAndStats() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let fake = try FakeInferenceService(json: Self.classification)
        defer { fake.stop() }
        try fake.record(in: fixture.workspace)
        let stats = #"{"requests":12,"errors":1,"requests_per_second":3.5,"p50_ms":1.25,"p99_ms":9.5,"batch_sizes":{"1":12},"gpu_memory_mib":null,"updated_at":"2026-12-06T10:00:00Z"}"#
        try Data(stats.utf8).write(to: fixture.workspace.inferenceServiceFolder("S0001").appendingPathComponent("stats.json"))
        try await fixture.test { client in
            let list = try await client.execute(uri: "/ai_arts/api/inferences", method: .get, headers: fixture.headers(.viewer))
            #expect(list.status == .ok && list.json["code"] as? Int == 0)
            let data = list.json["data"] as? [String: Any]
            #expect(data?["total"] as? Int == 1)
            let item = (data?["items"] as? [[String: Any]])?.first
            #expect(item?["id"] as? String == "S0001" && item?["state"] as? String == "ready" && item?["version"] as? String == "v1")
            #expect(item?["url"] as? String == "http://127.0.0.1:\(fake.port)")
            let itemStats = item?["stats"] as? [String: Any]
            #expect(itemStats?["requests"] as? Int == 12 && itemStats?["p99_ms"] as? Double == 9.5)

            let detail = try await client.execute(uri: "/ai_arts/api/inferences/S0001", method: .get, headers: fixture.headers(.viewer))
            #expect((detail.json["data"] as? [String: Any])?["max_batch"] as? Int == 8)
            for (path, code) in [("/ai_arts/api/inferences/S0999", 40405),
                                 ("/ai_arts/api/inferences/M0001", 40405), ("/ai_arts/api/inferences/S1x", 40405)] {
                let missing = try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer))
                #expect(missing.status == .notFound && missing.json["code"] as? Int == code, "\(path): \(missing.json)")
            }
        }
    }

    @Test func createChecksItsInputAndNamesTheModel() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let viewer = try await client.execute(uri: "/ai_arts/api/inferences", method: .post, headers: fixture.headers(.viewer, json: true),
                                                  body: .json(["model_id": "M0001"]))
            #expect(viewer.status == .forbidden && viewer.json["code"] as? Int == 40300)
            let unknown = try await client.execute(uri: "/ai_arts/api/inferences", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["model_id": "M0042"]))
            #expect(unknown.status == .notFound && unknown.json["code"] as? Int == 40403, "\(unknown.json)")
            for body: [String: Any] in [[:], ["model_id": "M0001", "max_batch": "many"], ["model_id": "M0001", "gpus": "zero"],
                                        ["model_id": "M0001", "gpus": [true]], ["model_id": "M0001", "port": 1.5]] {
                let bad = try await client.execute(uri: "/ai_arts/api/inferences", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(body))
                #expect(bad.status == .badRequest && bad.json["code"] as? Int == 40000, "\(body): \(bad.json)")
                #expect((bad.json["msg"] as? String)?.isEmpty == false)
            }
            // A model that exists but holds nothing a service can load: refused with the engine's reason, nothing recorded.
            let sandbox = fixture.root.appendingPathComponent("notes")
            try FileManager.default.createDirectory(at: sandbox, withIntermediateDirectories: true)
            try Data("just text".utf8).write(to: sandbox.appendingPathComponent("README.txt"))
            _ = try fixture.workspace.uploadModel(from: sandbox, name: "notes", to: nil, type: nil, format: nil, description: "")
            let unfit = try await client.execute(uri: "/ai_arts/api/inferences", method: .post, headers: fixture.headers(.trainer, json: true),
                                                 body: .json(["model_id": "M0001", "max_batch": 4, "version": "1"]))
            #expect(unfit.status == .badRequest, "\(unfit.json)")
            #expect((unfit.json["msg"] as? String)?.contains("no file a service can load") == true, "\(unfit.json)")
            let outOfRange = try await client.execute(uri: "/ai_arts/api/inferences", method: .post, headers: fixture.headers(.trainer, json: true),
                                                      body: .json(["model_id": "M0001", "max_batch": 100_000]))
            #expect(outOfRange.status == .badRequest && (outOfRange.json["msg"] as? String)?.contains("max batch") == true)
            #expect(try fixture.workspace.inferenceServices().isEmpty)
        }
    }

    @Test func uploadThenRecognise() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let fake = try FakeInferenceService(json: Self.classification)
        defer { fake.stop() }
        try fake.record(in: fixture.workspace)
        try await fixture.test { client in
            let viewer = try await upload(fixture, client, "S0001", bytes: tinyPNG, role: .viewer)
            #expect(viewer.status == .forbidden)
            let up = try await upload(fixture, client, "S0001", name: "../../\u{1B}[31mcat.png", bytes: tinyPNG)
            #expect(up.status == .created, "\(up.json)")
            let image = try #require(up.json["data"] as? [String: Any])
            let imageID = try #require(image["id"] as? String)
            #expect(image["width"] as? Int == 3 && image["height"] as? Int == 2 && image["format"] as? String == "png")
            // The client's name is kept for display, without its path or escape sequences; the file is the service's.
            #expect(image["file_name"] as? String == "[31mcat.png", "\(image)")
            let uploads = fixture.workspace.inferenceServiceFolder("S0001").appendingPathComponent("uploads")
            let stored = try FileManager.default.contentsOfDirectory(atPath: uploads.path).sorted()
            #expect(stored == ["\(imageID).json", "\(imageID).png"])
            #expect(FileManager.default.contents(atPath: uploads.appendingPathComponent("\(imageID).png").path) == tinyPNG)

            let recognised = try await client.execute(uri: "/ai_arts/api/inferences/S0001/recognition", method: .post,
                                                      headers: fixture.headers(.trainer, json: true),
                                                      body: .json(["image_id": imageID, "score_threshold": 0.25]))
            #expect(recognised.status == .ok, "\(recognised.json)")
            let data = try #require(recognised.json["data"] as? [String: Any])
            #expect(data["id"] as? String == "S0001" && data["image_id"] as? String == imageID && data["model_id"] as? String == "M0001")
            let result = try #require(data["result"] as? [String: Any])
            #expect((result["classes"] as? [[String: Any]])?.first?["label"] as? String == "circle")
            #expect(fake.received.last.map { Data($0) } == tinyPNG)
            #expect(fake.requestedPaths.last == "/predict?score_threshold=0.25")

            // The image itself in a multipart recognition.
            let (headers, body) = AIArtsRoutesTests.multipart([("file", "x.png", tinyPNG)])
            var all = fixture.headers(.trainer)
            for field in headers { all[field.name] = field.value }
            let direct = try await client.execute(uri: "/ai_arts/api/inferences/S0001/recognition", method: .post, headers: all, body: body)
            #expect(direct.status == .ok && (direct.json["data"] as? [String: Any])?["image_id"] is NSNull, "\(direct.json)")
            #expect(fake.received.count == 2)
        }
    }

    @Test func badImagesIdsAndStatesAreRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let fake = try FakeInferenceService(json: Self.classification)
        defer { fake.stop() }
        try fake.record(in: fixture.workspace)
        try fake.record(in: fixture.workspace, id: "S0002", state: .stopped)
        try await fixture.test { client in
            let text = try await upload(fixture, client, "S0001", name: "notes.png", bytes: Data("not an image".utf8))
            #expect(text.status == .badRequest && (text.json["msg"] as? String)?.contains("not a readable JPEG, PNG or WebP") == true, "\(text.json)")
            let empty = try await upload(fixture, client, "S0001", bytes: Data())
            #expect(empty.status == .badRequest)
            let noService = try await upload(fixture, client, "S0042", bytes: tinyPNG)
            #expect(noService.status == .notFound && noService.json["code"] as? Int == 40405)
            // Larger than an image may be: refused by its length before the body is read.
            let huge = try await upload(fixture, client, "S0001", bytes: tinyPNG + Data(count: Int(InferenceUploads.maxBytes) + (1 << 20)))
            #expect(huge.status == .contentTooLarge && huge.json["code"] as? Int == 41300, "\(huge.status) \(huge.json)")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: fixture.workspace.inferenceServiceFolder("S0001")
                .appendingPathComponent("uploads").path)) ?? []
            #expect(files.isEmpty)

            for imageID in ["../../aiarts.sqlite", "u0123", "U0123456789ABCDEF", "u0123456789abcdef"] {
                let missing = try await client.execute(uri: "/ai_arts/api/inferences/S0001/recognition", method: .post,
                                                       headers: fixture.headers(.trainer, json: true), body: .json(["image_id": imageID]))
                #expect(missing.status == .notFound && missing.json["code"] as? Int == 40406, "\(imageID): \(missing.json)")
            }
            let threshold = try await client.execute(uri: "/ai_arts/api/inferences/S0001/recognition", method: .post,
                                                     headers: fixture.headers(.trainer, json: true), body: .json(["image_id": "u0123456789abcdef", "score_threshold": 7]))
            #expect(threshold.status == .badRequest)
            // A stopped service keeps its images but cannot recognise them.
            let kept = try await upload(fixture, client, "S0002", bytes: tinyPNG)
            let keptID = try #require((kept.json["data"] as? [String: Any])?["id"] as? String)
            let stopped = try await client.execute(uri: "/ai_arts/api/inferences/S0002/recognition", method: .post,
                                                   headers: fixture.headers(.trainer, json: true), body: .json(["image_id": keptID]))
            #expect(stopped.status == .conflict && stopped.json["code"] as? Int == 40900, "\(stopped.json)")
            #expect((stopped.json["msg"] as? String)?.contains("ready") == true)
            #expect(fake.received.isEmpty)

            let deleted = try await client.execute(uri: "/ai_arts/api/inferences/S0002", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok && (deleted.json["data"] as? [String: Any])?["deleted"] as? Bool == true)
            #expect(!FileManager.default.fileExists(atPath: fixture.workspace.inferenceServiceFolder("S0002").path))
            let gone = try await client.execute(uri: "/ai_arts/api/inferences/S0002", method: .get, headers: fixture.headers(.viewer))
            #expect(gone.status == .notFound)
        }
    }

    @Test func uploadsBeyondTheLimitDropTheOldest() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-uploads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let workspace = try Workspace(root: root, gpuProbe: .none)
        let fake = try FakeInferenceService(json: Self.classification)
        defer { fake.stop() }
        try fake.record(in: workspace)
        var ids: [String] = []
        for n in 0..<(InferenceUploads.maxUploads + 3) {
            let file = root.appendingPathComponent("in-\(n).png")
            try tinyPNG.write(to: file)
            ids.append(try workspace.storeInferenceImage(service: "S0001", from: file, fileName: "in-\(n).png").id)
        }
        let folder = workspace.inferenceServiceFolder("S0001").appendingPathComponent("uploads")
        let records = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(records.count == InferenceUploads.maxUploads)
        #expect(throws: AIArtsError.self) { try workspace.inferenceImage(service: "S0001", id: ids[0]) }
        #expect(try workspace.inferenceImage(service: "S0001", id: ids.last!).upload.fileName == "in-\(InferenceUploads.maxUploads + 2).png")
    }
}

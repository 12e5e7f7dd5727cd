import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The Django dialect's run stop, training results and models.
@Suite struct DjangoTaskModelTests {
    static func task(_ fixture: ServerFixture, name: String = "mnist") throws -> TaskRecord {
        let project = try fixture.workspace.createProject(name: "p", type: .classification)
        return try fixture.workspace.createTask(projectID: project.id, name: name, trainer: .command, params: ["command": "sleep 30"])
    }

    @Test func stopTakesATaskByIdOrNameAndASecondStopIsAConflict() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let task = try Self.task(fixture)
        try await fixture.test { client in
            let viewer = try await client.execute(uri: "/generation/run/stop/", method: .post, headers: fixture.headers(.viewer, json: true), body: .json(["task_id": task.id]))
            #expect(viewer.status == .forbidden)
            let missing = try await client.execute(uri: "/generation/run/stop/", method: .post, headers: fixture.headers(.trainer, json: true), body: .json([:]))
            #expect(missing.status == .badRequest)
            #expect(missing.json["task_id"] is [String])
            let unknown = try await client.execute(uri: "/generation/run/stop/", method: .post, headers: fixture.headers(.trainer, json: true), body: .json(["task_id": "T9999"]))
            #expect(unknown.status == .notFound)
            let stopped = try await client.execute(uri: "/generation/run/stop/", method: .post, headers: fixture.headers(.trainer, json: true), body: .json(["name": "mnist"]))
            #expect(stopped.status == .ok)
            #expect(stopped.json["task_id"] as? String == task.id)
            #expect(stopped.json["status"] as? String == "stopped")
            #expect(try fixture.workspace.task(task.id).status == "stopped")
            let again = try await client.execute(uri: "/generation/run/stop/", method: .post, headers: fixture.headers(.trainer, json: true), body: .json(["task_id": task.id]))
            #expect(again.status == .conflict)
            #expect(again.json["detail"] is String)
        }
    }

    @Test func runtimeTrainGivesTheAccuracySeriesInTheDocumentsShape() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let task = try Self.task(fixture)
        let lines = [
            #"{"type":"eval","epoch":1,"step":0,"accuracy":0.08,"time":1000.0}"#,
            #"{"type":"eval","epoch":2,"step":100,"accuracy":0.24,"time":1000.5}"#,
            #"{"type":"eval","epoch":3,"step":200,"accuracy":0.44,"time":1001.5}"#,
        ]
        try FileManager.default.createDirectory(at: fixture.workspace.taskFolder(task.id), withIntermediateDirectories: true)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: fixture.workspace.taskFolder(task.id).appendingPathComponent("metrics.jsonl"))
        try await fixture.test { client in
            for name in [task.id, "mnist"] {
                let response = try await client.execute(uri: "/runtime/train/\(name)/", method: .get, headers: fixture.headers(.viewer))
                #expect(response.status == .ok)
                let every = try #require(response.json["every_result"] as? [[String: String]])
                #expect(every.count == 3)
                #expect(every.first == ["accuracy": "0.080000", "duration": "0.000000", "step": "0"])
                #expect(every.last == ["accuracy": "0.440000", "duration": "1.000000", "step": "200"])
                #expect(response.json["final_accuracy"] as? Double == 0.44)
            }
            let none = try await client.execute(uri: "/runtime/train/nothing-by-this-name/", method: .get, headers: fixture.headers(.viewer))
            #expect(none.status == .notFound)
        }
    }

    @Test func modelsAreListedByNameDetailedComparedAndDeleted() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let folder = fixture.root.appendingPathComponent("model-files")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(repeating: 1, count: 100).write(to: folder.appendingPathComponent("weights.bin"))
        let first = try fixture.workspace.uploadModel(from: folder, name: "resnet")
        _ = try fixture.workspace.uploadModel(from: folder, name: "mobilenet")
        try await fixture.test { client in
            let list = try await client.execute(uri: "/models/list/", method: .get, headers: fixture.headers(.viewer))
            #expect(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [String] == ["resnet", "mobilenet"])
            for name in ["1", first.model.id, "resnet"] {
                let detail = try await client.execute(uri: "/models/\(name)/", method: .get, headers: fixture.headers(.viewer))
                #expect(detail.status == .ok)
                #expect(detail.json["name"] as? String == "resnet")
                #expect(detail.json["size"] as? Int == 100)
            }
            let compare = try await client.execute(uri: "/models/compare/?ids=1,mobilenet", method: .get, headers: fixture.headers(.viewer))
            #expect(compare.status == .ok)
            #expect((compare.json["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["resnet", "mobilenet"])
            let one = try await client.execute(uri: "/models/compare/?ids=1", method: .get, headers: fixture.headers(.viewer))
            #expect(one.status == .badRequest)
            #expect(one.json["detail"] is String)
            #expect(try await client.execute(uri: "/models/99/", method: .get, headers: fixture.headers(.viewer)).status == .notFound)
            #expect(try await client.execute(uri: "/models/1/", method: .delete, headers: fixture.headers(.viewer)).status == .forbidden)
            let deleted = try await client.execute(uri: "/models/1/", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.json["message"] as? String == "success")
            #expect(try fixture.workspace.models().map(\.model.name) == ["mobilenet"])
        }
    }
}

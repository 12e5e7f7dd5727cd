import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The Django dialect's `/generation/run/pause/`: a real command task paused, paused again
/// (harmless), continued with "resume", refused when it is not running.
@Suite struct DjangoPauseTests {
    @Test func pauseContinueAndRefusals() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let project = try fixture.workspace.createProject(name: "p", type: .classification)
        let task = try fixture.workspace.createTask(projectID: project.id, name: "loop", trainer: .command, params: ["command": "sleep 30", "gpus": ""])
        defer { _ = try? fixture.workspace.stopTask(task.id, grace: .seconds(2)) }
        try await fixture.test { client in
            let uri = "/generation/run/pause/"
            let trainer = fixture.headers(.trainer, json: true)
            let viewer = try await client.execute(uri: uri, method: .post, headers: fixture.headers(.viewer, json: true), body: .json(["task_id": task.id]))
            #expect(viewer.status == .forbidden)
            let missing = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json([:]))
            #expect(missing.status == .badRequest)
            #expect(missing.json["task_id"] is [String])
            let unknown = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["task_id": "T9999"]))
            #expect(unknown.status == .notFound)
            let notRunning = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["name": "loop"]))
            #expect(notRunning.status == .conflict)
            #expect((notRunning.json["detail"] as? String)?.contains("only a running task can be paused") == true)

            _ = try fixture.workspace.startTask(task.id)
            let paused = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["name": "loop"]))
            #expect(paused.status == .ok)
            #expect(paused.json["task_id"] as? String == task.id)
            #expect(paused.json["status"] as? String == "paused")
            #expect(paused.json["note"] as? String == "paused — on the CPU, nothing held on a GPU")
            #expect(try fixture.workspace.task(task.id).taskStatus == .paused)
            let again = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["task_id": task.id]))
            #expect(again.status == .ok && again.json["status"] as? String == "paused")

            let badAction = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["task_id": task.id, "action": "explode"]))
            #expect(badAction.status == .badRequest)
            let resumed = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["task_id": task.id, "resume": true] as [String: Any]))
            #expect(resumed.status == .ok)
            #expect(resumed.json["status"] as? String == "running")
            #expect(resumed.json["note"] is NSNull)
            let notPaused = try await client.execute(uri: uri, method: .post, headers: trainer, body: .json(["task_id": task.id, "action": "continue"]))
            #expect(notPaused.status == .conflict)
        }
    }
}

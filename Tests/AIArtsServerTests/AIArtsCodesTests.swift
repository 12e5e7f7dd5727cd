@testable import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The AIArts dialect's `/ai_arts/api/codes` (notebook sessions): list, get with metrics, endpoint
/// (JSON, 302, the trainer role), description, delete, and create's checks. The sessions here are
/// records over a stand-in process (`sleep`, launched detached as JupyterLab would be); the real
/// JupyterLab is e2e/jupyter.sh's.
@Suite(.serialized) struct AIArtsCodesTests {
    /// A session record in `state` whose process is a detached `sleep` (nil: no process).
    static func record(_ fixture: ServerFixture, id: String, name: String, state: CodeSessionState, process: Bool) throws -> CodeSession {
        let folder = fixture.workspace.codeSessionFolder(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var launched: LaunchedProcess?
        if process {
            launched = try DetachedProcess.launch(executable: "/bin/sleep", arguments: ["120"], environment: [:], workingDirectory: folder,
                                                  logFile: folder.appendingPathComponent("jupyter.log"),
                                                  exitStatusFile: folder.appendingPathComponent("exit_status"))
        }
        let session = CodeSession(id: id, name: name, datasetId: nil, gpus: "", host: "127.0.0.1", port: 18_888, token: String(repeating: "ab", count: 32),
                                  description: "", state: state, message: state.rawValue, pid: launched?.pid,
                                  startTime: launched.map { Int64($0.startTime) }, stopRequested: false,
                                  createdAt: Date(), startedAt: Date(), finishedAt: state.hasProcess ? nil : Date())
        try fixture.workspace.store.pool.write { db in try session.insert(db) }
        return session
    }

    @Test func listGetEndpointDescriptionAndDelete() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let session = try Self.record(fixture, id: "C0001", name: "explore", state: .ready, process: true)
        let metrics = #"{"type":"train","step":3,"loss":0.5}"# + "\n" + #"{"type":"train","step":4,"loss":0.25}"# + "\n"
        try Data(metrics.utf8).write(to: fixture.workspace.codeSessionFolder("C0001").appendingPathComponent("metrics.jsonl"))
        try await fixture.test { client in
            let list = try await client.execute(uri: "/ai_arts/api/codes", method: .get, headers: fixture.headers(.viewer))
            #expect(list.status == .ok && list.json["code"] as? Int == 0)
            let data = list.json["data"] as? [String: Any]
            #expect(data?["total"] as? Int == 1)
            let item = (data?["items"] as? [[String: Any]])?.first
            #expect(item?["id"] as? String == "C0001" && item?["name"] as? String == "explore" && item?["state"] as? String == "ready")
            #expect(item?["url"] as? String == "http://127.0.0.1:18888/lab")
            #expect(!String(buffer: list.body).contains(session.token), "a list must not give the token")

            let one = try await client.execute(uri: "/ai_arts/api/codes/C0001", method: .get, headers: fixture.headers(.viewer))
            let detail = one.json["data"] as? [String: Any]
            let metric = (detail?["metrics"] as? [[String: Any]])?.first
            #expect(metric?["name"] as? String == "train/loss" && metric?["value"] as? Double == 0.25 && metric?["step"] as? Int == 4, "\(one.json)")
            #expect(!String(buffer: one.body).contains(session.token))

            for (path, code) in [("/ai_arts/api/codes/C0999", 40407), ("/ai_arts/api/codes/S0001", 40407), ("/ai_arts/api/codes/C1x", 40407)] {
                let missing = try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer))
                #expect(missing.status == .notFound && missing.json["code"] as? Int == code, "\(path): \(missing.json)")
            }

            // The endpoint opens the notebook: a viewer may not have it.
            let denied = try await client.execute(uri: "/ai_arts/api/codes/C0001/endpoint", method: .get, headers: fixture.headers(.viewer))
            #expect(denied.status == .forbidden)
            let endpoint = try await client.execute(uri: "/ai_arts/api/codes/C0001/endpoint", method: .get, headers: fixture.headers(.trainer))
            let e = endpoint.json["data"] as? [String: Any]
            #expect(e?["url"] as? String == "http://127.0.0.1:18888/lab?token=\(session.token)")
            #expect((e?["ssh"] as? String)?.hasPrefix("ssh -L 18888:127.0.0.1:18888 ") == true)
            let redirect = try await client.execute(uri: "/ai_arts/api/codes/C0001/endpoint?redirect=1", method: .get, headers: fixture.headers(.trainer))
            #expect(redirect.status == .found && redirect.headers[.location] == "http://127.0.0.1:18888/lab?token=\(session.token)")

            let described = try await client.execute(uri: "/ai_arts/api/codes/C0001/description", method: .post,
                                                     headers: fixture.headers(.trainer, json: true), body: .json(["description": "shapes, first look"]))
            #expect((described.json["data"] as? [String: Any])?["description"] as? String == "shapes, first look")
            #expect(try fixture.workspace.codeSession("C0001").description == "shapes, first look")
            for body: [String: Any] in [[:], ["description": [1]], ["description": String(repeating: "x", count: 2001)]] {
                let bad = try await client.execute(uri: "/ai_arts/api/codes/C0001/description", method: .post,
                                                   headers: fixture.headers(.trainer, json: true), body: .json(body))
                #expect(bad.status == .badRequest, "\(body.keys): \(bad.json)")
            }

            // Delete stops the running session (its process group) and removes it.
            let identity = try #require(session.identity)
            let deleted = try await client.execute(uri: "/ai_arts/api/codes/C0001", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok && (deleted.json["data"] as? [String: Any])?["deleted"] as? Bool == true, "\(deleted.json)")
            #expect(!identity.isAlive)
            #expect(!FileManager.default.fileExists(atPath: fixture.workspace.codeSessionFolder("C0001").path))
            let after = try await client.execute(uri: "/ai_arts/api/codes/C0001", method: .get, headers: fixture.headers(.viewer))
            #expect(after.status == .notFound && after.json["code"] as? Int == 40407)
        }
    }

    @Test func anEndedSessionHasNoRedirect() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        _ = try Self.record(fixture, id: "C0001", name: "old", state: .stopped, process: false)
        try await fixture.test { client in
            let redirect = try await client.execute(uri: "/ai_arts/api/codes/C0001/endpoint?redirect=1", method: .get, headers: fixture.headers(.trainer))
            #expect(redirect.status == .conflict && (redirect.json["msg"] as? String)?.contains("stopped") == true, "\(redirect.json)")
            let json = try await client.execute(uri: "/ai_arts/api/codes/C0001/endpoint", method: .get, headers: fixture.headers(.trainer))
            #expect((json.json["data"] as? [String: Any])?["state"] as? String == "stopped")
        }
    }

    @Test func createChecksItsInputAndNeverWaitsOnPip() async throws {
        unsetenv(Workspace.jupyterVenvVariable)
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let viewer = try await client.execute(uri: "/ai_arts/api/codes", method: .post, headers: fixture.headers(.viewer, json: true),
                                                  body: .json(["name": "nb"]))
            #expect(viewer.status == .forbidden && viewer.json["code"] as? Int == 40300)
            for body: [String: Any] in [[:], ["name": true], ["name": "a b"], ["name": "C0001"], ["name": "nb", "gpus": "zero"], ["name": "nb", "port": 70000]] {
                let bad = try await client.execute(uri: "/ai_arts/api/codes", method: .post, headers: fixture.headers(.trainer, json: true), body: .json(body))
                #expect(bad.status == .badRequest && bad.json["code"] as? Int == 40000, "\(body): \(bad.json)")
            }
            let unknown = try await client.execute(uri: "/ai_arts/api/codes", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["name": "nb", "dataset_id": "D0042"]))
            #expect(unknown.status == .notFound && unknown.json["code"] as? Int == 40401, "\(unknown.json)")
            // No JupyterLab in the workspace: refused at once, saying how to install it.
            let clock = ContinuousClock(), started = clock.now
            let refused = try await client.execute(uri: "/ai_arts/api/codes", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["name": "nb"]))
            #expect(refused.status == .conflict && (refused.json["msg"] as? String)?.contains("aiarts code create") == true, "\(refused.json)")
            #expect(clock.now - started < .seconds(5))
            #expect(try fixture.workspace.codeSessions().isEmpty)
        }
    }
}

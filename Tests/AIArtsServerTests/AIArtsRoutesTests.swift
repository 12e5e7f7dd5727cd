@testable import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The AIArts dialect under /ai_arts/api: the envelope, permissions, error codes, and each module.
@Suite struct AIArtsRoutesTests {
    static func multipart(_ parts: [(name: String, filename: String?, data: Data)], boundary: String = "aiarts-test-boundary") -> (HTTPFields, ByteBuffer) {
        var body = Data()
        for part in parts {
            body.append(Data("--\(boundary)\r\n".utf8))
            if let filename = part.filename {
                body.append(Data("Content-Disposition: form-data; name=\"\(part.name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            } else {
                body.append(Data("Content-Disposition: form-data; name=\"\(part.name)\"\r\n\r\n".utf8))
            }
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var headers = HTTPFields()
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return (headers, ByteBuffer(bytes: body))
    }

    func with(_ role: UserRole, _ fixture: ServerFixture, _ extra: HTTPFields) -> HTTPFields {
        var headers = fixture.headers(role)
        for field in extra { headers[field.name] = field.value }
        return headers
    }

    @Test func envelopePermissionsAndErrorCodes() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let list = try await client.execute(uri: "/ai_arts/api/datasets", method: .get, headers: fixture.headers(.viewer))
            #expect(list.status == .ok)
            #expect(list.json["code"] as? Int == 0 && list.json["msg"] as? String == "success")
            #expect((list.json["data"] as? [String: Any])?["total"] as? Int == 0)

            let denied = try await client.execute(uri: "/ai_arts/api/datasets", method: .post, headers: fixture.headers(.viewer, json: true),
                                                  body: .json(["name": "x", "type": "classification"]))
            #expect(denied.status == .forbidden && denied.json["code"] as? Int == 40300)

            let created = try await client.execute(uri: "/ai_arts/api/datasets", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["name": "shapes", "type": "classification"]))
            #expect(created.status == .created)
            let data = created.json["data"] as? [String: Any]
            #expect(data?["id"] as? String == "D0001" && data?["name"] as? String == "shapes")

            for (path, code) in [("/ai_arts/api/datasets/D0999", 40401), ("/ai_arts/api/datasets/nonsense", 40401),
                                 ("/ai_arts/api/trainings/T0999", 40402), ("/ai_arts/api/models/M0999", 40403)] {
                let missing = try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer))
                #expect(missing.status == .notFound, "\(path)")
                #expect(missing.json["code"] as? Int == code, "\(path)")
                #expect(missing.json["data"] is NSNull, "\(path)")
            }
            let malformed = try await client.execute(uri: "/ai_arts/api/datasets", method: .post, headers: fixture.headers(.trainer, json: true),
                                                     body: ByteBuffer(string: "{not json"))
            #expect(malformed.status == .badRequest && malformed.json["code"] as? Int == 40000)
            let badType = try await client.execute(uri: "/ai_arts/api/datasets", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["name": "x", "type": "poetry"]))
            #expect(badType.status == .badRequest)
            // A module the dialect does not have is a 404 in the envelope; codes (notebook sessions) is there.
            let absent = try await client.execute(uri: "/ai_arts/api/notebooks", method: .get, headers: fixture.headers(.admin))
            #expect(absent.status == .notFound && absent.json["code"] as? Int == 40400)
            let codes = try await client.execute(uri: "/ai_arts/api/codes", method: .get, headers: fixture.headers(.admin))
            #expect(codes.status == .ok && (codes.json["data"] as? [String: Any])?["total"] as? Int == 0)
            let deleted = try await client.execute(uri: "/ai_arts/api/datasets/D0001", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok)
            #expect(try fixture.workspace.datasets().isEmpty)
        }
    }

    @Test func modelUploadDownloadAndDelete() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await fixture.test { client in
            let (headers, body) = Self.multipart([("file", "weights.bin", bytes), ("name", nil, Data("resnet".utf8))])
            let viewer = try await client.execute(uri: "/ai_arts/api/models/upload", method: .post, headers: with(.viewer, fixture, headers), body: body)
            #expect(viewer.status == .forbidden)
            let uploaded = try await client.execute(uri: "/ai_arts/api/models/upload", method: .post, headers: with(.trainer, fixture, headers), body: body)
            #expect(uploaded.status == .created, "\(uploaded.json)")
            let model = (uploaded.json["data"] as? [String: Any])
            let id = try #require((model?["model"] as? [String: Any])?["id"] as? String ?? model?["id"] as? String)
            #expect(id == "M0001")

            let listed = try await client.execute(uri: "/ai_arts/api/models", method: .get, headers: fixture.headers(.viewer))
            #expect((listed.json["data"] as? [String: Any])?["total"] as? Int == 1)

            let file = try await client.execute(uri: "/ai_arts/api/models/M0001/download?file=weights.bin", method: .get, headers: fixture.headers(.viewer))
            #expect(file.status == .ok)
            #expect(Data(buffer: file.body) == bytes)
            let escape = try await client.execute(uri: "/ai_arts/api/models/M0001/download?file=../../aiarts.sqlite", method: .get, headers: fixture.headers(.viewer))
            #expect(escape.status == .badRequest && escape.json["code"] as? Int == 40001)

            let archive = try await client.execute(uri: "/ai_arts/api/models/M0001/download", method: .get, headers: fixture.headers(.viewer))
            #expect(archive.status == .ok)
            #expect(Array(Data(buffer: archive.body).prefix(2)) == [0x1f, 0x8b])
            #expect(archive.headers[.contentDisposition]?.contains("M0001-v1.tar.gz") == true)
            // The temporary archive is gone once sent.
            let left = try FileManager.default.contentsOfDirectory(atPath: fixture.environment.uploadFolder.path)
            #expect(left.filter { $0.hasPrefix("download-") }.isEmpty)

            let badVersion = try await client.execute(uri: "/ai_arts/api/models/M0001/download?version=v9", method: .get, headers: fixture.headers(.viewer))
            #expect(badVersion.status == .notFound)

            let deleted = try await client.execute(uri: "/ai_arts/api/models/M0001", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok)
            let gone = try await client.execute(uri: "/ai_arts/api/models/M0001", method: .get, headers: fixture.headers(.viewer))
            #expect(gone.status == .notFound && gone.json["code"] as? Int == 40403)
        }
    }

    @Test func registerIsAdminOnlyAndConfined() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-reg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data("weights".utf8).write(to: outside.appendingPathComponent("model.pt"))
        try await fixture.test { client in
            let trainer = try await client.execute(uri: "/ai_arts/api/models/register", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["path": outside.path]))
            #expect(trainer.status == .forbidden)
            for path in ["relative/path", outside.path + "/../x", fixture.root.path, fixture.root.appendingPathComponent("aiarts.sqlite").path] {
                let refused = try await client.execute(uri: "/ai_arts/api/models/register", method: .post, headers: fixture.headers(.admin, json: true),
                                                       body: .json(["path": path]))
                #expect(refused.status == .badRequest, "\(path)")
            }
            let missing = try await client.execute(uri: "/ai_arts/api/datasets/register", method: .post, headers: fixture.headers(.admin, json: true),
                                                   body: .json(["path": "/no/such/folder", "format": "imagenet", "name": "x", "type": "classification"]))
            #expect(missing.status == .notFound)
            let registered = try await client.execute(uri: "/ai_arts/api/models/register", method: .post, headers: fixture.headers(.admin, json: true),
                                                      body: .json(["path": outside.path, "name": "from disk"]))
            #expect(registered.status == .created, "\(registered.json)")
            #expect(try fixture.workspace.models().first?.model.name == "from disk")
        }
    }

    @Test func trainingsCreateListDetailLogAndMetrics() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let dataset = try fixture.workspace.createDataset(name: "d", type: .classification)
        let project = try fixture.workspace.createProject(name: "p", type: .classification, datasetID: dataset.id)
        try await fixture.test { client in
            let body: [String: Any] = ["project_id": project.id, "params": ["epochs": 3, "learning_rate": "0.01"], "start": false, "name": "first"]
            let denied = try await client.execute(uri: "/ai_arts/api/trainings", method: .post, headers: fixture.headers(.reviewer, json: true), body: .json(body))
            #expect(denied.status == .forbidden)
            let command = try await client.execute(uri: "/ai_arts/api/trainings", method: .post, headers: fixture.headers(.trainer, json: true),
                                                   body: .json(["project_id": project.id, "trainer": "command", "params": ["command": "true"], "start": false]))
            #expect(command.status == .forbidden)
            let created = try await client.execute(uri: "/ai_arts/api/trainings", method: .post, headers: fixture.headers(.trainer, json: true), body: .json(body))
            #expect(created.status == .created, "\(created.json)")
            let data = try #require(created.json["data"] as? [String: Any])
            #expect(data["id"] as? String == "T0001" && data["state"] as? String == "created" && data["name"] as? String == "first")
            #expect((data["params"] as? [String: Any])?["epochs"] as? String == "3")

            let badParams = try await client.execute(uri: "/ai_arts/api/trainings", method: .post, headers: fixture.headers(.trainer, json: true),
                                                     body: .json(["project_id": project.id, "params": ["epochs": "zero"], "start": false]))
            #expect(badParams.status == .badRequest)
            let noProject = try await client.execute(uri: "/ai_arts/api/trainings", method: .post, headers: fixture.headers(.trainer, json: true),
                                                     body: .json(["project_id": "P0099"]))
            #expect(noProject.status == .notFound)

            let list = try await client.execute(uri: "/ai_arts/api/trainings?state=created", method: .get, headers: fixture.headers(.viewer))
            #expect((list.json["data"] as? [String: Any])?["total"] as? Int == 1)
            let badState = try await client.execute(uri: "/ai_arts/api/trainings?state=dreaming", method: .get, headers: fixture.headers(.viewer))
            #expect(badState.status == .badRequest)

            // The log: pages by byte offset never split a character.
            let folder = fixture.workspace.taskFolder("T0001")
            let empty = try await client.execute(uri: "/ai_arts/api/trainings/T0001/log", method: .get, headers: fixture.headers(.viewer))
            #expect((empty.json["data"] as? [String: Any])?["size"] as? Int == 0)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let log = "line one\nzwei é\nthree ☃\n"
            try Data(log.utf8).write(to: folder.appendingPathComponent("train.log"))
            let page = try await client.execute(uri: "/ai_arts/api/trainings/T0001/log?offset=0&limit=15", method: .get, headers: fixture.headers(.viewer))
            let first = try #require(page.json["data"] as? [String: Any])
            #expect(first["text"] as? String == "line one\nzwei ")  // é's two bytes would straddle the limit
            #expect(first["next_offset"] as? Int == 14 && first["eof"] as? Bool == false)
            let rest = try await client.execute(uri: "/ai_arts/api/trainings/T0001/log?offset=14", method: .get, headers: fixture.headers(.viewer))
            #expect((rest.json["data"] as? [String: Any])?["text"] as? String == "é\nthree ☃\n")
            let tail = try await client.execute(uri: "/ai_arts/api/trainings/T0001/log?tail=1", method: .get, headers: fixture.headers(.viewer))
            #expect((tail.json["data"] as? [String: Any])?["text"] as? String == "three ☃\n")
            let negative = try await client.execute(uri: "/ai_arts/api/trainings/T0001/log?offset=-4", method: .get, headers: fixture.headers(.viewer))
            #expect(negative.status == .badRequest)

            // Metrics: the series as columns, filtered by tags and since.
            var lines = ""
            for step in 1...50 {
                lines += #"{"type":"train","epoch":1,"epochs":3,"step":\#(step),"steps":150,"loss":\#(1.0 / Double(step)),"time":\#(1_700_000_000 + step)}"# + "\n"
            }
            lines += #"{"type":"eval","epoch":1,"acc1":0.5,"time":1700000051}"# + "\n"
            try Data(lines.utf8).write(to: folder.appendingPathComponent("metrics.jsonl"))
            let metrics = try await client.execute(uri: "/ai_arts/api/trainings/T0001/metrics", method: .get, headers: fixture.headers(.viewer))
            let m = try #require(metrics.json["data"] as? [String: Any])
            let series = try #require(m["series"] as? [[String: Any]])
            let loss = try #require(series.first { $0["name"] as? String == "train/loss" })
            #expect((loss["values"] as? [Double])?.count == 50 && (loss["steps"] as? [Int])?.last == 50)
            #expect(series.contains { $0["name"] as? String == "eval/acc1" })
            // A point appended later shows in the next read (the feed's delta voids the encoded answer).
            let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("metrics.jsonl"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(#"{"type":"train","epoch":1,"step":51,"loss":0.01,"time":1700000052}"#.utf8 + [10]))
            try handle.close()
            var grown = 0
            for _ in 0..<50 {
                let again = try await client.execute(uri: "/ai_arts/api/trainings/T0001/metrics", method: .get, headers: fixture.headers(.viewer))
                let s = (again.json["data"] as? [String: Any])?["series"] as? [[String: Any]] ?? []
                grown = (s.first { $0["name"] as? String == "train/loss" }?["values"] as? [Double])?.count ?? 0
                if grown == 51 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(grown == 51)
            let filtered = try await client.execute(uri: "/ai_arts/api/trainings/T0001/metrics?tags=train/loss&since=1700000040", method: .get, headers: fixture.headers(.viewer))
            let fs = try #require((filtered.json["data"] as? [String: Any])?["series"] as? [[String: Any]])
            #expect(fs.count == 1 && (fs[0]["values"] as? [Double])?.count == 11 && fs[0]["from"] as? Int == 40)
            let badSince = try await client.execute(uri: "/ai_arts/api/trainings/T0001/metrics?since=yesterday", method: .get, headers: fixture.headers(.viewer))
            #expect(badSince.status == .badRequest)

            let deleted = try await client.execute(uri: "/ai_arts/api/trainings/T0001", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.status == .ok)
            #expect(try fixture.workspace.tasks().isEmpty)
        }
    }

    @Test func datasetUploadRefusesWhatIsNotAnArchive() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (headers, body) = Self.multipart([("file", "notes.txt", Data("hello".utf8)), ("format", nil, Data("imagenet".utf8)),
                                                  ("name", nil, Data("x".utf8)), ("type", nil, Data("classification".utf8))])
            let refused = try await client.execute(uri: "/ai_arts/api/datasets/upload", method: .post, headers: with(.trainer, fixture, headers), body: body)
            #expect(refused.status == .badRequest && refused.json["code"] as? Int == 40002)
            let (h2, b2) = Self.multipart([("format", nil, Data("imagenet".utf8))])
            let noFile = try await client.execute(uri: "/ai_arts/api/datasets/upload", method: .post, headers: with(.trainer, fixture, h2), body: b2)
            #expect(noFile.status == .badRequest && noFile.json["code"] as? Int == 40003)
            let json = try await client.execute(uri: "/ai_arts/api/datasets/upload", method: .post, headers: fixture.headers(.trainer, json: true), body: .json([:]))
            #expect(json.status == .badRequest)
            #expect(try fixture.workspace.datasets().isEmpty)
            let left = try FileManager.default.contentsOfDirectory(atPath: fixture.environment.uploadFolder.path)
            #expect(left.isEmpty)
        }
    }

    @Test func followingAnEndedTrainingGivesStateSnapshotAndEnd() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let dataset = try fixture.workspace.createDataset(name: "d", type: .classification)
        let project = try fixture.workspace.createProject(name: "p", type: .classification, datasetID: dataset.id)
        let task = try fixture.workspace.createTask(projectID: project.id)
        let folder = fixture.workspace.taskFolder(task.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"type":"train","step":1,"loss":0.5,"time":1700000001}"#.utf8 + [10]).write(to: folder.appendingPathComponent("metrics.jsonl"))
        try await fixture.workspace.store.pool.write { db in
            try db.execute(sql: "UPDATE task SET status = 'finished' WHERE id = ?", arguments: [task.id])
        }
        try await fixture.test { client in
            let response = try await client.execute(uri: "/ai_arts/api/trainings/\(task.id)/metrics?follow=1", method: .get, headers: fixture.headers(.viewer))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let text = String(buffer: response.body)
            let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.map { $0.components(separatedBy: "\n").first ?? "" } == ["event: state", "event: snapshot", "event: end"])
            let snapshot = try #require(events.dropFirst().first?.components(separatedBy: "\n").last?.dropFirst("data: ".count))
            let data = try #require(try JSONSerialization.jsonObject(with: Data(snapshot.utf8)) as? [String: Any])
            #expect(data["replace"] as? Bool == true)
            #expect(((data["series"] as? [[String: Any]])?.first?["values"] as? [Double]) == [0.5])
            let missing = try await client.execute(uri: "/ai_arts/api/trainings/T0999/metrics?follow=1", method: .get, headers: fixture.headers(.viewer))
            #expect(missing.status == .notFound && missing.json["code"] as? Int == 40402)
        }
    }
}

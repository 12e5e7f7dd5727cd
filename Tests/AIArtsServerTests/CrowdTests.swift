import AIArtsEngine
import AIArtsImaging
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The crowd annotation dialect under /api (and /ai_arts/api/annotations).
@Suite struct CrowdTests {
    static func jpeg(_ width: Int = 40, _ height: Int = 30) -> Data {
        Data(try! ImageCodec.encodeJPEG(RGBImage(width: width, height: height, color: RGBColor(200, 40, 40)), quality: 85))
    }

    static func multipart(_ files: [(String, Data)]) -> (HTTPFields, ByteBuffer) {
        let boundary = "crowd-\(UUID().uuidString)"
        var body = Data()
        for (name, data) in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var headers = HTTPFields()
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return (headers, ByteBuffer(bytes: body))
    }

    func headers(_ fixture: ServerFixture, _ role: UserRole, extra: HTTPFields = [:]) -> HTTPFields {
        var fields = fixture.headers(role, json: true)
        for field in extra { fields[field.name] = field.value }
        return fields
    }

    /// A collection task with `count` pictures committed by the reviewer, so that its dataset has data.
    func collected(_ fixture: ServerFixture, _ client: any TestClientProtocol, count: Int) async throws -> (dataset: String, task: Int) {
        let dataset = try fixture.workspace.createDataset(name: "photos", type: .classification).id
        let created = try await client.execute(uri: "/api/tasks/", method: .post, headers: fixture.headers(.trainer, json: true),
                                               body: .json(["data": ["user_id": "trainer", "type": 1, "name": "collect", "size": 10,
                                                                     "dataset_id": dataset, "deadline": "2099-01-01T00:00:00Z"]]))
        #expect(created.status == .created)
        let task = (created.json["data"] as? [String: Any])?["id"] as? Int ?? 0
        let applied = try await client.execute(uri: "/api/tasks/apply/", method: .post, headers: fixture.headers(.reviewer, json: true),
                                               body: .json(["data": ["task_id": task, "user_id": "reviewer"]]))
        let data = applied.json["data"] as? [String: Any] ?? [:]
        #expect(data["type"] as? Int == 1 && data["size"] as? Int == 10)
        let commit = data["commit_id"] as? Int ?? 0
        let (partHeaders, body) = Self.multipart((0..<count).map { ("p\($0).jpg", Self.jpeg()) })
        let uploaded = try await client.execute(uri: "/api/commits/pictures/\(commit)", method: .post,
                                                headers: headers(fixture, .reviewer, extra: partHeaders), body: body)
        #expect(uploaded.status == .created)
        #expect((uploaded.json["data"] as? [String])?.count == count)
        return (dataset, task)
    }

    @Test func collectionTaskTakesPicturesThatAreThenServedByURL() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (dataset, task) = try await collected(fixture, client, count: 2)
            let profile = try await client.execute(uri: "/api/tasks/\(task)/", method: .get, headers: fixture.headers(.viewer))
            let data = profile.json["data"] as? [String: Any] ?? [:]
            #expect(data["type"] as? Int == 1 && data["user_id"] as? String == "trainer" && data["dataset_id"] as? String == dataset)
            let pictures = data["pictures"] as? [String] ?? []
            #expect(pictures.count == 2 && data["cover"] as? String == pictures.first)
            let path = pictures.first.map { String($0[$0.range(of: "/api/")!.lowerBound...]) } ?? "/"
            let picture = try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer))
            #expect(picture.status == .ok)
            #expect(Data(buffer: picture.body) == Self.jpeg())
            #expect(picture.headers[.contentType] == "image/jpeg")
            // A picture of another task, or no picture, is a 404.
            let missing = try await client.execute(uri: "/api/file/tasks/\(task)/pictures/999", method: .get, headers: fixture.headers(.viewer))
            #expect(missing.status == .notFound)
            #expect((missing.json["errors"] as? [String: Any])?["status"] as? Int == 404)
            // A corrupt picture refuses the commit, nothing added.
            let applied = try await client.execute(uri: "/api/tasks/apply", method: .post, headers: fixture.headers(.reviewer, json: true),
                                                   body: .json(["data": ["task_id": task]]))
            let commit = (applied.json["data"] as? [String: Any])?["commit_id"] as? Int ?? 0
            let (partHeaders, body) = Self.multipart([("ok.jpg", Self.jpeg()), ("bad.jpg", Data("not a jpeg".utf8))])
            let refused = try await client.execute(uri: "/api/commits/pictures/\(commit)", method: .post,
                                                   headers: headers(fixture, .reviewer, extra: partHeaders), body: body)
            #expect(refused.status == .badRequest)
            #expect(try fixture.workspace.crowdTaskPictures(Int64(task)).count == 2)
        }
    }

    @Test func annotationRoundApplyCommitAndPagedCommits() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (dataset, _) = try await collected(fixture, client, count: 5)
            let created = try await client.execute(uri: "/api/tasks", method: .post, headers: fixture.headers(.admin, json: true), body: .json(["data": [
                "user_id": "admin", "type": 0, "name": "label them", "size": 2, "dataset_id": dataset,
                "start_time": "Thu Jun 14 15:04:20 GMT+08:00 2018", "deadline": "2099-06-30",
                "formatter": ["tags": [["name": "cat", "description": "a cat", "attributes": [["name": "pose", "values": ["sit", "stand"], "description": "how"]]]]],
            ]]))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let task = created.json["data"] as? [String: Any] ?? [:]
            #expect(task["start_time"] as? String == "2018-06-14T07:04:20.000Z")
            #expect(((task["formatter"] as? [String: Any])?["tags"] as? [Any])?.count == 1)
            let id = task["id"] as? Int ?? 0
            var batches: [[String]] = []
            for user in ["reviewer", "trainer"] {
                let applied = try await client.execute(uri: "/api/tasks/apply/", method: .post, headers: fixture.headers(UserRole(rawValue: user)!, json: true),
                                                       body: .json(["data": ["task_id": id, "user_id": user]]))
                let data = applied.json["data"] as? [String: Any] ?? [:]
                #expect(data["size"] as? Int == 2 && data["type"] as? Int == 0)
                batches.append(data["pictures"] as? [String] ?? [])
            }
            #expect(Set(batches[0]).isDisjoint(with: batches[1]) && batches[0].count == 2)
            // The document's refusal of a second apply while one is open.
            let again = try await client.execute(uri: "/api/tasks/apply/", method: .post, headers: fixture.headers(.reviewer, json: true),
                                                 body: .json(["data": ["task_id": id]]))
            let errors = again.json["errors"] as? [String: Any] ?? [:]
            #expect(again.status == .badRequest && errors["title"] as? String == "you have unfinished commit of this task")
            #expect((errors["detail"] as? String)?.contains("rest: 2 entries, user_id: reviewer task_id: \(id)") == true)
            // Acting as another user is a 403 in the document's Spring shape.
            let other = try await client.execute(uri: "/api/commits/", method: .post, headers: fixture.headers(.reviewer, json: true),
                                                 body: .json(["data": ["task_id": id, "user_id": "trainer", "result": []]]))
            #expect(other.status == .forbidden && other.json["error"] as? String == "Forbidden" && other.json["path"] as? String == "/api/commits/")
            for (i, user) in ["reviewer", "trainer"].enumerated() {
                let result = batches[i].map { ["picture_url": $0, "annotation_json": #"{"tags": [{"name": "cat"}]}"#] }
                let committed = try await client.execute(uri: "/api/commits/", method: .post, headers: fixture.headers(UserRole(rawValue: user)!, json: true),
                                                         body: .json(["data": ["commit_id": 0, "task_type": 0, "task_id": id, "user_id": user, "size": 2, "result": result]]))
                #expect(committed.status == .created)
            }
            let page = try await client.execute(uri: "/api/commits?task=\(id)&pageNum=0&pageSize=1", method: .get, headers: fixture.headers(.viewer))
            let commits = (page.json["data"] as? [String: Any])?["commits"] as? [[String: Any]] ?? []
            #expect(commits.count == 1 && commits[0]["task_id"] as? Int == id)
            let second = try await client.execute(uri: "/api/commits?task=\(id)&pageNum=1&pageSize=1", method: .get, headers: fixture.headers(.viewer))
            let more = (second.json["data"] as? [String: Any])?["commits"] as? [[String: Any]] ?? []
            #expect(more.count == 1 && more[0]["commit_id"] as? Int != commits[0]["commit_id"] as? Int)
            let mine = try await client.execute(uri: "/api/commits?user=reviewer&pageNum=0&pageSize=10", method: .get, headers: fixture.headers(.viewer))
            #expect(((mine.json["data"] as? [String: Any])?["commits"] as? [Any])?.count == 2)  // its collection commit and this one
            // The same routes under the AIArts mount, with AIArts errors.
            let list = try await client.execute(uri: "/ai_arts/api/annotations/tasks?pageNum=0&pageSize=10", method: .get, headers: fixture.headers(.viewer))
            #expect(((list.json["data"] as? [String: Any])?["tasks"] as? [Any])?.count == 2)
            let absent = try await client.execute(uri: "/ai_arts/api/annotations/tasks/99", method: .get, headers: fixture.headers(.viewer))
            #expect(absent.status == .notFound && absent.json["code"] as? Int == 40400)
        }
    }

    @Test func badInputAndPermissionsAre4xxInTheDocumentsShape() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let dataset = try fixture.workspace.createDataset(name: "photos", type: .classification).id
            func post(_ path: String, _ role: UserRole, _ body: Any, method: HTTPRequest.Method = .post) async throws -> TestResponse {
                try await client.execute(uri: path, method: method, headers: fixture.headers(role, json: true), body: .json(body))
            }
            let noUser = try await post("/api/tasks/", .trainer, ["data": ["type": 1, "name": "x", "dataset_id": dataset]])
            #expect(noUser.status == .badRequest)
            #expect(noUser.json["errors"] as? [String: Any] as NSDictionary? == ["status": 400, "title": "json error", "detail": "user_id can not be null"])
            let noType = try await post("/api/tasks/", .trainer, ["data": ["user_id": "trainer", "name": "x", "dataset_id": dataset]])
            #expect((noType.json["errors"] as? [String: Any])?["detail"] as? String == "type can not be null")
            let viewer = try await post("/api/tasks/", .viewer, ["data": ["user_id": "viewer", "type": 1, "name": "x", "dataset_id": dataset]])
            #expect(viewer.status == .forbidden && viewer.json["status"] as? Int == 403 && viewer.json["timestamp"] is String)
            let impersonate = try await post("/api/tasks/", .trainer, ["data": ["user_id": "admin", "type": 1, "name": "x", "dataset_id": dataset]])
            #expect(impersonate.status == .forbidden)
            let created = try await post("/api/tasks/", .trainer, ["data": ["user_id": "trainer", "type": 1, "name": "x", "dataset_id": dataset, "size": 3]])
            let id = (created.json["data"] as? [String: Any])?["id"] as? Int ?? 0
            let noId = try await post("/api/tasks/\(id)/", .trainer, ["data": ["name": "y"]], method: .patch)
            #expect((noId.json["errors"] as? [String: Any])?["detail"] as? String == "can not find 'id'")
            let mismatch = try await post("/api/tasks/\(id)/", .trainer, ["data": ["id": id + 1, "name": "y"]], method: .patch)
            #expect((mismatch.json["errors"] as? [String: Any])?["detail"] as? String == "id not match")
            let patched = try await post("/api/tasks/\(id)/", .trainer, ["data": ["id": id, "name": "还是中文122"]], method: .patch)
            let data = patched.json["data"] as? [String: Any] ?? [:]
            #expect(patched.status == .ok && data["name"] as? String == "还是中文122" && data["size"] as? Int == 3)
            let missing = try await client.execute(uri: "/api/tasks/77/", method: .get, headers: fixture.headers(.viewer))
            #expect(missing.status == .notFound && (missing.json["errors"] as? [String: Any])?["status"] as? Int == 404)
            #expect((missing.json["errors"] as? [String: Any])?["title"] as? String == "No such task")
            for body in ["{", "[1]", #"{"data": 5}"#] {
                let bad = try await client.execute(uri: "/api/tasks/apply/", method: .post, headers: fixture.headers(.reviewer, json: true),
                                                   body: ByteBuffer(string: body))
                #expect(bad.status == .badRequest)
            }
            let wrongType = try await post("/api/tasks/apply/", .reviewer, ["data": ["task_id": "x"]])
            #expect(wrongType.status == .badRequest)
            let badTime = try await post("/api/tasks/", .trainer, ["data": ["user_id": "trainer", "type": 1, "name": "x", "dataset_id": dataset, "deadline": "soon"]])
            #expect(badTime.status == .badRequest)
            let late = try await post("/api/tasks/", .trainer, ["data": ["user_id": "trainer", "type": 1, "name": "late", "dataset_id": dataset,
                                                                        "start_time": "2001-01-01", "deadline": "2001-02-01"]])
            let lateId = (late.json["data"] as? [String: Any])?["id"] as? Int ?? 0
            let afterDeadline = try await post("/api/tasks/apply/", .reviewer, ["data": ["task_id": lateId]])
            #expect(afterDeadline.status == .conflict && ((afterDeadline.json["errors"] as? [String: Any])?["detail"] as? String)?.contains("deadline") == true)
            let page = try await client.execute(uri: "/api/commits?pageNum=-1", method: .get, headers: fixture.headers(.viewer))
            #expect(page.status == .badRequest)
        }
    }
}

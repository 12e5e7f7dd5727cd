import AIArtsEngine
import AIArtsImaging
@testable import AIArtsServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The Django dialect's preprocessing (docs/api.md, "Preprocessing"): the document's operations on the
/// dataset an uploaded zip became, `overlap` choosing between copies added beside the originals and
/// a new dataset (with its own data entry), and every wrong field a 400 that names it.
@Suite struct DjangoPreprocessTests {
    /// A 6×4 PNG: left half black, right half white.
    static var png: Data {
        var pixels: [UInt8] = []
        for _ in 0..<4 { for x in 0..<6 { pixels += x < 3 ? [0, 0, 0] : [255, 255, 255] } }
        return Data(try! ImageCodec.encodePNG(RGBImage(width: 6, height: 4, pixels: pixels)))
    }

    /// Uploads a zip of two classes as the trainer; its data id.
    static func upload(_ client: any TestClientProtocol, _ fixture: ServerFixture, role: UserRole = .trainer) async throws -> Int {
        let zip = DjangoDataTests.zip([("cat/a.png", png), ("dog/b.png", png)])
        let (headers, body) = DjangoDataTests.multipart(["file_type": "zip"], files: [("file", "pets.zip", zip)], auth: fixture.headers(role))
        let created = try await client.execute(uri: "/data/", method: .post, headers: headers, body: body)
        #expect(created.status == .ok)
        return try #require(created.json["data_id"] as? Int)
    }

    static func post(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ body: Any, role: UserRole = .trainer) async throws -> TestResponse {
        try await client.execute(uri: "/preprocess/", method: .post, headers: fixture.headers(role, json: true), body: ByteBuffer.json(body))
    }

    @Test func theOperationsAreListedWithTheOpsTheyBecome() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let answer = try await client.execute(uri: "/preprocess/operations/list/", method: .get, headers: fixture.headers(.viewer))
            #expect(answer.status == .ok)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [[String: String]])
            #expect(rows.contains { $0["operationName"] == "上下翻转" && $0["op"] == "flip_v" })
            #expect(rows.contains { $0["operationName"] == "中值滤波" && $0["op"] == "median" && $0["values"]?.contains("value1") == true })
            #expect(rows.count == PreprocessOp.djangoNames.count)
            // Django's paths end with a slash.
            let bare = try await client.execute(uri: "/preprocess/operations/list", method: .get, headers: fixture.headers(.viewer))
            #expect(bare.status == .notFound)
        }
    }

    /// The document's own example: the flip has overlap true, so the processed copies are added to
    /// the same dataset, whose data entry is the one answered.
    @Test func theDocumentsExampleAddsTheCopiesBesideTheOriginals() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let id = try await Self.upload(client, fixture)
            let dataset = try #require(try fixture.workspace.dataEntry(id).datasetId)
            let answer = try await Self.post(client, fixture, ["dataId": id, "operations": [
                ["operationName": "上下翻转", "overlap": true, "value1": NSNull(), "value2": NSNull()],
                ["operationName": "亮度调整", "overlap": false, "value1": 0.4, "value2": NSNull()],
                ["operationName": "中值滤波", "overlap": false, "value1": 5, "value2": 5],
            ]])
            #expect(answer.status == .ok)
            let json = answer.json
            #expect(json["message"] as? String == "success")
            #expect(json["mode"] as? String == "add" && json["data_id"] as? Int == id && json["dataset"] as? String == dataset)
            #expect(json["operations"] as? [String] == ["flip_v", "brightness=0.4", "median=5"])
            #expect(json["images"] as? Int == 2)
            #expect(try fixture.workspace.summary(dataset).images == 4)
        }
    }

    /// No overlap: a new dataset, recorded as a new data entry of the user (listed, its tree served);
    /// the original dataset is untouched. Pixels follow the ops: left and right swapped by 左右翻转.
    @Test func withoutOverlapTheResultIsANewDatasetAndEntry() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let id = try await Self.upload(client, fixture)
            let source = try #require(try fixture.workspace.dataEntry(id).datasetId)
            let answer = try await Self.post(client, fixture, ["dataId": "\(id)", "operations": [
                ["operationName": "左右翻转", "overlap": false, "value1": NSNull(), "value2": NSNull()],
                ["operationName": "尺寸调整", "overlap": false, "value1": "12", "value2": 8],
            ]])
            #expect(answer.status == .ok)
            let json = answer.json
            let newID = try #require(json["data_id"] as? Int)
            let made = try #require(json["dataset"] as? String)
            #expect(newID != id && made != source && json["mode"] as? String == "into")
            #expect(try fixture.workspace.summary(source).images == 2)
            #expect(try fixture.workspace.summary(made).images == 2)
            #expect(try fixture.workspace.summary(made).name == "pets-preprocessed")
            let list = try await client.execute(uri: "/data/list/", method: .get, headers: fixture.headers(.trainer))
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(rows.contains { $0["id"] as? Int == newID && $0["dataset"] as? String == made && $0["file_name"] as? String == "pets-preprocessed" })
            let tree = try await client.execute(uri: "/data/\(newID)/", method: .get, headers: fixture.headers(.trainer))
            #expect(tree.status == .ok)
            // The image itself: 12×8, white on the left now.
            let (content, folder) = try fixture.workspace.content(made)
            let sample = try #require(content.samples.first)
            let image = try ImageCodec.decode(contentsOf: folder.appendingPathComponent(sample.path).path).image
            #expect(image.width == 12 && image.height == 8)
            #expect(image.pixels[0] > 200 && image.pixels[(12 - 1) * image.channels] < 50)
        }
    }

    @Test func wrongRequestsAreRefusedNamingTheField() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let id = try await Self.upload(client, fixture)
            let flip: [String: Any] = ["operationName": "上下翻转", "overlap": false, "value1": NSNull(), "value2": NSNull()]
            func detail(_ body: Any, role: UserRole = .trainer) async throws -> (HTTPResponse.Status, String) {
                let answer = try await Self.post(client, fixture, body, role: role)
                return (answer.status, answer.json["detail"] as? String ?? "")
            }
            var (status, text) = try await detail(["dataId": id, "operations": [flip, ["operationName": "锐化", "overlap": false]]])
            #expect(status == .badRequest && text.contains("operations[1]") && text.contains("锐化"))
            (status, text) = try await detail(["dataId": id, "operations": [["operationName": "中值滤波", "value1": 4]]])
            #expect(status == .badRequest && text.contains("odd"))
            (status, text) = try await detail(["dataId": id, "operations": [["operationName": "亮度调整", "value1": "bright"]]])
            #expect(status == .badRequest && text.contains("operations[0].value1"))
            (status, text) = try await detail(["dataId": id])
            #expect(status == .badRequest && text.contains("operations is missing"))
            (status, text) = try await detail(["dataId": id, "operations": []])
            #expect(status == .badRequest && text.contains("operations is empty"))
            (status, text) = try await detail(["operations": [flip]])
            #expect(status == .badRequest && text.contains("dataId"))
            (status, _) = try await detail(["dataId": 999, "operations": [flip]])
            #expect(status == .notFound)
            // A viewer may not preprocess; another trainer does not see the entry.
            (status, _) = try await detail(["dataId": id, "operations": [flip]], role: .viewer)
            #expect(status == .forbidden)
            // A single file is not a dataset.
            let (headers, body) = DjangoDataTests.multipart(["file_type": "single"], files: [("file", "dot.png", Self.png)], auth: fixture.headers(.trainer))
            let single = try #require(try await client.execute(uri: "/data/", method: .post, headers: headers, body: body).json["data_id"] as? Int)
            (status, text) = try await detail(["dataId": single, "operations": [flip]])
            #expect(status == .badRequest && text.contains("single file"))
            // Nothing was made by any of them.
            #expect(try fixture.workspace.datasets().count == 1)
        }
    }

    @Test func anotherUsersEntryIsNotFound() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let id = try await Self.upload(client, fixture, role: .admin)
            let answer = try await Self.post(client, fixture, ["dataId": id, "operations": [["operationName": "上下翻转"]]])
            #expect(answer.status == .notFound)
            #expect(try fixture.workspace.datasets().count == 1)
        }
    }
}

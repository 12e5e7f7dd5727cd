import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The Django dialect's data module: single files, zips as datasets, URLs fetched by the server.
@Suite struct DjangoDataTests {
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!

    /// A multipart body: text fields, then files (field, name, bytes).
    static func multipart(_ fields: [String: String], files: [(String, String, Data)], auth: HTTPFields) -> (HTTPFields, ByteBuffer) {
        let boundary = "----aiarts-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for (field, name, data) in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var headers = auth
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return (headers, ByteBuffer(bytes: body))
    }

    /// A zip with stored (uncompressed) entries, as `zip -0` writes one.
    static func zip(_ files: [(String, Data)]) -> Data {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)] }
        func crc32(_ data: Data) -> UInt32 {
            var crc: UInt32 = 0xffff_ffff
            for byte in data {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
            }
            return ~crc
        }
        var out: [UInt8] = [], central: [UInt8] = []
        for (name, data) in files {
            let offset = UInt32(out.count), crc = crc32(data), size = UInt32(data.count), nameBytes = Array(name.utf8)
            out += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size) + le32(size)
                + le16(nameBytes.count) + le16(0) + nameBytes + [UInt8](data)
            central += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size) + le32(size)
                + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
        }
        let start = UInt32(out.count)
        out += central + le32(0x0605_4b50) + le16(0) + le16(0) + le16(files.count) + le16(files.count)
            + le32(UInt32(central.count)) + le32(start) + le16(0)
        return Data(out)
    }

    static var petsZip: Data { zip([("cat/a.png", png), ("dog/b.png", png)]) }

    @Test func aSingleFileIsListedServedAndDeletedByItsOwnerOnly() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (headers, body) = Self.multipart(["file_type": "single", "file_class": "picture"], files: [("file", "dot.png", Self.png)], auth: fixture.headers(.trainer))
            let created = try await client.execute(uri: "/data/list/", method: .post, headers: headers, body: body)
            #expect(created.status == .ok)
            let id = try #require(created.json["data_id"] as? Int)
            let list = try await client.execute(uri: "/data/list/", method: .get, headers: fixture.headers(.trainer))
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["file_type"] as? String == "picture")
            #expect(rows.first?["file_name"] as? String == "dot.png")
            #expect(rows.first?["owner"] as? Int == (try fixture.workspace.userNumber("trainer")))
            #expect((rows.first?["created_at"] as? String)?.hasSuffix("Z") == true)
            let file = try await client.execute(uri: "/data/\(id)/", method: .get, headers: fixture.headers(.trainer))
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "image/png")
            #expect(Data(buffer: file.body) == Self.png)

            // Others neither see nor delete it; a viewer may not upload.
            let adminList = try await client.execute(uri: "/data/list/", method: .get, headers: fixture.headers(.viewer))
            #expect(String(buffer: adminList.body) == "[]")
            #expect(try await client.execute(uri: "/data/\(id)/", method: .get, headers: fixture.headers(.viewer)).status == .notFound)
            let (viewerHeaders, viewerBody) = Self.multipart([:], files: [("file", "x.txt", Data("x".utf8))], auth: fixture.headers(.viewer))
            let refused = try await client.execute(uri: "/data/", method: .post, headers: viewerHeaders, body: viewerBody)
            #expect(refused.status == .forbidden)
            #expect(refused.json["detail"] is String)
            #expect(try await client.execute(uri: "/data/abc/", method: .get, headers: fixture.headers(.trainer)).status == .notFound)

            let deleted = try await client.execute(uri: "/data/\(id)/", method: .delete, headers: fixture.headers(.trainer))
            #expect(deleted.json["message"] as? String == "success")
            let again = try await client.execute(uri: "/data/\(id)/", method: .delete, headers: fixture.headers(.trainer))
            #expect(again.status == .noContent)
            #expect(try fixture.workspace.dataEntries().isEmpty)
        }
    }

    @Test func aZipBecomesADatasetShownAsATreeAndABrokenOneLeavesNothing() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (headers, body) = Self.multipart(["file_type": "zip", "file_class": "picture"], files: [("file", "pets.zip", Self.petsZip)], auth: fixture.headers(.trainer))
            let created = try await client.execute(uri: "/data/", method: .post, headers: headers, body: body)
            #expect(created.status == .ok, "\(String(buffer: created.body))")
            let id = try #require(created.json["data_id"] as? Int)
            let entry = try fixture.workspace.dataEntry(id)
            let dataset = try fixture.workspace.dataset(try #require(entry.datasetId))
            #expect(dataset.status == "copied")
            let tree = try await client.execute(uri: "/data/\(id)/", method: .get, headers: fixture.headers(.trainer))
            #expect((tree.json["cat"] as? [String: Any])?["a.png"] as? String == "a.png")
            let inner = try await client.execute(uri: "/data/\(id)/?relative_path=dog/b.png", method: .get, headers: fixture.headers(.trainer))
            #expect(Data(buffer: inner.body) == Self.png)
            let escape = try await client.execute(uri: "/data/\(id)/?relative_path=../../aiarts.sqlite", method: .get, headers: fixture.headers(.trainer))
            #expect(escape.status == .badRequest)
            #expect(escape.json["detail"] is String)

            let datasets = try fixture.workspace.datasets().count
            let (badHeaders, badBody) = Self.multipart(["file_type": "zip"], files: [("file", "broken.zip", Data("PK\u{3}\u{4}nonsense".utf8))], auth: fixture.headers(.trainer))
            let broken = try await client.execute(uri: "/data/", method: .post, headers: badHeaders, body: badBody)
            #expect((400..<500).contains(broken.status.code))
            #expect(broken.json["detail"] is String)
            #expect(try fixture.workspace.datasets().count == datasets)
            #expect(try fixture.workspace.dataEntries().count == 1)

            let (noFileHeaders, noFileBody) = Self.multipart(["file_type": "single"], files: [], auth: fixture.headers(.trainer))
            let noFile = try await client.execute(uri: "/data/", method: .post, headers: noFileHeaders, body: noFileBody)
            #expect(noFile.status == .badRequest)
            #expect(noFile.json["file"] is [String])
            let (kindHeaders, kindBody) = Self.multipart(["file_type": "folder"], files: [("file", "a.txt", Data("a".utf8))], auth: fixture.headers(.trainer))
            #expect(try await client.execute(uri: "/data/", method: .post, headers: kindHeaders, body: kindBody).status == .badRequest)
        }
    }

    @Test func aNonASCIIPartHeaderNameIsA400NotACrash() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            var headers = fixture.headers(.trainer)
            headers[.contentType] = "multipart/form-data; boundary=B"
            for prefix in ["", "preamble\r\n"] {
                var body = Data("\(prefix)--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n".utf8)
                body.append(contentsOf: [0xc3, 0xa9] + Array("x: y\r\n\r\nabc\r\n--B--\r\n".utf8))
                let response = try await client.execute(uri: "/data/", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(response.status == .badRequest)
                #expect(response.json["detail"] is String)
            }
            // A second part's header name, after a first part whose body has bytes above 127.
            var body = Data("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n".utf8)
            body.append(contentsOf: [0xff, 0x0d, 0x0a, 0xfe] + Array("\r\n--B\r\n".utf8) + [0xff] + Array(": v\r\n\r\nx\r\n--B--\r\n".utf8))
            let second = try await client.execute(uri: "/data/", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(second.status == .badRequest)
            // UTF-8 in a header value (a file name) is fine.
            var fine = Data("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"".utf8)
            fine.append(Data("数据.txt\"\r\n\r\n\u{ff}body\r\n--B--\r\n".utf8))
            let ok = try await client.execute(uri: "/data/", method: .post, headers: headers, body: ByteBuffer(bytes: fine))
            #expect(ok.status == .ok, "\(String(buffer: ok.body))")
            let entry = try fixture.workspace.dataEntry(try #require(ok.json["data_id"] as? Int))
            #expect(entry.fileName == "数据.txt")
        }
    }

    /// A local HTTP server for the URL fetches: a zip, a file over the limit, one that never
    /// finishes, and a redirect to a file: URL.
    static func withRemote(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("pets.zip") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: petsZip))) }
        router.get("notes.txt") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "hello"))) }
        router.get("big.bin") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 7, count: 300_000))) }
        router.get("slow.bin") { _, _ -> Response in
            try await Task.sleep(for: .seconds(4))
            return Response(status: .ok)
        }
        router.get("away") { _, _ in Response(status: .found, headers: [.location: "file:///etc/passwd"]) }
        router.get("missing") { _, _ in Response(status: .notFound) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    @Test func aURLIsFetchedWithinTheSizeAndTimeLimitsAndOnlyOverHTTP() async throws {
        var limits = ServerLimits()
        limits.maxUploadBytes = 100_000
        let fixture = try ServerFixture(limits: limits)
        defer { fixture.remove() }
        try await Self.withRemote { port in
            try await fixture.test { client in
                let base = "http://127.0.0.1:\(port)"
                func post(_ fields: [String: Any]) async throws -> TestResponse {
                    try await client.execute(uri: "/data/list/", method: .post, headers: fixture.headers(.trainer, json: true), body: .json(fields))
                }
                let zip = try await post(["file_type": "url", "url": "\(base)/pets.zip", "file_class": "picture"])
                #expect(zip.status == .ok, "\(String(buffer: zip.body))")
                let zipEntry = try fixture.workspace.dataEntry(try #require(zip.json["data_id"] as? Int))
                #expect(zipEntry.datasetId != nil)
                #expect(zipEntry.source == .url)
                #expect(zipEntry.url == "\(base)/pets.zip")
                let text = try await post(["url": "\(base)/notes.txt"])
                #expect(text.status == .ok)
                let textEntry = try fixture.workspace.dataEntry(try #require(text.json["data_id"] as? Int))
                #expect(textEntry.fileName == "notes.txt")
                #expect(textEntry.size == 5)

                let big = try await post(["file_type": "url", "url": "\(base)/big.bin"])
                #expect(big.status == .contentTooLarge)
                #expect(big.json["detail"] is String)
                let start = ContinuousClock.now
                let slow = try await post(["file_type": "url", "url": "\(base)/slow.bin", "timeout": 1])
                #expect(slow.status == .badRequest)
                #expect(ContinuousClock.now - start < .seconds(10))
                for url in ["\(base)/away", "\(base)/missing", "file:///etc/passwd", "ftp://127.0.0.1/x", "not a url"] {
                    let refused = try await post(["file_type": "url", "url": url])
                    #expect(refused.status == .badRequest, "\(url)")
                    #expect(refused.json["detail"] is String)
                }
                #expect(try fixture.workspace.dataEntries().count == 2)
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.environment.uploadFolder.path)
                #expect(leftovers.isEmpty)
            }
        }
    }
}

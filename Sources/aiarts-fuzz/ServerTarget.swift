import AIArtsEngine
import AIArtsServer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded

/// The `http` target: one request to every dialect of `aiarts serve` at once (docs/fuzzing.md). The
/// input's first line is `METHOD /path?query`, an optional `Content-Type: …` line may follow, then a
/// blank line and the body. The request goes through the server's router in process (token check,
/// routing, the dialect's parameter reading and the engine), as an admin; a 5xx or a trap is a
/// finding. Routes that start processes or fetch URLs (train, evaluate, export, predict, the demo,
/// stop, URL uploads, the live metrics stream) are left out: their inputs are the same readers'.
enum ServerFuzz {
    final class Harness: @unchecked Sendable {
        let responder: any HTTPResponder<ServerContext>
        let token: String
        let channel = EmbeddedChannel()
        let root: URL

        init() {
            root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aiarts-fuzz-http-\(getpid())")
            try? FileManager.default.removeItem(at: root)
            let workspace = try! Workspace(root: root, gpuProbe: .none)
            try! workspace.addUser("fuzz", role: .admin)
            token = try! workspace.createToken(for: "fuzz").token
            let dataset = try! workspace.createDataset(name: "fuzz", type: .classification)
            _ = try! workspace.createProject(name: "fuzz", type: .classification, datasetID: dataset.id)
            let environment = try! ServerEnvironment(workspace: workspace, logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
            responder = APIServer.router(environment).buildResponder()
        }
    }

    nonisolated(unsafe) static var harness: Harness?
    static let skipped = ["train", "evaluate", "export", "predict", "demo", "stop", "metrics", "/data/"]

    static func run(_ input: [UInt8]) {
        func line(_ bytes: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>) {
            let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            return (String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self), bytes[min(end + 1, bytes.endIndex)...])
        }
        let (first, afterFirst) = line(input[...])
        var body = afterFirst
        let words = first.split(separator: " ", maxSplits: 1)
        guard words.count == 2, let method = HTTPRequest.Method(String(words[0])),
              [.get, .post, .put, .delete, .patch].contains(method) else { return }
        let path = String(words[1]).trimmingCharacters(in: .whitespaces)
        guard path.hasPrefix("/"), path.count < 2048, path.allSatisfy({ $0.isASCII && !$0.isWhitespace }),
              !skipped.contains(where: path.contains) else { return }
        var contentType = "application/json"
        let (second, rest) = line(body)
        if second.lowercased().hasPrefix("content-type:") {
            contentType = second.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
            body = rest
        }

        if harness == nil { harness = Harness() }
        let harness = harness!
        var fields = HTTPFields()
        fields[.authorization] = "Bearer \(harness.token)"
        if let name = HTTPField.Name("Content-Type") { fields[name] = contentType }
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "fuzz", path: path, headerFields: fields),
                              body: .init(buffer: ByteBuffer(bytes: Array(body))))
        let context = ServerContext(source: .init(channel: harness.channel, logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }))
        let done = DispatchSemaphore(value: 0)
        let status = Box()
        Task {
            do {
                let response = try await harness.responder.respond(to: request, context: context)
                status.value = response.status.code
            } catch {
                status.value = 599
            }
            done.signal()
        }
        done.wait()
        if status.value >= 500 {
            fatalError("\(method) \(path) answered \(status.value)")
        }
    }

    final class Box: @unchecked Sendable { var value = 0 }
}

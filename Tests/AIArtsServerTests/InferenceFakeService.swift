@testable import AIArtsEngine
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for an inference service's process, for the dialects' tests: a loopback listener that
/// answers every request with one fixed HTTP response and keeps what it was sent, and a `ready`
/// service record pointing at it. The real service is tested in e2e/infer.sh and e2e/api-infer.sh.
final class FakeInferenceService: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let bodies = Mutex<[[UInt8]]>([])
    private let paths = Mutex<[String]>([])
    let response: String

    /// `json`: the body of every answer (status 200).
    init(json: String) throws {
        response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\nConnection: close\r\n\r\n" + json
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.fd = fd
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                serve(client)
            }
        }
    }

    /// Bodies of the requests received so far.
    var received: [[UInt8]] { bodies.withLock { $0 } }
    var requestedPaths: [String] { paths.withLock { $0 } }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            data += buffer[0..<n]
            guard let end = (0..<max(0, data.count - 3)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 && data[$0 + 2] == 13 && data[$0 + 3] == 10 }) else { continue }
            let head = String(decoding: data[0..<end], as: UTF8.self)
            let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            guard data.count >= end + 4 + length else { continue }
            paths.withLock { $0.append(String(head.split(separator: " ").dropFirst().first ?? "")) }
            bodies.withLock { $0.append(Array(data[(end + 4)..<(end + 4 + length)])) }
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return
        }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// A service record in `workspace`, `ready` at this listener (no process: the record is as a
    /// service that has just started would leave it).
    @discardableResult
    func record(in workspace: Workspace, id: String = "S0001", model: String = "M0001", state: InferenceServiceState = .ready) throws -> InferenceService {
        let service = InferenceService(id: id, modelId: model, modelVersion: 1, backend: .builtin, host: "127.0.0.1", port: port, gpus: "",
                                       maxBatch: 8, maxDelayMs: 5, state: state, message: state.rawValue, pid: nil, startTime: nil,
                                       stopRequested: false, createdAt: Date(), startedAt: Date(), finishedAt: state.hasProcess ? nil : Date())
        try workspace.store.pool.write { db in try service.insert(db) }
        try FileManager.default.createDirectory(at: workspace.inferenceServiceFolder(id), withIntermediateDirectories: true)
        return service
    }
}

/// A 3×2 PNG (red, green, blue / white, black, grey), for uploads.
let tinyPNG: Data = {
    Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFUlEQVR4nGP4z8DAAMH//4PohoYGAEfPB3vT+rJCAAAAAElFTkSuQmCC")!
}()

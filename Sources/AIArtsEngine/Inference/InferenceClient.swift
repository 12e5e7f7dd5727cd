import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Asking a ready service for predictions: a small HTTP/1.1 client over a loopback TCP socket
/// (one request per connection, `Connection: close`), so the engine needs no HTTP library.
extension Workspace {
    /// Predicts each image with service `service` (one request each, sent together so the service
    /// may batch them). An image that cannot be read or that the service refuses gets a `Prediction`
    /// with `error`; a service that is not ready, or cannot be reached, throws.
    public func predict(service id: String, images: [URL], scoreThreshold: Double? = nil,
                        timeout: Duration = .seconds(120)) async throws -> [Prediction] {
        let service = try inferenceService(id)
        guard service.state == .ready, service.port > 0 else {
            throw AIArtsError(.conflict, "\(service.id) is \(service.state.rawValue)\(service.state == .failed ? " (\(service.message))" : ""); predictions need a ready service (`aiarts infer show \(service.id)`)")
        }
        var query = ""
        if let scoreThreshold {
            guard scoreThreshold.isFinite, (0...1).contains(scoreThreshold) else {
                throw AIArtsError(.invalidArgument, "the score threshold must be between 0 and 1 (got \(scoreThreshold))")
            }
            query = "?score_threshold=\(scoreThreshold)"
        }
        let host = service.host, port = service.port, path = "/predict" + query, serviceID = service.id
        return try await withThrowingTaskGroup(of: (Int, Prediction).self) { group in
            for (n, image) in images.enumerated() {
                group.addTask {
                    guard let data = FileManager.default.contents(atPath: image.path) else {
                        return (n, Prediction(task: "", error: "cannot read \(image.path)"))
                    }
                    let answer = try await InferenceHTTP.post(host: host, port: port, path: path, body: Array(data), timeout: timeout)
                    return (n, try InferenceHTTP.prediction(answer, service: serviceID))
                }
            }
            var out = [Prediction?](repeating: nil, count: images.count)
            for try await (n, p) in group { out[n] = p }
            return out.map { $0! }
        }
    }
}

/// The client's HTTP: enough for a JSON answer from our own service on loopback.
enum InferenceHTTP {
    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    static func prediction(_ answer: Answer, service: String) throws -> Prediction {
        let decoder = JSONDecoder()
        if answer.status == 200 {
            do { return try decoder.decode(Prediction.self, from: Data(answer.body)) } catch {
                throw AIArtsError(.badInput, "\(service) answered something that is not a prediction: \(error)")
            }
        }
        struct Failure: Decodable { var error: String }
        let reason = (try? decoder.decode(Failure.self, from: Data(answer.body)))?.error
            ?? String(decoding: answer.body.prefix(200), as: UTF8.self)
        if answer.status >= 500 {
            throw AIArtsError(.io, "\(service) failed (HTTP \(answer.status)): \(reason)")
        }
        return Prediction(task: "", error: reason)
    }

    static func get(host: String, port: Int, path: String, timeout: Duration = .seconds(10)) async throws -> Answer {
        try await exchange(host: host, port: port, head: "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n", body: [], timeout: timeout)
    }

    static func post(host: String, port: Int, path: String, body: [UInt8], contentType: String = "application/octet-stream",
                     timeout: Duration) async throws -> Answer {
        let head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return try await exchange(host: host, port: port, head: head, body: body, timeout: timeout)
    }

    /// Blocking socket work, off the cooperative pool.
    static func exchange(host: String, port: Int, head: String, body: [UInt8], timeout: Duration) async throws -> Answer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingExchange(host: host, port: port, request: Array(head.utf8) + body, timeout: timeout) })
            }
        }
    }

    static func blockingExchange(host: String, port: Int, request: [UInt8], timeout: Duration) throws -> Answer {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw AIArtsError(.invalidArgument, "the service's host \(host) is not an IPv4 address")
        }
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw AIArtsError(.io, "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            throw AIArtsError(.io, "cannot reach the service at \(host):\(port): \(String(cString: strerror(errno))); is it running? (`aiarts infer list`)")
        }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw AIArtsError(.io, "the service at \(host):\(port) closed the connection while the request was sent") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                throw AIArtsError(.io, errno == EAGAIN || errno == EWOULDBLOCK
                    ? "the service at \(host):\(port) did not answer within \(seconds) s"
                    : "reading the service's answer failed: \(String(cString: strerror(errno)))")
            }
            response += buffer[0..<n]
            guard response.count < 256 << 20 else { throw AIArtsError(.badInput, "the service's answer is larger than 256 MiB") }
        }
        return try parse(response)
    }

    /// Status line, headers, then the body (by Content-Length, chunked, or to the end).
    static func parse(_ bytes: [UInt8]) throws -> Answer {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw AIArtsError(.badInput, "the service's answer is not HTTP")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = head.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { throw AIArtsError(.badInput, "the service's answer has no HTTP status") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = Array(body[0..<length])
        }
        return Answer(status: status, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = [], at = 0
        while at < bytes.count {
            guard let lineEnd = (at..<max(at, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[at..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw AIArtsError(.badInput, "the service's chunked answer is damaged")
            }
            if size == 0 { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { throw AIArtsError(.badInput, "the service's chunked answer is cut short") }
            out += bytes[start..<start + size]
            at = start + size + 2
        }
        return out
    }
}

import AIArtsEngine
import AsyncHTTPClient
import Foundation
import NIOCore

/// Fetches a URL for a `file_type=url` upload: http and https only (a redirect is followed by hand,
/// at most five, and only to http or https), streamed to a file as it arrives, refused (413) past
/// `maxBytes` whether the length was announced or not, and given up (400) after `timeout` in all.
enum DjangoURLFetch {
    static let defaultTimeout: Double = 60
    static let maxRedirects = 5

    struct Fetched: Sendable {
        var file: URL
        var name: String
        /// A zip (by its first bytes) or a tar/tar.gz by name: imported as a dataset.
        var isArchive: Bool
    }

    static func checked(_ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw APIError.badRequest("url must be an http:// or https:// URL, not \(text.prefix(200))")
        }
        return url
    }

    static func fetch(_ text: String, into folder: URL, maxBytes: Int64, timeout: Duration) async throws -> Fetched {
        let start = try checked(text)
        let seconds = Int64(timeout.components.seconds)
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(min(10, seconds)), read: .seconds(seconds)))
        configuration.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result: Result<Fetched, any Error>
        do {
            let fetched = try await withThrowingTaskGroup(of: Fetched?.self) { group in
                group.addTask { try await download(start, client: client, into: folder, maxBytes: maxBytes) }
                group.addTask { try await Task.sleep(for: timeout); return nil }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else {
                    throw APIError.badRequest("\(start.host ?? "the server") did not send the file within \(seconds) s; try a faster source or a larger timeout (at most 300)")
                }
                return first
            }
            result = .success(fetched)
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        switch result {
        case .success(let fetched): return fetched
        case .failure(let error as APIError): throw error
        case .failure(is CancellationError): throw APIError.badRequest("the fetch of \(start.absoluteString.prefix(200)) was cancelled")
        case .failure(let error):
            throw APIError.badRequest("could not fetch \(start.absoluteString.prefix(200)): \(describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout: return "no data arrived within the timeout"
            case .connectTimeout: return "could not connect within the timeout"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }

    private static func download(_ start: URL, client: HTTPClient, into folder: URL, maxBytes: Int64) async throws -> Fetched {
        var url = start
        for _ in 0...maxRedirects {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .GET
            let response = try await client.execute(request, timeout: .hours(1))
            let code = Int(response.status.code)
            if (300..<400).contains(code), let location = response.headers.first(name: "location") {
                guard let next = URL(string: location, relativeTo: url)?.absoluteURL,
                      let scheme = next.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                    throw APIError.badRequest("\(url.absoluteString.prefix(200)) redirects to \(location.prefix(200)), which is not an http or https URL; it is not followed")
                }
                url = next
                continue
            }
            guard (200..<300).contains(code) else {
                throw APIError.badRequest("\(url.absoluteString.prefix(200)) answered \(code) \(response.status.reasonPhrase)")
            }
            if let announced = response.headers.first(name: "content-length").flatMap(Int64.init), announced > maxBytes {
                throw tooLarge(maxBytes)
            }
            let name = fileName(url)
            let target = folder.appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: target.path, contents: nil), let handle = try? FileHandle(forWritingTo: target) else {
                throw APIError(.unprocessableContent, "cannot write the download under \(folder.path)")
            }
            defer { try? handle.close() }
            var total: Int64 = 0
            var head = Data()
            for try await buffer in response.body {
                total += Int64(buffer.readableBytes)
                if total > maxBytes { throw tooLarge(maxBytes) }
                let bytes = Data(buffer: buffer)
                if head.count < 4 { head.append(bytes.prefix(4 - head.count)) }
                try handle.write(contentsOf: bytes)
            }
            let zip = head.starts(with: [0x50, 0x4b, 0x03, 0x04])
            return Fetched(file: target, name: name, isArchive: zip || DjangoDataRoutes.isArchive(name))
        }
        throw APIError.badRequest("\(start.absoluteString.prefix(200)) redirects more than \(maxRedirects) times")
    }

    static func tooLarge(_ maxBytes: Int64) -> APIError {
        APIError(.contentTooLarge, "the file at that URL is larger than \(maxBytes) bytes, the server's upload limit (aiarts serve --max-upload)")
    }

    /// The URL path's last component as a file name ("download" when it has none that is usable).
    static func fileName(_ url: URL) -> String {
        let last = url.lastPathComponent.removingPercentEncoding ?? url.lastPathComponent
        let cleaned = String(last.filter { $0 != "/" && $0 != "\\" && !$0.isNewline }.prefix(200))
        if cleaned.isEmpty || cleaned == "/" || cleaned.hasPrefix(".") { return "download" }
        return cleaned
    }
}

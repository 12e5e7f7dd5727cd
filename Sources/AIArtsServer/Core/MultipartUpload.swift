import AIArtsEngine
import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A multipart/form-data body, received as it streams: file parts go straight to files under the
/// server's upload folder (never whole in memory), text fields are kept (64 KiB each at most). The
/// whole upload is held to `ServerLimits.maxUploadBytes`. The caller moves the files it keeps;
/// `discard()` removes the rest (docs/api.md, "Uploads").
public struct MultipartForm: Sendable {
    public struct File: Sendable {
        /// The form field's name.
        public var field: String
        /// The client's file name, reduced to its last path component (never a path).
        public var filename: String
        public var url: URL
        public var size: Int64
    }

    public var fields: [String: String] = [:]
    public var files: [File] = []
    /// The folder the files were written to; removed by `discard()`.
    public var folder: URL

    public func file(_ field: String) -> File? { files.first { $0.field == field } }

    public func discard() { try? FileManager.default.removeItem(at: folder) }
}

extension Request {
    public func multipartForm(_ environment: ServerEnvironment) async throws -> MultipartForm {
        guard let type = headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = Self.boundary(in: type) else {
            throw APIError.badRequest("send the file as multipart/form-data (curl -F 'file=@PATH')")
        }
        let folder = environment.uploadFolder.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let receiver = MultipartReceiver(folder: folder)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in receiver.header(name, value) }
        parser.onBody = { buffer in receiver.body(&buffer) }
        parser.onPartComplete = { receiver.partComplete() }
        var guardState = MultipartGuard(boundary: boundary)
        var total: Int64 = 0
        let limit = environment.limits.maxUploadBytes
        do {
            for try await chunk in body {
                total += Int64(chunk.readableBytes)
                if total > limit {
                    throw APIError(.contentTooLarge, "the upload is larger than \(limit) bytes, the server's limit (aiarts serve --max-upload)")
                }
                try guardState.check(chunk)
                do { try parser.execute(chunk) } catch {
                    throw APIError.badRequest("the multipart body is malformed: \(error)")
                }
                if let failure = receiver.failure { throw failure }
            }
            try receiver.finish()
        } catch {
            receiver.close()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        return MultipartForm(fields: receiver.fields, files: receiver.files, folder: folder)
    }

    static func boundary(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            if pair.lowercased().hasPrefix("boundary=") {
                var value = String(pair.dropFirst("boundary=".count))
                if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }
}

/// The parser's callbacks: one part at a time, written to a file or kept as a field.
final class MultipartReceiver: @unchecked Sendable {
    let folder: URL
    var fields: [String: String] = [:]
    var files: [MultipartForm.File] = []
    var failure: APIError?
    private var headers: [String: String] = [:]
    private var handle: FileHandle?
    private var current: MultipartForm.File?
    private var text = Data()
    static let maxField = 64 << 10, maxParts = 1000

    init(folder: URL) { self.folder = folder }

    func header(_ name: String, _ value: String) {
        headers[name.lowercased()] = value
    }

    func body(_ buffer: inout ByteBuffer) {
        guard failure == nil else { return }
        if current == nil && handle == nil && text.isEmpty { startPart() }
        guard failure == nil else { return }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if let handle {
            handle.write(Data(bytes))
            current?.size += Int64(bytes.count)
        } else {
            text.append(contentsOf: bytes)
            if text.count > Self.maxField { failure = .badRequest("a form field is longer than \(Self.maxField) bytes; send files as file parts") }
        }
    }

    func partComplete() {
        if current == nil && handle == nil && text.isEmpty { startPart() }
        if let file = current {
            try? handle?.close()
            files.append(file)
        } else if let name = fieldName {
            fields[name] = String(decoding: text, as: UTF8.self)
        }
        handle = nil; current = nil; text = Data(); headers = [:]
    }

    func finish() throws {
        if let failure { throw failure }
    }

    func close() { try? handle?.close() }

    private var disposition: [String: String] {
        guard let value = headers["content-disposition"] else { return [:] }
        var result: [String: String] = [:]
        for item in value.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var v = pair[1].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            result[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = v
        }
        return result
    }

    private var fieldName: String? { disposition["name"] }

    private func startPart() {
        guard files.count + fields.count < Self.maxParts else { failure = .badRequest("more than \(Self.maxParts) parts in one form"); return }
        guard let filename = disposition["filename"] else { return }
        // A client's file name is only ever a name: its last component, never `..` or empty.
        let last = filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let safe = (last.isEmpty || last == "." || last == "..") ? "upload" : last
        let url = folder.appendingPathComponent("\(files.count)-\(safe)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = try? FileHandle(forWritingTo: url) else {
            failure = APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), "cannot write the upload under \(folder.path)")
            return
        }
        self.handle = handle
        current = MultipartForm.File(field: fieldName ?? "file", filename: safe, url: url, size: 0)
    }
}

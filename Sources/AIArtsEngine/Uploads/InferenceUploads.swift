import AIArtsImaging
import Foundation

/// An image uploaded to an inference service to be recognised later (the AIArts dialect's
/// `inferences/{id}/upload_image`, docs/api.md): kept in the service's folder, `uploads/<id>.<ext>`
/// beside `uploads/<id>.json` (this record), until the service is removed. The record is written
/// last, so an upload cut short is never found; the oldest go once a service holds `maxUploads`.
public struct InferenceUpload: Codable, Equatable, Sendable {
    /// `u` and 16 hex digits, handed out at random (never a path).
    public var id: String
    public var service: String
    /// The client's file name (its last component, without control characters), for display only.
    public var fileName: String
    public var format: String
    public var size: Int64
    public var width: Int
    public var height: Int
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, service, format, size, width, height
        case fileName = "file_name", createdAt = "created_at"
    }

    /// The stored image's name inside `uploads/`.
    var storedName: String { "\(id).\(format == "jpeg" ? "jpg" : format)" }

    /// `text` without control characters (C0, DEL, C1: no escape sequence survives), cut to `limit`.
    static func printable(_ text: String, _ limit: Int) -> String {
        String(String(text.unicodeScalars.filter { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }).prefix(limit))
    }

    /// Whether `text` has the shape of an upload id (checked before any file is looked at).
    public static func isID(_ text: String) -> Bool {
        text.count == 17 && text.first == "u" && text.dropFirst().allSatisfy { $0.isASCII && $0.isHexDigit && !$0.isUppercase }
    }
}

public enum InferenceUploads {
    /// Larger images are refused (the server's upload limit may be higher).
    public static let maxBytes: Int64 = 32 << 20
    /// Per service; storing one more removes the oldest.
    public static let maxUploads = 200
}

extension Workspace {
    func inferenceUploadsFolder(_ service: String) -> URL {
        inferenceServiceFolder(service).appendingPathComponent("uploads")
    }

    /// Keeps `file` (moved, not copied) as an upload of `service`, after checking that it is a JPEG,
    /// PNG or WebP image within the size limits; the service must exist (any state).
    public func storeInferenceImage(service: String, from file: URL, fileName: String) throws -> InferenceUpload {
        _ = try inferenceService(service)
        let size = ((try? FileManager.default.attributesOfItem(atPath: file.path)[.size]) as? NSNumber)?.int64Value ?? 0
        guard size > 0 else { throw AIArtsError(.invalidArgument, "the image is empty; send a JPEG, PNG or WebP file") }
        guard size <= InferenceUploads.maxBytes else {
            throw AIArtsError(.invalidArgument, "the image is \(size >> 20) MiB; images up to \(InferenceUploads.maxBytes >> 20) MiB are taken")
        }
        let info: ImageInfo
        do { info = try ImageCodec.info(contentsOf: file.path) } catch {
            throw AIArtsError(.badInput, "\(InferenceUpload.printable(fileName, 80)) is not a readable JPEG, PNG or WebP image (\(error))")
        }
        let folder = inferenceUploadsFolder(service)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let id = "u" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let name = InferenceUpload.printable((fileName as NSString).lastPathComponent, 200)
        let upload = InferenceUpload(id: id, service: service, fileName: name, format: info.format.rawValue, size: size,
                                     width: info.width, height: info.height, createdAt: Date())
        let stored = folder.appendingPathComponent(upload.storedName)
        do {
            try FileManager.default.moveItem(at: file, to: stored)
        } catch {
            throw AIArtsError(.io, "could not keep the image in \(folder.path): \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(upload).write(to: folder.appendingPathComponent("\(id).json"), options: .atomic)
        } catch {
            try? FileManager.default.removeItem(at: stored)
            throw AIArtsError(.io, "could not record the image in \(folder.path): \(error.localizedDescription)")
        }
        pruneInferenceUploads(folder)
        return upload
    }

    /// An upload of `service` and its file; not found when the id is malformed, unknown or gone.
    public func inferenceImage(service: String, id: String) throws -> (upload: InferenceUpload, file: URL) {
        _ = try inferenceService(service)
        guard InferenceUpload.isID(id) else {
            throw AIArtsError(.notFound, "no image \(InferenceUpload.printable(id, 40)) in \(service); image ids look like u0123456789abcdef")
        }
        let folder = inferenceUploadsFolder(service)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("\(id).json")),
              let upload = try? decoder.decode(InferenceUpload.self, from: data), upload.id == id,
              FileManager.default.fileExists(atPath: folder.appendingPathComponent(upload.storedName).path) else {
            throw AIArtsError(.notFound, "no image \(id) in \(service): upload it first (upload_image); the oldest go after \(InferenceUploads.maxUploads)")
        }
        return (upload, folder.appendingPathComponent(upload.storedName))
    }

    /// Removes the oldest uploads beyond `InferenceUploads.maxUploads` (by the records' times).
    private func pruneInferenceUploads(_ folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let records = names.filter { $0.hasSuffix(".json") }
        guard records.count > InferenceUploads.maxUploads else { return }
        let dated = records.map { name -> (String, Date) in
            let date = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.modificationDate] as? Date) ?? .distantPast
            return (String(name.dropLast(5)), date)
        }.sorted { $0.1 < $1.1 }
        for (id, _) in dated.prefix(records.count - InferenceUploads.maxUploads) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(id).json"))
            for name in names where name.hasPrefix(id + ".") { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        }
    }
}

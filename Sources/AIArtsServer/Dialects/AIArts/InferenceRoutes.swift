import AIArtsEngine
import Foundation
import Hummingbird

/// `/ai_arts/api/inferences`: the workspace's inference services (docs/inference.md) — list, detail,
/// create, delete, and an image uploaded to a service then recognised by it (docs/api.md, "Inferences").
enum AIArtsInferenceRoutes {
    static let code = AIArtsDetail.unknownInference

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get { _, context in
            _ = try context.require(.read)
            return try await AIArtsOut.cachedList(environment, key: "inferences") {
                let items = try await environment.engine { workspace in try workspace.inferenceServices().map { InferenceItem($0, workspace) } }
                return InferenceList(items: items, total: items.count)
            }
        }

        group.get("{id}") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "S", code: code, what: "inference service")
            return try AIArtsOut.ok(encoding: try await environment.engine(notFound: code) { workspace in
                InferenceItem(try workspace.inferenceService(id), workspace)
            })
        }

        // JSON: {"model_id": "M0001", "version"?: "v2", "port"?: 0, "gpus"?: "0,1", "max_batch"?: 8, "max_delay_ms"?: 5}
        group.post { request, context in
            _ = try context.require(.train)
            let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
            let modelID = try body.string("model_id")
            let version = try body.optionalString("version").flatMap { $0.isEmpty ? nil : $0 }
            let model = version.map { "\(modelID):\($0.lowercased().hasPrefix("v") ? $0 : "v" + $0)" } ?? modelID
            let spec = try InferenceRequest(body, model: model).spec
            let created = try await environment.engine(notFound: AIArtsDetail.unknownModel) { workspace in
                InferenceItem(try workspace.createInferenceService(spec), workspace)
            }
            return try AIArtsOut.ok(encoding: created, status: .created)
        }

        // ?force=1 is not needed: a running service is stopped first, then removed with its folder.
        group.delete("{id}") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "S", code: code, what: "inference service")
            try await environment.engine(notFound: code) { try $0.removeInferenceService(id, force: true) }
            return AIArtsOut.ok(["id": id, "deleted": true])
        }

        // multipart: file (a JPEG, PNG or WebP image). The image is kept in the service's folder.
        group.post("{id}/upload_image") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "S", code: code, what: "inference service")
            try checkImageLength(request)
            let form = try await request.multipartForm(environment)
            defer { form.discard() }
            guard let file = form.file("file") ?? form.file("image") ?? form.files.first else {
                throw APIError.badRequest("send the image as a file part named file (curl -F 'file=@cat.jpg')", code: AIArtsDetail.missingFile)
            }
            let upload = try await environment.engine(notFound: code) { workspace in
                try workspace.storeInferenceImage(service: id, from: file.url, fileName: file.filename)
            }
            return try AIArtsOut.ok(encoding: upload, status: .created)
        }

        // JSON: {"image_id": "u…", "score_threshold"?: 0.3}, or multipart with the image itself (file)
        // and score_threshold as a field. ?score_threshold= works with either.
        group.post("{id}/recognition") { request, context in
            _ = try context.require(.train)
            let id = try request.aiartsID(context, "S", code: code, what: "inference service")
            let input = try await recognitionInput(request, id: id, environment: environment)
            defer { input.discard() }
            let service = try await environment.engine(notFound: code) { try $0.inferenceService(id) }
            let predictions = try await environment.workspace.predict(service: service.id, images: [input.file], scoreThreshold: input.threshold)
            guard let prediction = predictions.first else {
                throw APIError(.unprocessableContent, "\(id) answered with no prediction; see `aiarts infer logs \(id)`")
            }
            if let error = prediction.error {
                throw APIError(.unprocessableContent, "\(service.id) could not recognise the image: \(error)")
            }
            return try AIArtsOut.ok(encoding: Recognition(id: service.id, imageId: input.imageID, modelId: service.modelId,
                                                          modelVersion: "v\(service.modelVersion)", result: prediction))
        }
    }

    /// The image a recognition names: an upload's id in a JSON body, or the image sent in a multipart body.
    struct RecognitionInput {
        var imageID: String?
        var file: URL
        var threshold: Double?
        var discard: () -> Void
    }

    static func recognitionInput(_ request: Request, id: String, environment: ServerEnvironment) async throws -> RecognitionInput {
        let query: [String: Any] = request.queryParameters
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            try checkImageLength(request)
            let form = try await request.multipartForm(environment)
            guard let file = form.file("file") ?? form.file("image") ?? form.files.first else {
                form.discard()
                throw APIError.badRequest("send the image as a file part named file, or JSON {\"image_id\"} of an uploaded one", code: AIArtsDetail.missingFile)
            }
            let fields: [String: Any] = form.fields
            do {
                return RecognitionInput(imageID: nil, file: file.url, threshold: try threshold(fields) ?? threshold(query), discard: { form.discard() })
            } catch {
                form.discard()
                throw error
            }
        }
        let body = try await request.jsonObject(limit: environment.limits.maxBodyBytes)
        let imageID = try body.string("image_id")
        let limit = try threshold(body) ?? threshold(query)
        let found = try await environment.engine(notFound: AIArtsDetail.unknownImage) { try $0.inferenceImage(service: id, id: imageID) }
        return RecognitionInput(imageID: imageID, file: found.file, threshold: limit, discard: {})
    }

    /// A body announced larger than an image may be is refused before it is read (the engine checks
    /// the image itself again once it is on disk, whatever the body said).
    static func checkImageLength(_ request: Request) throws {
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > InferenceUploads.maxBytes + (1 << 20) {
            throw APIError(.contentTooLarge, "the image is larger than \(InferenceUploads.maxBytes >> 20) MiB; send a smaller JPEG, PNG or WebP")
        }
    }

    static func threshold(_ fields: [String: Any]) throws -> Double? {
        guard fields["score_threshold"] != nil, !(fields["score_threshold"] is NSNull) else { return nil }
        let value = try fields.double("score_threshold")
        guard (0...1).contains(value) else { throw APIError.badRequest("score_threshold must be between 0 and 1") }
        return value
    }

    struct InferenceList: Encodable, Sendable {
        var items: [InferenceItem]
        var total: Int
    }

    /// What a recognition answers: the service, the image, and the prediction as the service gave it.
    struct Recognition: Encodable, Sendable {
        var id: String
        var imageId: String?
        var modelId: String
        var modelVersion: String
        var result: Prediction

        enum CodingKeys: String, CodingKey {
            case id, result
            case imageId = "image_id", modelId = "model_id", modelVersion = "model_version"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(imageId, forKey: .imageId)
            try c.encode(modelId, forKey: .modelId)
            try c.encode(modelVersion, forKey: .modelVersion)
            try c.encode(result, forKey: .result)
        }
    }
}

import AIArtsEngine
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The process behind an inference service (`aiarts infer run S0001`, launched detached by
/// `createInferenceService`): loads the model once, warms it up, binds its port, records `ready`,
/// and answers `GET /health` and `POST /predict` until SIGTERM, after which the requests in flight
/// are still answered (docs/inference.md).
public enum InferenceServiceRunner {
    public static func run(workspace: Workspace, id: String) async throws {
        let service = try workspace.claimInferenceService(id)
        let logger = Logger(label: "aiarts.infer.\(service.id)")
        let backend: any ServingBackend
        let model: InferenceModel
        do {
            model = try workspace.inferenceModel(service.modelReference, backend: service.backend)
            backend = try load(model, service: service, workspace: workspace)
            // One prediction before ready: the first request does not pay for lazy initialisation.
            let size = backend.info.imageSize ?? 64
            let warm = PreparedImage(tensor: [Float](repeating: 0, count: 3 * size * size), shape: [3, size, size], width: size, height: size)
            let clock = ContinuousClock(), started = clock.now
            _ = try await backend.run([warm])
            say("\(service.id): \(model.modelId):v\(model.version) loaded (\(model.backend.rawValue), \(backend.info.task), \(backend.info.device)); warm-up took \(started.duration(to: clock.now))")
        } catch {
            let reason = ((error as? AIArtsError)?.message ?? "\(error)").split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("\(Workspace.serviceErrorPrefix)\(reason)\n".utf8))
            try? workspace.markInferenceServiceFailed(service.id, message: reason)
            throw AIArtsError(.badInput, reason)
        }
        let handler = PredictHandler(service: service, model: model, backend: backend)
        let statsTask = Task { await handler.writeStats(workspace: workspace) }
        let router = Router()
        handler.register(on: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(service.host, port: service.port), serverName: "aiarts-infer"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? service.port
                if (try? workspace.markInferenceServiceReady(service.id, port: port)) == true {
                    say("\(service.id): ready at http://\(service.host):\(port)")
                }
                try? workspace.writeInferenceServiceStats(service.id, handler.stats())
            },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            let reason = "\(error)".contains("Address already in use")
                ? "port \(service.port) on \(service.host) is in use: choose another with --port, or 0 for a free one"
                : "the HTTP server stopped: \(error)"
            FileHandle.standardError.write(Data("\(Workspace.serviceErrorPrefix)\(reason)\n".utf8))
            try? workspace.markInferenceServiceFailed(service.id, message: reason)
            statsTask.cancel()
            await backend.shutdown()
            throw error
        }
        statsTask.cancel()
        await handler.batcher.close()
        try? workspace.writeInferenceServiceStats(service.id, handler.stats())
        await backend.shutdown()
        try? workspace.markInferenceServiceStopped(service.id)
        say("\(service.id): stopped")
    }

    /// A line in service.log (stderr: unbuffered, unlike stdout to a file).
    static func say(_ text: String) {
        FileHandle.standardError.write(Data("\(ISO8601DateFormatter().string(from: Date())) \(text)\n".utf8))
    }

    static func load(_ model: InferenceModel, service: InferenceService, workspace: Workspace) throws -> any ServingBackend {
        switch model.backend {
        case .builtin:
            return try BuiltinBackend(model: model, maxBatch: service.maxBatch)
        case .onnx, .torchscript:
            let script = try workspace.writeInferenceWorkerScript(service.id)
            return try PythonWorkerBackend(model: model, python: workspace.inferenceServicePython().path, script: script,
                                           device: service.gpuList.isEmpty ? "cpu" : "cuda", maxBatch: service.maxBatch)
        }
    }
}

/// /health and /predict over one loaded model.
final class PredictHandler: Sendable {
    let service: InferenceService
    let model: InferenceModel
    let backend: any ServingBackend
    let batcher: InferenceBatcher<PreparedImage, [WorkerProtocol.Tensor]>
    let statistics = ServiceStats()
    let mean: [Float]
    let std: [Float]

    init(service: InferenceService, model: InferenceModel, backend: any ServingBackend) {
        self.service = service
        self.model = model
        self.backend = backend
        let batching = backend.info.batching
        batcher = InferenceBatcher(maxBatch: batching ? service.maxBatch : 1,
                                   maxDelay: batching ? .milliseconds(service.maxDelayMs) : .zero) { batch in
            do {
                let outputs = try await backend.run(batch)
                return outputs.map { .success($0) }
            } catch {
                return batch.map { _ in .failure(error) }
            }
        }
        if let builtin = backend as? BuiltinBackend {
            mean = builtin.mean
            std = builtin.std
        } else {
            mean = model.mean
            std = model.std
        }
    }

    var health: InferenceHealth {
        let info = backend.info
        return InferenceHealth(status: "ready", service: service.id, model: model.modelId, version: "v\(model.version)",
                               backend: model.backend, task: info.task, labels: info.labels,
                               maxBatch: info.batching ? service.maxBatch : 1, maxDelayMs: info.batching ? service.maxDelayMs : 0,
                               batching: info.batching, batchingNote: info.batchingNote, device: info.device)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in try Self.json(self.health) }
        router.post("/predict") { request, context in try await self.predict(request, context: context) }
    }

    func predict(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let clock = ContinuousClock(), started = clock.now
        var failed = true
        defer { statistics.record(latencyMs: Self.milliseconds(started.duration(to: clock.now)), failed: failed) }
        do {
            var threshold = Postprocess.defaultScoreThreshold
            if let text = request.uri.queryParameters.get("score_threshold") {
                guard let value = Double(text), value.isFinite, (0...1).contains(value) else {
                    throw ServiceRequestError("score_threshold must be a number between 0 and 1 (got \(text))")
                }
                threshold = value
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: ImagePreparation.maxBytes) } catch {
                return Self.failure(.contentTooLarge, "the image is larger than \(ImagePreparation.maxBytes >> 20) MiB")
            }
            let bytes = try Self.imageBytes(Array(buffer: body), contentType: request.headers[.contentType])
            let image = try ImagePreparation.prepare(bytes, size: backend.info.imageSize, mean: mean, std: std)
            let outputs = try await batcher.submit(image)
            var prediction = try Postprocess.prediction(outputs, info: backend.info, image: image, scoreThreshold: threshold)
            prediction.latencyMs = Self.milliseconds(started.duration(to: clock.now))
            failed = false
            return try Self.json(prediction)
        } catch let error as ServiceRequestError {
            return Self.failure(.badRequest, error.description)
        } catch is CancellationError {
            return Self.failure(.serviceUnavailable, "the service is stopping")
        } catch {
            return Self.failure(.internalServerError, "the model failed on this image: \(error)")
        }
    }

    /// The image: the whole body, or the `image` field of a multipart/form-data body.
    static func imageBytes(_ body: [UInt8], contentType: String?) throws -> [UInt8] {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return body }
        guard let boundary = contentType.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"")), !boundary.isEmpty else {
            throw ServiceRequestError("a multipart body needs a boundary in its Content-Type")
        }
        return try MultipartImage.field("image", in: body, boundary: boundary)
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        (try? json(["error": message], status: status)) ?? Response(status: status)
    }

    func stats() -> InferenceStats {
        let sizes = batchSizesSnapshot.get()
        return statistics.snapshot(batchSizes: sizes, gpuMemoryMiB: (backend as? PythonWorkerBackend)?.gpuMemoryMiB).0
    }

    private let batchSizesSnapshot = LockedSizes()

    /// Rewrites stats.json about once a second while requests come.
    func writeStats(workspace: Workspace) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            batchSizesSnapshot.set(await batcher.batchSizes)
            let (stats, changed) = statistics.snapshot(batchSizes: batchSizesSnapshot.get(),
                                                       gpuMemoryMiB: (backend as? PythonWorkerBackend)?.gpuMemoryMiB, resetChanged: true)
            if changed { try? workspace.writeInferenceServiceStats(service.id, stats) }
        }
    }
}

/// The batch sizes last read from the batcher (an actor), for synchronous readers.
final class LockedSizes: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [Int: Int] = [:]
    func get() -> [Int: Int] { lock.withLock { value } }
    func set(_ new: [Int: Int]) { lock.withLock { value = new } }
}

/// One field of a multipart/form-data body, held in memory (an image of at most 64 MiB).
enum MultipartImage {
    static func field(_ name: String, in body: [UInt8], boundary: String) throws -> [UInt8] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Range<Int>] = []
        var at = 0, start: Int?
        while let found = find(delimiter, in: body, from: at) {
            if let s = start { parts.append(s..<found) }
            start = found + delimiter.count
            at = found + delimiter.count
        }
        for part in parts {
            let bytes = body[part]
            guard let headEnd = find([13, 10, 13, 10], in: Array(bytes), from: 0) else { continue }
            let head = String(decoding: bytes.prefix(headEnd), as: UTF8.self).lowercased()
            guard head.contains("name=\"\(name)\"") else { continue }
            var content = Array(bytes.dropFirst(headEnd + 4))
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            return content
        }
        throw ServiceRequestError("the multipart body has no field `\(name)`; send the image as `image`")
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

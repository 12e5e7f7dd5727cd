import AIArtsEngine
import Foundation

/// ONNX (onnxruntime) and TorchScript (torch) models, run by `aiarts_infer_worker.py`, a child of
/// the service speaking `WorkerProtocol` over its stdin and stdout. Its stderr goes to service.log.
/// It ignores SIGTERM and ends when its stdin closes, so a stopping service still finishes the
/// batches in flight.
public final class PythonWorkerBackend: ServingBackend, @unchecked Sendable {
    public let info: ServingModelInfo
    private let process: Process
    private let toWorker: FileHandle
    private let fromWorker: FileHandle
    /// All exchanges with the worker, one at a time, off the cooperative pool (reads block).
    private let queue = DispatchQueue(label: "aiarts.infer.worker")
    private let lock = NSLock()
    private var lastGPUMemory: Int?

    public var gpuMemoryMiB: Int? { lock.withLock { lastGPUMemory } }

    /// Starts the worker and waits for its hello (the model loaded).
    public init(model: InferenceModel, python: String, script: URL, device: String, maxBatch: Int) throws {
        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = []
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python]
        }
        process.arguments! += ["-u", script.path, "--backend", model.backend.rawValue, "--model", model.file.path,
                               "--task", model.task, "--device", device]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw AIArtsError(.notFound, "cannot run \(python): \(error.localizedDescription); set AIARTS_PYTHON or `aiarts workspace python PATH`")
        }
        self.process = process
        toWorker = input.fileHandleForWriting
        fromWorker = output.fileHandleForReading
        let hello: [String: Any]
        do {
            hello = try WorkerProtocol.readFrame(Self.reader(fromWorker)).header
        } catch WorkerError.closed {
            process.waitUntilExit()
            throw AIArtsError(.io, "the Python worker (\(python)) exited with status \(process.terminationStatus) before loading the model; see `aiarts infer logs`")
        }
        guard hello["ok"] as? Bool == true else {
            process.waitUntilExit()
            throw AIArtsError(.badInput, (hello["error"] as? String) ?? "the Python worker could not load \(model.file.lastPathComponent)")
        }
        let batchMode = hello["batch"] as? String ?? "fixed"
        let inputShape = ((hello["inputs"] as? [[String: Any]])?.first?["shape"] as? [Any]) ?? []
        var size = model.imageSize
        if size == nil, model.task != "detection", inputShape.count == 4, let h = inputShape[2] as? Int, let w = inputShape[3] as? Int, h == w, h > 0 {
            size = h
        }
        if size == nil, model.task != "detection" {
            process.terminate()
            throw AIArtsError(.badInput, "\(model.file.lastPathComponent) does not say its input size and no export.json beside it does; export it with `aiarts task export`")
        }
        let note: String? = switch batchMode {
        case "dynamic": nil
        case "list": "a detection model takes a list of images: one image per call"
        default: "the model's batch axis is fixed at 1: one image per call"
        }
        let labels = model.labels.isEmpty ? (hello["classes"] as? Int).map { (0..<$0).map(String.init) } ?? [] : model.labels
        info = ServingModelInfo(task: model.task, labels: labels, batching: batchMode == "dynamic" && maxBatch > 1, batchingNote: note,
                                device: (hello["device"] as? String) ?? device, imageSize: size)
    }

    static func reader(_ handle: FileHandle) -> (Int) throws -> [UInt8] {
        { count in
            var out: [UInt8] = []
            out.reserveCapacity(count)
            while out.count < count {
                guard let chunk = try handle.read(upToCount: count - out.count), !chunk.isEmpty else { break }
                out += chunk
            }
            return out
        }
    }

    public func run(_ batch: [PreparedImage]) async throws -> [[WorkerProtocol.Tensor]] {
        guard let first = batch.first else { return [] }
        let shape = [batch.count] + first.shape
        let request = try WorkerProtocol.runRequest(shape: shape, values: batch.flatMap(\.tensor))
        let (header, data) = try await withCheckedThrowingContinuation { (c: CheckedContinuation<([String: Any], [UInt8]), any Error>) in
            queue.async { [self] in
                c.resume(with: Result {
                    do { try toWorker.write(contentsOf: request) } catch { throw WorkerError.closed }
                    let frame = try WorkerProtocol.readFrame(Self.reader(fromWorker))
                    return (frame.header, frame.data)
                })
            }
        }
        if let memory = header["gpu_memory_mib"] as? Int { lock.withLock { lastGPUMemory = memory } }
        let outputs = try WorkerProtocol.outputs(header: header, data: data)
        // Every output carries the batch axis first: split it per image.
        return try (0..<batch.count).map { i in
            try outputs.map { t in
                guard t.shape.first == batch.count else {
                    throw WorkerError.malformed("output \(t.name) of shape \(t.shape) for a batch of \(batch.count)")
                }
                let per = t.values.count / max(1, batch.count)
                return WorkerProtocol.Tensor(name: t.name, shape: Array(t.shape.dropFirst()), values: Array(t.values[(i * per)..<((i + 1) * per)]))
            }
        }
    }

    public func shutdown() async {
        try? toWorker.close()
        let process = self.process
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(5)
                while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
                if process.isRunning { process.terminate() }
                c.resume()
            }
        }
    }
}

import AIArtsEngine
import AIArtsTrain
import Foundation

/// The built-in trainer's model (model.bin), run natively: no Python. Classification only.
public final class BuiltinBackend: ServingBackend, @unchecked Sendable {
    public let info: ServingModelInfo
    public let mean: [Float]
    public let std: [Float]
    private let predictor: Predictor
    /// One batch at a time (the batcher's guarantee), so the engine's scratch buffers are never shared.
    private let engine: BatchEngine

    public init(model: InferenceModel, maxBatch: Int) throws {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(from: model.file) } catch {
            throw AIArtsError(.badInput, "cannot load \(model.file.path): \(error)")
        }
        predictor = Predictor(checkpoint: checkpoint)
        engine = BatchEngine(network: checkpoint.network, workers: min(BatchEngine.defaultWorkers, max(1, maxBatch)))
        let n = checkpoint.normalization
        mean = [n.mean, n.mean, n.mean]
        std = [n.std, n.std, n.std]
        info = ServingModelInfo(task: "classification", labels: checkpoint.labels, batching: true, batchingNote: nil,
                                device: "cpu (built-in, \(engine.workers) threads)", imageSize: checkpoint.network.spec.imageSize)
    }

    public func run(_ batch: [PreparedImage]) async throws -> [[WorkerProtocol.Tensor]] {
        let classes = predictor.checkpoint.network.spec.classes
        // The forward pass blocks its threads (concurrentPerform): off the cooperative pool.
        let probabilities = await withCheckedContinuation { (c: CheckedContinuation<[Float], Never>) in
            DispatchQueue.global().async { [self] in
                c.resume(returning: predictor.probabilities(batch.flatMap(\.tensor), count: batch.count, engine: engine))
            }
        }
        return (0..<batch.count).map { i in
            [WorkerProtocol.Tensor(name: "probabilities", shape: [classes], values: Array(probabilities[(i * classes)..<((i + 1) * classes)]))]
        }
    }

    public func shutdown() async {}
}

import Foundation

/// Spreads the samples of a batch over worker threads (DispatchQueue.concurrentPerform, one
/// iteration per worker). Each worker owns its scratch buffers and its own gradient vector, and
/// the vectors are summed in worker order afterwards, so a run is reproducible for a given
/// worker count (floating-point sums depend on their order) and nothing is shared while running.
public final class BatchEngine: @unchecked Sendable {
    public let workers: Int
    let parameterCount: Int
    private let scratches: [Scratch]
    /// workers × parameterCount floats.
    private let workerGradients: FloatOut
    private let workerLosses: UnsafeMutablePointer<Double>

    public init(network: Network, workers: Int) {
        self.workers = max(1, workers)
        parameterCount = network.parameterCount
        scratches = (0..<self.workers).map { _ in Scratch(network) }
        workerGradients = .allocate(capacity: self.workers * max(1, parameterCount))
        workerGradients.initialize(repeating: 0, count: self.workers * max(1, parameterCount))
        workerLosses = .allocate(capacity: self.workers)
        workerLosses.initialize(repeating: 0, count: self.workers)
    }

    deinit {
        workerGradients.deallocate()
        workerLosses.deallocate()
    }

    /// The cores to use: all the machine offers (the trainer is meant to have the box to itself).
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Samples `lo..<hi` of `count` for worker `w`: contiguous, near-equal chunks.
    private func chunk(_ w: Int, of count: Int, workers: Int) -> Range<Int> {
        (w * count / workers)..<((w + 1) * count / workers)
    }

    /// Summed (not averaged) loss and parameter gradients of `count` samples laid out back to
    /// back in `inputs`. `grads` is overwritten.
    func gradients(network: Network, inputs: UnsafeBufferPointer<Float>, labels: [Int], into grads: inout [Float]) -> Double {
        let count = labels.count, n = network.spec.inputCount, p = parameterCount
        precondition(inputs.count >= count * n && grads.count == p, "batch buffers do not match the network")
        let used = min(workers, max(1, count))
        network.parameters.withUnsafeBufferPointer { params in
            let shared = Shared(gradients: workerGradients, losses: workerLosses, inputs: inputs.baseAddress!, params: params.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: used) { w in
                let g = shared.gradients + w * p
                g.update(repeating: 0, count: p)
                var loss: Double = 0
                for s in chunk(w, of: count, workers: used) {
                    loss += Double(network.accumulateGradient(shared.inputs + s * n, label: labels[s], params: shared.params,
                                                              grads: g, scratch: scratches[w]))
                }
                shared.losses[w] = loss
            }
        }
        var total: Double = 0
        grads.withUnsafeMutableBufferPointer { out in
            out.update(repeating: 0)
            for w in 0..<used {
                let g = workerGradients + w * p
                for i in 0..<p { out[i] += g[i] }
                total += workerLosses[w]
            }
        }
        return total
    }

    /// Class probabilities of `count` samples: [count][classes].
    func probabilities(network: Network, inputs: UnsafeBufferPointer<Float>, count: Int) -> [Float] {
        let n = network.spec.inputCount, classes = network.spec.classes
        precondition(inputs.count >= count * n, "input buffer smaller than the batch")
        guard count > 0 else { return [] }
        var result = [Float](repeating: 0, count: count * classes)
        let used = min(workers, count)
        result.withUnsafeMutableBufferPointer { out in
            network.parameters.withUnsafeBufferPointer { params in
                let shared = Shared(gradients: out.baseAddress!, losses: workerLosses, inputs: inputs.baseAddress!, params: params.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: used) { w in
                    for s in chunk(w, of: count, workers: used) {
                        network.forward(shared.inputs + s * n, params: shared.params, scratch: scratches[w])
                        (shared.gradients + s * classes).update(from: scratches[w].probabilities, count: classes)
                    }
                }
            }
        }
        return result
    }

    /// Raw pointers handed to the workers; each writes only its own slice.
    private struct Shared: @unchecked Sendable {
        var gradients: FloatOut
        var losses: UnsafeMutablePointer<Double>
        var inputs: FloatIn
        var params: FloatIn
    }
}

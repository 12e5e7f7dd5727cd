import Foundation

extension Predictor {
    /// Class probabilities of `count` prepared tensors (`Preprocess.load`'s output, back to back):
    /// `count` × classes floats. For callers that decode images themselves (an inference service
    /// batching requests); `engine` is reused across calls.
    public func probabilities(_ inputs: [Float], count: Int, engine: BatchEngine) -> [Float] {
        precondition(inputs.count == count * checkpoint.network.spec.inputCount, "inputs do not hold \(count) tensors")
        return inputs.withUnsafeBufferPointer { engine.probabilities(network: checkpoint.network, inputs: $0, count: count) }
    }
}

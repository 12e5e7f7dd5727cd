import Foundation
import Testing
import AIArtsImaging
@testable import AIArtsTrain

/// The backward pass is checked against central finite differences of the loss, parameter by
/// parameter, on networks small enough to check every parameter.
struct GradientCheckTests {
    /// Analytic gradient of one sample's loss and the numeric estimate, for every parameter.
    func check(_ spec: NetworkSpec, seed: UInt64, label: Int) throws {
        let network = try Network(spec: spec, seed: seed)
        var rng = SeededRandom(seed: seed + 100)
        let input = (0..<spec.inputCount).map { _ in Float(rng.unit() * 2 - 1) }
        let scratch = Scratch(network)
        var analytic = [Float](repeating: 0, count: network.parameterCount)
        input.withUnsafeBufferPointer { x in
            network.parameters.withUnsafeBufferPointer { p in
                analytic.withUnsafeMutableBufferPointer { g in
                    _ = network.accumulateGradient(x.baseAddress!, label: label, params: p.baseAddress!, grads: g.baseAddress!, scratch: scratch)
                }
            }
        }
        func loss(_ params: [Float]) -> Double {
            input.withUnsafeBufferPointer { x in
                params.withUnsafeBufferPointer { p in
                    network.forward(x.baseAddress!, params: p.baseAddress!, scratch: scratch)
                    return -log(Double(scratch.probabilities[label]))
                }
            }
        }
        let eps: Float = 1e-3
        var worst = 0.0
        for i in 0..<network.parameterCount {
            var plus = network.parameters, minus = network.parameters
            plus[i] += eps
            minus[i] -= eps
            let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
            let error = abs(numeric - Double(analytic[i])) / max(1e-2, abs(numeric) + abs(Double(analytic[i])))
            worst = max(worst, error)
            #expect(error < 0.02, "parameter \(i): numeric \(numeric), analytic \(analytic[i])")
        }
        #expect(worst < 0.02)
    }

    @Test func cnnWithTwoConvStages() throws {
        // 6×6 → conv 2 → pool 3×3 → conv 3 → pool 1×1 → dense: conv input gradients are exercised too.
        try check(NetworkSpec(architecture: .cnn, imageSize: 6, widths: [2, 3], classes: 3), seed: 7, label: 1)
    }

    @Test func cnnOddSizeDropsLastRow() throws {
        try check(NetworkSpec(architecture: .cnn, imageSize: 5, widths: [3], classes: 4), seed: 3, label: 3)
    }

    @Test func mlp() throws {
        try check(NetworkSpec(architecture: .mlp, imageSize: 3, widths: [6, 5], classes: 3), seed: 11, label: 0)
    }

    @Test func batchGradientsAreTheSumOfSampleGradients() throws {
        let spec = NetworkSpec(architecture: .cnn, imageSize: 4, widths: [2], classes: 2)
        let network = try Network(spec: spec, seed: 5)
        var rng = SeededRandom(seed: 9)
        let inputs = (0..<(5 * spec.inputCount)).map { _ in Float(rng.unit()) }
        let labels = [0, 1, 1, 0, 1]
        var oneWorker = [Float](repeating: 0, count: network.parameterCount)
        var threeWorkers = oneWorker
        let l1 = inputs.withUnsafeBufferPointer { BatchEngine(network: network, workers: 1).gradients(network: network, inputs: $0, labels: labels, into: &oneWorker) }
        let l3 = inputs.withUnsafeBufferPointer { BatchEngine(network: network, workers: 3).gradients(network: network, inputs: $0, labels: labels, into: &threeWorkers) }
        #expect(abs(l1 - l3) < 1e-5)
        for i in 0..<oneWorker.count { #expect(abs(oneWorker[i] - threeWorkers[i]) < 1e-5) }
    }
}

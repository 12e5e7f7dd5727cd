import Foundation

/// The update rules. Raw values are what `--optimizer` takes.
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    case sgd, adam

    var code: UInt32 { self == .sgd ? 1 : 2 }

    init?(code: UInt32) {
        switch code {
        case 1: self = .sgd
        case 2: self = .adam
        default: return nil
        }
    }

    /// Learning rates that suit each rule on the demo (used when --lr is not given).
    public var defaultLearningRate: Double { self == .sgd ? 0.05 : 0.01 }
}

/// Mini-batch SGD with momentum, or Adam, over the network's flat parameter vector. The state
/// (moments and step count) is what a checkpoint keeps so a resumed run updates exactly as an
/// uninterrupted one would.
public struct Optimizer: Sendable, Equatable {
    public var kind: OptimizerKind
    public var momentum: Float = 0.9
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Updates applied so far (Adam's bias correction needs it).
    public var step: Int = 0
    /// SGD: velocity. Adam: first moment.
    var first: [Float]
    /// Adam: second moment. Empty for SGD.
    var second: [Float]

    public init(kind: OptimizerKind, parameterCount: Int) {
        self.kind = kind
        first = [Float](repeating: 0, count: parameterCount)
        second = kind == .adam ? [Float](repeating: 0, count: parameterCount) : []
    }

    init(kind: OptimizerKind, hyper: [Float], step: Int, first: [Float], second: [Float]) {
        self.kind = kind
        if kind == .sgd, hyper.count >= 1 { momentum = hyper[0] }
        if kind == .adam, hyper.count >= 3 { beta1 = hyper[0]; beta2 = hyper[1]; epsilon = hyper[2] }
        self.step = step
        self.first = first
        self.second = second
    }

    /// The hyper-parameters as the checkpoint stores them.
    var hyper: [Float] { kind == .sgd ? [momentum] : [beta1, beta2, epsilon] }

    /// One update with `gradients` scaled by `scale` (1 / batch size turns summed gradients into means).
    public mutating func apply(gradients: [Float], scale: Float, learningRate lr: Float, to parameters: inout [Float]) {
        precondition(gradients.count == parameters.count && first.count == parameters.count, "optimizer state does not match the model")
        step += 1
        let n = parameters.count
        switch kind {
        case .sgd:
            let mu = momentum
            parameters.withUnsafeMutableBufferPointer { p in
                first.withUnsafeMutableBufferPointer { v in
                    gradients.withUnsafeBufferPointer { g in
                        for i in 0..<n {
                            v[i] = mu * v[i] + g[i] * scale
                            p[i] -= lr * v[i]
                        }
                    }
                }
            }
        case .adam:
            let b1 = beta1, b2 = beta2, eps = epsilon
            // Bias correction folded into the step size, as in the Adam paper's efficient form.
            let c1 = 1 - pow(Double(b1), Double(step)), c2 = 1 - pow(Double(b2), Double(step))
            let alpha = Float(Double(lr) * c2.squareRoot() / c1)
            parameters.withUnsafeMutableBufferPointer { p in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        gradients.withUnsafeBufferPointer { g in
                            for i in 0..<n {
                                let gi = g[i] * scale
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                p[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}


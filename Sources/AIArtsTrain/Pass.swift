import Foundation

/// The buffers one worker thread needs for one sample's forward and backward pass: every layer's
/// output and the gradient with respect to it, back to back in two allocations that live as long
/// as the worker does (a training step allocates nothing).
final class Scratch {
    let layerOffsets: [Int]
    let total: Int
    let activations: FloatOut
    let gradients: FloatOut
    let probabilities: FloatOut
    let classes: Int

    init(_ network: Network) {
        var offsets: [Int] = [], at = 0
        for layer in network.layers { offsets.append(at); at += layer.outputCount }
        layerOffsets = offsets
        total = at
        classes = network.spec.classes
        activations = .allocate(capacity: max(1, at))
        gradients = .allocate(capacity: max(1, at))
        probabilities = .allocate(capacity: classes)
        activations.initialize(repeating: 0, count: max(1, at))
        gradients.initialize(repeating: 0, count: max(1, at))
        probabilities.initialize(repeating: 0, count: classes)
    }

    deinit {
        activations.deallocate()
        gradients.deallocate()
        probabilities.deallocate()
    }

    func output(_ layer: Int) -> FloatOut { activations + layerOffsets[layer] }
    func gradient(_ layer: Int) -> FloatOut { gradients + layerOffsets[layer] }
}

extension Network {
    /// Runs every layer on one sample (CHW floats) and leaves the class probabilities in
    /// `scratch.probabilities`; returns the logits (inside the scratch).
    @discardableResult
    func forward(_ input: FloatIn, params: FloatIn, scratch: Scratch) -> FloatIn {
        for (i, layer) in layers.enumerated() {
            let src: FloatIn = i == 0 ? input : FloatIn(scratch.output(i - 1))
            let dst = scratch.output(i)
            let p = params + offsets[i]
            switch layer {
            case let .conv(cin, cout, h, w): Kernels.convForward(src, dst, params: p, cin: cin, cout: cout, h: h, w: w)
            case let .relu(n): Kernels.reluForward(src, dst, count: n)
            case let .maxPool(c, h, w): Kernels.poolForward(src, dst, c: c, h: h, w: w)
            case let .dense(n, m): Kernels.denseForward(src, dst, params: p, n: n, m: m)
            }
        }
        let logits = FloatIn(scratch.output(layers.count - 1))
        Kernels.softmax(logits, scratch.probabilities, count: spec.classes)
        return logits
    }

    /// Forward, softmax cross-entropy against `label`, and backward: adds this sample's
    /// parameter gradients into `grads` and returns its loss.
    func accumulateGradient(_ input: FloatIn, label: Int, params: FloatIn, grads: FloatOut, scratch: Scratch) -> Float {
        forward(input, params: params, scratch: scratch)
        let last = layers.count - 1
        // d(loss)/d(logits) of softmax cross-entropy is p - onehot(label).
        let gLogits = scratch.gradient(last)
        for k in 0..<spec.classes { gLogits[k] = scratch.probabilities[k] }
        gLogits[label] -= 1
        // Clamped so a confidently wrong sample gives a large, finite loss, never infinity.
        let loss = -logf(max(scratch.probabilities[label], 1e-30))
        for i in stride(from: last, through: 0, by: -1) {
            let src: FloatIn = i == 0 ? input : FloatIn(scratch.output(i - 1))
            let gOut = FloatIn(scratch.gradient(i))
            // The first layer's input is the image: no gradient is needed there.
            let gIn: FloatOut? = i == 0 ? nil : scratch.gradient(i - 1)
            let p = params + offsets[i], g = grads + offsets[i]
            switch layers[i] {
            case let .conv(cin, cout, h, w):
                Kernels.convBackward(src, gradOutput: gOut, gradInput: gIn, params: p, grads: g, cin: cin, cout: cout, h: h, w: w)
            case let .relu(n):
                if let gIn { Kernels.reluBackward(output: scratch.output(i), gradOutput: gOut, gradInput: gIn, count: n) }
            case let .maxPool(c, h, w):
                if let gIn { Kernels.poolBackward(src, gradOutput: gOut, gradInput: gIn, c: c, h: h, w: w) }
            case let .dense(n, m):
                Kernels.denseBackward(src, gradOutput: gOut, gradInput: gIn, params: p, grads: g, n: n, m: m)
            }
        }
        return loss
    }
}

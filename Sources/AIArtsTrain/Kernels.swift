// The layer kernels, forward and backward, for one sample at a time. Plain loops over raw
// pointers: the innermost loop always runs along a contiguous row so the compiler can vectorise
// it, and there is no bounds checking in the hot path (the callers size every buffer from the
// same Layer shapes). Backward functions *add* into parameter gradients (a worker accumulates a
// whole chunk of the batch) and *overwrite* input gradients.

import Foundation

typealias FloatIn = UnsafePointer<Float>
typealias FloatOut = UnsafeMutablePointer<Float>

enum Kernels {
    /// 3×3 convolution, stride 1, zero padding 1. `params` holds [cout][cin][3][3] weights then cout biases.
    static func convForward(_ input: FloatIn, _ output: FloatOut, params: FloatIn, cin: Int, cout: Int, h: Int, w: Int) {
        let plane = h * w
        let bias = params + cout * cin * 9
        for oc in 0..<cout {
            let out = output + oc * plane
            out.update(repeating: bias[oc], count: plane)
            for ic in 0..<cin {
                let inp = input + ic * plane
                let kernel = params + (oc * cin + ic) * 9
                for ky in 0..<3 {
                    let dy = ky - 1
                    // Rows whose source row (y + dy) lies inside the image; padding contributes zero.
                    let y0 = max(0, -dy), y1 = min(h, h - dy)
                    for kx in 0..<3 {
                        let dx = kx - 1
                        let x0 = max(0, -dx), x1 = min(w, w - dx)
                        let k = kernel[ky * 3 + kx]
                        if y0 >= y1 || x0 >= x1 { continue }
                        for y in y0..<y1 {
                            let o = out + y * w
                            let i = inp + (y + dy) * w + dx
                            for x in x0..<x1 { o[x] += k * i[x] }
                        }
                    }
                }
            }
        }
    }

    /// Gradients of the convolution: weights and biases are accumulated into `grads`;
    /// `gradInput` (nil for the first layer, whose input needs none) is overwritten.
    static func convBackward(_ input: FloatIn, gradOutput: FloatIn, gradInput: FloatOut?, params: FloatIn, grads: FloatOut,
                             cin: Int, cout: Int, h: Int, w: Int) {
        let plane = h * w
        let gradBias = grads + cout * cin * 9
        gradInput?.update(repeating: 0, count: cin * plane)
        for oc in 0..<cout {
            let g = gradOutput + oc * plane
            var sum: Float = 0
            for p in 0..<plane { sum += g[p] }
            gradBias[oc] += sum
            for ic in 0..<cin {
                let inp = input + ic * plane
                let gin = gradInput.map { $0 + ic * plane }
                let kernel = params + (oc * cin + ic) * 9
                let gkernel = grads + (oc * cin + ic) * 9
                for ky in 0..<3 {
                    let dy = ky - 1
                    let y0 = max(0, -dy), y1 = min(h, h - dy)
                    for kx in 0..<3 {
                        let dx = kx - 1
                        let x0 = max(0, -dx), x1 = min(w, w - dx)
                        if y0 >= y1 || x0 >= x1 { continue }
                        let k = kernel[ky * 3 + kx]
                        var acc: Float = 0
                        for y in y0..<y1 {
                            let gRow = g + y * w
                            let iRow = inp + (y + dy) * w + dx
                            for x in x0..<x1 { acc += gRow[x] * iRow[x] }
                            if let gin {
                                let giRow = gin + (y + dy) * w + dx
                                for x in x0..<x1 { giRow[x] += k * gRow[x] }
                            }
                        }
                        gkernel[ky * 3 + kx] += acc
                    }
                }
            }
        }
    }

    static func reluForward(_ input: FloatIn, _ output: FloatOut, count: Int) {
        for i in 0..<count { output[i] = max(0, input[i]) }
    }

    /// Uses the layer's output: where it is positive the input was, and the gradient passes.
    static func reluBackward(output: FloatIn, gradOutput: FloatIn, gradInput: FloatOut, count: Int) {
        for i in 0..<count { gradInput[i] = output[i] > 0 ? gradOutput[i] : 0 }
    }

    /// 2×2 max-pool, stride 2.
    static func poolForward(_ input: FloatIn, _ output: FloatOut, c: Int, h: Int, w: Int) {
        let oh = h / 2, ow = w / 2
        for ch in 0..<c {
            let inp = input + ch * h * w, out = output + ch * oh * ow
            for y in 0..<oh {
                let r0 = inp + 2 * y * w, r1 = r0 + w
                for x in 0..<ow {
                    out[y * ow + x] = max(max(r0[2 * x], r0[2 * x + 1]), max(r1[2 * x], r1[2 * x + 1]))
                }
            }
        }
    }

    /// Routes each output gradient to the first input of its window that held the maximum
    /// (recomputed here rather than stored, which keeps the forward pass free of bookkeeping).
    static func poolBackward(_ input: FloatIn, gradOutput: FloatIn, gradInput: FloatOut, c: Int, h: Int, w: Int) {
        let oh = h / 2, ow = w / 2
        gradInput.update(repeating: 0, count: c * h * w)
        for ch in 0..<c {
            let inp = input + ch * h * w, gin = gradInput + ch * h * w, g = gradOutput + ch * oh * ow
            for y in 0..<oh {
                for x in 0..<ow {
                    // Same order as the forward max: top-left, top-right, bottom-left, bottom-right.
                    let a = 2 * y * w + 2 * x
                    var best = a
                    if inp[a + 1] > inp[best] { best = a + 1 }
                    if inp[a + w] > inp[best] { best = a + w }
                    if inp[a + w + 1] > inp[best] { best = a + w + 1 }
                    gin[best] += g[y * ow + x]
                }
            }
        }
    }

    /// Fully connected: `params` holds [m][n] weights then m biases.
    static func denseForward(_ input: FloatIn, _ output: FloatOut, params: FloatIn, n: Int, m: Int) {
        let bias = params + m * n
        for o in 0..<m {
            let row = params + o * n
            var acc: Float = 0
            for i in 0..<n { acc += row[i] * input[i] }
            output[o] = acc + bias[o]
        }
    }

    static func denseBackward(_ input: FloatIn, gradOutput: FloatIn, gradInput: FloatOut?, params: FloatIn, grads: FloatOut, n: Int, m: Int) {
        let gradBias = grads + m * n
        gradInput?.update(repeating: 0, count: n)
        for o in 0..<m {
            let g = gradOutput[o]
            gradBias[o] += g
            if g == 0 { continue }
            let row = params + o * n, grow = grads + o * n
            for i in 0..<n { grow[i] += g * input[i] }
            if let gradInput {
                for i in 0..<n { gradInput[i] += g * row[i] }
            }
        }
    }

    /// Softmax of `logits` into `probabilities`, shifted by the maximum so exp never overflows.
    static func softmax(_ logits: FloatIn, _ probabilities: FloatOut, count: Int) {
        var top = -Float.infinity
        for i in 0..<count { top = max(top, logits[i]) }
        var total: Float = 0
        for i in 0..<count {
            let e = expf(logits[i] - top)
            probabilities[i] = e
            total += e
        }
        for i in 0..<count { probabilities[i] /= total }
    }
}

import AIArtsImaging
import Foundation

/// The models the built-in trainer knows. Raw values are what `--model` takes.
public enum Architecture: String, Sendable, CaseIterable, Codable {
    case mlp, cnn

    /// The number stored in the checkpoint header (0 is left unused so a zeroed file never parses).
    var code: UInt32 { self == .mlp ? 1 : 2 }

    init?(code: UInt32) {
        switch code {
        case 1: self = .mlp
        case 2: self = .cnn
        default: return nil
        }
    }

    /// Widths that train the demo shapes well in seconds: conv channels per stage for the CNN,
    /// hidden units for the MLP.
    public var defaultWidths: [Int] { self == .cnn ? [8, 16] : [128] }
}

/// Everything that fixes a network's layout: two specs that are equal take the same parameters.
public struct NetworkSpec: Sendable, Equatable, Codable {
    public var architecture: Architecture
    /// Inputs are square: imageSize × imageSize, RGB.
    public var imageSize: Int
    public var channels: Int
    /// CNN: output channels of each conv stage; MLP: units of each hidden layer.
    public var widths: [Int]
    public var classes: Int

    public init(architecture: Architecture, imageSize: Int, channels: Int = 3, widths: [Int]? = nil, classes: Int) {
        self.architecture = architecture
        self.imageSize = imageSize
        self.channels = channels
        self.widths = widths ?? architecture.defaultWidths
        self.classes = classes
    }

    public var inputCount: Int { channels * imageSize * imageSize }

    /// Checked before any allocation, because specs also come from checkpoint files.
    public func validate() throws(TrainError) {
        guard classes >= 1, classes <= 100_000 else { throw TrainError("a model needs 1 to 100000 classes, not \(classes)") }
        guard channels == 3 else { throw TrainError("only RGB (3-channel) models are supported, not \(channels)") }
        guard !widths.isEmpty, widths.count <= 8, widths.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
            throw TrainError("layer widths must be 1 to 8 numbers in 1...4096, not \(widths)")
        }
        let minSize = architecture == .cnn ? 1 << widths.count : 1
        guard imageSize >= minSize, imageSize <= 512 else {
            throw TrainError("image size must be in \(minSize)...512 for this model, not \(imageSize)")
        }
        let params = layers().reduce(0) { $0 + $1.parameterCount }
        guard params <= 50_000_000 else { throw TrainError("the model would have \(params) parameters; at most 50M") }
    }

    /// The layer sequence. CNN: per width a 3×3 conv, ReLU and 2×2 max-pool, then one dense layer.
    /// MLP: per width a dense layer and ReLU, then the output layer.
    func layers() -> [Layer] {
        var result: [Layer] = []
        switch architecture {
        case .cnn:
            var c = channels, s = imageSize
            for w in widths {
                result.append(.conv(inChannels: c, outChannels: w, height: s, width: s))
                result.append(.relu(count: w * s * s))
                result.append(.maxPool(channels: w, height: s, width: s))
                c = w
                s /= 2
            }
            result.append(.dense(inputs: c * s * s, outputs: classes))
        case .mlp:
            var n = inputCount
            for w in widths {
                result.append(.dense(inputs: n, outputs: w))
                result.append(.relu(count: w))
                n = w
            }
            result.append(.dense(inputs: n, outputs: classes))
        }
        return result
    }
}

/// One layer: its shapes and how many parameters it owns (weights then biases).
enum Layer: Sendable, Equatable {
    /// 3×3 kernels, stride 1, zero padding 1, so the spatial size is kept. Weights are [out][in][3][3].
    case conv(inChannels: Int, outChannels: Int, height: Int, width: Int)
    case relu(count: Int)
    /// 2×2 windows, stride 2; an odd last row or column is dropped.
    case maxPool(channels: Int, height: Int, width: Int)
    /// Weights are [outputs][inputs].
    case dense(inputs: Int, outputs: Int)

    var inputCount: Int {
        switch self {
        case let .conv(cin, _, h, w): cin * h * w
        case let .relu(n): n
        case let .maxPool(c, h, w): c * h * w
        case let .dense(n, _): n
        }
    }

    var outputCount: Int {
        switch self {
        case let .conv(_, cout, h, w): cout * h * w
        case let .relu(n): n
        case let .maxPool(c, h, w): c * (h / 2) * (w / 2)
        case let .dense(_, m): m
        }
    }

    var parameterCount: Int {
        switch self {
        case let .conv(cin, cout, _, _): cout * cin * 9 + cout
        case let .dense(n, m): m * n + m
        case .relu, .maxPool: 0
        }
    }
}

/// A network's layout and its parameters, all in one flat array (each layer's weights then biases),
/// so that the optimizer, gradient buffers and the checkpoint file all treat them as one vector.
public struct Network: Sendable {
    public let spec: NetworkSpec
    let layers: [Layer]
    /// Where each layer's parameters start in `parameters`.
    let offsets: [Int]
    public var parameters: [Float]

    /// He-initialised weights (suits ReLU) and zero biases, reproducible from `seed`.
    public init(spec: NetworkSpec, seed: UInt64) throws(TrainError) {
        try spec.validate()
        self.spec = spec
        layers = spec.layers()
        offsets = Self.offsets(of: layers)
        var params = [Float](repeating: 0, count: layers.reduce(0) { $0 + $1.parameterCount })
        var rng = SeededRandom(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 17)
        for (i, layer) in layers.enumerated() {
            let fanIn: Int, weights: Int
            switch layer {
            case let .conv(cin, cout, _, _): fanIn = cin * 9; weights = cout * cin * 9
            case let .dense(n, m): fanIn = n; weights = m * n
            default: continue
            }
            let std = Float((2.0 / Double(fanIn)).squareRoot())
            for k in 0..<weights { params[offsets[i] + k] = std * Self.gaussian(&rng) }
        }
        parameters = params
    }

    /// A network with given parameters (from a checkpoint); the count must match the spec.
    public init(spec: NetworkSpec, parameters: [Float]) throws(TrainError) {
        try spec.validate()
        self.spec = spec
        layers = spec.layers()
        offsets = Self.offsets(of: layers)
        let expected = layers.reduce(0) { $0 + $1.parameterCount }
        guard parameters.count == expected else {
            throw TrainError("the model \(spec.architecture.rawValue) \(spec.widths) at \(spec.imageSize)px needs \(expected) parameters, the file has \(parameters.count)")
        }
        self.parameters = parameters
    }

    public var parameterCount: Int { parameters.count }

    static func offsets(of layers: [Layer]) -> [Int] {
        var result: [Int] = [], at = 0
        for layer in layers { result.append(at); at += layer.parameterCount }
        return result
    }

    /// Standard normal by Box–Muller; our own so the numbers don't depend on the standard library.
    static func gaussian(_ rng: inout SeededRandom) -> Float {
        let u1 = max(rng.unit(), 1e-12), u2 = rng.unit()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

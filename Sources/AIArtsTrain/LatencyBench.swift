import Foundation

/// How long the built-in network takes to classify one image on one CPU thread (batch 1), for
/// `aiarts model compare --measure` (`aiarts-train bench`). The input is a seeded random image
/// already normalised, so the figure is the network's cost alone, not decoding's.
public struct LatencyBench: Codable, Sendable, Equatable {
    /// The median of the timed runs, in milliseconds.
    public var msPerImage: Double
    /// The 90th percentile of the timed runs.
    public var p90Ms: Double
    public var runs: Int
    public var threads: Int
    public var parameters: Int
    /// [1, channels, size, size].
    public var input: [Int]
    public var runtime: String

    enum CodingKeys: String, CodingKey {
        case msPerImage = "ms_per_image", p90Ms = "p90_ms", runs, threads, parameters, input, runtime
    }

    public static func measure(_ checkpoint: Checkpoint, runs: Int, warmup: Int) -> LatencyBench {
        let network = checkpoint.network, spec = network.spec
        var rng = SplitMix64(seed: 0)
        let input = (0..<spec.inputCount).map { _ in Float(rng.nextUnit() * 2 - 1) }
        let engine = BatchEngine(network: network, workers: 1)
        var times: [Double] = []
        var sink: Float = 0
        input.withUnsafeBufferPointer { buffer in
            for i in 0..<(max(0, warmup) + max(1, runs)) {
                let start = DispatchTime.now().uptimeNanoseconds
                sink += engine.probabilities(network: network, inputs: buffer, count: 1).first ?? 0
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                if i >= max(0, warmup) { times.append(elapsed) }
            }
        }
        // Keeps the work from being optimised away.
        if sink.isNaN { times.append(0) }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let p90 = times[min(times.count - 1, Int((0.9 * Double(times.count - 1)).rounded()))]
        return LatencyBench(msPerImage: median, p90Ms: p90, runs: times.count, threads: 1, parameters: network.parameterCount,
                            input: [1, spec.channels, spec.imageSize, spec.imageSize], runtime: "aiarts-train")
    }
}

/// A small seeded generator (SplitMix64), so the bench's input is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

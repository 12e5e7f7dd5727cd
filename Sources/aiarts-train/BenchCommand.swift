import AIArtsTrain
import ArgumentParser
import Foundation

/// `aiarts-train bench`: the network's time per image on one CPU thread (batch 1), what
/// `aiarts model compare --measure` records for a built-in model (docs/models.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a checkpoint's forward pass on one CPU thread, batch 1 (a seeded random input).",
        discussion: "Prints ms per image (the median), the 90th percentile, runs and the parameter count; --json prints them as one object."
    )

    @Option(help: ArgumentHelp("Checkpoint folder (checkpoints/epoch_N) or its model.bin.", valueName: "PATH"))
    var checkpoint: String
    @Option(help: "Timed runs (1 to 10000).") var runs: Int = 50
    @Option(help: "Untimed runs first (0 to 1000).") var warmup: Int = 5
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be 1 to 10000") }
        guard (0...1_000).contains(warmup) else { throw ValidationError("--warmup must be 0 to 1000") }
        let result = LatencyBench.measure(try Checkpoint.load(from: fileURL(checkpoint)), runs: runs, warmup: warmup)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            say(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            say(String(format: "%.3f ms per image (p90 %.3f ms, %d runs, 1 thread), %d parameters",
                       result.msPerImage, result.p90Ms, result.runs, result.parameters))
        }
    }
}

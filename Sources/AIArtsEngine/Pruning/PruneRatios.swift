import Foundation

/// The pruning ratios aiarts accepts and the rule that picks each layer's ratio from a sensitivity
/// analysis (docs/pruning.md). A ratio is the share of a layer group's channels removed: strictly
/// between 0 and 1 (one channel always stays).
public enum PruneRatios {
    /// What `aiarts task prune T --analyze` tries without `--ratios`: PaddleX's 0.1 … 0.9.
    public static let analysisDefault: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]

    /// One ratio, e.g. `0.3`.
    public static func parse(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = Double(trimmed), value.isFinite else {
            throw AIArtsError(.invalidArgument, "ratio '\(TerminalText.finalRedraw(String(text.prefix(40))))' is not a number; give the share of channels to remove, e.g. 0.3")
        }
        guard value > 0, value < 1 else {
            throw AIArtsError(.invalidArgument, "ratio \(trimmed) is outside (0, 1): it is the share of each layer's channels removed, e.g. 0.3")
        }
        return (value * 1_000_000).rounded() / 1_000_000
    }

    /// A comma-separated list (`0.1,0.2,0.3`): each checked, sorted, repeats dropped. At most 50.
    public static func parseList(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.contains(where: { !$0.isEmpty }) else {
            throw AIArtsError(.invalidArgument, "no ratios given; give them like 0.1,0.2,0.3")
        }
        var values: Set<Double> = []
        for part in parts where !part.isEmpty { values.insert(try parse(part)) }
        guard values.count <= 50 else {
            throw AIArtsError(.invalidArgument, "\(values.count) ratios: at most 50 (each costs one evaluation per layer)")
        }
        return values.sorted()
    }

    /// The largest metric drop a layer may cost (`--prune-from-analysis 0.02`): a number of at least 0,
    /// in the analysis' metric's units (acc1 or mIoU, 0 to 1).
    public static func parseMaxDrop(_ text: String) throws -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
            throw AIArtsError(.invalidArgument, "maximum drop '\(TerminalText.finalRedraw(String(text.prefix(40))))' must be a number of at least 0, e.g. 0.02 (two points of acc1)")
        }
        return value
    }

    /// Each layer's ratio under `maxDrop`: the largest analysed ratio whose drop, and the drop of every
    /// smaller analysed ratio, is known and at most `maxDrop` (so a noisy dip at one ratio does not
    /// let a layer jump past a ratio that hurt). Layers with no such ratio are left out (kept whole).
    /// The drops were measured one layer at a time, so the pruned model's drop can be larger than
    /// any one of them: the fine-tuning that follows is meant to win it back.
    public static func choose(from analysis: SensitivityAnalysis, maxDrop: Double) -> [String: Double] {
        var chosen: [String: Double] = [:]
        let order = analysis.ratios.indices.sorted { analysis.ratios[$0] < analysis.ratios[$1] }
        for layer in analysis.layers {
            var best: Double?
            for i in order {
                guard i < layer.drops.count, let drop = layer.drops[i], drop.isFinite, drop <= maxDrop + 1e-9 else { break }
                best = analysis.ratios[i]
            }
            if let best { chosen[layer.name] = best }
        }
        return chosen
    }
}

import Foundation

/// `tasks/T/prune/sensitivity.json`, written by `aiarts_prune.py analyze`: for each prunable layer
/// group (torch-pruning's DependencyGraph: the layers whose channels go together, named by the
/// first), the metric on the split with that group alone pruned at each ratio, and the drop from
/// the unpruned model's (`baseline`). A drop is positive when the metric got worse.
public struct SensitivityAnalysis: Codable, Equatable, Sendable {
    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        /// Output channels of the group's first layer.
        public var channels: Int
        /// Every Conv2d or Linear whose channels change with it.
        public var layers: [String]
        /// Per ratio (the order of `ratios`); nil where the metric was not a number.
        public var metrics: [Double?]
        public var drops: [Double?]
    }

    public var format: String
    public var model: String?
    public var type: String
    /// acc1 (classification) or miou (segmentation).
    public var metric: String
    public var split: String
    public var images: Int
    public var checkpoint: String
    public var epoch: Int?
    public var inputSize: Int?
    public var ratios: [Double]
    public var baseline: Double?
    public var layers: [Layer]
    public var seconds: Double?
    public var time: Double?

    enum CodingKeys: String, CodingKey {
        case format, model, type, metric, split, images, checkpoint, epoch, ratios, baseline, layers, seconds, time
        case inputSize = "input_size"
    }

    public static let formatName = "aiarts-sensitivity-1"

    /// Reads and checks a sensitivity file; one line saying what is wrong otherwise.
    public static func read(_ url: URL) throws -> SensitivityAnalysis {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AIArtsError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
        let analysis: SensitivityAnalysis
        do { analysis = try JSONDecoder().decode(SensitivityAnalysis.self, from: data) } catch {
            throw AIArtsError(.badInput, "\(url.path) is not a sensitivity analysis aiarts can read (\(PruneFiles.decodingProblem(error))); run the analysis again")
        }
        guard analysis.format == formatName else {
            throw AIArtsError(.badInput, "\(url.path) has format '\(TerminalText.finalRedraw(analysis.format))', not \(formatName); run the analysis again")
        }
        guard analysis.layers.allSatisfy({ $0.drops.count == analysis.ratios.count && $0.metrics.count == analysis.ratios.count }) else {
            throw AIArtsError(.badInput, "\(url.path) has layers whose drops do not match its \(analysis.ratios.count) ratios; run the analysis again")
        }
        return analysis
    }
}

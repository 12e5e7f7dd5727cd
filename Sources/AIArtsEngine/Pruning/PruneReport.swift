import Foundation

/// `tasks/P/prune/report.json` of a pruned task P: written by `aiarts_prune.py prune`, completed
/// by the engine with the parent and the rule that chose the ratios.
public struct PruneReport: Codable, Equatable, Sendable {
    /// Parameters, multiply-accumulate operations (torch-pruning's count_ops_and_params at the
    /// input size, what it calls FLOPs), the median CPU milliseconds of one image, and the metric.
    public struct Measure: Codable, Equatable, Sendable {
        public var params: Int
        public var flops: Int
        public var latencyMs: Double
        public var metric: Double?

        enum CodingKeys: String, CodingKey {
            case params, flops, metric
            case latencyMs = "latency_ms"
        }
    }

    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        public var ratio: Double
        public var channelsBefore: Int
        public var channelsAfter: Int

        enum CodingKeys: String, CodingKey {
            case name, ratio
            case channelsBefore = "channels_before", channelsAfter = "channels_after"
        }
    }

    public var format: String
    public var model: String?
    public var type: String
    /// acc1 or miou.
    public var metricName: String
    public var split: String
    public var images: Int
    public var sourceCheckpoint: String
    public var sourceEpoch: Int?
    public var inputSize: Int?
    public var prunedCheckpoint: String
    /// The one ratio of every layer (`--prune 0.3`), nil when chosen per layer.
    public var ratio: Double?
    /// The bound the per-layer ratios were chosen under (`--prune-from-analysis`).
    public var maxDrop: Double?
    public var parentTask: String?
    /// Before pruning (the parent's checkpoint) and after it, before fine-tuning.
    public var before: Measure
    public var pruned: Measure
    public var layers: [Layer]
    public var seconds: Double?

    enum CodingKeys: String, CodingKey {
        case format, model, type, split, images, ratio, before, pruned, layers, seconds
        case metricName = "metric_name", sourceCheckpoint = "source_checkpoint", sourceEpoch = "source_epoch"
        case inputSize = "input_size", prunedCheckpoint = "pruned_checkpoint", maxDrop = "max_drop", parentTask = "parent_task"
    }

    public static let formatName = "aiarts-prune-report-1"

    public static func read(_ url: URL) throws -> PruneReport {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AIArtsError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
        let report: PruneReport
        do { report = try JSONDecoder().decode(PruneReport.self, from: data) } catch {
            throw AIArtsError(.badInput, "\(url.path) is not a pruning report aiarts can read (\(PruneFiles.decodingProblem(error)))")
        }
        guard report.format == formatName else {
            throw AIArtsError(.badInput, "\(url.path) has format '\(TerminalText.finalRedraw(report.format))', not \(formatName)")
        }
        return report
    }
}

/// A pruned task's report with what fine-tuning gave: its best evaluation of the same metric.
public struct PrunedTaskReport: Codable, Equatable, Sendable {
    public var task: String
    public var report: PruneReport
    /// The pruned task's best `metricName` so far and its epoch; nil before an evaluation.
    public var fineTunedMetric: Double?
    public var fineTunedEpoch: Int?

    enum CodingKeys: String, CodingKey {
        case task, report
        case fineTunedMetric = "fine_tuned_metric", fineTunedEpoch = "fine_tuned_epoch"
    }
}

extension Workspace {
    /// The pruning report of a task made by `createPrunedTask`, with its fine-tuned metric; nil for
    /// a task that was not pruned.
    public func prunedTaskReport(_ id: String) throws -> PrunedTaskReport? {
        _ = try task(id)
        let url = pruneFolder(id).appendingPathComponent(PruneFiles.reportName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let report = try PruneReport.read(url)
        var result = PrunedTaskReport(task: id, report: report)
        if let table = try? taskMetricTable(id).table,
           let name = table.names.first(where: { $0 == report.metricName || $0.hasSuffix("/" + report.metricName) }),
           let column = table[name] {
            var best: (value: Double, index: Int)?
            for (i, value) in column.values.enumerated() where value.isFinite && value > (best?.value ?? -.infinity) {
                best = (value, i)
            }
            if let best {
                result.fineTunedMetric = best.value
                result.fineTunedEpoch = column.epoch(at: best.index).map { Int($0) }
            }
        }
        return result
    }
}

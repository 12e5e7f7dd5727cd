import AIArtsEngine
import AIArtsRender

/// A task's evaluation as the task screen shows it: the headline numbers, and a confusion matrix
/// (classification) or the AP of each class (detection). Strings sanitized on the way in.
public struct EvaluationView: Equatable, Sendable {
    public var taskID: String
    public var epoch: Int?
    public var split: String
    /// The numbers worth a glance, in a fixed order, then the rest of the per-class ones.
    public var metrics: [Metric]
    public var labels: [String]
    /// confusion[true][predicted], classification only.
    public var confusion: [[Int]]?
    /// VOC AP per class at the IoU threshold, detection only (nil: the class has no ground truth).
    public var classAP: [Double?]?

    public struct Metric: Equatable, Sendable {
        public var name: String
        public var value: Double
    }

    public init(taskID: String, epoch: Int?, split: String, metrics: [String: Double], labels: [String],
                confusion: [[Int]]?, classAP: [Double?]?) {
        self.taskID = taskID; self.epoch = epoch; self.split = Sanitize.line(split)
        let headline = ["acc1", "acc5", "AP", "AP50", "AP75", "AR100", "voc_map", "miou", "pixel_acc", "segm_AP"]
        let first = headline.compactMap { key in metrics[key].map { Metric(name: key, value: $0) } }
        self.metrics = first
        self.labels = labels.map(Sanitize.line)
        self.confusion = confusion
        self.classAP = classAP
    }

    public init(_ evaluation: TaskEvaluation) {
        let report = evaluation.report
        let labels = report.classification?.perClass.map(\.label) ?? report.voc.map { _ in report.metrics.keys.filter { $0.hasPrefix("ap/") }.sorted().map { String($0.dropFirst(3)) } } ?? []
        self.init(taskID: evaluation.task, epoch: evaluation.epoch, split: report.split, metrics: report.metrics, labels: labels,
                  confusion: report.classification?.confusion,
                  classAP: report.voc == nil ? nil : labels.map { report.metrics["ap/" + $0] })
    }
}

/// The evaluation panel: headline numbers, then a heat table (confusion matrix, darker is more of
/// the row) or the per-class AP.
struct EvaluationPanel: Widget {
    var evaluation: EvaluationView
    var state: HomeState

    /// A cell's share of its row as a background: none for 0, then stronger with the share.
    static func heat(_ share: Double, theme: Theme) -> Style {
        guard share > 0 else { return .plain }
        guard theme.hasColor else { return share >= 0.5 ? Style(modifiers: .reverse) : Style(modifiers: .bold) }
        let v = UInt8(40 + min(1, share) * 150)
        return Style(fg: share > 0.6 ? .rgb(255, 255, 255) : .default, bg: .rgb(20, v / 2, v))
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let title = "Evaluation \(evaluation.split)" + (evaluation.epoch.map { ", epoch \($0)" } ?? "")
        let block = theme.block(title, focused: false, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        var y = inner.y
        let numbers = evaluation.metrics.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
        buffer.set(x: inner.x, y: y, string: numbers, style: theme.good, maxWidth: inner.width)
        y += 2
        let labelWidth = min(12, max(9, evaluation.labels.map(DisplayWidth.of).max() ?? 9))
        if let confusion = evaluation.confusion, y < inner.maxY {
            // Rows: true class; columns: predicted class (the same widget `aiarts task eval` prints).
            let matrix = ConfusionMatrix(labels: evaluation.labels, counts: confusion, headerStyle: theme.columnHeader,
                                         cornerStyle: theme.muted, heat: { Self.heat($0, theme: theme) })
            buffer.render(matrix, in: Rect(x: inner.x, y: y, width: inner.width, height: inner.maxY - y))
        } else if let ap = evaluation.classAP {
            for (label, value) in zip(evaluation.labels, ap) where y < inner.maxY {
                buffer.set(x: inner.x, y: y, string: DisplayWidth.truncate(label, to: labelWidth), maxWidth: labelWidth)
                let text = value.map { String(format: "AP %.4f", $0) } ?? "AP n/a"
                buffer.set(x: inner.x + labelWidth + 1, y: y, string: text, maxWidth: inner.width - labelWidth - 1)
                if let value, inner.width > labelWidth + 12 {
                    buffer.render(Gauge(ratio: value, style: theme.gauge, ascii: state.ascii),
                                  in: Rect(x: inner.x + labelWidth + 12, y: y, width: inner.width - labelWidth - 12, height: 1))
                }
                y += 1
            }
        }
    }
}

import Foundation

/// The built-in trainer's own console log (`aiarts-train`, Sources/AIArtsTrain/Trainer.swift):
///
///     D0001: 210 train / 60 val images, 3 labels (circle, square, triangle); decoded in 0.28s
///     epoch 1/2 step 3/28 loss 1.6415 lr 0.0098746 (198 img/s)
///     eval epoch 1: acc1 46.67% acc5 100.00% val_loss 1.0304 on 60 images
///     checkpoint epoch 1: /ws/tasks/T0001/checkpoints/epoch_1 (best so far)
///     done: 2 epochs, 28 steps in 3.1s; val acc1 46.67% (best 46.67%)
///
/// The step is global (of all epochs'); an evaluation sits at the last step of its epoch.
/// Percentages are read as fractions. The header and `done` lines hold no series.
public struct AIArtsTrainLogParser: LogMetricParser {
    private var lastStep: Int?
    public private(set) var skipped = SkipTally()

    public init() {}

    public mutating func reset() { self = AIArtsTrainLogParser() }

    public mutating func feed(_ line: String) -> [MetricRecord] {
        if line.hasPrefix("epoch ") { return train(line.dropFirst(6)) }
        if line.hasPrefix("eval epoch ") { return eval(line.dropFirst(11)) }
        if line.hasPrefix("checkpoint epoch ") { return checkpoint(line.dropFirst(17)) }
        return []
    }

    /// "1/2 step 3/28 loss 1.6415 lr 0.0098746 (198 img/s)"
    private mutating func train(_ body: Substring) -> [MetricRecord] {
        let words = body.split(separator: " ")
        guard words.count >= 3, words[1] == "step", let (epoch, epochs) = LogPairs.fraction(words[0]),
              let (step, steps) = LogPairs.fraction(words[2]) else { return [] }
        guard StepMath.bounded(step) != nil, StepMath.bounded(epoch) != nil, steps.map({ StepMath.bounded($0) != nil }) ?? true
        else { skipped.record(.numberOutOfRange); return [] }
        var record = MetricRecord(kind: .train, step: step, steps: steps, epoch: Double(epoch), epochs: epochs)
        var i = 3
        while i + 1 < words.count, !words[i].hasPrefix("(") {
            if let value = MetricText.number(words[i + 1]) { record.values.append((MetricText.seriesName(String(words[i])), value)) }
            i += 2
        }
        guard !record.values.isEmpty else { return [] }
        lastStep = step
        return [record]
    }

    /// "1: acc1 46.67% acc5 100.00% val_loss 1.0304 on 60 images"
    private func eval(_ body: Substring) -> [MetricRecord] {
        guard let colon = body.firstIndex(of: ":"), let epoch = Int(body[..<colon]), StepMath.bounded(epoch) != nil else { return [] }
        var words = body[body.index(after: colon)...].split(separator: " ")
        if let on = words.firstIndex(of: "on") { words.removeSubrange(on...) }
        var record = MetricRecord(kind: .eval, step: lastStep, epoch: Double(epoch))
        var i = 0
        while i + 1 < words.count {
            var text = words[i + 1]
            let percent = text.hasSuffix("%")
            if percent { text = text.dropLast() }
            if let value = MetricText.number(text) { record.values.append(("eval/\(words[i])", percent ? value / 100 : value)) }
            i += 2
        }
        return record.values.isEmpty ? [] : [record]
    }

    /// "1: /ws/tasks/T0001/checkpoints/epoch_1 (best so far)", or "3 (mid-epoch): …" when a stop saved one.
    private func checkpoint(_ body: Substring) -> [MetricRecord] {
        guard let colon = body.firstIndex(of: ":") else { return [] }
        var head = body[..<colon]
        let partial = head.hasSuffix(" (mid-epoch)")
        if partial { head = head.dropLast(" (mid-epoch)".count) }
        guard let epoch = Int(head), StepMath.bounded(epoch) != nil else { return [] }
        var path = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        let best = path.hasSuffix(" (best so far)")
        if best { path = String(path.dropLast(" (best so far)".count)) }
        return [MetricRecord(kind: .checkpoint, step: lastStep, epoch: Double(epoch),
                             checkpoint: MetricCheckpoint(epoch: Double(epoch), step: partial ? lastStep : nil, path: path, best: best))]
    }
}

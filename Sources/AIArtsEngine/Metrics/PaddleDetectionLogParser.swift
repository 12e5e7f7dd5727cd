import Foundation

/// PaddleDetection training logs:
///
///     [01/02 10:00:00] ppdet.engine INFO: Epoch: [0] [ 20/500] learning_rate: 0.000100 loss: 1.234567 loss_cls: 0.5 eta: 1:02:03 batch_cost: 0.5000 data_cost: 0.0010 ips: 16.0000 images/s
///      Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.456
///
///     [01/02 10:05:00] ppdet.metrics.metrics INFO: mAP(0.50, integral) = 90.83%
///
/// The epoch is 0-based and the step is within the epoch (space padded). Evaluation prints
/// the COCO summary table; its first two rows (mAP and mAP@0.5 over all areas) are taken and
/// placed at the end of the last training epoch seen. VOC-style evaluation prints one
/// `mAP(IoU, method) = P%` line: `eval/mAP50` for IoU 0.50, else `eval/mAP<IoU·100>`, as a fraction.
/// The line's `[MM/DD HH:MM:SS]` is its time, in the current year (ppdet's format has none).
public struct PaddleDetectionLogParser: LogMetricParser {
    private var stepsPerEpoch: Int?
    private var lastEpoch: Int?  // 1-based
    public private(set) var skipped = SkipTally()
    private var clock = LogTimestamp()

    public init() {}

    public mutating func reset() { self = PaddleDetectionLogParser() }

    public mutating func feed(_ line: String) -> [MetricRecord] {
        var records = parse(line)
        if !records.isEmpty, let time = clock.parsePaddle(line) {
            for i in records.indices { records[i].wallTime = time }
        }
        return records
    }

    private mutating func parse(_ line: String) -> [MetricRecord] {
        if let body = line.after("Epoch: [") { return train(body) }
        if let body = line.after("mAP(") { return vocMAP(body) }
        if line.contains("Average Precision"), line.contains("area=   all"), let eq = line.lastIndex(of: "=") {
            guard let value = MetricText.number(line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)) else { return [] }
            let name: String
            if line.contains("IoU=0.50:0.95"), line.contains("maxDets=100") { name = "eval/mAP" }
            else if line.contains("IoU=0.50 ") { name = "eval/mAP50" }
            else { return [] }
            let step = lastEpoch.flatMap { e in stepsPerEpoch.flatMap { StepMath.product(e, $0) } }
            return [MetricRecord(kind: .eval, step: step, epoch: lastEpoch.map(Double.init), values: [(name, value)])]
        }
        return []
    }

    /// "0.50, integral) = 90.83%"
    private func vocMAP(_ body: Substring) -> [MetricRecord] {
        guard let comma = body.firstIndex(of: ","), let iou = Double(body[..<comma].trimmingCharacters(in: .whitespaces)),
              iou > 0, iou <= 1, let eq = body.lastIndex(of: "=") else { return [] }
        var text = body[body.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        let percent = text.hasSuffix("%")
        if percent { text.removeLast() }
        guard let number = Double(text), number.isFinite else { return [] }
        let name = "eval/mAP" + String(Int((iou * 100).rounded()))
        let step = lastEpoch.flatMap { e in stepsPerEpoch.flatMap { StepMath.product(e, $0) } }
        return [MetricRecord(kind: .eval, step: step, epoch: lastEpoch.map(Double.init), values: [(name, percent ? number / 100 : number)])]
    }

    private mutating func train(_ body: Substring) -> [MetricRecord] {
        // "0] [ 20/500] learning_rate: ..."
        guard let close = body.firstIndex(of: "]"), let epoch0 = Int(body[..<close]) else { return [] }
        var rest = body[body.index(after: close)...].drop { $0 == " " }
        guard rest.first == "[", let close2 = rest.firstIndex(of: "]"),
              let (step, total) = LogPairs.fraction(rest[rest.index(after: rest.startIndex)..<close2]) else { return [] }
        rest = rest[rest.index(after: close2)...]
        // "Epoch: [9223372036854775807]": skipped and counted, never an overflow trap.
        guard let epoch = StepMath.sum(epoch0, 1),
              let global = (total ?? stepsPerEpoch).map({ StepMath.global(epoch: epoch0, first: 0, perEpoch: $0, step: step) }) ?? StepMath.bounded(step)
        else { skipped.record(.numberOutOfRange); return [] }
        if let total { stepsPerEpoch = total }
        lastEpoch = epoch
        var record = MetricRecord(kind: .train, step: global, epoch: Double(epoch))
        for (key, value) in LogPairs.scan(rest) {
            switch key {
            case "eta": record.reportedETA = MetricText.duration(value)
            case "batch_cost":
                record.secondsPerStep = LogPairs.number(value)
                fallthrough
            default:
                if let v = LogPairs.number(value) { record.values.append((MetricText.seriesName(String(key)), v)) }
            }
        }
        return record.values.isEmpty ? [] : [record]
    }
}

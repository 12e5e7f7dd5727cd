import Foundation

/// PaddleSeg training logs (iteration based; the epoch is informational):
///
///     2023-01-01 10:00:00 [INFO]	[TRAIN] epoch: 1, iter: 10/1000, loss: 2.5000, lr: 0.010000, batch_cost: 0.2500, reader_cost: 0.01000, ips: 32.0000 samples/sec | ETA 00:04:07
///     2023-01-01 10:05:00 [INFO]	[EVAL] #Images: 500 mIoU: 0.6000 Acc: 0.9000 Kappa: 0.5000 Dice: 0.7000
///     2023-01-01 10:05:00 [INFO]	[EVAL] The model with the best validation mIoU (0.6000) was saved at iter 1000.
///
/// iter is the global step; evaluations sit at the last iteration seen.
public struct PaddleSegLogParser: LogMetricParser {
    private var lastIter: Int?
    private var lastEpoch: Double?
    public private(set) var skipped = SkipTally()
    private var clock = LogTimestamp()

    public init() {}

    public mutating func reset() { self = PaddleSegLogParser() }

    /// Each record carries its line's time.
    public mutating func feed(_ line: String) -> [MetricRecord] {
        var records = parse(line)
        if !records.isEmpty, let time = clock.parsePaddle(line) {
            for i in records.indices { records[i].wallTime = time }
        }
        return records
    }

    private mutating func parse(_ line: String) -> [MetricRecord] {
        if let body = line.after("[TRAIN] epoch: ") { return train("epoch: " + body) }
        if let body = line.after("[EVAL] The model with the best validation ") {
            guard let r = body.range(of: "saved at iter ") else { return [] }
            let iter = Int(body[r.upperBound...].prefix { $0.isNumber }).flatMap(StepMath.bounded)
            return [MetricRecord(kind: .checkpoint, step: iter, checkpoint: MetricCheckpoint(step: iter, best: true))]
        }
        if let body = line.after("[EVAL] #Images: ") {
            var record = MetricRecord(kind: .eval, step: lastIter, epoch: lastEpoch)
            for (key, value) in LogPairs.scan(body) {
                if let v = LogPairs.number(value) { record.values.append(("eval/\(key)", v)) }
            }
            return record.values.isEmpty ? [] : [record]
        }
        return []
    }

    private mutating func train(_ text: String) -> [MetricRecord] {
        var body = Substring(text)
        var record = MetricRecord(kind: .train)
        if let r = body.range(of: "| ETA ") {
            record.reportedETA = MetricText.duration(body[r.upperBound...].trimmingCharacters(in: .whitespaces))
            body = body[..<r.lowerBound]
        }
        for (key, value) in LogPairs.scan(body) {
            switch key {
            case "epoch": record.epoch = LogPairs.number(value)
            case "iter":
                guard let (iter, total) = LogPairs.fraction(value) else { return [] }
                guard StepMath.bounded(iter) != nil, total.map({ StepMath.bounded($0) != nil }) ?? true
                else { skipped.record(.numberOutOfRange); return [] }
                record.step = iter; record.steps = total
            case "batch_cost":
                record.secondsPerStep = LogPairs.number(value)
                fallthrough
            default:
                if let v = LogPairs.number(value) { record.values.append((MetricText.seriesName(String(key)), v)) }
            }
        }
        guard record.step != nil, !record.values.isEmpty else { return [] }
        lastIter = record.step; lastEpoch = record.epoch
        return [record]
    }
}

import Foundation

/// PaddleClas training logs:
///
///     [2023/05/10 10:00:00] ppcls INFO: [Train][Epoch 1/10][Iter: 10/100]lr(Cosine): 0.10000, top1: 0.50000, CELoss: 1.20000, loss: 1.20000, batch_cost: 0.30000s, reader_cost: 0.01000, ips: 100.00000 samples/s, eta: 0:01:00
///     [2023/05/10 10:01:00] ppcls INFO: [Train][Epoch 1/10][Avg]CELoss: 1.10000, loss: 1.10000, top1: 0.55000
///     [2023/05/10 10:01:05] ppcls INFO: [Eval][Epoch 1][Avg]CELoss: 1.00000, loss: 1.00000, top1: 0.60000, top5: 0.90000
///
/// Iterations are within the epoch and 0-based. Per-iteration eval lines are running
/// averages over a partial pass and are skipped; the "[Avg]" line is the evaluation.
public struct PaddleClasLogParser: LogMetricParser {
    private var stepsPerEpoch: Int?
    private var epochs: Int?
    public private(set) var skipped = SkipTally()
    private var clock = LogTimestamp()

    public init() {}

    public mutating func reset() { self = PaddleClasLogParser() }

    /// Each record carries its line's time ("[2023/05/10 10:00:00]").
    public mutating func feed(_ line: String) -> [MetricRecord] {
        var records = parse(line)
        if !records.isEmpty, let time = clock.parsePaddle(line) {
            for i in records.indices { records[i].wallTime = time }
        }
        return records
    }

    private mutating func parse(_ line: String) -> [MetricRecord] {
        let isTrain: Bool
        let body: Substring
        if let b = line.after("[Train][Epoch ") { isTrain = true; body = b }
        else if let b = line.after("[Eval][Epoch ") { isTrain = false; body = b }
        else { return [] }
        guard let close = body.firstIndex(of: "]"), let (epoch, total) = LogPairs.fraction(body[..<close]) else { return [] }
        if let total { epochs = total }
        var rest = body[body.index(after: close)...]
        var record = MetricRecord(kind: isTrain ? .train : .eval, epoch: Double(epoch), epochs: epochs)
        let group: String
        if rest.hasPrefix("[Avg]") {
            rest = rest.dropFirst(5)
            group = isTrain ? "train_epoch" : "eval"
            if let perEpoch = stepsPerEpoch {
                guard let step = StepMath.product(epoch, perEpoch) else { skipped.record(.numberOutOfRange); return [] }
                record.step = step
            }
        } else if isTrain, rest.hasPrefix("[Iter: "), let close = rest.firstIndex(of: "]"),
                  let (iter, total) = LogPairs.fraction(rest[rest.index(rest.startIndex, offsetBy: 7)..<close]) {
            if let total { stepsPerEpoch = total }
            guard let step = stepsPerEpoch.map({ StepMath.global(epoch: epoch, first: 1, perEpoch: $0, step: iter) }) ?? StepMath.bounded(iter)
            else { skipped.record(.numberOutOfRange); return [] }
            record.step = step
            if let s = stepsPerEpoch, let e = epochs { record.steps = StepMath.product(s, e) }
            rest = rest[rest.index(after: close)...]
            group = "train"
        } else {
            return []
        }
        for (key, value) in LogPairs.scan(rest) {
            // "lr(Cosine)" names the schedule; the series is the learning rate.
            let name = key.firstIndex(of: "(").map { String(key[..<$0]) } ?? String(key)
            switch name {
            case "eta": record.reportedETA = MetricText.duration(value)
            case "batch_cost":
                record.secondsPerStep = LogPairs.number(value)
                fallthrough
            default:
                guard let v = LogPairs.number(value) else { continue }
                record.values.append((group == "train" ? MetricText.seriesName(name) : "\(group)/\(name)", v))
            }
        }
        return record.values.isEmpty ? [] : [record]
    }
}

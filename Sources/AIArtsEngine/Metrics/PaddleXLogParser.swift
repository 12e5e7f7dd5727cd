import Foundation

/// PaddleX 2.x training logs:
///
///     2025-01-01 10:00:00 [INFO]	[TRAIN] Epoch=1/10, Step=2/50, loss=2.302585, acc1=0.125, lr=0.025, time_each_step=0.31s, eta=0:02:31
///     2025-01-01 10:00:30 [INFO]	[TRAIN] Epoch 1 finished, loss=2.1, acc1=0.3 .
///     2025-01-01 10:00:35 [INFO]	[EVAL] Finished, Epoch=1, acc1=0.60, acc5=0.9 .
///     2025-01-01 10:00:35 [INFO]	Model saved in output/epoch_1.
///     2025-01-01 10:00:35 [INFO]	Current evaluated best model in eval_dataset is epoch_1, acc1=0.6
///
/// Step is within the epoch; the global step is (epoch − 1) · steps-per-epoch + step, so
/// epoch summaries and evaluations sit at the last step of their epoch.
public struct PaddleXLogParser: LogMetricParser {
    var stepsPerEpoch: Int?
    var epochs: Int?
    private var clock = LogTimestamp()
    public internal(set) var skipped = SkipTally()

    public init() {}

    public mutating func reset() { self = PaddleXLogParser() }

    public mutating func feed(_ line: String) -> [MetricRecord] {
        var records = parse(line)
        if !records.isEmpty, let time = clock.parse(line) {
            for i in records.indices { records[i].wallTime = time }
        }
        return records
    }

    private mutating func parse(_ line: String) -> [MetricRecord] {
        if let body = line.after("[TRAIN] Epoch=") { return train("Epoch=" + body) }
        if let body = line.after("[TRAIN] Epoch ") { return epochSummary(body) }
        if let body = line.after("[EVAL] Finished, ") { return eval(body) }
        if let body = line.after("Model saved in ") {
            var path = body.trimmingCharacters(in: .whitespaces)
            if path.hasSuffix(".") { path.removeLast() }
            return [MetricRecord(kind: .checkpoint, checkpoint: MetricCheckpoint(epoch: Self.epoch(inDirectory: path), path: path))]
        }
        if let body = line.after("Current evaluated best model in ") {
            guard let r = body.range(of: " is epoch_") else { return [] }
            let digits = body[r.upperBound...].prefix { $0.isNumber }
            guard let e = Double(digits) else { return [] }
            return [MetricRecord(kind: .checkpoint, checkpoint: MetricCheckpoint(epoch: e, best: true))]
        }
        return []
    }

    private mutating func train(_ body: String) -> [MetricRecord] {
        var record = MetricRecord(kind: .train)
        var epoch: Int?, step: Int?
        for (key, value) in LogPairs.scan(body) {
            switch key {
            case "Epoch":
                guard let (e, total) = LogPairs.fraction(value) else { return [] }
                epoch = e; if let total { epochs = total }
            case "Step":
                guard let (s, total) = LogPairs.fraction(value) else { return [] }
                step = s; if let total { stepsPerEpoch = total }
            case "eta": record.reportedETA = MetricText.duration(value)
            case "time_each_step":
                record.secondsPerStep = LogPairs.number(value)
                if let v = record.secondsPerStep { record.values.append(("train/time_each_step", v)) }
            default:
                if let v = LogPairs.number(value) { record.values.append((MetricText.seriesName(String(key)), v)) }
            }
        }
        guard let epoch, let step else { return [] }
        guard !record.values.isEmpty else { return [] }
        // Any of the four numbers may be absurd; such a line is skipped, never fatal.
        guard let global = stepsPerEpoch.map({ StepMath.global(epoch: epoch, first: 1, perEpoch: $0, step: step) }) ?? StepMath.bounded(step)
        else { skipped.record(.numberOutOfRange); return [] }
        record.epoch = Double(epoch)
        record.epochs = epochs
        record.step = global
        if let s = stepsPerEpoch, let e = epochs { record.steps = StepMath.product(s, e) }
        return [record]
    }

    private mutating func epochSummary(_ body: Substring) -> [MetricRecord] {
        // "1 finished, loss=2.1, acc1=0.3 ."
        let digits = body.prefix { $0.isNumber }
        guard let epoch = Int(digits), body.dropFirst(digits.count).hasPrefix(" finished") else { return [] }
        var record = MetricRecord(kind: .train, epoch: Double(epoch), epochs: epochs)
        for (key, value) in LogPairs.scan(body) {
            if let v = LogPairs.number(value) { record.values.append(("train_epoch/\(key)", v)) }
        }
        guard !record.values.isEmpty else { return [] }
        guard let step = endStep(Double(epoch)) else { skipped.record(.numberOutOfRange); return [] }
        record.step = step
        return [record]
    }

    private mutating func eval(_ body: Substring) -> [MetricRecord] {
        var record = MetricRecord(kind: .eval)
        for (key, value) in LogPairs.scan(body) {
            if key == "Epoch" { record.epoch = LogPairs.number(value); continue }
            if let v = LogPairs.number(value) { record.values.append(("eval/\(key)", v)) }
        }
        guard let epoch = record.epoch, !record.values.isEmpty else { return [] }
        guard let step = endStep(epoch) else { skipped.record(.numberOutOfRange); return [] }
        record.step = step
        record.epochs = epochs
        return [record]
    }

    /// The last step of `epoch`: .some(nil) while steps per epoch are unknown, nil when the
    /// epoch is not a whole number in range ("Epoch=1e308", "nan").
    private func endStep(_ epoch: Double) -> Int?? {
        guard let e = StepMath.integer(epoch) else { return nil }
        guard let perEpoch = stepsPerEpoch else { return .some(nil) }
        guard let step = StepMath.product(e, perEpoch) else { return nil }
        return .some(step)
    }

    /// "output/epoch_3" → 3.
    static func epoch(inDirectory path: String) -> Double? {
        let last = path.split(separator: "/").last ?? ""
        guard last.hasPrefix("epoch_") else { return nil }
        return Double(last.dropFirst(6))
    }
}

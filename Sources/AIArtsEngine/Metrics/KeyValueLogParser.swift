import Foundation

/// The fallback for scripts that print their own lines: any numeric `key=value`, `key: value`
/// or `key:value` pair becomes a series ("loss=0.3 val_acc: 0.8" → train/loss, eval/acc).
/// epoch/step/iter keys (also as "3/10") set the position instead. A line needs at least one
/// numeric value to count, so prose and timestamps produce nothing.
public struct KeyValueLogParser: LogMetricParser {
    public init() {}
    public mutating func reset() {}

    public mutating func feed(_ raw: String) -> [MetricRecord] {
        let line = TerminalText.finalRedraw(raw)
        var record = MetricRecord(kind: .train)
        var evalValues: [(name: String, value: Double)] = []
        for (key, value) in LogPairs.scan(line) {
            switch key.lowercased() {
            case "epoch":
                guard let (e, total) = LogPairs.fraction(value) else { record.epoch = LogPairs.number(value); continue }
                record.epoch = Double(e); record.epochs = total
            case "step", "iter", "iteration", "global_step":
                guard let (s, total) = LogPairs.fraction(value) else { continue }
                // Steps beyond ±2^53 are not steps; dropping the position keeps the values.
                record.step = StepMath.bounded(s); record.steps = total.flatMap(StepMath.bounded)
            case "eta": record.reportedETA = MetricText.duration(value)
            default:
                guard let v = LogPairs.number(value) else { continue }
                let name = MetricText.seriesName(String(key))
                if name.hasPrefix("eval/") { evalValues.append((name, v)) } else { record.values.append((name, v)) }
            }
        }
        var out: [MetricRecord] = []
        if !record.values.isEmpty { out.append(record) }
        if !evalValues.isEmpty {
            var eval = record
            eval.kind = .eval; eval.values = evalValues; eval.reportedETA = nil
            out.append(eval)
        }
        return out
    }
}

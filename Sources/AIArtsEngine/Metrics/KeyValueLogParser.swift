import Foundation

/// The fallback for scripts that print their own lines: any numeric `key=value`, `key: value`
/// or `key:value` pair becomes a series ("loss=0.3 val_acc: 0.8" → train/loss, eval/acc).
/// epoch/step/iter keys (also as "3/10") set the position instead. A line needs at least one
/// numeric value to count, so prose and timestamps produce nothing.
///
/// Hand-written training loops print phrases rather than keys:
///
///     2024-03-01 12:01:00 Epoch [2/50] Train Loss: 1.94 Train Acc: 31.2% Val Loss: 1.91 Val Acc: 33.0%
///
/// A Train/Val/Validation/Eval/Test word before a key names its group (train/loss, eval/loss),
/// `Epoch [n/N]` is the position, a percentage is read as a fraction, and a leading
/// "YYYY-MM-DD HH:MM:SS" is the line's time.
public struct KeyValueLogParser: LogMetricParser {
    private var clock = LogTimestamp()

    public init() {}
    public mutating func reset() { self = KeyValueLogParser() }

    static let groupWords: [String: String] = [
        "train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val", "eval": "val", "test": "test",
    ]

    /// "Train Loss: 1.9" → "train_loss: 1.9"; "Epoch [2/50]" → "epoch=2/50".
    static func joinPhrases(_ line: String) -> String {
        // Both phrases need a ':' or a '['; `key=value` lines skip the second pass over their words.
        guard line.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "[") }) else { return line }
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var out: [String] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            if i + 1 < words.count, let group = groupWords[word.lowercased()], words[i + 1].hasSuffix(":"),
               words[i + 1].dropLast().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), words[i + 1].count > 1 {
                out.append(group + "_" + words[i + 1].lowercased()); i += 2; continue
            }
            if word.lowercased() == "epoch", i + 1 < words.count, words[i + 1].hasPrefix("["), words[i + 1].hasSuffix("]") {
                out.append("epoch=" + words[i + 1].dropFirst().dropLast()); i += 2; continue
            }
            out.append(word); i += 1
        }
        return out.joined(separator: " ")
    }

    public mutating func feed(_ raw: String) -> [MetricRecord] {
        let line = Self.joinPhrases(TerminalText.finalRedraw(raw))
        var record = MetricRecord(kind: .train, wallTime: clock.parse(raw))
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
                let percent = value.hasSuffix("%")
                guard let number = LogPairs.number(percent ? value.dropLast() : value) else { continue }
                let v = percent ? number / 100 : number
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

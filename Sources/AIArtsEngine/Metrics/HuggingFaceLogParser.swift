import Foundation

/// Hugging Face Trainer console lines: the dict it prints at each logging step, evaluation and
/// the end of training, often after a tqdm bar redraw on the same line:
///
///     {'loss': 0.6931, 'grad_norm': 1.234, 'learning_rate': 5e-05, 'epoch': 0.5}
///     {'eval_loss': np.float64(0.52), 'eval_accuracy': 0.81, 'eval_runtime': 1.2, 'epoch': 1.0}
///     {'train_runtime': 10.0, 'train_samples_per_second': 100.0, 'train_loss': 0.6, 'epoch': 3.0}
///     {'loss': '19.85', 'grad_norm': '3.1', 'learning_rate': '4.9e-05', 'epoch': '0.5'}   (transformers 5: quoted)
///
/// The console carries no step, only a fractional epoch (epochs completed), which orders the
/// points. The end-of-training summary goes under "summary/" so its average train_loss does not
/// land in the train/loss line.
public struct HuggingFaceLogParser: LogMetricParser {
    public init() {}
    public mutating func reset() {}

    public mutating func feed(_ line: String) -> [MetricRecord] {
        let text = TerminalText.finalRedraw(line)
        guard let open = text.range(of: "{'") ?? text.range(of: "{\""),
              let members = PythonDictLiteral.numericMembers(text[open.lowerBound...]) else { return [] }
        return Self.records(members).map { [$0] } ?? []
    }

    /// Classifies one logged dict (console or trainer_state.json log_history entry).
    static func records(_ members: [(key: String, value: Double)]) -> MetricRecord? {
        let keys = members.map(\.key)
        let kind: MetricRecordKind
        if keys.contains(where: { $0.hasPrefix("eval_") }) { kind = .eval }
        else if keys.contains("train_runtime") { kind = .other("summary") }
        else { kind = .train }
        var record = MetricRecord(kind: kind)
        for (key, value) in members {
            switch key {
            case "epoch": record.epoch = value.isFinite ? value : nil
            case "step": record.step = value.isFinite && value >= 0 && value < 1e15 ? Int(value) : nil
            default:
                let name: String
                switch kind {
                case .eval: name = key.hasPrefix("eval_") ? "eval/" + key.dropFirst(5) : "eval/\(key)"
                case .train: name = key == "learning_rate" ? "train/lr" : "train/\(key)"
                default: name = "summary/\(key)"
                }
                record.values.append((name, value))
            }
        }
        return record.values.isEmpty ? nil : record
    }
}

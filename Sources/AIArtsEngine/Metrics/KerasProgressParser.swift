import Foundation

/// Keras `fit` console output (Keras 3 and 2):
///
///     Epoch 3/10
///     32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 20ms/step - accuracy: 0.9000 - loss: 0.3000 - val_accuracy: 0.8500 - val_loss: 0.4000
///     32/32 [==============================] - 1s 20ms/step - loss: 0.3000 - accuracy: 0.9000
///
/// On a terminal every batch redraws the same line with \r or \b and ANSI colour, so one log
/// line holds a whole epoch of redraws: only the final one counts. `cur/target` counts batches
/// within the epoch. Progress lines after an epoch has finished and before the next "Epoch"
/// line come from evaluate(), and go under "test/", unless they carry `val_` keys.
public struct KerasProgressParser: LogMetricParser {
    private var epoch: Int?
    private var epochs: Int?
    private var epochFinished = false
    public private(set) var skipped = SkipTally()

    public init() {}

    public mutating func reset() { self = KerasProgressParser() }

    public mutating func feed(_ raw: String) -> [MetricRecord] {
        let line = TerminalText.finalRedraw(raw).trimmingCharacters(in: .whitespaces)
        if line.hasPrefix("Epoch "), let (e, total) = LogPairs.fraction(line.dropFirst(6)), let total {
            epoch = e; epochs = total; epochFinished = false
            return []
        }
        // "32/32 <bar> 1s 20ms/step - k: v - k: v"
        let parts = line.components(separatedBy: " - ")
        guard parts.count > 1, let head = parts.first, let slash = head.firstIndex(of: "/") else { return [] }
        let bar = head[head.index(after: slash)...].drop { $0.isNumber }
        guard let (current, target) = LogPairs.fraction(head[..<bar.startIndex]), let target, target > 0 else { return [] }
        // evaluate() prints no val_ keys: a line with them ends a fit() epoch even when the
        // "Epoch n/N" line before it is missing (a log cut with tail, a callback's own print).
        let validates = parts.dropFirst().contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("val_") }
        let evaluating = (epoch == nil || epochFinished) && !validates
        var train = MetricRecord(kind: evaluating ? .other("test") : .train)
        var validation = MetricRecord(kind: .eval)
        // Keras 3 puts "1s 20ms/step" before the first " - ", Keras 2 after it.
        for word in (bar + " " + parts[1]).split(separator: " ") where word.hasSuffix("/step") {
            train.secondsPerStep = Self.seconds(word.dropLast(5))
        }
        for part in parts.dropFirst() {
            guard let colon = part.firstIndex(of: ":"), let v = MetricText.number(part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            else { continue }
            let key = String(part[..<colon]).trimmingCharacters(in: .whitespaces)
            if evaluating { train.values.append(("test/\(key)", v)) }
            else if key.hasPrefix("val_") { validation.values.append(("eval/" + key.dropFirst(4), v)) }
            else { train.values.append((MetricText.seriesName(key), v)) }
        }
        if !evaluating, !epochFinished, let epoch {
            guard let step = StepMath.global(epoch: epoch, first: 1, perEpoch: target, step: current) else {
                if !train.values.isEmpty || !validation.values.isEmpty { skipped.record(.numberOutOfRange) }
                return []
            }
            train.step = step; validation.step = step
            train.epoch = Double(epoch); validation.epoch = Double(epoch)
            train.epochs = epochs; validation.epochs = epochs
            train.steps = epochs.flatMap { StepMath.product($0, target) }
            if current == target { epochFinished = true }
        }
        return [train, validation].filter { !$0.values.isEmpty }
    }

    /// "20ms" → 0.02, "1s" → 1, "350us" → 0.00035.
    static func seconds<S: StringProtocol>(_ text: S) -> Double? {
        for (unit, divisor) in [("ms", 1e3), ("us", 1e6), ("µs", 1e6), ("s", 1.0)] where text.hasSuffix(unit) {
            return MetricText.number(text.dropLast(unit.count)).map { $0 / divisor }
        }
        return nil
    }
}

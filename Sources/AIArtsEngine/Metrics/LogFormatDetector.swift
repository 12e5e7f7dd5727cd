import Foundation

/// The log formats aiarts reads without the metrics protocol.
public enum LogFormat: String, CaseIterable, Sendable {
    case paddleX, paddleDetection, paddleClas, paddleSeg, huggingFace, keras, csv, keyValue, aiartsTrain

    public func makeParser() -> any LogMetricParser {
        switch self {
        case .paddleX: return PaddleXLogParser()
        case .paddleDetection: return PaddleDetectionLogParser()
        case .paddleClas: return PaddleClasLogParser()
        case .paddleSeg: return PaddleSegLogParser()
        case .huggingFace: return HuggingFaceLogParser()
        case .keras: return KerasProgressParser()
        case .csv: return CSVMetricsParser()
        case .keyValue: return KeyValueLogParser()
        case .aiartsTrain: return AIArtsTrainLogParser()
        }
    }

    /// Formats with a distinctive line shape, most specific first; key=value matches nearly
    /// anything and CSV is chosen by file name, so neither is here.
    public static let specific: [LogFormat] = [.paddleX, .paddleSeg, .paddleDetection, .paddleClas, .huggingFace, .keras, .aiartsTrain]
}

/// Picks a format from a log's first lines.
public enum LogFormatDetector {
    /// The format whose parser produces records from the most of `lines`; key=value when no
    /// specific format matches but generic pairs do; nil when nothing in the lines is a metric.
    /// Files named *.csv are CSV whatever they hold.
    public static func detect(lines: [String], fileName: String? = nil) -> LogFormat? {
        if let fileName, fileName.lowercased().hasSuffix(".csv") { return .csv }
        var best: (format: LogFormat, hits: Int)?
        for format in LogFormat.specific {
            var parser = format.makeParser()
            // A line the parser skipped (a step out of range) is still a line of its format.
            let hits = lines.reduce(0) { count, line in
                let skips = parser.skipped.total
                return count + (parser.feed(line).isEmpty && parser.skipped.total == skips ? 0 : 1)
            }
            if hits > 0, hits > (best?.hits ?? 0) { best = (format, hits) }
        }
        if let best { return best.format }
        var generic = KeyValueLogParser()
        return lines.contains { !generic.feed($0).isEmpty } ? .keyValue : nil
    }
}

/// A parser for logs of unknown format: it feeds every line to each specific parser (keeping
/// their state, e.g. Keras's current epoch) until one produces a record, then uses that one
/// alone. Lines that only generic key=value would read are held back (up to `probeLimit`), so
/// they are not named one way now and another way once a specific format shows up; after
/// `probeLimit` such lines, or on `finish()`, key=value is adopted and they are replayed.
public struct AutoLogParser: LogMetricParser {
    public static let probeLimit = 64
    public private(set) var format: LogFormat?
    private var candidates: [(format: LogFormat, parser: any LogMetricParser)]
    private var locked: (any LogMetricParser)?
    private var held: [String] = []

    /// The chosen parser's skips; before one is chosen, those of the candidate that skipped most.
    public var skipped: SkipTally {
        if let locked { return locked.skipped }
        return candidates.map(\.parser.skipped).max { $0.total < $1.total } ?? SkipTally()
    }

    public init() {
        candidates = LogFormat.specific.map { ($0, $0.makeParser()) }
    }

    public mutating func reset() { self = AutoLogParser() }

    public mutating func feed(_ line: String) -> [MetricRecord] {
        if locked != nil { return locked!.feed(line) }
        for index in candidates.indices {
            let skips = candidates[index].parser.skipped.total
            let records = candidates[index].parser.feed(line)
            // A skipped line (a step out of range) shows the format as surely as a record does.
            if !records.isEmpty || candidates[index].parser.skipped.total != skips {
                format = candidates[index].format
                locked = candidates[index].parser
                candidates.removeAll()
                held.removeAll()
                return records
            }
        }
        var probe = KeyValueLogParser()
        if !probe.feed(line).isEmpty {
            held.append(line)
            if held.count >= Self.probeLimit { return finish() }
        }
        return []
    }

    /// Settles on key=value if nothing specific matched, returning the held lines' records.
    public mutating func finish() -> [MetricRecord] {
        guard locked == nil, !held.isEmpty else { return [] }
        var parser = KeyValueLogParser()
        format = .keyValue
        let records = held.flatMap { parser.feed($0) }
        locked = parser
        candidates.removeAll()
        held.removeAll()
        return records
    }
}

import Foundation

/// Turns a trainer's console or file log into records, one line at a time.
///
/// Parsers are stateful because many formats spread one observation's context over lines
/// (Keras prints "Epoch 3/10" before its progress line; evaluation lines belong to the last
/// training epoch). Lines arrive without their newline; progress-bar redraws and escape codes
/// are removed by the parser that expects them.
public protocol LogMetricParser: Sendable {
    /// Feeds one line; returns the records it completes (usually zero or one).
    mutating func feed(_ line: String) -> [MetricRecord]
    /// Forgets all state: the file was rewritten and will be fed again from its start.
    mutating func reset()
    /// Lines that matched the format but were skipped, by reason (e.g. a step out of range).
    var skipped: SkipTally { get }
}

extension LogMetricParser {
    /// Parsers that never skip a matching line report nothing.
    public var skipped: SkipTally { SkipTally() }

    /// The points of the records `line` completes.
    public mutating func points(_ line: String) -> [MetricPoint] { feed(line).flatMap(\.points) }

    /// Feeds many lines.
    public mutating func feed<S: Sequence>(lines: S) -> [MetricRecord] where S.Element == String {
        var out: [MetricRecord] = []
        for line in lines { out.append(contentsOf: feed(line)) }
        return out
    }
}

/// Finds `key=value`, `key: value` and `key:value` pairs in free text.
///
/// Tokens are split on whitespace with trailing commas and semicolons dropped, so one scanner
/// reads PaddleX ("loss=0.3, lr=0.01"), PaddleDetection ("loss: 1.2 eta: 1:02:03") and
/// PaddleClas ("top1: 0.5, loss: 1.2"). A key must start with a letter or underscore, which
/// keeps clock times ("10:00:00") and dates out.
public enum LogPairs {
    public static func scan<S: StringProtocol>(_ text: S) -> [(key: Substring, value: Substring)] {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { token -> Substring in
            // Trailing separators are trimmed on the UTF-8 view: a Character-wise dropLast loop
            // was quadratic on a token of 30 000 commas (seconds per line).
            let t = Substring(token)
            let utf8 = t.utf8
            var end = utf8.endIndex
            while end > utf8.startIndex {
                let before = utf8.index(before: end)
                guard utf8[before] == 0x2C || utf8[before] == 0x3B else { break }
                end = before
            }
            return t[t.startIndex..<end]
        }
        var out: [(key: Substring, value: Substring)] = []
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            if let eq = token.firstIndex(of: "=") {
                var key = token[..<eq]
                if let colon = key.lastIndex(of: ":") { key = key[key.index(after: colon)...] }  // "INFO:root:loss=0.3"
                let value = token[token.index(after: eq)...]
                if isKey(key), !value.isEmpty { out.append((key, value)) }
            } else if token.last == ":", token.count > 1 {
                let key = token.dropLast()
                if isKey(key), i + 1 < tokens.count {
                    out.append((key, tokens[i + 1]))
                    i += 1
                }
            } else if let colon = token.firstIndex(of: ":") {
                let key = token[..<colon], value = token[token.index(after: colon)...]
                if isKey(key), let first = value.first, first.isNumber || first == "-" || first == "." { out.append((key, value)) }
            }
            i += 1
        }
        return out
    }

    static func isKey(_ key: Substring) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || $0 == "/" || $0 == "-" || $0 == "(" || $0 == ")"
            || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }

    /// "2/50" → (2, 50); "3" → (3, nil).
    public static func fraction<S: StringProtocol>(_ text: S) -> (Int, Int?)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = parts.first, let n = Int(first.trimmingCharacters(in: .whitespaces)) else { return nil }
        if parts.count == 1 { return (n, nil) }
        guard parts.count == 2, let d = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        return (n, d)
    }

    /// A value such as "0.31s", "16.0", "nan": the number, with a trailing seconds unit tolerated.
    public static func number<S: StringProtocol>(_ text: S) -> Double? {
        if let v = MetricText.number(text) { return v }
        if text.hasSuffix("s") { return MetricText.number(text.dropLast()) }
        return nil
    }
}

extension String {
    /// The text after the first `marker`, or nil.
    func after(_ marker: String) -> Substring? {
        guard let r = range(of: marker) else { return nil }
        return self[r.upperBound...]
    }
}

import Foundation

/// Reads the JSON-lines protocol trainers write to $AIARTS_METRICS (docs/metrics-protocol.md):
///
///     {"type":"train","epoch":2,"epochs":10,"step":120,"steps":1000,"loss":0.31,"lr":0.01,"time":1763890000.1}
///     {"type":"eval","epoch":2,"acc1":0.91}
///     {"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2","best":true}
///
/// Reserved fields set the record's position; every other numeric field becomes the series
/// "\(type)/\(field)". Lines come from untrusted scripts: a bad one is counted and skipped.
public struct MetricsProtocolParser: Sendable {
    public private(set) var skipped = SkipTally()
    public private(set) var accepted = 0

    public init() {}

    /// Parses one line (no newline). `position` is recorded with the first skip of each reason.
    public mutating func parse<C: Collection>(line: C, at position: Int? = nil) -> MetricRecord? where C.Element == UInt8 {
        var bytes = Array(line)
        while let last = bytes.last, last == 0x0D || last == 0x20 || last == 0x09 { bytes.removeLast() }
        if bytes.isEmpty { return nil }  // blank lines are not worth a complaint
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes, maxDepth: 16)
        } catch {
            // Python's json.dumps writes NaN and Infinity bare; a loss that blew up is exactly
            // what must reach the chart. Only then pay for a second pass.
            guard let quoted = Self.quoteNonFiniteTokens(bytes), let retry = try? JSONDocument(bytes: quoted, maxDepth: 16) else {
                skipped.record(.notJSON, at: position); return nil
            }
            document = retry
        }
        return interpret(document.root, at: position)
    }

    public mutating func parse(_ line: String, at position: Int? = nil) -> MetricRecord? {
        parse(line: line.utf8, at: position)
    }

    private mutating func interpret(_ root: JSON, at position: Int?) -> MetricRecord? {
        guard root.kind == .object else { skipped.record(.notAnObject, at: position); return nil }
        guard let type = root["type"]?.string, !type.isEmpty else { skipped.record(.missingType, at: position); return nil }
        var record = MetricRecord(kind: MetricRecordKind(name: type))
        var checkpoint = MetricCheckpoint()
        var values: [(name: String, value: Double)] = []
        for (key, value) in root.members {
            switch key {
            case "type": continue
            case "step", "steps", "epochs":
                guard let n = value.int, n >= 0 else { skipped.record(.badField(key), at: position); return nil }
                guard StepMath.bounded(n) != nil else { skipped.record(.numberOutOfRange, at: position); return nil }
                if key == "step" { record.step = n } else if key == "steps" { record.steps = n } else { record.epochs = n }
            case "epoch":
                guard let e = Self.number(value), e.isFinite, e >= 0 else { skipped.record(.badField(key), at: position); return nil }
                record.epoch = e
            case "time":
                guard let t = Self.number(value), t.isFinite else { skipped.record(.badField(key), at: position); return nil }
                record.wallTime = t
            case "path" where record.kind == .checkpoint:
                guard let p = value.string else { skipped.record(.badField(key), at: position); return nil }
                checkpoint.path = p
            case "best" where record.kind == .checkpoint:
                guard let b = value.bool else { skipped.record(.badField(key), at: position); return nil }
                checkpoint.best = b
            default:
                if let v = Self.number(value) { values.append(("\(type)/\(key)", v)) }  // non-numbers are notes, not errors
            }
        }
        record.values = values
        if record.kind == .checkpoint {
            checkpoint.epoch = record.epoch; checkpoint.step = record.step
            record.checkpoint = checkpoint
        }
        accepted += 1
        return record
    }

    /// A number, or one of the non-finite spellings Python writes (quoted by the retry pass).
    private static func number(_ value: JSON) -> Double? {
        if let d = value.double { return d }
        switch value.string {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return nil
        }
    }

    /// Rewrites bare NaN, Infinity and -Infinity outside strings as quoted strings; nil when
    /// there were none (so the line's failure was something else).
    static func quoteNonFiniteTokens(_ bytes: [UInt8]) -> [UInt8]? {
        let tokens: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var inString = false, escaped = false, changed = false
        var i = 0
        scan: while i < bytes.count {
            let c = bytes[i]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else {
                for token in tokens where bytes[i...].starts(with: token) {
                    out.append(UInt8(ascii: "\"")); out.append(contentsOf: token); out.append(UInt8(ascii: "\""))
                    i += token.count; changed = true
                    continue scan
                }
            }
            out.append(c)
            i += 1
        }
        return changed ? out : nil
    }
}

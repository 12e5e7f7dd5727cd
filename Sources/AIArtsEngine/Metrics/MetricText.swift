import Foundation

/// Small text helpers shared by the log parsers: strict number parsing, durations, and the
/// naming convention that puts every series under a group ("train/", "eval/", ...).
public enum MetricText {
    /// Parses a decimal number the way log writers print them: optional sign, digits, point,
    /// exponent, or nan/inf/infinity in any case. Rejects hex, units and trailing text, which
    /// `Double(_:)` alone would partly accept.
    public static func number<S: StringProtocol>(_ text: S) -> Double? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count < 64 else { return nil }
        var i = utf8.startIndex
        var sign = 1.0
        if utf8[i] == UInt8(ascii: "-") || utf8[i] == UInt8(ascii: "+") {
            if utf8[i] == UInt8(ascii: "-") { sign = -1 }
            i = utf8.index(after: i)
        }
        guard i < utf8.endIndex else { return nil }
        let first = utf8[i] | 0x20
        if first == UInt8(ascii: "n") || first == UInt8(ascii: "i") {
            switch String(decoding: utf8[i...], as: UTF8.self).lowercased() {
            case "nan": return .nan
            case "inf", "infinity": return sign * .infinity
            default: return nil
            }
        }
        var digits = 0, sawPoint = false, sawExponent = false, expDigits = 0
        var j = i
        while j < utf8.endIndex {
            let c = utf8[j]
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): if sawExponent { expDigits += 1 } else { digits += 1 }
            case UInt8(ascii: "."): if sawPoint || sawExponent { return nil }; sawPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                if sawExponent || digits == 0 { return nil }
                sawExponent = true
                let next = utf8.index(after: j)
                if next < utf8.endIndex, utf8[next] == UInt8(ascii: "-") || utf8[next] == UInt8(ascii: "+") { j = next }
            default: return nil
            }
            j = utf8.index(after: j)
        }
        guard digits > 0, !sawExponent || expDigits > 0 else { return nil }
        return Double(String(text))
    }

    /// Parses "H:MM:SS", "M:SS", "1 day, 2:03:04" or "12.5s" into seconds (eta fields).
    public static func duration<S: StringProtocol>(_ text: S) -> Double? {
        var text = Substring(text)
        var days = 0.0
        if let comma = text.firstIndex(of: ","), let space = text.firstIndex(of: " "), space < comma {
            // Python's timedelta prints "1 day, 2:03:04".
            guard let d = Double(text[..<space]) else { return nil }
            days = d
            text = text[text.index(after: comma)...].drop { $0 == " " }
        }
        if text.hasSuffix("s"), !text.contains(":") { return number(text.dropLast()).map { $0 + days * 86400 } }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var seconds = 0.0
        for part in parts {
            guard let v = number(part), v >= 0, v.isFinite else { return nil }
            seconds = seconds * 60 + v
        }
        return seconds + days * 86400
    }

    /// Puts a free-form key under a group: "val_acc" → "eval/acc", "train_loss" → "train/loss",
    /// "lr" → "train/lr", "val/loss" → "eval/loss", anything else → "\(group)/key".
    /// One convention across Keras, Lightning, Hugging Face and key=value logs means the UI can
    /// overlay runs from different trainers.
    public static func seriesName(_ key: String, group: String = "train") -> String {
        if let slash = key.firstIndex(of: "/") {
            let head = key[..<slash], rest = key[key.index(after: slash)...]
            if let mapped = groupAlias(head) { return "\(mapped)/\(rest)" }
            return key
        }
        if let underscore = key.firstIndex(of: "_") {
            let head = key[..<underscore], rest = key[key.index(after: underscore)...]
            if !rest.isEmpty, let mapped = groupAlias(head) { return "\(mapped)/\(rest)" }
        }
        switch key.lowercased() {
        case "lr", "learning_rate": return "train/lr"
        default: return "\(group)/\(key)"
        }
    }

    private static func groupAlias(_ head: Substring) -> String? {
        switch head.lowercased() {
        case "train", "training": return "train"
        case "val", "valid", "validation", "eval", "metrics": return "eval"
        case "test": return "test"
        default: return nil
        }
    }
}

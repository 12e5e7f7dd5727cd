import Foundation

/// A metrics source that cannot be read at all. A single bad line or record is never an
/// error: it is counted in a `SkipTally` and the rest is read.
public struct MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case unreadable, notRegularFile, corrupt
    }
    public var kind: Kind
    public var path: String
    public var message: String

    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind; self.path = path; self.message = message
    }

    public var description: String { "\(path): \(message)" }

    static func unreadable(_ path: String, errno code: Int32, doing what: String) -> MetricsError {
        let reason = String(cString: strerror(code))
        return MetricsError(.unreadable, path: path, "cannot \(what) (\(reason)); check the file's permissions and that the disk is mounted")
    }
}

/// Why a line or record was skipped.
public enum MetricsSkipReason: Hashable, Sendable, CustomStringConvertible {
    case notJSON
    case notAnObject
    case missingType
    /// A reserved field had the wrong type or range (e.g. "step": 1.5).
    case badField(String)
    case lineTooLong
    case badChecksum
    case badRecord
    /// A step, epoch or count too large to compute with (e.g. "Epoch=9223372036854775807/10").
    case numberOutOfRange
    /// `<<<<<<<`, `=======` or `>>>>>>>`: a file committed mid-merge.
    case conflictMarker

    public var description: String {
        switch self {
        case .notJSON: return "not valid JSON"
        case .notAnObject: return "not a JSON object"
        case .missingType: return #"no "type" field (use "train", "eval" or "checkpoint")"#
        case let .badField(name): return #"field "\#(name)" has the wrong type"#
        case .lineTooLong: return "line too long"
        case .badChecksum: return "CRC32C mismatch"
        case .badRecord: return "undecodable record"
        case .numberOutOfRange: return "step or epoch out of range"
        case .conflictMarker: return "merge conflict marker"
        }
    }
}

/// Counts skipped lines by reason and keeps the first example of each, so a status line can
/// say "12 lines skipped: 11 not valid JSON (first at byte 4096), 1 line too long".
public struct SkipTally: Equatable, Sendable {
    public private(set) var counts: [MetricsSkipReason: Int] = [:]
    /// Byte offset (or line number, as the reader documents) of the first occurrence.
    public private(set) var firstAt: [MetricsSkipReason: Int] = [:]

    public init() {}

    public var total: Int { counts.values.reduce(0, +) }

    public mutating func record(_ reason: MetricsSkipReason, at position: Int? = nil) {
        counts[reason, default: 0] += 1
        if firstAt[reason] == nil, let position { firstAt[reason] = position }
    }

    public mutating func merge(_ other: SkipTally) {
        for (reason, count) in other.counts { counts[reason, default: 0] += count }
        for (reason, at) in other.firstAt where firstAt[reason] == nil { firstAt[reason] = at }
    }

    /// A one-line summary, most frequent reason first; empty when nothing was skipped.
    public var summary: String {
        guard total > 0 else { return "" }
        let parts = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.description < $1.key.description }
            .map { "\($0.value) \($0.key)" + (firstAt[$0.key].map { " (first at \($0))" } ?? "") }
        return "\(total) skipped: " + parts.joined(separator: ", ")
    }
}

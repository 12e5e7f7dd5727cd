import Foundation

/// Metric tables written as CSV, one row per logging event:
///
/// - Keras CSVLogger: `epoch,accuracy,loss,val_accuracy,val_loss` (sorted keys, epoch 0-based, "NA").
/// - Lightning CSVLogger `metrics.csv`: sorted columns with `epoch` (0-based) and `step`, sparse
///   rows (empty cells), and the whole file rewritten with a new header when a key appears.
/// - ultralytics `results.csv`: `epoch,time,train/box_loss,...,metrics/mAP50(B),...,lr/pg0`,
///   epoch 1-based; older versions pad fields with spaces and have no time column.
///
/// The first line is the header. A later line that is not a data row is taken as a new header
/// (a rewrite read by a tail that missed the reset), so rows always map to the right columns.
public struct CSVMetricsParser: LogMetricParser {
    public enum Flavor: Equatable, Sendable {
        case keras, lightning, ultralytics, generic

        /// Guesses the writer from a header row.
        public static func detect(header: [String]) -> Flavor {
            if header.contains("step") { return .lightning }
            if header.first == "epoch", header.contains(where: { $0.hasPrefix("train/") || $0.hasPrefix("metrics/") || $0.hasPrefix("lr/pg") }) {
                return .ultralytics
            }
            if header.first == "epoch" { return .keras }
            return .generic
        }
    }

    public private(set) var flavor: Flavor?
    public private(set) var header: [String]?
    private var names: [String?] = []
    private var ultralyticsFromZero: Bool?
    public private(set) var skipped = SkipTally()

    /// Leave `flavor` nil to detect it from the header.
    public init(flavor: Flavor? = nil) { self.flavor = flavor }

    public mutating func reset() { self = CSVMetricsParser(flavor: flavor) }

    public mutating func feed(_ line: String) -> [MetricRecord] {
        // A results.csv committed mid-merge: the markers are neither a header nor a row.
        if ["<<<<<<<", "=======", ">>>>>>>"].contains(where: line.hasPrefix) {
            skipped.record(.conflictMarker)
            return []
        }
        let fields = Self.split(line)
        guard !fields.isEmpty, fields != [""] else { return [] }
        if header == nil || !Self.isDataRow(fields) {
            adopt(header: fields)
            return []
        }
        return row(fields)
    }

    private mutating func adopt(header fields: [String]) {
        header = fields
        let flavor = self.flavor ?? Flavor.detect(header: fields)
        self.flavor = flavor
        names = fields.map { column -> String? in
            switch column {
            case "epoch", "step", "": return nil
            case "time" where flavor == .ultralytics: return "train/time"  // elapsed seconds, not wall time
            default:
                if flavor == .ultralytics, column.hasPrefix("lr/") { return "train/" + column }
                return MetricText.seriesName(column)
            }
        }
    }

    private mutating func row(_ fields: [String]) -> [MetricRecord] {
        guard let header else { return [] }
        var epoch: Double?, step: Int?
        var grouped: [(group: String, values: [(name: String, value: Double)])] = []
        for (index, field) in fields.enumerated() where index < header.count {
            guard let v = MetricText.number(field) else { continue }  // "", "NA", text
            switch header[index] {
            case "epoch":
                // Reported from 1. ultralytics counts from 1, but its older versions from 0: the
                // first row says which.
                if flavor == .ultralytics, ultralyticsFromZero == nil { ultralyticsFromZero = v == 0 }
                epoch = flavor == .ultralytics && ultralyticsFromZero != true ? v : v + 1
            // pandas' DataFrame.to_csv writes its index first, unnamed: for a Keras history, the epoch from 0.
            case "" where index == 0: epoch = epoch ?? v + 1
            case "step":
                // "1e308" or "inf" would trap in Int(_:); the row is skipped and counted.
                if v.isNaN || v < 0 { step = nil; continue }  // as before: no step
                guard let s = StepMath.integer(v) else { skipped.record(.numberOutOfRange); return [] }
                step = s
            default:
                guard let name = names[index] else { continue }
                let group = String(name.prefix { $0 != "/" })
                if let i = grouped.firstIndex(where: { $0.group == group }) { grouped[i].values.append((name, v)) }
                else { grouped.append((group, [(name, v)])) }
            }
        }
        return grouped.map { MetricRecord(kind: MetricRecordKind(name: $0.group), step: step, epoch: epoch, values: $0.values) }
    }

    /// True when `lines` read as a metrics CSV whatever the file is called (Keras's CSVLogger is
    /// usually given `training.log`): a header of two or more column names (a pandas index column
    /// may be unnamed), then data rows of the same width.
    public static func looksLikeCSV(_ lines: [String]) -> Bool {
        let rows = lines.lazy.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.prefix(8).map(split)
        guard let header = rows.first, header.count >= 2, !isDataRow(header),
              header.allSatisfy({ $0.isEmpty || isColumnName($0) }), header.contains(where: { !$0.isEmpty }) else { return false }
        let data = rows.dropFirst()
        return !data.isEmpty && data.allSatisfy { $0.count == header.count && isDataRow($0) }
    }

    /// A column name as the CSV writers make them: `val_loss`, `train/box_loss`, `metrics/mAP50(B)`, `lr-Adam`.
    static func isColumnName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_/-.()@:".unicodeScalars.contains($0) }
    }

    /// A data row has a number (or an empty or NA cell) in every column that has something.
    static func isDataRow(_ fields: [String]) -> Bool {
        fields.contains { MetricText.number($0) != nil } && fields.allSatisfy { $0.isEmpty || $0 == "NA" || MetricText.number($0) != nil }
    }

    /// Splits one CSV line; fields are trimmed (ultralytics pads them) and may be quoted.
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
        return fields
    }
}

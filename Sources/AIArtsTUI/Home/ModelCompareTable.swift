import AIArtsEngine
import AIArtsRender
import Foundation

/// A model comparison as a table: a row per figure, a column per version, the best value of each
/// row marked. The UI's compare view draws it and `aiarts model compare` prints it, so both show
/// the same thing (AIArtsRender's `Table`).
public enum ModelCompareTable {
    /// The header: the figure's column, then "M0001 v2" per version.
    public static func header(_ comparison: ModelComparison) -> [String] {
        [""] + comparison.entries.map(\.label)
    }

    /// The cells, best values followed by `mark`. Metric rows of a comparison whose evaluations were
    /// scored on different data carry no mark (the engine gives them no best).
    public static func rows(_ comparison: ModelComparison, mark: String) -> [[String]] {
        comparison.rows.map { row in
            [label(row)] + row.values.enumerated().map { i, value in
                let text = cell(value, row: row)
                return row.best.contains(i) ? text + " " + mark : text
            }
        }
    }

    /// What the first column says: the metric's name with which way is better.
    static func label(_ row: ModelComparisonRow) -> String {
        switch row.group {
        case .metric: return row.name + (row.better == .lower ? " ↓" : " ↑")
        default: return row.name
        }
    }

    /// One value as text; "-" for a missing one (its reason is in `notes`).
    public static func cell(_ value: ModelComparisonRow.Value, row: ModelComparisonRow) -> String {
        switch value {
        case .missing: return "-"
        case .text(let t): return Sanitize.line(t)
        case .number(let v):
            switch row.group {
            case .size: return ByteCountFormatter.string(fromByteCount: Int64(v), countStyle: .file)
            case .parameters: return parameters(Int(v))
            case .latency: return String(format: v < 10 ? "%.3f" : "%.1f", v)
            default: return String(format: "%.4g", v)
            }
        }
    }

    /// 11,689,512 as "11.69M"; small counts as they are.
    public static func parameters(_ n: Int) -> String {
        if n >= 1_000_000 { return String(format: "%.2fM", Double(n) / 1e6) }
        if n >= 10_000 { return String(format: "%.1fk", Double(n) / 1e3) }
        return String(n)
    }

    /// The table widget: columns as wide as their widest cell.
    public static func table(_ comparison: ModelComparison, mark: String, headerStyle: Style = Style(modifiers: [.bold, .underline])) -> Table {
        let header = header(comparison), rows = rows(comparison, mark: mark)
        let widths = header.indices.map { c in ([header] + rows).map { DisplayWidth.of(Sanitize.line($0[c])) }.max() ?? 1 }
        return Table(header: header, rows: rows, widths: widths.map { .fixed(max(1, $0)) },
                     alignments: [.left] + Array(repeating: .right, count: max(0, header.count - 1)),
                     columnSpacing: 2, headerStyle: headerStyle)
    }

    /// The size the table needs to show every row and column.
    public static func size(of table: Table) -> Size {
        let width = table.widths.reduce(0) { total, w in if case .fixed(let n) = w { return total + n }; return total } + max(0, table.widths.count - 1) * table.columnSpacing
        return Size(width: width, height: table.rows.count + 1)
    }

    /// The lines under the table: the warnings, then each distinct reason a cell is empty.
    public static func notes(_ comparison: ModelComparison) -> [String] {
        var lines = comparison.warnings.map { "! " + Sanitize.line($0) }
        var seen = Set<String>()
        for row in comparison.rows where row.group == .parameters || row.group == .latency {
            for (i, value) in row.values.enumerated() {
                guard case .missing(let reason?) = value, i < comparison.entries.count else { continue }
                let line = "\(row.name) of \(comparison.entries[i].label): \(Sanitize.line(reason))"
                if seen.insert(line).inserted { lines.append(line) }
            }
        }
        for entry in comparison.entries {
            if let latency = entry.latency, let ms = latency.msPerImage {
                lines.append("\(entry.label): \(String(format: "%.3f", ms)) ms per image (p90 \(latency.p90Ms.map { String(format: "%.3f", $0) } ?? "-")), "
                             + "\(Sanitize.line(latency.runtime)), input \(Sanitize.line(latency.input)), \(latency.threads) thread, \(latency.runs) runs, "
                             + "measured \(latency.measuredAt.formatted(.iso8601))")
            }
        }
        return lines
    }
}

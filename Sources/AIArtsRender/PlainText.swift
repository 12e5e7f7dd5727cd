/// Widgets drawn for a pipe or a file rather than a screen (`aiarts gpu`, `aiarts task eval`):
/// the buffer's text without its styles, and tables as wide as what they hold.
extension Buffer {
    /// Each row's text with the blanks at its end removed; styles are dropped.
    public func plainLines() -> [String] {
        lines().map { line in
            var end = line.endIndex
            while end > line.startIndex, line[line.index(before: end)] == " " { end = line.index(before: end) }
            return String(line[..<end])
        }
    }
}

extension Table {
    /// Column widths that fit the header and every cell (sanitized, measured by display width), with
    /// `minimum` where a column must be wider (one a widget is drawn into).
    public static func contentWidths(header: [String], rows: [[String]], minimum: [Int: Int] = [:]) -> [Int] {
        header.indices.map { column in
            let widest = ([header] + rows).map { $0.indices.contains(column) ? DisplayWidth.of(Sanitize.line($0[column])) : 0 }.max() ?? 0
            return max(widest, minimum[column] ?? 0)
        }
    }

    /// The cells `widths` take side by side with `spacing` between them.
    public static func totalWidth(_ widths: [Int], spacing: Int) -> Int {
        widths.reduce(0, +) + spacing * max(0, widths.count - 1)
    }
}

/// A confusion matrix as the task screen and `aiarts task eval` show it: a row per true class
/// headed by its label, a column per predicted class headed by the start of its label, each count
/// right-aligned in its cell with a background for its share of the row (`heat`; plain text
/// shows the counts alone). Columns that do not fit the area are left out, from the right.
///
///     true\pred circ squa tria
///     circle      14    1    0
///     square       0   12    2
public struct ConfusionMatrix: Widget {
    public var labels: [String]
    /// counts[true][predicted].
    public var counts: [[Int]]
    public var headerStyle: Style
    public var cornerStyle: Style
    /// The style of a cell holding `share` (0...1) of its row.
    public var heat: (Double) -> Style

    public init(labels: [String], counts: [[Int]], headerStyle: Style = Style(modifiers: .bold), cornerStyle: Style = Style(modifiers: .dim),
                heat: @escaping (Double) -> Style = { _ in .plain }) {
        self.labels = labels.map(Sanitize.line); self.counts = counts
        self.headerStyle = headerStyle; self.cornerStyle = cornerStyle; self.heat = heat
    }

    static let corner = "true\\pred"

    /// The row labels' column: as wide as the longest label, from 9 (the corner's text) to 12 cells.
    public var labelWidth: Int { min(12, max(DisplayWidth.of(Self.corner), labels.map(DisplayWidth.of).max() ?? 0)) }

    /// A cell: a space, then the largest count right-aligned (at least 4 cells, as "9999").
    public var cellWidth: Int { 1 + max(4, String(counts.lazy.flatMap { $0 }.max() ?? 0).count) }

    /// The area the whole matrix takes: a header line and a line per true class.
    public var size: Size {
        let columns = max(counts.count, counts.map(\.count).max() ?? 0)
        return Size(width: labelWidth + cellWidth * columns, height: 1 + counts.count)
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let cell = cellWidth, first = area.x + labelWidth
        var y = area.y
        buffer.set(x: area.x, y: y, string: DisplayWidth.truncate(Self.corner, to: min(labelWidth, area.width)), style: cornerStyle)
        var x = first
        for label in labels where x + cell <= area.maxX {
            buffer.set(x: x + 1, y: y, string: DisplayWidth.truncate(label, to: cell - 1), style: headerStyle)
            x += cell
        }
        y += 1
        for (i, row) in counts.enumerated() where y < area.maxY {
            let total = max(1, row.reduce(0) { $0 + max(0, $1) })
            let name = labels.indices.contains(i) ? labels[i] : "?"
            buffer.set(x: area.x, y: y, string: DisplayWidth.truncate(name, to: min(labelWidth, area.width)))
            x = first
            for count in row where x + cell <= area.maxX {
                let text = String(count)
                let padded = String(repeating: " ", count: max(0, cell - text.count)) + text
                buffer.set(x: x, y: y, string: padded, style: heat(Double(max(0, count)) / Double(total)))
                x += cell
            }
            y += 1
        }
    }
}

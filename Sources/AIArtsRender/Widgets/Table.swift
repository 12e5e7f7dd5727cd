public enum Alignment: Sendable { case left, right }

/// Rows and columns with a header, a highlighted selected row and vertical scrolling. Column widths
/// are `Constraint`s (fixed / percentage / fill); cells too wide for their column end in "…".
/// Cells are untrusted text and are sanitized to a single line here.
public struct Table: Widget {
    public var header: [String]
    public var rows: [[String]]
    public var widths: [Constraint]
    public var alignments: [Alignment]
    public var selected: Int?
    /// First row shown; adjusted at render time so the selected row is always visible.
    public var offset: Int
    public var columnSpacing: Int
    public var headerStyle: Style
    public var selectedStyle: Style
    /// Shown (dimmed) when there are no rows.
    public var emptyText: String

    public init(header: [String], rows: [[String]], widths: [Constraint], alignments: [Alignment] = [],
                selected: Int? = nil, offset: Int = 0, columnSpacing: Int = 1,
                headerStyle: Style = Style(modifiers: [.bold, .underline]),
                selectedStyle: Style = Style(modifiers: .reverse), emptyText: String = "") {
        self.header = header; self.rows = rows; self.widths = widths; self.alignments = alignments
        self.selected = selected; self.offset = offset; self.columnSpacing = columnSpacing
        self.headerStyle = headerStyle; self.selectedStyle = selectedStyle; self.emptyText = emptyText
    }

    /// Rows of data that fit in `height` (the header takes one line when present).
    public func visibleRows(height: Int) -> Int { max(0, height - (header.isEmpty ? 0 : 1)) }

    /// The first row to show so that `selected` is on screen, moving as little as possible from `offset`.
    public static func scrollOffset(selected: Int?, offset: Int, visible: Int, count: Int) -> Int {
        guard visible > 0, count > 0 else { return 0 }
        var first = min(max(0, offset), max(0, count - visible))
        if let s = selected {
            if s < first { first = s }
            if s >= first + visible { first = s - visible + 1 }
        }
        return max(0, first)
    }

    /// Where each column starts and how wide it is inside `area`.
    public func columns(in area: Rect) -> [Rect] {
        guard !widths.isEmpty else { return [] }
        var parts: [Constraint] = []
        for (i, w) in widths.enumerated() {
            if i > 0 { parts.append(.fixed(columnSpacing)) }
            parts.append(w)
        }
        return area.split(.horizontal, parts).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let columns = columns(in: area)
        var y = area.y
        if !header.isEmpty {
            drawRow(header, columns: columns, y: y, style: headerStyle, buffer: &buffer)
            y += 1
        }
        let visible = visibleRows(height: area.height)
        if rows.isEmpty {
            if visible > 0, !emptyText.isEmpty {
                buffer.set(x: area.x, y: y, string: DisplayWidth.truncate(Sanitize.line(emptyText), to: area.width),
                           style: Style(modifiers: .dim))
            }
            return
        }
        let first = Self.scrollOffset(selected: selected, offset: offset, visible: visible, count: rows.count)
        for (i, row) in rows[first..<min(rows.count, first + visible)].enumerated() {
            let index = first + i
            let rowY = y + i
            drawRow(row, columns: columns, y: rowY, style: .plain, buffer: &buffer)
            if index == selected {
                buffer.patchStyle(Rect(x: area.x, y: rowY, width: area.width, height: 1), selectedStyle)
            }
        }
    }

    private func drawRow(_ row: [String], columns: [Rect], y: Int, style: Style, buffer: inout Buffer) {
        for (c, column) in columns.enumerated() where c < row.count && column.width > 0 {
            let text = DisplayWidth.truncate(Sanitize.line(row[c]), to: column.width)
            let alignment = c < alignments.count ? alignments[c] : .left
            let x = alignment == .right ? column.maxX - DisplayWidth.of(text) : column.x
            buffer.set(x: x, y: y, string: text, style: style, maxWidth: column.maxX - x)
        }
    }
}

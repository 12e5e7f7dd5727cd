import AIArtsRender

/// The selected dataset in detail: status and its message, counts, splits, failures, and its labels
/// with counts (scrollable when the pane has focus).
struct DetailPane: Widget {
    var state: HomeState

    /// Lines above the labels table: type, status, message, counts, splits, failed, progress.
    static func summaryLines(_ row: DatasetRow, width: Int, theme: Theme = .monochrome) -> [(String, Style)] {
        var lines: [(String, Style)] = [
            ("type    \(row.type)", .plain),
            ("status  \(row.status)", theme.status(row.status)),
        ]
        if !row.statusMessage.isEmpty {
            // At most three lines of message, so a long one cannot push the labels off the pane.
            let message = Paragraph.layout(row.statusMessage, width: max(1, width - 2))
            lines += message.prefix(3).map { ("  " + $0, theme.muted) }
        }
        lines.append(("images  \(row.images)   annotations \(row.annotations)", .plain))
        lines.append(("train \(row.train) · val \(row.val) · test \(row.test)", .plain))
        lines.append(("failed  \(row.failed)", row.failed > 0 ? theme.error : .plain))
        return lines
    }

    /// Where the labels table goes inside the pane's inner area (used by `update` to page).
    static func labelsArea(in inner: Rect, row: DatasetRow) -> Rect {
        let used = summaryLines(row, width: inner.width).count + (row.isBusy ? 1 : 0) + 1
        return Rect(x: inner.x, y: inner.y + used, width: inner.width, height: inner.height - used)
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let focused = state.home.focus == .detail
        guard let row = state.selectedDataset else {
            buffer.render(state.theme.block("Detail", focused: focused, ascii: state.ascii), in: area)
            return
        }
        let block = state.theme.block("\(row.id) \(row.name)", focused: focused, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        guard !inner.isEmpty else { return }
        var y = inner.y
        for (text, style) in Self.summaryLines(row, width: inner.width, theme: state.theme) where y < inner.maxY {
            buffer.set(x: inner.x, y: y, string: DisplayWidth.truncate(text, to: inner.width), style: style)
            y += 1
        }
        if row.isBusy, y < inner.maxY {
            buffer.render(Gauge(ratio: row.progress, style: state.theme.gauge, ascii: state.ascii), in: Rect(x: inner.x, y: y, width: inner.width, height: 1))
        }
        let labels = Table(
            header: ["LABEL", "COUNT"],
            rows: row.labels.map { [$0.name, String($0.count)] },
            widths: [.fill(1), .fixed(7)], alignments: [.left, .right],
            selected: focused && !row.labels.isEmpty ? state.home.labels.selected : nil, offset: state.home.labels.offset,
            headerStyle: state.theme.columnHeader, selectedStyle: state.theme.selection, emptyText: "no labels")
        buffer.render(labels, in: Self.labelsArea(in: inner, row: row))
    }
}

import AIArtsRender

/// The key list, drawn over the middle of the screen; any key but q closes it.
struct HelpOverlay: Widget {
    var ascii: Bool

    static let entries: [(String, String)] = [
        ("↑ ↓  j k", "move the selection"),
        ("PgUp PgDn", "move by a page"),
        ("g G  Home End", "first / last row"),
        ("Tab  S-Tab", "next / previous pane"),
        ("r", "reload the workspace"),
        ("?", "this help"),
        ("q", "quit"),
    ]

    func render(in area: Rect, buffer: inout Buffer) {
        let keyWidth = Self.entries.map { DisplayWidth.of($0.0) }.max() ?? 0
        let textWidth = Self.entries.map { DisplayWidth.of($0.1) }.max() ?? 0
        let box = area.centered(width: keyWidth + textWidth + 6, height: Self.entries.count + 4)
        let block = Block(title: "Keys", focused: true, ascii: ascii)
        buffer.render(block, in: box)
        let inner = block.inner(box)
        for (i, (key, text)) in Self.entries.enumerated() where inner.y + i < inner.maxY {
            let k = ascii ? key.replacingOccurrences(of: "↑ ↓", with: "up dn") : key
            let x = inner.x + 1
            buffer.set(x: x, y: inner.y + i, string: k, style: Theme.key, maxWidth: inner.maxX - x)
            buffer.set(x: x + keyWidth + 2, y: inner.y + i, string: text, maxWidth: max(0, inner.maxX - x - keyWidth - 2))
        }
        if inner.height > Self.entries.count + 1 {
            buffer.set(x: inner.x + 1, y: inner.maxY - 1, string: "any key closes", style: Theme.muted, maxWidth: inner.width - 1)
        }
    }
}

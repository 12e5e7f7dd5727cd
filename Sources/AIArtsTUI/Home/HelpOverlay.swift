import AIArtsRender

/// The keys of the active keymap for the focused pane, drawn over the middle of the screen, with the
/// keys that close it; any key without a binding of its own closes it too.
struct HelpOverlay: Widget {
    var state: HomeState

    /// (keys, what they do), one row per help line: the screen's (Home, or the GPU screen), then
    /// the help's own.
    static func entries(_ state: HomeState) -> [(String, String)] {
        [state.keyContext == .help ? state.screenContext : state.keyContext, .help].flatMap { context in
            ActionHelp.lines(for: context, pane: state.home.focus).map {
                (KeyHints.help($0, keymap: state.keymap, context: context, ascii: state.ascii), $0.text)
            }
        }
        .filter { !$0.0.isEmpty }
    }

    /// Rows of entries that fit at a terminal size: the box leaves the header and footer showing.
    static func rows(_ size: Size) -> Int { max(1, size.height - 2 - 4) }

    func render(in area: Rect, buffer: inout Buffer) {
        let all = Self.entries(state)
        let fit = Self.rows(Size(width: area.width, height: area.height))
        let offset = min(state.helpOffset, max(0, all.count - fit))
        let entries = Array(all.dropFirst(offset).prefix(fit))
        let more = all.count > fit
        let theme = state.theme
        let title = state.keymap.name.isEmpty ? "Keys" : "Keys (\(state.keymap.name))"
        // The key column is capped so a keymap with many keys cannot push the descriptions off screen.
        let keyWidth = min(28, entries.map { DisplayWidth.of($0.0) }.max() ?? 0)
        let textWidth = entries.map { DisplayWidth.of($0.1) }.max() ?? 0
        let box = area.centered(width: max(keyWidth + textWidth + 6, DisplayWidth.of(title) + 6), height: entries.count + 4)
            .intersection(Rect(x: area.x, y: area.y + 1, width: area.width, height: max(0, area.height - 2)))
        let block = theme.block(title, focused: true, ascii: state.ascii)
        buffer.render(block, in: box)
        let inner = block.inner(box)
        for (i, (keys, text)) in entries.enumerated() where inner.y + i < inner.maxY {
            let x = inner.x + 1
            buffer.set(x: x, y: inner.y + i, string: DisplayWidth.truncate(keys, to: keyWidth), style: theme.key,
                       maxWidth: inner.maxX - x)
            buffer.set(x: x + keyWidth + 2, y: inner.y + i, string: text, maxWidth: max(0, inner.maxX - x - keyWidth - 2))
        }
        if inner.height > entries.count + 1 {
            let position = more ? "\(offset + 1)–\(offset + entries.count) of \(all.count), ↑↓ scroll · " : ""
            buffer.set(x: inner.x + 1, y: inner.maxY - 1, string: position + "any other key closes", style: theme.muted, maxWidth: inner.width - 1)
        }
    }
}

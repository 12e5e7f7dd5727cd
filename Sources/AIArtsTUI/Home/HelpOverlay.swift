import AIArtsRender

/// The keys of the active keymap for the focused pane, drawn over the middle of the screen, with the
/// keys that close it; any key without a binding of its own closes it too.
struct HelpOverlay: Widget {
    var state: HomeState

    /// (keys, what they do), one row per help line: the screen's (Home, or the GPU screen), then
    /// the help's own.
    static func entries(_ state: HomeState) -> [(String, String)] {
        [state.keyContext == .help ? (state.review != nil ? .review : state.showGPUs || state.showModels ? .gpu : state.openTaskID != nil ? .task : state.openDatasetID != nil ? .dataset : .home)
            : state.keyContext, .help].flatMap { context in
            ActionHelp.lines(for: context, pane: state.focus).filter { !state.showModels || !$0.actions.contains(.sort) && !$0.actions.contains(.openTask) }.map {
                (KeyHints.help($0, keymap: state.keymap, context: context, ascii: state.ascii), $0.text)
            }
        }
        .filter { !$0.0.isEmpty }
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let entries = Self.entries(state)
        let theme = state.theme
        let title = state.keymap.name.isEmpty ? "Keys" : "Keys (\(state.keymap.name))"
        // The key column is capped so a keymap with many keys cannot push the descriptions off screen.
        let keyWidth = min(28, entries.map { DisplayWidth.of($0.0) }.max() ?? 0)
        let textWidth = entries.map { DisplayWidth.of($0.1) }.max() ?? 0
        let box = area.centered(width: max(keyWidth + textWidth + 6, DisplayWidth.of(title) + 6), height: entries.count + 4)
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
            buffer.set(x: inner.x + 1, y: inner.maxY - 1, string: "any other key closes", style: theme.muted, maxWidth: inner.width - 1)
        }
    }
}

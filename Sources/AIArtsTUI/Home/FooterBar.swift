import AIArtsRender

/// Bottom line: the keys that work in the focused pane, taken from the active keymap, or the last error.
struct FooterBar: Widget {
    var state: HomeState

    /// (keys, what they do) for each footer entry of the focused pane and the current context.
    static func entries(_ state: HomeState) -> [(String, String)] {
        ActionHelp.lines(for: state.keyContext, pane: state.home.focus).compactMap { line in
            guard let text = line.footer,
                  let keys = KeyHints.footer(line, keymap: state.keymap, context: state.keyContext, ascii: state.ascii) else { return nil }
            return (keys, text)
        }
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        buffer.fill(area, .plain)
        if let line = state.commandLine {
            buffer.set(x: area.x, y: area.y, string: ":" + line + (state.ascii ? "_" : "▏"), style: theme.key, maxWidth: area.width)
            return
        }
        if let notice = state.notice {
            buffer.set(x: area.x, y: area.y, string: DisplayWidth.truncate(" " + notice.text, to: area.width),
                       style: notice.isError ? theme.error : theme.key)
            return
        }
        if let error = state.error {
            buffer.set(x: area.x, y: area.y, string: DisplayWidth.truncate(" error: " + error, to: area.width),
                       style: theme.error)
            return
        }
        var x = area.x + 1
        for (key, action) in Self.entries(state) {
            x += buffer.set(x: x, y: area.y, string: key, style: theme.key, maxWidth: area.maxX - x)
            x += buffer.set(x: x, y: area.y, string: " \(action)  ", maxWidth: area.maxX - x)
        }
        if state.loading, area.maxX - x >= 9 {
            buffer.set(x: area.maxX - 9, y: area.y, string: "loading… ", style: theme.muted)
        }
    }
}

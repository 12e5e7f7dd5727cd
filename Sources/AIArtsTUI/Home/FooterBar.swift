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

    /// What the footer must keep whatever the width: the way back, undo, help and quit.
    static let essential: Set<String> = ["back", "close", "undo", "help", "quit", "yes", "no"]

    /// The entries that fit in `width`: every one when they all do; else the later ones that are not
    /// essential give way first, so a narrow terminal still shows how to leave and undo.
    static func fitting(_ entries: [(String, String)], width: Int) -> [(String, String)] {
        func used(_ e: [(String, String)]) -> Int { e.reduce(0) { $0 + DisplayWidth.of($1.0) + DisplayWidth.of($1.1) + 3 } - 2 }
        var kept = entries
        while used(kept) > width, let i = kept.lastIndex(where: { !essential.contains($0.1) }) { kept.remove(at: i) }
        return kept
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
        for (key, action) in Self.fitting(Self.entries(state), width: area.width - 1 - (state.loading ? 9 : 0)) {
            x += buffer.set(x: x, y: area.y, string: key, style: theme.key, maxWidth: area.maxX - x)
            x += buffer.set(x: x, y: area.y, string: " \(action)  ", maxWidth: area.maxX - x)
        }
        if state.loading, area.maxX - x >= 9 {
            buffer.set(x: area.maxX - 9, y: area.y, string: "loading… ", style: theme.muted)
        }
    }
}

import AIArtsRender

/// Bottom line: the keys that work in the focused pane, or the last error.
struct FooterBar: Widget {
    var state: HomeState

    static func keys(for pane: HomePane) -> [(String, String)] {
        let move: (String, String) = pane == .detail ? ("↑↓", "labels") : ("↑↓/jk", "move")
        return [move, ("Tab", "next pane"), ("r", "reload"), ("?", "help"), ("q", "quit")]
    }

    func render(in area: Rect, buffer: inout Buffer) {
        buffer.fill(area, .plain)
        if let error = state.error {
            buffer.set(x: area.x, y: area.y, string: DisplayWidth.truncate(" error: " + error, to: area.width),
                       style: Theme.error)
            return
        }
        var x = area.x + 1
        for (key, action) in Self.keys(for: state.focus) {
            let k = state.ascii ? key.replacingOccurrences(of: "↑↓", with: "up/dn") : key
            x += buffer.set(x: x, y: area.y, string: k, style: Theme.key, maxWidth: area.maxX - x)
            x += buffer.set(x: x, y: area.y, string: " \(action)  ", maxWidth: area.maxX - x)
        }
        if state.loading, area.maxX - x >= 9 {
            buffer.set(x: area.maxX - 9, y: area.y, string: "loading… ", style: Theme.muted)
        }
    }
}

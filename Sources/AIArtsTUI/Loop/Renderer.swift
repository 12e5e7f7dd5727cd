import AIArtsRender

/// Keeps the last frame shown and sends the backend only the cells that changed.
final class Renderer {
    private(set) var last: Buffer?

    /// Forget the screen (after a resize or resume): the next frame is drawn in full.
    func invalidate() { last = nil }

    func draw(_ frame: Buffer, on backend: TerminalBackend) {
        let changes: [(x: Int, y: Int, cell: Cell)]
        if let last, last.size == frame.size {
            changes = frame.diff(from: last)
        } else {
            backend.clear()
            // A cleared screen is blank, so only cells that differ from blank need writing.
            changes = frame.diff(from: Buffer(size: frame.size))
        }
        if !changes.isEmpty || last == nil {
            backend.draw(changes)
            backend.flush()
        }
        // Images: sent again only when they change or the screen was cleared (which drops them).
        let shown = last?.size == frame.size ? last?.graphics ?? [] : []
        if frame.graphics != shown {
            let kept = Set(frame.graphics.map(\.id))
            backend.showGraphics(frame.graphics.filter { !shown.contains($0) },
                                 deleting: Array(Set(shown.map(\.id)).subtracting(kept)))
        }
        last = frame
    }
}

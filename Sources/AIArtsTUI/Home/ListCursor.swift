import AIArtsRender

/// The selected row of a list and its first visible row, kept in state so scrolling stays put
/// between frames (the view only nudges it to keep the selection on screen).
public struct ListCursor: Equatable, Sendable {
    public var selected = 0
    public var offset = 0

    public init(selected: Int = 0, offset: Int = 0) { self.selected = selected; self.offset = offset }

    /// Moves by `delta` rows, clamped to `count`, scrolling so the selection stays within `visible` rows.
    public mutating func move(by delta: Int, count: Int, visible: Int) {
        guard count > 0 else { self = ListCursor(); return }
        selected = min(count - 1, max(0, selected + delta))
        offset = Table.scrollOffset(selected: selected, offset: offset, visible: visible, count: count)
    }

    /// Keeps the cursor valid after the list changed length.
    public mutating func clamp(count: Int, visible: Int) { move(by: 0, count: count, visible: visible) }
}

import AIArtsRender

/// What the loop needs from a terminal. Only `NcursesBackend` talks to a real one; `TestBackend`
/// keeps a Buffer that tests read back.
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// File descriptors that become readable when `pollKey()` has something (keys, signals).
    /// The loop poll()s these together with its own wake-up pipe.
    var inputFDs: [Int32] { get }
    /// Whether box-drawing and block characters can be shown (a UTF-8 locale).
    var supportsUnicode: Bool { get }
    /// The next pending key, or nil at once when none is waiting; never blocks.
    func pollKey() -> Key?
    /// Writes changed cells (see `Buffer.diff`); nothing is visible until `flush()`.
    func draw(_ changes: [(x: Int, y: Int, cell: Cell)])
    /// Blanks the screen and forgets what is on it, so the next frame is drawn in full.
    func clear()
    func flush()
    /// Shows images over cells (after the cells are flushed) and deletes images no longer shown.
    /// Backends without a graphics protocol ignore it.
    func showGraphics(_ placements: [GraphicPlacement], deleting ids: [UInt32])
}

extension TerminalBackend {
    public func showGraphics(_ placements: [GraphicPlacement], deleting ids: [UInt32]) {}
}

/// A key press (or terminal event delivered like one) as the loop sees it, independent of ncurses.
public enum Key: Hashable, Sendable {
    case char(Character)
    /// Ctrl plus a letter, lower case (`.ctrl("l")`).
    case ctrl(Character)
    case up, down, left, right
    case enter, esc, tab, backtab, backspace, delete
    case pageUp, pageDown, home, end
    case function(Int)
    /// The terminal changed size (SIGWINCH, KEY_RESIZE, or a resume after SIGCONT).
    case resize
    /// Ctrl-C, SIGTERM or SIGHUP: leave now, restoring the terminal.
    case interrupt
    /// A mouse click or wheel turn at a cell, where the terminal reports them.
    case mouse(x: Int, y: Int, MouseKind)

    public enum MouseKind: Hashable, Sendable { case click, wheelUp, wheelDown }

    /// How the key is written in help and footers.
    public var label: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "^" + String(c).uppercased()
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .enter: "Enter"
        case .esc: "Esc"
        case .tab: "Tab"
        case .backtab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .function(let n): "F\(n)"
        case .resize: "resize"
        case .interrupt: "^C"
        case .mouse: "mouse"
        }
    }
}

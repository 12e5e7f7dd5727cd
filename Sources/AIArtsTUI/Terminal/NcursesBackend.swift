import AIArtsRender
// ncurses' globals (stdscr, COLORS, COLOR_PAIRS) are only touched from the loop's thread.
@preconcurrency import CNcursesw
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

/// The one place that talks to ncurses: it starts curses mode, turns Buffer changes into wide-character
/// writes, reads keys without blocking, and restores the terminal on every way out.
public final class NcursesBackend: TerminalBackend {
    public let supportsUnicode: Bool
    public let colorDepth: ColorDepth
    /// Images go through kitty's graphics protocol (`GraphicsChoice`), through tmux's passthrough
    /// when inside tmux.
    public let graphics: Bool
    private let tmux: Bool
    /// The size of a cell in pixels as the terminal reports it (TIOCGWINSZ), when it does.
    public var cellPixels: Size? {
        var ws = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0, ws.ws_xpixel > 0, ws.ws_ypixel > 0 else { return nil }
        return Size(width: Int(ws.ws_xpixel) / Int(ws.ws_col), height: Int(ws.ws_ypixel) / Int(ws.ws_row))
    }
    private let signals = WakePipe()
    private var pendingKeys: [Key] = []
    private var pairs: [PairKey: Int16] = [:]
    private var colorsOn = false
    private var screen: OpaquePointer?

    /// CCHAR_MAX in curses.h: the wide characters a cchar_t holds (one spacing, the rest combining).
    private static let ccharMax = 5

    private struct PairKey: Hashable { var fg: Int32; var bg: Int32 }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, graphics choice: GraphicsChoice = .off) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the full-screen UI needs a terminal on stdin and stdout")
        }
        // Asked before curses takes the terminal over, so that the answer is not read as keys.
        tmux = environment["TMUX"] != nil
        let tmux = tmux
        graphics = choice.resolve(environment: environment) { GraphicsChoice.askTerminal(tmux: tmux) }
        // ncurses reads ESCDELAY when it starts; its default (1 s) makes Esc feel broken.
        setenv("ESCDELAY", "25", 1)
        setlocale(LC_ALL, "")
        supportsUnicode = String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8"
        // newterm, unlike initscr, returns nil instead of exiting the process when TERM is unusable.
        // Own FILE streams on fds 1 and 0, rather than the C library's shared stdout/stdin globals.
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r"),
              let screen = newterm(nil, output, input) else {
            throw TerminalError(description: "cannot start the terminal (TERM=\(environment["TERM"] ?? "unset"))")
        }
        self.screen = screen
        set_term(screen)
        TerminalSignals.cursesActive = true
        cbreak(); noecho(); nonl()
        keypad(stdscr, true)
        aiarts_mouse_on()
        intrflush(stdscr, false)
        wtimeout(stdscr, 0)  // reads never block: the loop's poll() does the waiting
        curs_set(0)
        let depth = ColorDepth.detect(environment)
        if depth > .none, has_colors() {
            start_color()
            use_default_colors()
            colorsOn = true
        }
        colorDepth = colorsOn ? depth : .none
        TerminalSignals.install(writeFD: signals.writeFD)
    }

    deinit { close() }

    /// Restores the terminal; later calls do nothing.
    public func close() {
        guard screen != nil else { return }
        // Images are not text: leaving them would leave them on the terminal after quitting.
        if graphics {
            let tmux = tmux
            graphicsQueue.sync { output.write(KittyGraphics.wrap(Array("\u{1B}_Ga=d,d=A,q=2\u{1B}\\".utf8), tmux: tmux)) }
        }
        TerminalSignals.uninstall()
        TerminalSignals.restoreTerminal()
        delscreen(screen)
        screen = nil
    }

    public var size: Size { Size(width: Int(getmaxx(stdscr)), height: Int(getmaxy(stdscr))) }
    public var inputFDs: [Int32] { [STDIN_FILENO, signals.readFD] }

    public func pollKey() -> Key? {
        for byte in signals.drain() { handleSignal(Int32(byte)) }
        if !pendingKeys.isEmpty { return pendingKeys.removeFirst() }
        while true {
            var wch: wint_t = 0
            let result = wget_wch(stdscr, &wch)
            if result == ERR { return nil }
            if let key = result == KEY_CODE_YES ? Self.functionKey(Int32(wch)) : Self.characterKey(UInt32(wch)) {
                return key
            }
            // An unmapped key: skip it and look at the next.
        }
    }

    private func handleSignal(_ number: Int32) {
        switch number {
        case SIGWINCH, SIGCONT:
            // Our SIGWINCH handler replaces ncurses' own, so measure and tell ncurses ourselves.
            var ws = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0 {
                resize_term(Int32(ws.ws_row), Int32(ws.ws_col))
            }
            pendingKeys.append(.resize)
        case SIGINT, SIGTERM, SIGHUP:
            pendingKeys.append(.interrupt)
        default:
            break
        }
    }

    static func characterKey(_ c: UInt32) -> Key? {
        switch c {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .esc
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(c + 96)!))
        default:
            guard c >= 32, let scalar = Unicode.Scalar(c) else { return nil }
            return .char(Character(scalar))
        }
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backtab
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_RESIZE: return .resize
        case KEY_MOUSE:
            var x: Int32 = 0, y: Int32 = 0, kind: Int32 = 0
            guard aiarts_mouse_event(&x, &y, &kind) == 1 else { return nil }
            switch kind {
            case 1: return .mouse(x: Int(x), y: Int(y), .click)
            case 2: return .mouse(x: Int(x), y: Int(y), .wheelUp)
            case 3: return .mouse(x: Int(x), y: Int(y), .wheelDown)
            default: return nil
            }
        case KEY_F0 + 1...KEY_F0 + 12: return .function(Int(code - KEY_F0))
        default: return nil
        }
    }

    public func draw(_ changes: [(x: Int, y: Int, cell: Cell)]) {
        for change in changes { put(change.cell, x: Int32(change.x), y: Int32(change.y)) }
    }

    private func put(_ cell: Cell, x: Int32, y: Int32) {
        let attrs = attributes(cell.style)
        let pair = colorPair(cell.style)
        let symbol = supportsUnicode ? cell.symbol : Self.asciiFallback(cell.symbol)
        var scalars = Array(symbol.unicodeScalars.prefix(Self.ccharMax - 1)).map { wchar_t(bitPattern: $0.value) }
        // The C library must agree with us on the width, or the rest of the row would shift; where it
        // does not (an old wcwidth table, a non-UTF-8 locale) a plain "?" is drawn in its place.
        if scalars.isEmpty || Self.wcwidth(scalars[0]).map({ $0 != Int32(cell.width) }) == true {
            scalars = [wchar_t(63)]
            if cell.width == 2 { draw(scalars, attrs: attrs, pair: pair, x: x + 1, y: y) }
        }
        draw(scalars, attrs: attrs, pair: pair, x: x, y: y)
    }

    /// Outside a UTF-8 locale the symbols widgets use everywhere get ASCII stand-ins; anything else
    /// non-ASCII is drawn as "?" by the width check in `put`.
    static func asciiFallback(_ symbol: String) -> String {
        guard !symbol.utf8.allSatisfy({ $0 < 0x80 }) else { return symbol }
        switch symbol {
        case "…": return "~"
        case "·": return "|"
        case "─", "━": return "-"
        case "│", "┃": return "|"
        case "┌", "┐", "└", "┘", "┏", "┓", "┗", "┛": return "+"
        case "█", "▉", "▊", "▋", "▌", "▍", "▎", "▏": return "#"
        case "↑": return "^"
        case "↓": return "v"
        case "←": return "<"
        case "→": return ">"
        case "×": return "x"
        default: return symbol
        }
    }

    /// The C library's wcwidth. glibc declares it only under _XOPEN_SOURCE, which Swift's Glibc module
    /// is not built with, so it is looked up by name once, with its C calling convention.
    private static let wcwidthFunction: (@convention(c) (wchar_t) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (wchar_t) -> Int32).self)
    }()

    /// nil when the function is missing: then our own measure is trusted.
    private static func wcwidth(_ c: wchar_t) -> Int32? { wcwidthFunction?(c) }

    private func draw(_ scalars: [wchar_t], attrs: attr_t, pair: Int16, x: Int32, y: Int32) {
        var text = scalars + [0]
        var cc = cchar_t()
        guard setcchar(&cc, &text, attrs, pair, nil) == OK else { return }
        mvwadd_wch(stdscr, y, x, &cc)
    }

    private func attributes(_ style: Style) -> attr_t {
        // A_BOLD and friends are C macros Swift cannot import; these are their values (NCURSES_BITS).
        var a: attr_t = 0
        if style.bold { a |= 1 << (13 + 8) }
        if style.dim { a |= 1 << (12 + 8) }
        if style.underline { a |= 1 << (9 + 8) }
        if style.reverse { a |= 1 << (10 + 8) }
        if style.italic { a |= 1 << (23 + 8) }
        return a
    }

    /// Pairs are made on first use for each (fg, bg); when ncurses runs out, default colours are used.
    private func colorPair(_ style: Style) -> Int16 {
        guard colorsOn else { return 0 }
        let key = PairKey(fg: colorNumber(style.fg), bg: colorNumber(style.bg))
        if key.fg == -1 && key.bg == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        let next = pairs.count + 1
        guard next < min(Int(COLOR_PAIRS), Int(Int16.max)) else { return 0 }
        guard init_pair(Int16(next), Int16(key.fg), Int16(key.bg)) == OK else { return 0 }
        pairs[key] = Int16(next)
        return Int16(next)
    }

    /// A colour as an ncurses colour number for what this terminal has. 24-bit colour is shown through
    /// the 256-colour palette: ncurses only does direct colour with special terminfo entries.
    private func colorNumber(_ color: Color?) -> Int32 {
        guard let color, color != .default else { return -1 }
        if colorDepth >= .ansi256, COLORS >= 256, let n = color.nearestIndexed { return Int32(n) }
        guard let n = color.nearestANSI else { return -1 }
        return COLORS >= 16 ? Int32(n) : Int32(n & 7)
    }

    /// Compressing and encoding an image takes tens of milliseconds, so it is done on a queue of its
    /// own, in order. Each batch goes out in one piece under `output`'s lock, which `flush` holds
    /// while curses writes a frame, and it saves and restores the cursor, so curses never sees it move.
    public func showGraphics(_ placements: [GraphicPlacement], deleting ids: [UInt32]) {
        guard graphics else { return }
        let tmux = tmux, output = output
        graphicsQueue.async {
            var out: [UInt8] = []
            for id in ids { out += KittyGraphics.delete(id, tmux: tmux) }
            for placement in placements { out += KittyGraphics.place(placement, tmux: tmux) }
            output.write(out)
        }
    }

    private let graphicsQueue = DispatchQueue(label: "aiarts.graphics")
    private let output = LockedOutput()

    public func clear() {
        wclear(stdscr)
    }

    public func flush() {
        output.lock.withLock {
            wnoutrefresh(stdscr)
            doupdate()
        }
    }
}

/// The terminal's output for what bypasses curses (images): whole writes under a lock that curses'
/// frames are written under too.
final class LockedOutput: @unchecked Sendable {
    let lock = NSLock()

    func write(_ bytes: [UInt8]) {
        lock.withLock {
            bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(STDOUT_FILENO, base + offset, raw.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
            }
        }
    }
}

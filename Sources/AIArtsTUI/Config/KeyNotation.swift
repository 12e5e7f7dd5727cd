/// The readable key names keymap files use ("k", "up", "pgdn", "shift+tab", "ctrl+n", "esc", "?"),
/// to and from `Key`.
enum KeyNotation {
    private static let named: [String: Key] = [
        "up": .up, "down": .down, "left": .left, "right": .right,
        "enter": .enter, "return": .enter, "esc": .esc, "escape": .esc,
        "tab": .tab, "shift+tab": .backtab, "backtab": .backtab,
        "backspace": .backspace, "delete": .delete, "del": .delete,
        "pgup": .pageUp, "pageup": .pageUp, "pgdn": .pageDown, "pagedown": .pageDown,
        "home": .home, "end": .end, "space": .char(" "),
    ]

    /// Control keys a terminal never delivers as themselves: they are other keys (Ctrl-I is Tab) or the
    /// terminal acts on them (Ctrl-C interrupts, Ctrl-Z suspends, Ctrl-S/Ctrl-Q pause and resume output).
    private static let unusableControls: [Character: String] = [
        "c": "ctrl+c always interrupts (and quits)", "z": "ctrl+z suspends the program",
        "s": "ctrl+s pauses terminal output", "q": "ctrl+q resumes terminal output",
        "h": "ctrl+h is the same key as backspace; write backspace", "i": "ctrl+i is the same key as tab; write tab",
        "j": "ctrl+j is the same key as enter; write enter", "m": "ctrl+m is the same key as enter; write enter",
    ]

    static let summary = "a single character, or up, down, left, right, pgup, pgdn, home, end, tab, shift+tab, "
        + "enter, esc, space, backspace, delete, f1…f12, ctrl+a…ctrl+z"

    /// The key a name stands for, or a message saying why there is none.
    static func parse(_ text: String) -> Result<Key, ConfigError> {
        func bad(_ message: String) -> Result<Key, ConfigError> { .failure(ConfigError(file: "", message)) }
        if text.count == 1, let c = text.first {
            if c == " " { return bad("write a space as \"space\"") }
            guard c.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value != 0x7F }) else {
                return bad("\"\(text.unicodeScalars.map { "U+" + String($0.value, radix: 16) }.joined())\" is not a key")
            }
            return .success(.char(c))  // letters are case-sensitive: "G" is shift+g
        }
        let name = text.lowercased()
        if let key = named[name] { return .success(key) }
        if name.hasPrefix("f"), let n = Int(name.dropFirst()), (1...12).contains(n), !name.hasPrefix("f0") {
            return .success(.function(n))
        }
        for prefix in ["ctrl+", "shift+"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard rest.count == 1, let c = rest.first, ("a"..."z").contains(c) else {
                return bad("\(prefix)\(rest) is not a key; \(prefix) goes with one letter a…z\(prefix == "shift+" ? " or tab" : "")")
            }
            if prefix == "shift+" { return .success(.char(Character(c.uppercased()))) }
            if let why = unusableControls[c] { return bad(why) }
            return .success(.ctrl(c))
        }
        return bad("unknown key \"\(text)\"; write \(summary)")
    }

    /// The canonical name of a key, as a keymap file would write it (used in messages and docs).
    static func name(_ key: Key) -> String {
        switch key {
        case .char(" "): "space"
        case .char(let c): String(c)
        case .ctrl(let c): "ctrl+\(c)"
        case .up: "up"
        case .down: "down"
        case .left: "left"
        case .right: "right"
        case .enter: "enter"
        case .esc: "esc"
        case .tab: "tab"
        case .backtab: "shift+tab"
        case .backspace: "backspace"
        case .delete: "delete"
        case .pageUp: "pgup"
        case .pageDown: "pgdn"
        case .home: "home"
        case .end: "end"
        case .function(let n): "f\(n)"
        case .resize: "resize"
        case .interrupt: "ctrl+c"
        case .mouse: "mouse"
        }
    }

    /// How a key is shown on screen; arrows get words when the terminal cannot draw them.
    static func label(_ key: Key, ascii: Bool) -> String {
        guard ascii else { return key.label }
        switch key {
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        default: return key.label
        }
    }
}

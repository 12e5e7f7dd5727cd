/// The keys of the active keymap written out for the footer and the help overlay, so what the screen
/// says is always what the keys do.
enum KeyHints {
    /// A pair of opposite keys ("↑↓", "j k"). Two letters are put in alphabetical order, so j/k and h/l
    /// read as they sit on the keyboard; other pairs keep the actions' order (up before down).
    static func pair(_ a: Key, _ b: Key, ascii: Bool, separator: String) -> String {
        var (first, second) = (a, b)
        if let x = letter(a), let y = letter(b), y < x { (first, second) = (b, a) }
        let (l1, l2) = (KeyNotation.label(first, ascii: ascii), KeyNotation.label(second, ascii: ascii))
        // Single symbols read well run together ("↑↓", "jk"); names need a separator ("PgUp/PgDn").
        if separator.isEmpty, l1.count > 1 || l2.count > 1 { return l1 + "/" + l2 }
        return l1 + separator + l2
    }

    private static func letter(_ key: Key) -> String? {
        switch key {
        case .char(let c) where c.isLetter, .ctrl(let c): return c.lowercased()
        default: return nil
        }
    }

    /// What the footer says for one help line, or nil when the line has no key (or no footer text).
    static func footer(_ line: ActionHelp.Line, keymap: Keymap, context: KeyContext, ascii: Bool) -> String? {
        guard line.footer != nil, let firstAction = line.actions.first else { return nil }
        let keys = line.actions.map { keymap.keys(for: $0, in: context) }
        if line.footerShowsPairs, keys.count == 2 {
            let pairs = zip(keys[0], keys[1]).prefix(2).map { pair($0, $1, ascii: ascii, separator: "") }
            if !pairs.isEmpty { return pairs.joined(separator: "/") }
        }
        return keymap.keys(for: firstAction, in: context).first.map { KeyNotation.label($0, ascii: ascii) }
    }

    /// Every key of a help line: opposite moves in pairs side by side ("↑ ↓  j k"), then any keys
    /// left without a partner; two different actions in the order the text names them ("v / M").
    static func help(_ line: ActionHelp.Line, keymap: Keymap, context: KeyContext, ascii: Bool) -> String {
        let keys = line.actions.map { keymap.keys(for: $0, in: context) }
        func labels(_ keys: [Key]) -> String { keys.map { KeyNotation.label($0, ascii: ascii) }.joined(separator: " ") }
        guard keys.count == 2 else { return labels(keys.flatMap { $0 }) }
        guard line.opposite else { return keys.map(labels).filter { !$0.isEmpty }.joined(separator: " / ") }
        var parts = zip(keys[0], keys[1]).map { pair($0, $1, ascii: ascii, separator: " ") }
        let paired = min(keys[0].count, keys[1].count)
        parts += (keys[0].dropFirst(paired) + keys[1].dropFirst(paired)).map { KeyNotation.label($0, ascii: ascii) }
        return parts.joined(separator: "  ")
    }
}

import Foundation

/// Turns what a progress bar wrote into the text a terminal would finally show.
///
/// Keras and tqdm redraw one line with \r and \b and colour it with ANSI escapes; in
/// train.log all redraws of an epoch arrive as one long line. Parsers want the last redraw
/// only, without escapes (which are also unsafe to show: they can retitle or poke the terminal).
public enum TerminalText {
    /// True when `line` holds anything `finalRedraw` would change (the cheap check first).
    public static func needsCleaning<S: StringProtocol>(_ line: S) -> Bool {
        line.utf8.contains { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }
    }

    /// The text after the last carriage return, with backspaces applied and escape sequences
    /// (CSI, OSC, two-byte ESC) and other controls removed. Tabs are kept.
    public static func finalRedraw<S: StringProtocol>(_ line: S) -> String {
        guard needsCleaning(line) else { return String(line) }
        var out: [Unicode.Scalar] = []
        var scalars = Array(line.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            switch c.value {
            case 0x0D: out.removeAll(keepingCapacity: true)  // \r: the next redraw overwrites the line
            case 0x08: if !out.isEmpty { out.removeLast() }
            case 0x1B: skipEscape(&scalars)
            case 0x09: out.append(c)
            case 0..<0x20, 0x7F, 0x80..<0xA0: continue  // other C0/C1 controls
            default: out.append(c)
            }
        }
        var text = String(String.UnicodeScalarView(out))
        // A shorter redraw is padded with spaces to hide the longer one it covers.
        while text.last == " " { text.removeLast() }
        return text
    }

    private static func skipEscape(_ s: inout ArraySlice<Unicode.Scalar>) {
        guard let kind = s.popFirst() else { return }
        switch kind {
        case "[":  // CSI: parameters and intermediates, then one final byte 0x40...0x7E
            while let c = s.popFirst() { if (0x40...0x7E).contains(c.value) { return } }
        case "]", "P", "X", "^", "_":  // OSC/DCS/SOS/PM/APC: up to BEL or ESC \
            while let c = s.popFirst() {
                if c.value == 0x07 { return }
                if c.value == 0x1B { _ = s.popFirst(); return }
            }
        case "(", ")", "*", "+", "#", "%":  // charset designation and the like: one more byte
            _ = s.popFirst()
        default: return  // a two-byte sequence such as ESC 7: the byte is consumed
        }
    }
}

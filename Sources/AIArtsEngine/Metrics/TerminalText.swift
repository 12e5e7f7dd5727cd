import AIArtsText
import Foundation

/// Turns what a progress bar wrote into the text a terminal would finally show.
///
/// Keras and tqdm redraw one line with \r and \b and colour it with ANSI escapes; in
/// train.log all redraws of an epoch arrive as one long line. Parsers want the last redraw
/// only, without escapes (which are also unsafe to show: they can retitle or poke the terminal).
/// Showing text safely is AIArtsRender's `Sanitize`; both find escape sequences with `EscapeSequences`.
public enum TerminalText {
    /// True when `line` holds anything `finalRedraw` would change (the cheap check first).
    public static func needsCleaning<S: StringProtocol>(_ line: S) -> Bool {
        var previous: UInt8 = 0
        for byte in line.utf8 {
            // C0 but tab, DEL, and C1 (U+0080–U+009F, 0xC2 0x80–0x9F in UTF-8).
            if byte < 0x20 && byte != 0x09 || byte == 0x7F || previous == 0xC2 && (0x80...0x9F).contains(byte) { return true }
            previous = byte
        }
        return false
    }

    /// The text after the last carriage return, with backspaces applied and escape sequences
    /// (`EscapeSequences`: CSI, OSC, DCS and the rest, 7-bit and C1) and other controls removed.
    /// Tabs are kept.
    public static func finalRedraw<S: StringProtocol>(_ line: S) -> String {
        guard needsCleaning(line) else { return String(line) }
        var out: [Unicode.Scalar] = []
        EscapeSequences.forEachScalar(outsideSequencesIn: line.unicodeScalars) { c in
            switch c.value {
            case 0x0D: out.removeAll(keepingCapacity: true)  // \r: the next redraw overwrites the line
            case 0x08: if !out.isEmpty { out.removeLast() }
            case 0x09: out.append(c)
            default: if !EscapeSequences.isControl(c) { out.append(c) }
            }
        }
        var text = String(String.UnicodeScalarView(out))
        // A shorter redraw is padded with spaces to hide the longer one it covers.
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Untrusted text (log lines, labels, file names) made safe for a terminal: escape sequences
/// (CSI, OSC such as title changes and OSC 52 clipboard writes, DCS, APC, PM, SOS) are removed
/// whole, other C0/C1 controls and DEL are dropped, tabs become spaces, and bidirectional
/// overrides (which can make text read differently from what it is) are removed.
public enum Sanitize {
    /// One line of text: newlines become spaces too.
    public static func line(_ text: String) -> String {
        clean(text, keepNewlines: false)
    }

    /// Text that may span lines: newlines are kept, everything else as `line`.
    public static func text(_ text: String) -> String {
        clean(text, keepNewlines: true)
    }

    private enum State { case normal, escape, csi, string, stringEscape }

    private static func clean(_ text: String, keepNewlines: Bool) -> String {
        // Fast path: most text has nothing to remove.
        if !text.unicodeScalars.contains(where: needsWork) { return text }
        var out = String.UnicodeScalarView()
        var state = State.normal
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch state {
            case .normal:
                if v == 0x1B { state = .escape; continue }
                if v == 0x9B { state = .csi; continue }                        // C1 CSI
                if v == 0x9D || v == 0x90 || v == 0x9E || v == 0x9F || v == 0x98 { state = .string; continue }  // C1 OSC/DCS/PM/APC/SOS
                if v == 0x09 { out.append(" "); continue }
                if v == 0x0A || v == 0x0D {
                    out.append(keepNewlines && v == 0x0A ? "\n" : " ")
                    continue
                }
                if isControl(v) || isBidiControl(v) { continue }
                out.append(scalar)
            case .escape:
                switch v {
                case 0x5B: state = .csi                                       // ESC [
                case 0x5D, 0x50, 0x5E, 0x5F, 0x58: state = .string           // ESC ] P ^ _ X
                case 0x20...0x2F: state = .escape                            // intermediates: ESC ( B etc.
                default: state = .normal                                      // ESC + final byte
                }
            case .csi:
                if (0x40...0x7E).contains(v) { state = .normal }                // final byte ends it
                else if !(0x20...0x3F).contains(v) { state = .normal }          // malformed: stop swallowing
            case .string:
                if v == 0x07 || v == 0x9C { state = .normal }                    // BEL or ST
                else if v == 0x1B { state = .stringEscape }
            case .stringEscape:
                state = v == 0x5C ? .normal : .string                           // ESC \ is ST
            }
        }
        return String(out)
    }

    private static func needsWork(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar.value) || isBidiControl(scalar.value)
    }

    private static func isControl(_ v: UInt32) -> Bool {
        v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v)
    }

    private static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}

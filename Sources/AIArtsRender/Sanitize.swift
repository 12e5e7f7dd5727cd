import AIArtsText

/// Untrusted text (log lines, labels, file names) made safe for a terminal: escape sequences
/// (CSI, OSC such as title changes and OSC 52 clipboard writes, DCS, APC, PM, SOS) are removed
/// whole (`EscapeSequences`, shared with the engine's log parsers), other C0/C1 controls and DEL
/// are dropped, tabs become spaces, and bidirectional overrides (which can make text read
/// differently from what it is) are removed. This is what the UI and the CLI show text through;
/// the engine's `TerminalText` answers another question (what a progress bar finally shows).
public enum Sanitize {
    /// One line of text: newlines become spaces too.
    public static func line(_ text: String) -> String {
        clean(text, keepNewlines: false)
    }

    /// Text that may span lines: newlines are kept, everything else as `line`.
    public static func text(_ text: String) -> String {
        clean(text, keepNewlines: true)
    }

    private static func clean(_ text: String, keepNewlines: Bool) -> String {
        // Fast path: most text has nothing to remove.
        if !text.unicodeScalars.contains(where: needsWork) { return text }
        var out = String.UnicodeScalarView()
        EscapeSequences.forEachScalar(outsideSequencesIn: text.unicodeScalars) { scalar in
            switch scalar.value {
            case 0x09: out.append(" ")
            case 0x0A: out.append(keepNewlines ? "\n" : " ")
            case 0x0D: out.append(" ")
            default: if !EscapeSequences.isControl(scalar) && !isBidiControl(scalar.value) { out.append(scalar) }
            }
        }
        return String(out)
    }

    private static func needsWork(_ scalar: Unicode.Scalar) -> Bool {
        EscapeSequences.isControl(scalar) || isBidiControl(scalar.value)
    }

    private static func isBidiControl(_ v: UInt32) -> Bool {
        (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
    }
}

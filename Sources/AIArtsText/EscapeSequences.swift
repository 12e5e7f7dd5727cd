/// Where terminal escape sequences are in text, recognised one way for all of aiarts. AIArtsRender's
/// `Sanitize` (text made safe to show), the engine's `TerminalText` (what a progress bar finally shows,
/// for the log parsers) and the GPU pane's command lines differ only in what they do with the rest.
///
/// A sequence is dropped whole, as a VT500-style parser would consume it:
/// - CSI: `ESC [` or C1 `0x9B`, parameter and intermediate bytes (0x20–0x3F), one final byte
///   (0x40–0x7E). Any other scalar ends it and is kept, so a broken sequence cannot swallow text.
/// - OSC, DCS, SOS, PM, APC: `ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _` or their C1 forms, up to BEL,
///   C1 ST (0x9C) or the next ESC; that ESC starts a sequence of its own (`ESC \` is the usual ST, and
///   an unterminated title followed by `ESC [31m` loses only the title and the colour).
/// - Any other `ESC`: intermediates (0x20–0x2F, as in `ESC ( B`) and one more scalar.
public enum EscapeSequences {
    private enum State { case text, escape, csi, string }

    /// Calls `body` with each scalar outside escape sequences, in order. Controls outside sequences
    /// (CR, BS, TAB, BEL, other C0 and C1) are passed on: what to do with them is the caller's choice.
    public static func forEachScalar<S: Sequence>(outsideSequencesIn scalars: S, _ body: (Unicode.Scalar) -> Void)
    where S.Element == Unicode.Scalar {
        var state = State.text
        for scalar in scalars {
            let v = scalar.value
            switch state {
            case .text:
                break
            case .escape:
                switch v {
                case 0x5B: state = .csi                                   // ESC [
                case 0x5D, 0x50, 0x58, 0x5E, 0x5F: state = .string       // ESC ] P X ^ _
                case 0x20...0x2F: break                                   // intermediates: ESC ( B and the like
                default: state = .text                                    // the final scalar
                }
                continue
            case .csi:
                if (0x20...0x3F).contains(v) { continue }
                state = .text
                if (0x40...0x7E).contains(v) { continue }                 // the final byte ends it
                // Anything else ends a broken sequence and is read as text.
            case .string:
                if v == 0x07 || v == 0x9C { state = .text } else if v == 0x1B { state = .escape }
                continue
            }
            switch v {
            case 0x1B: state = .escape
            case 0x9B: state = .csi
            case 0x90, 0x98, 0x9D, 0x9E, 0x9F: state = .string            // C1 DCS, SOS, OSC, PM, APC
            default: body(scalar)
            }
        }
    }

    /// True for C0 controls, DEL and C1 controls: what no caller shows as it is.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v)
    }
}

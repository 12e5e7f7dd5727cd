import AIArtsText
import Testing
@testable import AIArtsRender

/// The one reading of escape sequences, and what `Sanitize` does with the rest.
@Suite struct SanitizeTests {
    private func outside(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        EscapeSequences.forEachScalar(outsideSequencesIn: text.unicodeScalars) { out.append($0) }
        return String(out)
    }

    @Test func sequencesAreDroppedWhole() {
        #expect(outside("a\u{1B}[1;31mb\u{1B}[0mc") == "abc")                       // CSI
        #expect(outside("a\u{1B}]0;title\u{07}b") == "ab")                           // OSC, BEL
        #expect(outside("a\u{1B}]52;c;aGk=\u{1B}\\b") == "ab")                       // OSC 52, ESC \ as ST
        #expect(outside("a\u{1B}Pq#0;2;0;0;0\u{1B}\\b") == "ab")                     // DCS (sixel)
        #expect(outside("a\u{1B}_Ga=T;AAAA\u{1B}\\b") == "ab")                       // APC (kitty graphics)
        #expect(outside("a\u{1B}(Bb\u{1B}7c") == "abc")                              // charset, two-byte ESC 7
        #expect(outside("a\u{9B}2Jb\u{9D}0;t\u{9C}c") == "abc")                      // C1 CSI, C1 OSC and ST
    }

    @Test func brokenSequencesSwallowNoMoreThanTheyShould() {
        // An OSC cut short by the next ESC ends there: the CSI after it is read as a CSI.
        #expect(outside("\u{1B}]0;title\u{1B}[31mred") == "red")
        // A CSI broken by a control or a letter outside it: that scalar is text again.
        #expect(outside("\u{1B}[1\nnext") == "\nnext")
        #expect(outside("\u{1B}[12é") == "é")
        // Unterminated at the end: nothing leaks, nothing crashes.
        #expect(outside("ok\u{1B}") == "ok")
        #expect(outside("ok\u{1B}]0;never ends") == "ok")
        #expect(outside("ok\u{1B}[38;5") == "ok")
    }

    @Test func controlsOutsideSequencesAreTheCallersChoice() {
        #expect(outside("a\rb\u{08}\tc\u{07}") == "a\rb\u{08}\tc\u{07}")
    }

    @Test func sanitizeShowsTextSafely() {
        #expect(Sanitize.line("plain") == "plain")
        #expect(Sanitize.line("a\tb\nc\rd") == "a b c d")
        #expect(Sanitize.text("a\nb\r\nc") == "a\nb \nc")
        #expect(Sanitize.line("evil\u{1B}]0;title\u{07}.py \u{1B}[2Jx") == "evil.py x")
        #expect(Sanitize.line("a\u{202E}b\u{2066}c\u{200F}") == "abc")                // bidi controls
        #expect(Sanitize.line("a\u{85}b\u{7F}c\u{0}") == "abc")                      // C1, DEL, NUL
        #expect(Sanitize.text("\u{1B}[1\nnext") == "\nnext")                         // a broken CSI keeps the newline
        #expect(Sanitize.line("\u{1B}]0;t\u{1B}[31mred") == "red")
    }
}

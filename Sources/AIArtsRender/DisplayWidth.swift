/// How many terminal cells text takes, measured per grapheme cluster. This does not depend on
/// the C locale (wcwidth does), so a CJK name measures the same in tests, over SSH and in tmux.
public enum DisplayWidth {
    public static func of(_ text: String) -> Int {
        // ASCII fast path.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        return text.reduce(0) { $0 + of($1) }
    }

    public static func of(_ character: Character) -> Int {
        var scalars = character.unicodeScalars.makeIterator()
        guard let first = scalars.next() else { return 0 }
        var width = of(first)
        // Text-presentation symbols followed by VS16 draw as wide emoji.
        for scalar in character.unicodeScalars.dropFirst() where scalar.value == 0xFE0F {
            width = 2
        }
        return width
    }

    /// What a cell holds for `character`: its first scalar and the zero-width marks after it, up to
    /// the first zero-width joiner. A joined sequence (👨‍👩‍👧, a skin-toned emoji, "a\u{200D}b") is drawn
    /// by some terminals as one glyph and by others (tmux, older ones) as each part in turn, and
    /// ncurses refuses a cell with two spacing characters; either way the row shifted and stray
    /// glyphs stayed. Its first part alone has the width `of(character)` measured, on every terminal.
    public static func cellSymbol(_ character: Character) -> String {
        let scalars = character.unicodeScalars
        if scalars.count == 1 { return String(character) }
        var out = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            if i == 0 { out.append(scalar); continue }
            if scalar.value == 0x200D { break }
            if scalar.value == 0xFE0F || of(scalar) == 0 { out.append(scalar) } else { break }
        }
        return String(out)
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if v < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B || (0x1160...0x11FF).contains(v) { return 0 }  // zero-width space, Hangul medial vowels
        if isWide(v) || scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// East Asian Wide and Fullwidth ranges.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
             0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix of `text` that fits in `width` cells, with "…" when cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        var out = "", used = 0
        for character in text {
            let w = of(character)
            if used + w > width - 1 { break }
            out.append(character)
            used += w
        }
        return out + "…"
    }
}

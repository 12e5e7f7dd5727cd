/// Text that wraps at word boundaries by display width (a long word is broken where it must be).
/// The text is untrusted, so it is sanitized here: newlines survive, escape sequences do not.
public struct Paragraph: Widget {
    public var text: String
    public var style: Style
    /// When false each line is cut with "…" instead of wrapping.
    public var wrap: Bool
    /// Lines of the wrapped text to skip from the top.
    public var scroll: Int

    public init(_ text: String, style: Style = .plain, wrap: Bool = true, scroll: Int = 0) {
        self.text = text; self.style = style; self.wrap = wrap; self.scroll = scroll
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let lines = Self.layout(Sanitize.text(text), width: area.width, wrap: wrap)
        for (i, line) in lines.dropFirst(max(0, scroll)).prefix(area.height).enumerated() {
            buffer.set(x: area.x, y: area.y + i, string: line, style: style, maxWidth: area.width)
        }
    }

    /// The lines `text` takes at `width` columns.
    public static func layout(_ text: String, width: Int, wrap: Bool = true) -> [String] {
        guard width > 0 else { return [] }
        let paragraphs = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if !wrap { return paragraphs.map { DisplayWidth.truncate($0, to: width) } }
        return paragraphs.flatMap { wrapLine($0, width: width) }
    }

    static func wrapLine(_ line: String, width: Int) -> [String] {
        var out: [String] = []
        var current = "", used = 0
        for word in line.split(separator: " ", omittingEmptySubsequences: true) {
            var word = String(word)
            var w = DisplayWidth.of(word)
            if used > 0 && used + 1 + w <= width {
                current += " " + word; used += 1 + w
                continue
            }
            if used > 0 { out.append(current); current = ""; used = 0 }
            // A word wider than the line is broken by grapheme.
            while w > width {
                var piece = "", pw = 0
                for ch in word {
                    let cw = DisplayWidth.of(ch)
                    if pw + cw > width { break }
                    piece.append(ch); pw += cw
                }
                if piece.isEmpty { break }  // a wide character in a 1-column line: give up on it
                out.append(piece)
                word = String(word.dropFirst(piece.count))
                w = DisplayWidth.of(word)
            }
            current = word; used = w
        }
        if used > 0 || out.isEmpty { out.append(current) }
        return out
    }
}

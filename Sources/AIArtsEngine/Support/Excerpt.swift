import Foundation

/// Input quoted in a message, cut to a readable length. A data.yaml line or list line can be
/// megabytes long; echoed whole it floods the terminal and bloats the stored status and issues.
public enum Excerpt {
    /// Characters of quoted input kept in a message.
    public static let quoteLimit = 200
    /// Characters kept of a whole message stored as a status.
    public static let messageLimit = 2000

    /// `text` whole when short, else its first `limit` characters and "…" with how much was cut.
    public static func cut<S: StringProtocol>(_ text: S, limit: Int = quoteLimit) -> String {
        // Counting Characters of a huge string is slow; the UTF-8 length bounds the character count.
        if text.utf8.count <= limit { return String(text) }
        var end = text.startIndex
        var kept = 0
        while kept < limit, end < text.endIndex { text.formIndex(after: &end); kept += 1 }
        if end == text.endIndex { return String(text) }
        return String(text[..<end]) + "… (\(text.utf8.count) bytes in all)"
    }
}

/// One terminal cell. A wide grapheme (CJK, emoji) lives in the first of its two cells; the second
/// is a continuation cell (empty symbol, width 0) so that columns and cells always line up.
public struct Cell: Hashable, Sendable {
    public var symbol: String
    public var width: Int
    public var style: Style

    public init(_ symbol: String = " ", width: Int = 1, style: Style = .plain) {
        self.symbol = symbol; self.width = width; self.style = style
    }

    public static let blank = Cell()

    static func continuation(style: Style) -> Cell { Cell("", width: 0, style: style) }

    public var isContinuation: Bool { width == 0 }
}

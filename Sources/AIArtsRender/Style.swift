/// Text attributes a cell can carry.
public struct Modifiers: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Modifiers(rawValue: 1 << 0)
    public static let dim = Modifiers(rawValue: 1 << 1)
    public static let italic = Modifiers(rawValue: 1 << 2)
    public static let underline = Modifiers(rawValue: 1 << 3)
    public static let reverse = Modifiers(rawValue: 1 << 4)
}

/// How a cell looks. `nil` colours mean "leave as is", so a style can be laid over another
/// (`patched(with:)`): a selected row keeps each column's colour but gains reverse video.
public struct Style: Hashable, Sendable {
    public var fg: Color?
    public var bg: Color?
    public var modifiers: Modifiers

    public init(fg: Color? = nil, bg: Color? = nil, modifiers: Modifiers = []) {
        self.fg = fg; self.bg = bg; self.modifiers = modifiers
    }

    public static let plain = Style()

    public var bold: Bool { get { modifiers.contains(.bold) } set { set(.bold, newValue) } }
    public var dim: Bool { get { modifiers.contains(.dim) } set { set(.dim, newValue) } }
    public var italic: Bool { get { modifiers.contains(.italic) } set { set(.italic, newValue) } }
    public var underline: Bool { get { modifiers.contains(.underline) } set { set(.underline, newValue) } }
    public var reverse: Bool { get { modifiers.contains(.reverse) } set { set(.reverse, newValue) } }

    private mutating func set(_ m: Modifiers, _ on: Bool) {
        if on { modifiers.insert(m) } else { modifiers.remove(m) }
    }

    /// This style with `other` laid on top: other's colours win where set, modifiers add up.
    public func patched(with other: Style) -> Style {
        Style(fg: other.fg ?? fg, bg: other.bg ?? bg, modifiers: modifiers.union(other.modifiers))
    }

    // Builders, so call sites read as `Style(fg: .cyan).with(.bold)`.
    public func with(_ m: Modifiers) -> Style { var s = self; s.modifiers.formUnion(m); return s }
    public func fg(_ c: Color) -> Style { var s = self; s.fg = c; return s }
    public func bg(_ c: Color) -> Style { var s = self; s.bg = c; return s }
}

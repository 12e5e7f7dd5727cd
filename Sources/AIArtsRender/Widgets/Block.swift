/// A bordered box with an optional title, the frame around every pane. `inner(_:)` is the area
/// left for the pane's content.
public struct Block: Widget {
    public var title: String
    public var focused: Bool
    /// Draw with + - | instead of box-drawing characters, for terminals without UTF-8.
    public var ascii: Bool
    public var borderStyle: Style
    public var focusStyle: Style
    public var titleStyle: Style

    public init(title: String = "", focused: Bool = false, ascii: Bool = false,
                borderStyle: Style = Style(fg: .gray), focusStyle: Style = Style(fg: .cyan, modifiers: .bold),
                titleStyle: Style = Style(modifiers: .bold)) {
        self.title = title; self.focused = focused; self.ascii = ascii
        self.borderStyle = borderStyle; self.focusStyle = focusStyle; self.titleStyle = titleStyle
    }

    public func inner(_ area: Rect) -> Rect { area.inset(by: 1) }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard area.width >= 2, area.height >= 2 else { return }
        let style = focused ? focusStyle : borderStyle
        // Focus uses heavier lines as well as colour, so it shows on a monochrome terminal too.
        let (h, v, tl, tr, bl, br): (String, String, String, String, String, String) =
            ascii ? ("-", "|", "+", "+", "+", "+")
            : focused ? ("━", "┃", "┏", "┓", "┗", "┛") : ("─", "│", "┌", "┐", "└", "┘")
        buffer.fill(area, .plain)
        let (left, right, top, bottom) = (area.x, area.maxX - 1, area.y, area.maxY - 1)
        for x in (left + 1)..<right {
            buffer.set(x: x, y: top, string: h, style: style)
            buffer.set(x: x, y: bottom, string: h, style: style)
        }
        for y in (top + 1)..<bottom {
            buffer.set(x: left, y: y, string: v, style: style)
            buffer.set(x: right, y: y, string: v, style: style)
        }
        buffer.set(x: left, y: top, string: tl, style: style)
        buffer.set(x: right, y: top, string: tr, style: style)
        buffer.set(x: left, y: bottom, string: bl, style: style)
        buffer.set(x: right, y: bottom, string: br, style: style)
        let clean = Sanitize.line(title)
        if !clean.isEmpty, area.width > 4 {
            let text = " \(DisplayWidth.truncate(clean, to: area.width - 4)) "
            buffer.set(x: left + 1, y: top, string: text, style: focused ? titleStyle.patched(with: focusStyle) : titleStyle)
        }
    }
}

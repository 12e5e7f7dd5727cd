import AIArtsRender

/// The styles the views draw with: a `Palette` resolved for the terminal's colour depth, so views never
/// see a colour the terminal cannot show. Meaning is never carried by colour alone (focus also changes
/// the border, errors also say "error", selection falls back to reverse video), so NO_COLOR terminals
/// lose nothing.
public struct Theme: Equatable, Sendable {
    public var name: String
    /// Laid under every cell that has no colour of its own (the `text` and `background` roles).
    public var base: Style
    public var muted: Style
    public var border: Style
    public var focusBorder: Style
    public var title: Style
    public var columnHeader: Style
    /// The selected row of the focused list.
    public var selection: Style
    /// The selected row of a list without focus: marked, more quietly.
    public var quietSelection: Style
    public var headerBar: Style
    public var key: Style
    public var good: Style
    public var warning: Style
    public var error: Style
    public var gauge: Style
    /// chart_1…chart_6, for series in charts.
    public var charts: [Style]

    /// Whether the terminal shows colour at all (images then draw in colour).
    public var hasColor = false

    public init(palette: Palette, depth: ColorDepth) {
        hasColor = depth != .none
        func color(_ role: Role) -> Color? { ColorFallback.color(palette[role], depth: depth) }
        func fg(_ role: Role, _ modifiers: Modifiers = []) -> Style { Style(fg: color(role), modifiers: modifiers) }
        name = palette.name
        base = Style(fg: color(.text), bg: color(.background))
        // Dim text is only dimmed by attribute where its colour is missing or was rounded to one of 8.
        muted = fg(.dim, color(.dim) == nil || depth == .ansi8 ? .dim : [])
        border = fg(.border)
        focusBorder = fg(.focusBorder, .bold)
        title = fg(.title, .bold)
        columnHeader = Style(modifiers: [.bold, .underline])
        if let selectionFg = color(.selectionFg), let selectionBg = color(.selectionBg) {
            selection = Style(fg: selectionFg, bg: selectionBg)
        } else {
            selection = Style(modifiers: .reverse)
        }
        quietSelection = Style(modifiers: .bold)
        if let header = palette[.header], let bg = color(.header) {
            headerBar = Style(fg: ColorFallback.color(ColorFallback.contrasting(header), depth: depth), bg: bg)
        } else {
            headerBar = Style(modifiers: .reverse)
        }
        key = fg(.footer, .bold)
        good = fg(.statusOk)
        warning = fg(.statusBusy, .bold)
        error = fg(.statusError, .bold)
        gauge = fg(.statusOk)
        charts = [Role.chart1, .chart2, .chart3, .chart4, .chart5, .chart6].map { fg($0) }
    }

    /// No colours at all: modifiers only (NO_COLOR, TERM=dumb, and tests that only read text).
    public static let monochrome = Theme(palette: Palette(name: "monochrome"), depth: .none)

    /// How a dataset's status reads: done, failed, or still working.
    func status(_ status: String) -> Style {
        switch status {
        case "checked", "copied", "registered": good
        case "check_failed", "cancelled": error
        case "checking", "copying": warning
        default: .plain
        }
    }

    /// A pane's frame in this theme.
    func block(_ title: String, focused: Bool, ascii: Bool) -> Block {
        Block(title: title, focused: focused, ascii: ascii, borderStyle: border, focusStyle: focusBorder, titleStyle: self.title)
    }

    /// Widgets clear what they draw over to plain cells; this puts the base colours back under every
    /// cell that has none of its own, once, after the whole frame is drawn.
    func underlay(_ buffer: Buffer) -> Buffer {
        guard base.fg != nil || base.bg != nil else { return buffer }
        var out = Buffer(size: buffer.size)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width where !buffer[x, y].isContinuation {
                var cell = buffer[x, y]
                cell.style = base.patched(with: cell.style)
                out.put(cell, x: x, y: y)
            }
        }
        return out
    }
}

import AIArtsRender

/// The few styles the views share. Meaning is never carried by colour alone (focus also changes the
/// border, errors also say "error"), so NO_COLOR terminals lose nothing.
enum Theme {
    static let title = Style(modifiers: .bold)
    static let muted = Style(modifiers: .dim)
    static let key = Style(fg: .cyan, modifiers: .bold)
    static let warning = Style(fg: .yellow, modifiers: .bold)
    static let error = Style(fg: .red, modifiers: .bold)
    static let good = Style(fg: .green)
    static let headerBar = Style(modifiers: .reverse)

    static func status(_ status: String) -> Style {
        switch status {
        case "checked", "copied": good
        case "check_failed", "cancelled": error
        case "checking", "copying": warning
        default: .plain
        }
    }
}

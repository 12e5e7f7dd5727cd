/// How many colours to use, decided from the environment (docs/ui.md, "Colours"): NO_COLOR wins,
/// TERM=dumb has none, COLORTERM=truecolor|24bit means 24-bit, a *256color TERM means 256, else 8.
public enum ColorDepth: Int, Comparable, Sendable {
    case none, ansi8, ansi256, truecolor

    public static func detect(_ environment: [String: String]) -> ColorDepth {
        // no-color.org: present and non-empty disables colour.
        if let v = environment["NO_COLOR"], !v.isEmpty { return .none }
        let term = environment["TERM"] ?? ""
        if term.isEmpty || term == "dumb" { return .none }
        if let ct = environment["COLORTERM"]?.lowercased(), ct == "truecolor" || ct == "24bit" { return .truecolor }
        if term.hasSuffix("256color") { return .ansi256 }
        return .ansi8
    }

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }
}

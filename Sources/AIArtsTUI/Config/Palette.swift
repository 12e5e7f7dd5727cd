import AIArtsRender

/// What a colour is for. Theme files name roles, never widgets, so one file themes every view.
public enum Role: String, CaseIterable, Sendable {
    /// The screen behind everything; leave it out (or "default") to keep the terminal's own.
    case background
    case text
    /// Secondary text: messages, hints, "loading…".
    case dim
    case border
    case focusBorder = "focus_border"
    /// Pane titles.
    case title
    case selectionFg = "selection_fg"
    case selectionBg = "selection_bg"
    /// The top bar's background; its text is drawn in black or white, whichever reads better.
    case header
    /// Key names in the footer and the help overlay.
    case footer
    case statusOk = "status_ok"
    case statusBusy = "status_busy"
    case statusError = "status_error"
    // Series colours for charts (metrics, GPU history).
    case chart1 = "chart_1", chart2 = "chart_2", chart3 = "chart_3", chart4 = "chart_4", chart5 = "chart_5", chart6 = "chart_6"
}

/// A theme file as read: a colour for each role it sets.
///
/// ```toml
/// name = "light"
/// [colors]
/// text = "#1f2328"      # 24-bit
/// border = 250          # xterm-256 index
/// status_error = "red"  # ANSI name
/// ```
/// Roles a file leaves out use the terminal's own colours.
public struct Palette: Equatable, Sendable {
    public var name: String
    public var colors: [Role: Color]

    public init(name: String, colors: [Role: Color] = [:]) { self.name = name; self.colors = colors }

    public subscript(role: Role) -> Color? { colors[role] }

    static let ansiNames: [String: UInt8] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright_black": 8, "gray": 8, "grey": 8, "bright_red": 9, "bright_green": 10, "bright_yellow": 11,
        "bright_blue": 12, "bright_magenta": 13, "bright_cyan": 14, "bright_white": 15,
    ]

    public static func parse(_ text: String, file: String) throws -> Palette {
        let doc = try TOMLDocument.parse(text, file: file)
        var palette = Palette(name: "")
        let root = doc[""]!
        for key in root.keys {
            let entry = root[key]!
            guard key == "name" || key == "description" else {
                throw doc.error("unknown setting \(key); a theme has name, description and a [colors] section", line: entry.line)
            }
            guard case .string(let s) = entry.value else { throw doc.error("\(key) must be a string", line: entry.line) }
            if key == "name" { palette.name = s }
        }
        for tableName in doc.tableNames.dropFirst() where tableName != "colors" {
            throw doc.error("unknown section [\(tableName)]; a theme has one section, [colors]", line: doc[tableName]!.line)
        }
        guard let colors = doc["colors"] else { return palette }
        for key in colors.keys {
            let entry = colors[key]!
            guard let role = Role(rawValue: key) else {
                throw doc.error("unknown role \(key); roles are " + Role.allCases.map(\.rawValue).joined(separator: ", "), line: entry.line)
            }
            switch parseColor(entry.value) {
            case .success(let color?): palette.colors[role] = color
            case .success(nil): palette.colors[role] = nil
            case .failure(let error): throw doc.error("\(key): \(error.message)", line: entry.line)
            }
        }
        return palette
    }

    /// "#rrggbb", an xterm-256 index (0–255), an ANSI name, or "default" (nil: the terminal's own).
    static func parseColor(_ value: TOMLValue) -> Result<Color?, ColorFormatError> {
        let expected = "expected \"#rrggbb\", a number 0–255, \"default\" or a colour name ("
            + ansiNames.keys.sorted().joined(separator: ", ") + ")"
        switch value {
        case .integer(let n):
            guard (0...255).contains(n) else { return .failure(ColorFormatError(message: "\(n) is not 0–255; \(expected)")) }
            return .success(.indexed(UInt8(n)))
        case .string(let s):
            let name = s.lowercased()
            if name == "default" { return .success(nil) }
            if let n = ansiNames[name] { return .success(.ansi(n)) }
            if name.hasPrefix("#"), name.count == 7, let rgb = UInt32(name.dropFirst(), radix: 16),
               name.dropFirst().allSatisfy(\.isHexDigit) {
                return .success(.rgb(UInt8(rgb >> 16), UInt8((rgb >> 8) & 0xFF), UInt8(rgb & 0xFF)))
            }
            return .failure(ColorFormatError(message: "\"\(s)\" is not a colour; \(expected)"))
        default:
            return .failure(ColorFormatError(message: "\(expected), not \(value.typeName)"))
        }
    }

    struct ColorFormatError: Error { var message: String }
}

/// Maps any colour to what a terminal of a given depth shows, by nearest colour.
enum ColorFallback {
    /// nil when the depth has no colour at all (NO_COLOR, TERM=dumb).
    static func color(_ color: Color?, depth: ColorDepth) -> Color? {
        guard let color, color != .default else { return nil }
        switch depth {
        case .none: return nil
        case .truecolor: return color
        case .ansi256:
            if case .rgb = color, let n = color.nearestIndexed { return .indexed(n) }
            return color
        case .ansi8:
            if case .ansi(let n) = color, n < 8 { return color }
            return .ansi(nearestOfEight(rgb(color)))
        }
    }

    // xterm's default values for the 16 ANSI colours: what "red" most likely looks like.
    private static let ansiRGB: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    private static let cubeLevels = [0, 95, 135, 175, 215, 255]

    static func rgb(_ color: Color) -> (Int, Int, Int) {
        switch color {
        case .default: return (0, 0, 0)
        case .rgb(let r, let g, let b): return (Int(r), Int(g), Int(b))
        case .ansi(let n): return ansiRGB[Int(n & 15)]
        case .indexed(let n) where n < 16: return ansiRGB[Int(n)]
        case .indexed(let n) where n >= 232:
            let v = 8 + 10 * (Int(n) - 232)
            return (v, v, v)
        case .indexed(let n):
            let c = Int(n) - 16
            return (cubeLevels[c / 36], cubeLevels[(c / 6) % 6], cubeLevels[c % 6])
        }
    }

    /// The closest of the eight basic colours: terminals with 8 colours show only 0–7.
    static func nearestOfEight(_ c: (Int, Int, Int)) -> UInt8 {
        func distance(_ a: (Int, Int, Int)) -> Int {
            let (dr, dg, db) = (a.0 - c.0, a.1 - c.1, a.2 - c.2)
            return dr * dr + dg * dg + db * db
        }
        var best = 0
        for i in 1..<8 where distance(ansiRGB[i]) < distance(ansiRGB[best]) { best = i }
        return UInt8(best)
    }

    /// Black or white, whichever stands out more on `background` (relative luminance, roughly).
    static func contrasting(_ background: Color) -> Color {
        let (r, g, b) = rgb(background)
        let luminance = 299 * r + 587 * g + 114 * b
        return luminance > 128_000 ? .ansi(0) : .ansi(15)
    }
}

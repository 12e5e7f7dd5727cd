import AIArtsRender
import Testing
@testable import AIArtsTUI

private func shippedPalette(_ name: String) throws -> Palette {
    try Palette.parse(try #require(try shippedFiles("themes")[name]), file: "themes/\(name).toml")
}

private func paletteError(_ text: String) -> ConfigError? {
    do { _ = try Palette.parse(text, file: "p.toml"); return nil } catch { return error as? ConfigError }
}

@Suite struct ThemeTests {
    @Test func shippedThemesParseAndSetEveryRole() throws {
        let files = try shippedFiles("themes")
        #expect(Set(files.keys) == ["default", "light", "high-contrast", "gruvbox-dark"])
        for (name, text) in files {
            let palette = try Palette.parse(text, file: name)
            #expect(palette.name == name)
            // Every role is written out, even where the value is "default", so a file is a full reference.
            let doc = try TOMLDocument.parse(text, file: name)
            #expect(Set(doc["colors"]!.keys) == Set(Role.allCases.map(\.rawValue)), "\(name)")
        }
    }

    @Test func colourValuesInEveryNotation() throws {
        let palette = try Palette.parse("""
            [colors]
            text = "#0969DA"
            border = 250
            dim = "bright_red"
            title = "Grey"
            background = "default"
            """, file: "p.toml")
        #expect(palette[.text] == .rgb(0x09, 0x69, 0xDA))
        #expect(palette[.border] == .indexed(250))
        #expect(palette[.dim] == .ansi(9))
        #expect(palette[.title] == .ansi(8))
        #expect(palette[.background] == nil)
        #expect(palette[.footer] == nil)
    }

    @Test func badThemesAreRefusedWithTheLine() {
        let cases: [(String, Int, String)] = [
            ("[colors]\ntext = \"#12345\"", 2, "text: \"#12345\" is not a colour"),
            ("[colors]\ntext = \"#gggggg\"", 2, "is not a colour"),
            ("[colors]\n\ntext = 256", 3, "text: 256 is not 0–255"),
            ("[colors]\ntext = true", 2, "not a boolean"),
            ("[colors]\nforeground = \"red\"", 2, "unknown role foreground"),
            ("[colours]\ntext = \"red\"", 1, "unknown section [colours]"),
            ("author = \"me\"", 1, "unknown setting author"),
        ]
        for (text, line, message) in cases {
            let error = paletteError(text)
            #expect(error?.line == line, "\(text): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
    }

    @Test func coloursFallBackByNearestColour() {
        let blue = Color.rgb(0x09, 0x69, 0xDA)
        #expect(ColorFallback.color(blue, depth: .truecolor) == blue)
        // Nearest in the 6×6×6 cube: r 9→0, g 105→95, b 218→215.
        let cube: UInt8 = 16 + 36 * 0 + 6 * 1 + 4
        #expect(ColorFallback.color(blue, depth: .ansi256) == .indexed(cube))
        #expect(ColorFallback.color(Color.rgb(0xFF, 0x5F, 0x5F), depth: .ansi8) == .red)
        #expect(ColorFallback.color(Color.rgb(0xFA, 0xFA, 0xFA), depth: .ansi8) == .white)
        #expect(ColorFallback.color(Color.rgb(0x28, 0x28, 0x28), depth: .ansi8) == .black)
        // Names and indexes are kept where the terminal has them, rounded where it does not.
        #expect(ColorFallback.color(.ansi(9), depth: .ansi256) == .ansi(9))
        #expect(ColorFallback.color(.ansi(9), depth: .ansi8) == .red)
        #expect(ColorFallback.color(.indexed(250), depth: .ansi256) == .indexed(250))
        #expect(ColorFallback.color(.indexed(250), depth: .ansi8) == .white)
        #expect(ColorFallback.color(.indexed(21), depth: .ansi8) == .blue)
        for depth in [ColorDepth.none, .ansi8, .ansi256, .truecolor] { #expect(ColorFallback.color(nil, depth: depth) == nil) }
    }

    @Test func aThemeResolvesForEachDepth() throws {
        let light = try shippedPalette("light")
        let truecolor = Theme(palette: light, depth: .truecolor)
        #expect(truecolor.focusBorder == Style(fg: .rgb(0x09, 0x69, 0xDA), modifiers: .bold))
        #expect(truecolor.selection == Style(fg: .rgb(0x0B, 0x1F, 0x33), bg: .rgb(0xB6, 0xE3, 0xFF)))
        #expect(truecolor.base == Style(fg: .rgb(0x1F, 0x23, 0x28), bg: .rgb(0xFF, 0xFF, 0xFF)))
        // White text on the blue header bar.
        #expect(truecolor.headerBar == Style(fg: .ansi(15), bg: .rgb(0x09, 0x69, 0xDA)))
        let c256 = Theme(palette: light, depth: .ansi256)
        #expect(c256.focusBorder.fg == .indexed(26))
        #expect(c256.base.bg == .indexed(231))
        let c8 = Theme(palette: light, depth: .ansi8)
        #expect(c8.base == Style(fg: .black, bg: .white))
        #expect(c8.error.fg == .red)
        #expect(c8.muted.dim)  // rounded to one of 8, dim text also gets the dim attribute
    }

    @Test func noColorMeansNoColourAtAll() throws {
        let depth = ColorDepth.detect(["NO_COLOR": "1", "TERM": "xterm-256color", "COLORTERM": "truecolor"])
        #expect(depth == .none)
        for name in ["default", "light", "high-contrast", "gruvbox-dark"] {
            let theme = Theme(palette: try shippedPalette(name), depth: depth)
            let styles = [theme.base, theme.muted, theme.border, theme.focusBorder, theme.title, theme.columnHeader, theme.selection,
                          theme.quietSelection, theme.headerBar, theme.key, theme.good, theme.warning, theme.error, theme.gauge] + theme.charts
            #expect(styles.allSatisfy { $0.fg == nil && $0.bg == nil }, "\(name)")
            // What colour would have said is still there: reverse selection and header, bold focus.
            #expect(theme.selection.reverse && theme.headerBar.reverse && theme.focusBorder.bold)
            let buffer = HomeView.render(HomeState(data: sampleState().data, theme: theme), size: Size(width: 80, height: 24))
            #expect(buffer.cells.allSatisfy { $0.style.fg == nil && $0.style.bg == nil })
        }
    }

    @Test func theHomeViewDrawsInTheLightTheme() throws {
        let theme = Theme(palette: try shippedPalette("light"), depth: .truecolor)
        var state = sampleState()
        state.theme = theme
        let buffer = HomeView.render(state, size: Size(width: 80, height: 24))
        let white = Color.rgb(0xFF, 0xFF, 0xFF), ink = Color.rgb(0x1F, 0x23, 0x28)
        // Header bar: white on blue.
        #expect(buffer[0, 0].style.bg == .rgb(0x09, 0x69, 0xDA))
        // The focused Datasets border is blue on the white background.
        #expect(buffer[0, 1].symbol == "┏")
        #expect(buffer[0, 1].style == Style(fg: .rgb(0x09, 0x69, 0xDA), bg: white, modifiers: .bold))
        // The selected row (D0001) in the selection colours, unfocused borders grey.
        #expect(buffer[1, 3].symbol == "D")
        #expect(buffer[1, 3].style == Style(fg: .rgb(0x0B, 0x1F, 0x33), bg: .rgb(0xB6, 0xE3, 0xFF)))
        #expect(buffer[48, 1].style.fg == .rgb(0xAF, 0xB8, 0xC1))
        // Plain text takes the theme's text colour, status its meaning's colour.
        #expect(buffer[1, 4].symbol == "D" && buffer[1, 4].style == Style(fg: ink, bg: white))
        let status = buffer.lines()[3].range(of: "status  copied")!
        let statusColumn = buffer.lines()[3].distance(from: buffer.lines()[3].startIndex, to: status.lowerBound) + 8
        #expect(buffer[statusColumn, 3].style.fg == .rgb(0x1A, 0x7F, 0x37))
        // Footer keys in the footer colour; no cell is left on the terminal's own background.
        #expect(buffer[1, 23].symbol == "↑" && buffer[1, 23].style == Style(fg: .rgb(0x05, 0x50, 0xAE), bg: white, modifiers: .bold))
        #expect(buffer.cells.allSatisfy { $0.style.bg != nil })
    }
}

/// The theme and keymap the UI starts with, chosen by (first wins) `--theme`/`--keymap`, then
/// `theme = "…"`/`keymap = "…"` in `~/.config/aiarts/config.toml`, then "default"; the user's
/// `~/.config/aiarts/keymap.toml` is laid over the chosen keymap. Everything is read before the
/// terminal switches to full screen, so a mistake in a file is a plain error message.
public struct UIConfig: Equatable, Sendable {
    public var palette: Palette
    public var keymap: Keymap

    public init(palette: Palette, keymap: Keymap) {
        self.palette = palette; self.keymap = keymap
    }

    public static func load(theme: String? = nil, keymap: String? = nil, locator: ConfigLocator) throws -> UIConfig {
        var chosen = (theme: theme, keymap: keymap)
        if let source = try locator.userFile("config.toml") {
            let defaults = try configDefaults(source)
            chosen.theme = chosen.theme ?? defaults.theme
            chosen.keymap = chosen.keymap ?? defaults.keymap
        }
        let themeSource = try locator.find(.theme, named: chosen.theme ?? "default")
        let palette = try Palette.parse(themeSource.text, file: themeSource.file)
        var map = try Keymap.load(chosen.keymap ?? "default", locator: locator)
        if let overrides = try locator.userFile("keymap.toml") {
            try map.apply(overrides: overrides.text, file: overrides.file)
        }
        return UIConfig(palette: palette, keymap: map)
    }

    /// `theme` and `keymap` at the top of config.toml. Its [sections] belong to other parts of aiarts
    /// and are left alone; an unknown top-level key is refused, since it is most likely a typo.
    static func configDefaults(_ source: ConfigLocator.Source) throws -> (theme: String?, keymap: String?) {
        let doc = try TOMLDocument.parse(source.text, file: source.file)
        var result: (theme: String?, keymap: String?) = (nil, nil)
        let root = doc[""]!
        for key in root.keys {
            let entry = root[key]!
            guard key == "theme" || key == "keymap" else {
                throw doc.error("unknown setting \(key); the top of config.toml has theme and keymap", line: entry.line)
            }
            guard case .string(let name) = entry.value else { throw doc.error("\(key) must be a string", line: entry.line) }
            if key == "theme" { result.theme = name } else { result.keymap = name }
        }
        return result
    }
}

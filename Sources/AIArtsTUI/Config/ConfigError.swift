/// A problem in a theme, keymap or config file, said so a person can find and fix it:
/// `themes/mine.toml:12: colour for text: expected "#rrggbb", …`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the user would name it (a path, or "built-in themes/default.toml").
    public var file: String
    /// 1-based; nil when the problem is the file as a whole (not found, unreadable).
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

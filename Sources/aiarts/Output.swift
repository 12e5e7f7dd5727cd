import AIArtsEngine
import AIArtsRender
import Foundation

/// Every line the CLI prints goes through the one sanitizer (AIArtsRender's `Sanitize`), so a file
/// name, label or message holding an escape sequence (an OSC 52 clipboard write, an OSC 0 title)
/// cannot reach the terminal, whichever command prints it. This shadows `Swift.print` in this module.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(Sanitize.text(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}

enum Output {
    /// A message on stderr, through the same sanitizer as `print`.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((Sanitize.text(text) + "\n").utf8))
    }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        FileHandle.standardOutput.write(JSONControls.escape(try encoder.encode(value)))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints rows as aligned columns (`tableLines`).
    static func table(_ header: [String], _ rows: [[String]]) {
        for line in tableLines(header, rows) { print(line) }
    }

    /// Rows as aligned columns, two spaces apart, measuring text by display width (CJK names take two
    /// cells); the last column is not padded and no line ends in spaces. The one text-table layout of the
    /// CLI (`aiarts gpu` and `task eval` draw AIArtsRender widgets instead, as the UI does).
    static func tableLines(_ header: [String], _ rows: [[String]]) -> [String] {
        // Cells are cleaned before they are measured, so a control character cannot skew the columns.
        let all = ([header] + rows).map { $0.map(Sanitize.line) }
        let widths = header.indices.map { column in all.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
        return all.map { row in
            var line = row.enumerated().map { column, text in
                column == row.count - 1 ? text : text + String(repeating: " ", count: widths[column] - DisplayWidth.of(text))
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}

enum Terminal {
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

}

/// A one-line progress bar on stderr when it is a terminal; nothing when piped.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drew = false
    private let enabled = Terminal.stderrIsTTY

    func update(_ progress: ImportProgress) {
        guard enabled else { return }
        lock.withLock {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || progress.done == progress.total else { return }
            lastDraw = Date()
            let width = 30
            let filled = Int(progress.fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let counts = progress.total > 0 ? " \(progress.done)/\(progress.total)" : ""
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(progress.phase.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(bar)\(counts)".utf8))
            drew = true
        }
    }

    func finish() {
        lock.withLock { if drew { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) } }
    }
}

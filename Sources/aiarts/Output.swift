import AIArtsEngine
import AIArtsRender
import Foundation

enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        FileHandle.standardOutput.write(try encoder.encode(value))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints rows as aligned columns, measuring text by display width (CJK names take two cells).
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
        for row in all {
            let cells = row.enumerated().map { column, text in
                column == row.count - 1 ? text : text + String(repeating: " ", count: widths[column] - DisplayWidth.of(text))
            }
            print(cells.joined(separator: "  "))
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
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(progress.phase.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(bar)\(counts)".utf8))
            drew = true
        }
    }

    func finish() {
        lock.withLock { if drew { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) } }
    }
}

import Foundation

/// Reads list-style text files the way users actually write them: a UTF-8 BOM, CRLF or CR line
/// ends and trailing whitespace are tolerated; blank lines are skipped; line numbers are kept for messages.
public enum TextLines {
    public struct Line: Equatable, Sendable {
        public var number: Int
        public var text: String
    }

    public static func read(_ url: URL) throws -> [Line] {
        let data = try Data(contentsOf: url)
        return parse(data)
    }

    public static func parse(_ data: Data) -> [Line] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let text = String(decoding: bytes, as: UTF8.self)
        var lines: [Line] = []
        var number = 0
        // Split on \n, \r\n and lone \r alike.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            lines.append(Line(number: number, text: trimmed))
        }
        return lines
    }
}

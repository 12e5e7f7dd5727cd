import Foundation

/// Just enough YAML for ultralytics data.yaml files: block maps and lists by indentation, flow lists and
/// maps ([a, b], {0: a}), possibly over several lines, single and double quotes, comments.
/// Block scalars ('key: |') are kept only roughly (comments and blank lines dropped): data.yaml files use them
/// for download scripts aiarts never runs. Anchors, tags and multi-document streams are not supported and say so.
enum YOLOYAML {
    indirect enum Value: Equatable {
        case scalar(String)
        case list([Value])
        case map([Entry])

        subscript(key: String) -> Value? {
            if case .map(let entries) = self { return entries.first { $0.key == key }?.value }
            return nil
        }

        var string: String? { if case .scalar(let s) = self { return s }; return nil }
    }

    struct Entry: Equatable { var key: String; var value: Value }

    struct Failure: Error, Equatable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    struct Line { var number: Int; var indent: Int; var text: String }

    static func parse(_ text: String) throws(Failure) -> Value {
        var lines: [Line] = []
        var number = 0
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        for raw in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            let content = stripComment(String(raw))
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "---" || trimmed == "..." { continue }
            let indent = content.prefix { $0 == " " || $0 == "\t" }.count
            lines.append(Line(number: number, indent: indent, text: trimmed))
        }
        guard let first = lines.first else { return .map([]) }
        var index = 0
        let value = try block(lines, &index, indent: first.indent)
        if index < lines.count { throw Failure(line: lines[index].number, message: "unexpected indentation") }
        return value
    }

    /// Cuts a '#' comment that starts a line or follows whitespace, outside quotes.
    static func stripComment(_ line: String) -> String {
        var quote: Character? = nil
        var previous: Character = " "
        for (offset, ch) in line.enumerated() {
            if let q = quote { if ch == q { quote = nil } }
            else if ch == "'" || ch == "\"" { quote = ch }
            else if ch == "#", previous == " " || previous == "\t" { return String(line.prefix(offset)) }
            previous = ch
        }
        return line
    }

    static func isDash(_ text: String) -> Bool { text == "-" || text.hasPrefix("- ") }

    static func block(_ lines: [Line], _ i: inout Int, indent: Int) throws(Failure) -> Value {
        if isDash(lines[i].text) {
            var items: [Value] = []
            while i < lines.count, lines[i].indent == indent, isDash(lines[i].text) {
                let line = lines[i]
                let rest = String(line.text.dropFirst()).trimmingCharacters(in: .whitespaces)
                i += 1
                if rest.isEmpty {
                    if i < lines.count, lines[i].indent > indent { items.append(try block(lines, &i, indent: lines[i].indent)) }
                    else { items.append(.scalar("")) }
                } else {
                    items.append(try inline(rest, lines, &i, line: line.number))
                }
            }
            return .list(items)
        }
        var entries: [Entry] = []
        while i < lines.count, lines[i].indent == indent {
            let line = lines[i]
            if isDash(line.text) { throw Failure(line: line.number, message: "a list item where a 'key: value' line was expected") }
            guard let (key, rest) = splitKey(line.text) else {
                throw Failure(line: line.number, message: "expected 'key: value', found '\(Excerpt.cut(line.text))'")
            }
            i += 1
            let value: Value
            if rest.hasPrefix("|") || rest.hasPrefix(">") {
                // Block scalar (ultralytics files carry 'download: |' with a Python script): keep its lines as text.
                var text: [String] = []
                while i < lines.count, lines[i].indent > indent { text.append(lines[i].text); i += 1 }
                value = .scalar(text.joined(separator: "\n"))
            } else if !rest.isEmpty {
                value = try inline(rest, lines, &i, line: line.number)
            } else if i < lines.count, lines[i].indent > indent {
                value = try block(lines, &i, indent: lines[i].indent)
            } else if i < lines.count, lines[i].indent == indent, isDash(lines[i].text) {
                value = try block(lines, &i, indent: indent)  // 'names:' followed by '- a' at the same indent
            } else {
                value = .scalar("")
            }
            entries.append(Entry(key: key, value: value))
        }
        return .map(entries)
    }

    /// Splits 'key: rest' at the first colon followed by a space or the line end, outside quotes.
    static func splitKey(_ text: String) -> (String, String)? {
        let chars = Array(text)
        var quote: Character? = nil
        for (k, ch) in chars.enumerated() {
            if let q = quote { if ch == q { quote = nil }; continue }
            if ch == "'" || ch == "\"" { quote = ch; continue }
            if ch == ":", k + 1 == chars.count || chars[k + 1] == " " || chars[k + 1] == "\t" {
                let key = String(chars[..<k]).trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty else { return nil }
                return (unquote(key), String(chars[(k + 1)...]).trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }

    /// A value written on the key's line; a flow collection may continue over the following lines.
    static func inline(_ text: String, _ lines: [Line], _ i: inout Int, line: Int) throws(Failure) -> Value {
        var text = text
        if text.hasPrefix("[") || text.hasPrefix("{") {
            while !balanced(text), i < lines.count { text += " " + lines[i].text; i += 1 }
            var flow = Flow(chars: Array(text), line: line)
            let value = try flow.value()
            flow.skipSpace()
            if flow.pos < flow.chars.count { throw Failure(line: line, message: "unexpected text after the closing bracket") }
            return value
        }
        if text.hasPrefix("|") || text.hasPrefix(">") || text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") {
            throw Failure(line: line, message: "anchors, tags and block scalars in lists are not supported in data.yaml; write a plain value")
        }
        return .scalar(unquote(text))
    }

    static func balanced(_ text: String) -> Bool {
        var depth = 0
        var quote: Character? = nil
        for ch in text {
            if let q = quote { if ch == q { quote = nil }; continue }
            switch ch {
            case "'", "\"": quote = ch
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            default: break
            }
        }
        return depth <= 0
    }

    static func unquote(_ text: String) -> String {
        var flow = Flow(chars: Array(text), line: 0)
        if let first = text.first, first == "'" || first == "\"", let s = try? flow.quoted(), flow.pos == flow.chars.count { return s }
        return text
    }

    struct Flow {
        var chars: [Character]
        var line: Int
        var pos = 0
        /// Nesting of [ and {: recursion per level, so 16 000 '[' overflowed the stack (found by fuzzing).
        var depth = 0
        static let maxDepth = 64

        mutating func skipSpace() { while pos < chars.count, chars[pos].isWhitespace { pos += 1 } }

        mutating func value() throws(Failure) -> Value {
            guard depth < Self.maxDepth else { throw Failure(line: line, message: "lists and maps nest deeper than \(Self.maxDepth) levels") }
            depth += 1
            defer { depth -= 1 }
            return try valueAtThisDepth()
        }

        private mutating func valueAtThisDepth() throws(Failure) -> Value {
            skipSpace()
            guard pos < chars.count else { throw Failure(line: line, message: "a value is missing") }
            switch chars[pos] {
            case "[":
                pos += 1
                var items: [Value] = []
                while true {
                    skipSpace()
                    if pos < chars.count, chars[pos] == "]" { pos += 1; return .list(items) }
                    items.append(try value())
                    skipSpace()
                    guard pos < chars.count else { throw Failure(line: line, message: "list is missing its closing ']'") }
                    if chars[pos] == "," { pos += 1 } else if chars[pos] != "]" {
                        throw Failure(line: line, message: "expected ',' or ']' in a list")
                    }
                }
            case "{":
                pos += 1
                var entries: [Entry] = []
                while true {
                    skipSpace()
                    if pos < chars.count, chars[pos] == "}" { pos += 1; return .map(entries) }
                    let key = try scalar(stoppingAtColon: true)
                    skipSpace()
                    guard pos < chars.count, chars[pos] == ":" else { throw Failure(line: line, message: "expected ':' after '\(Excerpt.cut(key))'") }
                    pos += 1
                    entries.append(Entry(key: key, value: try value()))
                    skipSpace()
                    guard pos < chars.count else { throw Failure(line: line, message: "map is missing its closing '}'") }
                    if chars[pos] == "," { pos += 1 } else if chars[pos] != "}" {
                        throw Failure(line: line, message: "expected ',' or '}' in a map")
                    }
                }
            default:
                return .scalar(try scalar(stoppingAtColon: false))
            }
        }

        mutating func scalar(stoppingAtColon: Bool) throws(Failure) -> String {
            skipSpace()
            if pos < chars.count, chars[pos] == "'" || chars[pos] == "\"" { return try quoted() }
            let start = pos
            while pos < chars.count, !",]}".contains(chars[pos]), !(stoppingAtColon && chars[pos] == ":") { pos += 1 }
            return String(chars[start..<pos]).trimmingCharacters(in: .whitespaces)
        }

        mutating func quoted() throws(Failure) -> String {
            let q = chars[pos]
            pos += 1
            var out = ""
            while pos < chars.count {
                let ch = chars[pos]
                pos += 1
                if q == "'" && ch == "'" {
                    if pos < chars.count, chars[pos] == "'" { out.append("'"); pos += 1; continue }  // '' is a quote
                    return out
                }
                if q == "\"" && ch == "\"" { return out }
                if q == "\"" && ch == "\\", pos < chars.count {
                    let e = chars[pos]
                    pos += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "u" where pos + 4 <= chars.count:
                        if let v = UInt32(String(chars[pos..<pos + 4]), radix: 16), let s = Unicode.Scalar(v) { out.unicodeScalars.append(s) }
                        pos += 4
                    default: out.append(e)
                    }
                    continue
                }
                out.append(ch)
            }
            throw Failure(line: line, message: "quoted text is missing its closing \(q)")
        }
    }
}

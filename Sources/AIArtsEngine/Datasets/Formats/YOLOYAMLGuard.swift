import Foundation

/// A lexical pass over data.yaml before Yams reads it, refusing two things a data.yaml never needs and Yams
/// cannot survive:
/// - Deep nesting. Yams builds nodes recursively, one call per level; libyaml's own limit (1000 levels) is more
///   than a 512 KiB thread stack holds in a debug build (measured: 600 flow levels fit, 999 crashed). Levels are
///   counted from indentation, '- ' indicators and brackets. The count falls short of the real depth only where
///   maps and lists alternate at one indentation, and then by at most half: 64 counted levels are at most 128 real
///   ones, read safely on a 512 KiB stack (YOLOYAMLTests).
/// - Keys that are lists, maps or aliases (`? key`, `[a, b]: v`, `{a: b}: v`, `*alias: v`). Yams hashes each
///   key to find repeats, and the hash of such a key walks everything it holds — with aliases, an expansion
///   as large as the file wants (a hang).
/// Quotes, comments and block scalars (`download: |` scripts) are skipped, so their text cannot trip it; the
/// pass is linear in the file.
extension YOLOYAML {
    static func guardText(_ text: String) throws(Failure) {
        var quote: Character? = nil
        var flowDepth = 0
        var blockIndent: Int? = nil  // indentation of the line that opened a block scalar
        var columns: [Int] = []      // columns of the block nodes enclosing the current line
        var lineLevels = 0           // block levels of the line a flow collection started on
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            number += 1
            let chars = Array(raw)
            let indent = chars.prefix { $0 == " " }.count
            if let open = blockIndent {
                if chars.allSatisfy({ $0 == " " || $0 == "\t" }) || indent > open { continue }
                blockIndent = nil
            }
            func refuse(_ what: String) -> Failure {
                Failure(line: number, message: "\(what) is used as a map key; data.yaml keys are plain words such as 'train' or 0")
            }
            func tooDeep() -> Failure { Failure(line: number, message: "lists and maps nest deeper than \(maxDepth) levels") }
            func isBreak(_ i: Int) -> Bool { i >= chars.count || chars[i] == " " || chars[i] == "\t" || ",[]{}".contains(chars[i]) }
            func valueIndicator(after start: Int) -> Bool {
                var j = start
                while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
                return j < chars.count && chars[j] == ":" && isBreak(j + 1)
            }
            var i = 0
            if quote == nil, flowDepth == 0, indent < chars.count, chars[indent] != "#" {
                // A block line: its enclosing nodes, then one level per '- ' and one for the node it holds.
                while let last = columns.last, last >= indent { columns.removeLast() }
                i = indent
                while i < chars.count, chars[i] == "-", i + 1 == chars.count || chars[i + 1] == " " {
                    columns.append(i)
                    i += 1
                    while i < chars.count, chars[i] == " " { i += 1 }
                }
                columns.append(i)
                lineLevels = columns.count
                guard lineLevels <= maxDepth else { throw tooDeep() }
            }
            var boundary = true  // at the start of a token: line start, after a space or a flow indicator
            var contentEnd = chars.count
            while i < chars.count {
                let ch = chars[i]
                if let q = quote {
                    if q == "\"" && ch == "\\" { i += 2; continue }
                    if ch == q {
                        if q == "'", i + 1 < chars.count, chars[i + 1] == "'" { i += 2; continue }  // '' is a quote
                        quote = nil
                        boundary = false
                    }
                    i += 1
                    continue
                }
                // (A `case a, b where c` would test c for b alone, so these are plain ifs.)
                if ch == "#" && boundary {
                    contentEnd = i
                    break
                } else if (ch == "'" || ch == "\"") && boundary {
                    quote = ch
                } else if ch == "?" && boundary && (i + 1 >= chars.count || chars[i + 1] == " " || chars[i + 1] == "\t") {
                    throw refuse("an explicit '?' key")
                } else if ch == "*" && boundary {
                    var j = i + 1
                    while j < chars.count, chars[j].isASCII, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "-" { j += 1 }
                    if j > i + 1, valueIndicator(after: j) { throw refuse("an alias (*\(String(chars[(i + 1)..<j])))") }
                    i = j
                    boundary = false
                    continue
                } else if (ch == "[" || ch == "{") && (boundary || flowDepth > 0) {
                    flowDepth += 1
                    guard lineLevels + flowDepth <= maxDepth else { throw tooDeep() }
                } else if (ch == "]" || ch == "}") && flowDepth > 0 {
                    flowDepth -= 1
                    if valueIndicator(after: i + 1) { throw refuse(ch == "]" ? "a list" : "a map") }
                }
                boundary = ch == " " || ch == "\t" || (flowDepth > 0 && ",[{".contains(ch))
                i += 1
            }
            if quote == nil, flowDepth == 0, opensBlockScalar(chars[..<contentEnd]) { blockIndent = indent }
        }
    }

    /// Whether a line ends in a block scalar header: `key: |`, `- >-`, `key: |2+` (a comment already cut off).
    static func opensBlockScalar(_ content: ArraySlice<Character>) -> Bool {
        let text = String(content).trimmingCharacters(in: .whitespaces)
        guard let start = text.lastIndex(where: { $0 == "|" || $0 == ">" }) else { return false }
        guard text[text.index(after: start)...].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+" || $0 == "-") }) else { return false }
        let before = text[..<start]
        guard let last = before.last else { return true }
        let head = before.trimmingCharacters(in: .whitespaces)
        return (last == " " || last == "\t") && (head.hasSuffix(":") || head == "-" || head.hasSuffix(" -"))
    }
}

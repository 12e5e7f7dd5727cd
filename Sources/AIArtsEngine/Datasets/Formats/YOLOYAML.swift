import Foundation
import Yams

/// data.yaml as the YOLO parser needs it: scalars as text, lists and maps in file order. The YAML itself is
/// read by Yams (libyaml): block and flow collections, quotes, block scalars, anchors and aliases, merge keys
/// (`<<: *base`), comments. A data.yaml comes with a downloaded dataset, so it is untrusted; guards stand
/// around Yams:
/// - Nesting. Yams recurses once per level, and libyaml's limit of 1000 levels overflows a 512 KiB stack
///   (debug build; 600 levels fit), so
///   nesting past `maxDepth` is refused before Yams sees the text (YOLOYAMLGuard.swift), and again, exactly,
///   while converting.
/// - Keys that are lists, maps or aliases, whose hashing by Yams could walk a huge expansion: refused before
///   Yams sees the text (YOLOYAMLGuard.swift).
/// - Aliases. An alias is a reference, so a few lines can expand to billions of values ("billion laughs");
///   conversion counts every value it makes and stops at `maxValues`.
enum YOLOYAML {
    indirect enum Value: Equatable {
        case scalar(String)
        case list([Value])
        case map([Entry])

        subscript(key: String) -> Value? {
            if case .map(let entries) = self { return entries.last { $0.key == key }?.value }
            return nil
        }

        var string: String? { if case .scalar(let s) = self { return s }; return nil }

        /// The line a map's key is on (the last one, when a merge repeats it), for messages.
        func line(of key: String) -> Int? {
            if case .map(let entries) = self { return entries.last { $0.key == key }?.line }
            return nil
        }
    }

    struct Entry: Equatable { var key: String; var value: Value; var line: Int }

    struct Failure: Error, Equatable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static let maxDepth = 64
    static let maxValues = 1_000_000

    /// Parses one YAML document. A null (`~`, `null`, nothing) reads as an empty scalar.
    static func parse(_ text: String) throws(Failure) -> Value {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        let yaml = String(body)
        try guardText(yaml)
        let root: Node?
        do {
            root = try Parser(yaml: yaml, resolver: .default, constructor: .default, encoding: .utf8).singleRoot()
        } catch let error as YamlError {
            throw failure(error, in: yaml)
        } catch {
            throw Failure(line: 1, message: "could not be read as YAML (\(error))")
        }
        guard let root else { return .map([]) }
        var budget = maxValues
        return try convert(root, depth: 0, budget: &budget)
    }

    static func convert(_ node: Node, depth: Int, budget: inout Int) throws(Failure) -> Value {
        let line = node.mark?.line ?? 1
        guard depth < maxDepth else { throw Failure(line: line, message: "lists and maps nest deeper than \(maxDepth) levels") }
        budget -= 1
        guard budget >= 0 else {
            throw Failure(line: line, message: "aliases expand to more than \(maxValues) values; a data.yaml needs only a few")
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(node.null != nil && scalar.style == .plain ? "" : scalar.string)
        case .sequence(let sequence):
            var items: [Value] = []
            for item in sequence { items.append(try convert(item, depth: depth + 1, budget: &budget)) }
            return .list(items)
        case .mapping(let mapping):
            var entries: [Entry] = []
            var merged: [Entry] = []
            for (key, value) in mapping {
                let converted = try convert(value, depth: depth + 1, budget: &budget)
                let name = key.scalar?.string ?? ""
                if name == "<<", key.scalar?.style == .plain {
                    // A merge key brings in the entries of a map (or of each map in a list) not given here.
                    switch converted {
                    case .map(let more): merged += more
                    case .list(let maps): for case .map(let more) in maps { merged += more }
                    case .scalar: throw Failure(line: key.mark?.line ?? line, message: "'<<' merges a map, not a single value")
                    }
                    continue
                }
                entries.append(Entry(key: name, value: converted, line: key.mark?.line ?? line))
            }
            let own = Set(entries.map(\.key))
            var seen: Set<String> = []
            for entry in merged where !own.contains(entry.key) && seen.insert(entry.key).inserted { entries.append(entry) }
            return .map(entries)
        case .alias:
            return .scalar("")  // compose resolves aliases to their nodes; a bare alias node does not occur
        }
    }

    /// Yams' error as a line and words, quoting the line (cut, so a line of megabytes stays short); 1-based.
    static func failure(_ error: YamlError, in yaml: String) -> Failure {
        func words(_ problem: String, _ context: YamlError.Context?, _ line: Int) -> String {
            var text = problem
            if let context, !context.text.isEmpty { text += " (\(context.text) at line \(context.mark.line))" }
            // The problem's own line, or the context's when the problem is found on a blank line after it.
            var quoted = Self.line(line, of: yaml)
            if quoted.isEmpty, let context { quoted = Self.line(context.mark.line, of: yaml) }
            return quoted.isEmpty ? text : "\(text), near '\(Excerpt.cut(quoted))'"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return Failure(line: mark.line, message: words(problem, context, mark.line))
        case .reader(let problem, let offset, _, _):
            let line = offset.map { yaml.prefix($0).reduce(1) { $1 == "\n" || $1 == "\r\n" || $1 == "\r" ? $0 + 1 : $0 } } ?? 1
            return Failure(line: line, message: words(problem, nil, line))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\(Excerpt.cut($0))'" }.joined(separator: ", ")
            return Failure(line: context.mark.line, message: "the key \(keys) appears more than once in the same map; keep one")
        default:
            return Failure(line: 1, message: "could not be read as YAML (\(error))")
        }
    }

    /// Line `number` (1-based) of `text`, trimmed; empty when there is no such line.
    static func line(_ number: Int, of text: String) -> String {
        var current = 1
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if current == number { return raw.trimmingCharacters(in: .whitespaces) }
            current += 1
        }
        return ""
    }
}

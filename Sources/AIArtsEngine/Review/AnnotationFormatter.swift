import Foundation

/// What annotators of a task assign (docs/annotation.md): tags, each with a name, a description and
/// attributes; an attribute lists its allowed values, or none for free text. As JSON:
/// `[{"name": "car", "description": "...", "attributes": [{"name": "occluded", "values": ["yes", "no"]}]}]`.
public struct AnnotationFormatter: Codable, Equatable, Sendable {
    public struct Attribute: Codable, Equatable, Sendable {
        public var name: String
        /// The allowed values; empty means free text.
        public var values: [String]
        /// How to fill it in (the crowd annotation API's formatters carry one); "" for none, and then not written.
        public var description: String

        public init(name: String, values: [String] = [], description: String = "") {
            self.name = name; self.values = values; self.description = description
        }

        public var isFreeText: Bool { values.isEmpty }

        enum CodingKeys: String, CodingKey { case name, values, description }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            values = try c.decodeIfPresent([String].self, forKey: .values) ?? []
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(values, forKey: .values)
            if !description.isEmpty { try c.encode(description, forKey: .description) }
        }
    }

    public struct Tag: Codable, Equatable, Sendable {
        public var name: String
        public var description: String
        public var attributes: [Attribute]

        public init(name: String, description: String = "", attributes: [Attribute] = []) {
            self.name = name; self.description = description; self.attributes = attributes
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            attributes = try c.decodeIfPresent([Attribute].self, forKey: .attributes) ?? []
        }

        public func attribute(named name: String) -> Attribute? { attributes.first { $0.name == name } }
    }

    public var tags: [Tag]

    /// A formatter from tags already in hand; checked as `parse` checks text.
    public init(tags: [Tag]) throws {
        self.tags = tags
        try validate()
    }

    /// Stored and printed as the bare array of tags.
    public init(from decoder: any Decoder) throws {
        tags = try decoder.singleValueContainer().decode([Tag].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(tags)
    }

    public func tag(named name: String) -> Tag? { tags.first { $0.name == name } }

    /// The largest formatter text read; anything bigger is not a formatter.
    public static let maxBytes = 1 << 20

    /// Parses formatter JSON: an array of tags, or an object whose `tags` member is one.
    /// Untrusted text: every mistake is an `AIArtsError(.badInput)` saying where it is.
    public static func parse(_ text: String) throws -> AnnotationFormatter {
        guard text.utf8.count <= maxBytes else {
            throw AIArtsError(.badInput, "the formatter is larger than \(maxBytes / 1024) KiB; it should be a short JSON array of tags")
        }
        let root: JSONValue
        do {
            root = try JSONValue.parse(text)
        } catch {
            throw AIArtsError(.badInput, "the formatter is not valid JSON (\(error))")
        }
        let list: [JSONValue]
        if case .array(let items) = root {
            list = items
        } else if case .array(let items)? = root["tags"] {
            list = items
        } else {
            throw AIArtsError(.badInput, "the formatter must be a JSON array of tags, like [{\"name\": \"car\", \"description\": \"\", \"attributes\": [{\"name\": \"color\", \"values\": [\"red\", \"blue\"]}]}]")
        }
        var tags: [Tag] = []
        for (i, item) in list.enumerated() {
            let place = "tag \(i + 1)"
            guard case .object(let members) = item else { throw AIArtsError(.badInput, "formatter \(place) is not an object with name, description and attributes") }
            try checkKeys(members, allowed: ["name", "description", "attributes"], place: place)
            let name = try string(item["name"], "name", place: place, required: true)
            let description = try string(item["description"], "description", place: "\(place) ('\(name)')", required: false)
            var attributes: [Attribute] = []
            switch item["attributes"] {
            case nil, .null?: break
            case .array(let items)?:
                for (j, a) in items.enumerated() {
                    let aPlace = "attribute \(j + 1) of tag '\(name)'"
                    guard case .object(let aMembers) = a else { throw AIArtsError(.badInput, "formatter \(aPlace) is not an object with name and values") }
                    try checkKeys(aMembers, allowed: ["name", "values", "description"], place: aPlace)
                    let aName = try string(a["name"], "name", place: aPlace, required: true)
                    let aDescription = try string(a["description"], "description", place: aPlace, required: false)
                    var values: [String] = []
                    switch a["values"] {
                    case nil, .null?: break
                    case .array(let vs)?:
                        for (k, v) in vs.enumerated() {
                            guard case .string(let s) = v else {
                                throw AIArtsError(.badInput, "formatter: value \(k + 1) of attribute '\(aName)' of tag '\(name)' is not a string")
                            }
                            values.append(s)
                        }
                    default:
                        throw AIArtsError(.badInput, "formatter: 'values' of attribute '\(aName)' of tag '\(name)' must be an array of strings (empty for free text)")
                    }
                    attributes.append(Attribute(name: aName, values: values, description: aDescription))
                }
            default:
                throw AIArtsError(.badInput, "formatter: 'attributes' of tag '\(name)' must be an array")
            }
            tags.append(Tag(name: name, description: description, attributes: attributes))
        }
        return try AnnotationFormatter(tags: tags)
    }

    /// Reads a formatter from JSON text given inline (starting with `[` or `{`) or from a file.
    public static func load(fileOrJSON argument: String) throws -> AnnotationFormatter {
        let trimmed = argument.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") { return try parse(trimmed) }
        let url = URL(fileURLWithPath: (argument as NSString).expandingTildeInPath)
        let attrs = try? FileManager.default.attributesOfItem(atPath: url.path)
        guard let attrs, (attrs[.type] as? FileAttributeType) == .typeRegular else {
            throw AIArtsError(.invalidArgument, "the formatter '\(argument)' is neither JSON nor a readable file")
        }
        if let size = attrs[.size] as? Int, size > maxBytes {
            throw AIArtsError(.badInput, "\(url.path) is larger than \(maxBytes / 1024) KiB; a formatter is a short JSON array of tags")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AIArtsError(.io, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw AIArtsError(.badInput, "\(url.path) is not UTF-8 text") }
        do { return try parse(text) } catch let error as AIArtsError {
            throw AIArtsError(error.kind, "\(url.path): \(error.message)")
        }
    }

    /// Checks names and values: at least one tag, names non-empty and unique, no control characters.
    public func validate() throws {
        guard !tags.isEmpty else { throw AIArtsError(.badInput, "the formatter has no tags; it needs at least one, e.g. [{\"name\": \"car\"}]") }
        var tagNames = Set<String>()
        for (i, tag) in tags.enumerated() {
            try Self.checkName(tag.name, what: "the name of tag \(i + 1)")
            guard tagNames.insert(tag.name).inserted else { throw AIArtsError(.badInput, "the formatter names tag '\(tag.name)' twice") }
            try Self.checkText(tag.description, what: "the description of tag '\(tag.name)'", allowNewlines: true)
            var attributeNames = Set<String>()
            for (j, attribute) in tag.attributes.enumerated() {
                try Self.checkName(attribute.name, what: "the name of attribute \(j + 1) of tag '\(tag.name)'")
                try Self.checkText(attribute.description, what: "the description of attribute '\(attribute.name)' of tag '\(tag.name)'", allowNewlines: true)
                guard attributeNames.insert(attribute.name).inserted else {
                    throw AIArtsError(.badInput, "tag '\(tag.name)' names attribute '\(attribute.name)' twice")
                }
                var values = Set<String>()
                for value in attribute.values {
                    let what = "a value of attribute '\(attribute.name)' of tag '\(tag.name)'"
                    guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw AIArtsError(.badInput, "\(what) is empty; leave 'values' empty for free text instead")
                    }
                    try Self.checkText(value, what: what, allowNewlines: false)
                    guard values.insert(value).inserted else {
                        throw AIArtsError(.badInput, "attribute '\(attribute.name)' of tag '\(tag.name)' lists the value '\(value)' twice")
                    }
                }
            }
        }
    }

    /// The attribute `name` of tag `tagName`, or an error naming what there is.
    public func attribute(tag tagName: String, name: String) throws -> Attribute {
        guard let tag = tag(named: tagName) else {
            throw AIArtsError(.invalidArgument, "the formatter has no tag '\(tagName)'; tags: \(tags.map(\.name).joined(separator: ", "))")
        }
        guard let attribute = tag.attribute(named: name) else {
            let names = tag.attributes.map(\.name)
            throw AIArtsError(.invalidArgument, "tag '\(tagName)' has no attribute '\(name)'; " + (names.isEmpty ? "it has none" : "it has: \(names.joined(separator: ", "))"))
        }
        return attribute
    }

    /// Checks a value for an attribute of a tag: allowed values only, or any text without control
    /// characters when the attribute is free text.
    public func check(tag tagName: String, attribute name: String, value: String) throws {
        let attribute = try attribute(tag: tagName, name: name)
        try Self.checkText(value, what: "the value of '\(name)'", allowNewlines: false)
        guard value.utf8.count <= Self.maxValueBytes else {
            throw AIArtsError(.invalidArgument, "the value of '\(name)' is longer than \(Self.maxValueBytes) bytes")
        }
        if !attribute.isFreeText, !attribute.values.contains(value) {
            throw AIArtsError(.invalidArgument, "'\(value)' is not allowed for '\(name)' of tag '\(tagName)'; allowed: \(attribute.values.joined(separator: ", "))")
        }
    }

    /// The longest attribute value kept.
    public static let maxValueBytes = 4096
    static let maxNameBytes = 200

    static func checkName(_ name: String, what: String) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw AIArtsError(.badInput, "\(what) is empty") }
        guard name.utf8.count <= maxNameBytes else { throw AIArtsError(.badInput, "\(what) is longer than \(maxNameBytes) bytes") }
        guard name == name.trimmingCharacters(in: .whitespaces) else {
            throw AIArtsError(.badInput, "\(what) ('\(name)') starts or ends with spaces")
        }
        try checkText(name, what: what, allowNewlines: false)
    }

    /// Refuses control characters (escape sequences, NUL, tabs, and newlines unless allowed).
    static func checkText(_ text: String, what: String, allowNewlines: Bool) throws {
        for scalar in text.unicodeScalars where scalar.properties.generalCategory == .control {
            if allowNewlines, scalar == "\n" { continue }
            throw AIArtsError(.badInput, "\(what) contains a control character (U+\(String(scalar.value, radix: 16, uppercase: true))); use plain text")
        }
    }

    private static func checkKeys(_ members: [(key: String, value: JSONValue)], allowed: [String], place: String) throws {
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw AIArtsError(.badInput, "formatter \(place) has an unknown field '\(unknown.key)'; its fields are \(allowed.joined(separator: ", "))")
        }
    }

    private static func string(_ value: JSONValue?, _ field: String, place: String, required: Bool) throws -> String {
        switch value {
        case .string(let s)?: return s
        case nil, .null?:
            if required { throw AIArtsError(.badInput, "formatter \(place) has no '\(field)'") }
            return ""
        default: throw AIArtsError(.badInput, "'\(field)' of formatter \(place) must be a string")
        }
    }
}

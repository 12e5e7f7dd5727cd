/// Which key does what, per context, read from a keymap file:
///
/// ```toml
/// name = "vim"
/// [home]
/// move_up = ["k", "up"]
/// quit = "q"
/// [help]
/// close = ["esc", "?"]
/// ```
/// Keys are listed in the file's order; the first is the one the footer shows. `inherit = "default"`
/// at the top starts from another keymap (found by name, as `--keymap` finds one): the file then lists
/// only what differs, each action it names getting exactly the keys it lists (`Keymap.load`).
public struct Keymap: Equatable, Sendable {
    public var name: String
    private var bindings: [KeyContext: [Action: [Key]]] = [:]
    /// The reverse of `bindings`, kept in step by `bind`.
    private var actions: [KeyContext: [Key: Action]] = [:]

    public init(name: String) { self.name = name }

    /// What `key` does in `context`, if anything.
    public func action(for key: Key, in context: KeyContext) -> Action? { actions[context]?[key] }

    /// The keys bound to `action` in `context`, first one first.
    public func keys(for action: Action, in context: KeyContext) -> [Key] { bindings[context]?[action] ?? [] }

    /// Binds `keys` to `action`, replacing what the action had. A key that belonged to another action of
    /// the same context moves here: the latest binding wins, as a user override expects.
    public mutating func bind(_ action: Action, to keys: [Key], in context: KeyContext) {
        for key in keys {
            if let other = actions[context]?[key], other != action { bindings[context]?[other]?.removeAll { $0 == key } }
        }
        for old in bindings[context]?[action] ?? [] { actions[context]?[old] = nil }
        bindings[context, default: [:]][action] = keys
        for key in keys { actions[context, default: [:]][key] = action }
    }

    /// Reads a whole keymap that inherits from none. Strict: unknown sections, actions and key names, an
    /// action outside its context, and one key bound twice in a context are errors with the file and line.
    public static func parse(_ text: String, file: String) throws -> Keymap {
        let parsed = try File(text, file: file)
        if let parent = parsed.inherit {
            throw ConfigError(file: file, line: parent.line, "inherit = \"\(parent.name)\" needs the keymap it names; load the file by name")
        }
        var keymap = Keymap(name: parsed.name ?? "")
        parsed.apply(to: &keymap)
        return keymap
    }

    /// The keymap `find` gives for `name`, with the keymaps it inherits from laid under it, nearest last.
    /// A parent that cannot be found, or a chain that comes back to a keymap already in it, is an error
    /// naming the file and line of the `inherit` that leads there.
    public static func load(_ name: String, find: (String) throws -> ConfigLocator.Source) throws -> Keymap {
        var files: [File] = []
        var chain: [String] = []
        var next = name
        var via: (file: String, line: Int)?
        while true {
            if let via, chain.contains(next) {
                throw ConfigError(file: via.file, line: via.line,
                                  "inherit = \"\(next)\" goes round in a circle: " + (chain + [next]).joined(separator: " → "))
            }
            chain.append(next)
            let source: ConfigLocator.Source
            do { source = try find(next) } catch let error as ConfigError {
                guard let via else { throw error }
                throw ConfigError(file: via.file, line: via.line, "inherit = \"\(next)\": \(error.description)")
            }
            let file = try File(source.text, file: source.file)
            files.append(file)
            guard let parent = file.inherit else { break }
            via = (source.file, parent.line)
            next = parent.name
        }
        var keymap = Keymap(name: files[0].name ?? "")
        for file in files.reversed() { file.apply(to: &keymap) }
        return keymap
    }

    /// A keymap by name (or path) as the UI finds one: the user's folders first, then the built-in copies.
    public static func load(_ name: String, locator: ConfigLocator) throws -> Keymap {
        try load(name) { try locator.find(.keymap, named: $0) }
    }

    /// A keymap compiled into the binary, with what it inherits (from built-in keymaps only).
    static func builtin(_ name: String) throws -> Keymap {
        try load(name) { parent in
            guard let source = BuiltinFiles.source(.keymap, named: parent) else {
                throw ConfigError(file: "keymap \"\(parent)\"", "is not built in; built in: " + BuiltinFiles.names(.keymap).joined(separator: ", "))
            }
            return source
        }
    }

    /// Lays a user's file over this keymap: each action it names gets exactly the keys it lists
    /// (`reload = []` unbinds), and those keys leave whatever action had them before.
    public mutating func apply(overrides text: String, file: String) throws {
        let parsed = try File(text, file: file)
        if let parent = parsed.inherit {
            throw ConfigError(file: file, line: parent.line, "keymap.toml is laid over the keymap in use and inherits from nothing; "
                + "choose that keymap with keymap = \"\(parent.name)\" in config.toml")
        }
        parsed.apply(to: &self)
    }

    /// The keymap shipped as keymaps/default.toml. Its text is compiled in and a test parses it, so
    /// a failure here is a build that never passed its tests.
    public static let builtinDefault: Keymap = {
        do { return try builtin("default") } catch {
            fatalError("built-in keymap: \(error)")
        }
    }()

    /// One keymap file, checked: its name, the keymap it inherits from, and its bindings in file order.
    private struct File {
        var name: String?
        var inherit: (name: String, line: Int)?
        var entries: [(KeyContext, Action, [Key])]

        init(_ text: String, file: String) throws {
            let doc = try TOMLDocument.parse(text, file: file)
            let root = doc[""]!
            for key in root.keys {
                let entry = root[key]!
                guard ["name", "description", "inherit"].contains(key) else {
                    throw doc.error("unknown setting \(key); a keymap has name, description, inherit and [home], [help] sections", line: entry.line)
                }
                guard case .string(let value) = entry.value else { throw doc.error("\(key) must be a string", line: entry.line) }
                if key == "name" { name = value }
                if key == "inherit" {
                    guard !value.isEmpty, !value.contains("/"), !value.hasSuffix(".toml") else {
                        throw doc.error("inherit takes a keymap's name (default, vim, emacs or one in your keymaps folder), not \"\(value)\"", line: entry.line)
                    }
                    inherit = (value, entry.line)
                }
            }
            entries = try Keymap.entries(doc)
        }

        func apply(to keymap: inout Keymap) {
            for (context, action, keys) in entries { keymap.bind(action, to: keys, in: context) }
        }
    }

    /// Every binding in the file, validated, in file order.
    private static func entries(_ doc: TOMLDocument) throws -> [(KeyContext, Action, [Key])] {
        var result: [(KeyContext, Action, [Key])] = []
        for tableName in doc.tableNames.dropFirst() {
            let table = doc[tableName]!
            guard let context = KeyContext(rawValue: tableName) else {
                let known = KeyContext.allCases.map { "[\($0.rawValue)]" }.joined(separator: ", ")
                throw doc.error("unknown section [\(tableName)]; a keymap has \(known)", line: table.line)
            }
            var seen: [Key: (Action, Int)] = [:]
            for name in table.keys {
                let entry = table[name]!
                guard let action = Action(rawValue: name) else {
                    let known = context.actions.map(\.rawValue).joined(separator: ", ")
                    throw doc.error("unknown action \(name) in [\(context.rawValue)]; known: \(known)", line: entry.line)
                }
                guard context.actions.contains(action) else {
                    throw doc.error("\(name) does nothing in [\(context.rawValue)]; it belongs in "
                        + KeyContext.allCases.filter { $0.actions.contains(action) }.map { "[\($0.rawValue)]" }.joined(separator: ", "),
                        line: entry.line)
                }
                let keys = try keyList(entry, action: name, doc: doc)
                for key in keys {
                    if let (other, line) = seen[key] {
                        let what = other == action ? "twice for \(name)" : "to both \(other.rawValue) (line \(line)) and \(name)"
                        throw doc.error("\(KeyNotation.name(key)) is bound \(what) in [\(context.rawValue)]", line: entry.line)
                    }
                    seen[key] = (action, entry.line)
                }
                result.append((context, action, keys))
            }
        }
        return result
    }

    /// A key name or a list of them.
    private static func keyList(_ entry: TOMLEntry, action: String, doc: TOMLDocument) throws -> [Key] {
        let names: [String]
        switch entry.value {
        case .string(let s): names = [s]
        case .array(let items):
            names = try items.map {
                guard case .string(let s) = $0 else { throw doc.error("\(action): keys are strings, not \($0.typeName)", line: entry.line) }
                return s
            }
        default:
            throw doc.error("\(action) takes a key (\"q\") or a list of keys ([\"q\", \"esc\"]), not \(entry.value.typeName)", line: entry.line)
        }
        return try names.map { name in
            switch KeyNotation.parse(name) {
            case .success(let key): return key
            case .failure(let error): throw doc.error("\(action): \(error.message)", line: entry.line)
            }
        }
    }
}

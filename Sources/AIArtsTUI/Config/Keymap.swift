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
/// Keys are listed in the file's order; the first is the one the footer shows.
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

    /// Reads a whole keymap. Strict: unknown sections, actions and key names, an action outside its
    /// context, and one key bound twice in a context are errors with the file and line.
    public static func parse(_ text: String, file: String) throws -> Keymap {
        let doc = try TOMLDocument.parse(text, file: file)
        var keymap = Keymap(name: try rootName(doc) ?? "")
        for (context, action, keys) in try entries(doc) { keymap.bind(action, to: keys, in: context) }
        return keymap
    }

    /// Lays a user's file over this keymap: each action it names gets exactly the keys it lists
    /// (`reload = []` unbinds), and those keys leave whatever action had them before.
    public mutating func apply(overrides text: String, file: String) throws {
        let doc = try TOMLDocument.parse(text, file: file)
        _ = try Self.rootName(doc)
        for (context, action, keys) in try Self.entries(doc) { bind(action, to: keys, in: context) }
    }

    /// The keymap shipped as keymaps/default.toml. Its text is compiled in and a test parses it, so
    /// a failure here is a build that never passed its tests.
    public static let builtinDefault: Keymap = {
        do { return try parse(BuiltinConfigs.keymaps["default"]!, file: "built-in keymaps/default.toml") } catch {
            fatalError("built-in keymap: \(error)")
        }
    }()

    /// Checks the top-level keys (name, description); returns the name.
    private static func rootName(_ doc: TOMLDocument) throws -> String? {
        let root = doc[""]!
        for key in root.keys {
            let entry = root[key]!
            guard key == "name" || key == "description" else {
                throw doc.error("unknown setting \(key); a keymap has name, description and [home], [help] sections", line: entry.line)
            }
            guard case .string = entry.value else { throw doc.error("\(key) must be a string", line: entry.line) }
        }
        if case .string(let name)? = root["name"]?.value { return name }
        return nil
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

import Foundation
import Testing
@testable import AIArtsTUI

/// Keymap files given by name, as a locator would find them.
private func finder(_ files: [String: String]) -> (String) throws -> ConfigLocator.Source {
    { name in
        if let text = files[name] { return ConfigLocator.Source(text: text, file: "\(name).toml") }
        if let builtin = BuiltinFiles.source(.keymap, named: name) { return builtin }
        throw ConfigError(file: "keymap \"\(name)\"", "not found")
    }
}

private func loadError(_ name: String, _ files: [String: String]) -> ConfigError? {
    do { _ = try Keymap.load(name, find: finder(files)); return nil } catch { return error as? ConfigError }
}

@Suite struct KeymapInheritTests {
    /// The bindings every shipped keymap resolved to when each file still listed all of them, before vim
    /// and emacs inherited from default: "keymap context action = key key …".
    private static func capturedTable() throws -> [String: [Key]] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/AIArtsTUITests/Fixtures/builtin-keymaps.txt"), encoding: .utf8)
        var table: [String: [Key]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " = ", maxSplits: 1).map(String.init)
            table[parts[0]] = try parts[1].split(separator: " ").map { name in try KeyNotation.parse(String(name)).get() }
        }
        return table
    }

    @Test func shippedKeymapsResolveToTheBindingsTheyHadBeforeInheriting() throws {
        let table = try Self.capturedTable()
        #expect(table.count > 300)
        let captured = Set(table.keys.map { $0.split(separator: " ")[2] })
        for name in ["default", "vim", "emacs"] {
            let keymap = try Keymap.builtin(name)
            for context in KeyContext.allCases {
                // An action added after the capture is not in the table; every other one must match.
                for action in context.actions where captured.contains(Substring(action.rawValue)) {
                    let id = "\(name) \(context.rawValue) \(action.rawValue)"
                    #expect(keymap.keys(for: action, in: context) == table[id] ?? [], "\(id)")
                }
            }
        }
    }

    @Test func vimAndEmacsListOnlyWhatDiffers() throws {
        for name in ["vim", "emacs"] {
            let text = try #require(try shippedFiles("keymaps")[name])
            #expect(text.contains("inherit = \"default\""))
            let lines = text.split(separator: "\n").filter { $0.contains(" = [") }
            #expect(lines.count < 70, "\(name) lists \(lines.count) bindings")
        }
    }

    @Test func aUserFileInheritsAndOverrides() throws {
        let files = ["mine": "name = \"mine\"\ninherit = \"vim\"\n[home]\nquit = [\"ctrl+x\"]\nmove_up = [\"up\"]\n"]
        let keymap = try Keymap.load("mine", find: finder(files))
        let vim = try Keymap.builtin("vim")
        #expect(keymap.name == "mine")
        #expect(keymap.keys(for: .quit, in: .home) == [.ctrl("x")])
        #expect(keymap.keys(for: .moveUp, in: .home) == [.up])
        #expect(keymap.action(for: .char("k"), in: .home) == nil)  // vim's k is unbound: move_up lists only up
        #expect(keymap.keys(for: .nextPane, in: .home) == vim.keys(for: .nextPane, in: .home))  // from vim
        #expect(keymap.keys(for: .startTask, in: .home) == Keymap.builtinDefault.keys(for: .startTask, in: .home))  // from default, through vim
        #expect(keymap.keys(for: .close, in: .review) == vim.keys(for: .close, in: .review))
    }

    @Test func aKeyTakenByTheChildLeavesTheParentsAction() throws {
        // Default binds j to move_down; this one gives j to quit, so move_down keeps only its other keys.
        let keymap = try Keymap.load("m", find: finder(["m": "inherit = \"default\"\n[home]\nquit = [\"j\"]\n"]))
        #expect(keymap.action(for: .char("j"), in: .home) == .quit)
        #expect(!keymap.keys(for: .moveDown, in: .home).contains(.char("j")))
        #expect(keymap.keys(for: .moveDown, in: .home).contains(.down))
    }

    @Test func aMissingParentIsAnErrorAtTheInheritLine() throws {
        let error = try #require(loadError("m", ["m": "name = \"m\"\n\ninherit = \"nope\"\n"]))
        #expect(error.file == "m.toml")
        #expect(error.line == 3)
        #expect(error.message.contains("inherit = \"nope\""))
        #expect(error.message.contains("not found"))
    }

    @Test func aCircleIsAnErrorThatShowsIt() throws {
        let files = ["a": "inherit = \"b\"\n", "b": "name = \"b\"\ninherit = \"c\"\n", "c": "inherit = \"a\"\n"]
        let error = try #require(loadError("a", files))
        #expect(error.file == "c.toml")
        #expect(error.line == 1)
        #expect(error.message.contains("circle"))
        #expect(error.message.contains("a → b → c → a"))
        #expect(loadError("self", ["self": "inherit = \"self\"\n"])?.message.contains("self → self") == true)
    }

    @Test func inheritIsANameAndBelongsInAKeymapFile() throws {
        #expect(loadError("m", ["m": "inherit = \"../vim.toml\"\n"])?.message.contains("keymap's name") == true)
        #expect(loadError("m", ["m": "inherit = 3\n"])?.message.contains("must be a string") == true)
        // A file read without a way to find its parent says so, rather than dropping the parent.
        #expect(throws: ConfigError.self) { try Keymap.parse("inherit = \"default\"\n", file: "k.toml") }
        // keymap.toml is laid over the chosen keymap; it does not choose one.
        var keymap = Keymap.builtinDefault
        #expect(throws: ConfigError.self) { try keymap.apply(overrides: "inherit = \"vim\"\n", file: "keymap.toml") }
    }

    @Test func theUIFindsAUserKeymapThatInheritsABuiltInOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-inherit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("aiarts/keymaps"), withIntermediateDirectories: true)
        try "name = \"mine\"\ninherit = \"emacs\"\n[home]\nquit = [\"Q\"]\n"
            .write(to: folder.appendingPathComponent("aiarts/keymaps/mine.toml"), atomically: true, encoding: .utf8)
        let config = try UIConfig.load(keymap: "mine", locator: ConfigLocator(environment: ["XDG_CONFIG_HOME": folder.path], executable: nil))
        #expect(config.keymap.name == "mine")
        #expect(config.keymap.action(for: .char("Q"), in: .home) == .quit)
        #expect(config.keymap.action(for: .ctrl("n"), in: .home) == .moveDown)  // emacs
    }
}

import Foundation
import Testing
@testable import AIArtsTUI

/// The repository root, for reading the shipped themes/ and keymaps/ files.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Every shipped file of a kind ("themes", "keymaps"): name → text.
func shippedFiles(_ folder: String) throws -> [String: String] {
    let dir = repositoryRoot.appendingPathComponent(folder)
    var files: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".toml") {
        files[String(name.dropLast(5))] = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
    }
    return files
}

private func keymapError(_ text: String) -> ConfigError? {
    do { _ = try Keymap.parse(text, file: "k.toml"); return nil } catch { return error as? ConfigError }
}

@Suite struct KeymapTests {
    @Test func shippedKeymapsAreDefaultVimAndEmacs() throws {
        #expect(Set(try shippedFiles("keymaps").keys) == ["default", "vim", "emacs"])
    }

    @Test func everyActionHasABindingInEveryShippedKeymap() throws {
        for name in try shippedFiles("keymaps").keys {
            let keymap = try Keymap.builtin(name)
            #expect(keymap.name == name)
            for context in KeyContext.allCases {
                for action in context.actions {
                    #expect(!keymap.keys(for: action, in: context).isEmpty, "\(name): \(action.rawValue) in [\(context.rawValue)]")
                }
            }
            // Every action is meaningful somewhere.
            #expect(Set(KeyContext.allCases.flatMap(\.actions)) == Set(Action.allCases))
        }
    }

    @Test func noShippedKeymapBindsOneKeyTwiceInAContext() throws {
        for name in try shippedFiles("keymaps").keys {
            let keymap = try Keymap.builtin(name)
            for context in KeyContext.allCases {
                let keys = context.actions.flatMap { keymap.keys(for: $0, in: context) }
                #expect(keys.count == Set(keys).count, "\(name) [\(context.rawValue)]")
                for action in context.actions {
                    for key in keymap.keys(for: action, in: context) { #expect(keymap.action(for: key, in: context) == action) }
                }
            }
        }
    }

    @Test func theDefaultKeymapKeepsTheKeysNewcomersGuess() {
        let k = Keymap.builtinDefault
        #expect(k.action(for: .up, in: .home) == .moveUp)
        #expect(k.action(for: .char("j"), in: .home) == .moveDown)
        #expect(k.action(for: .tab, in: .home) == .nextPane)
        #expect(k.action(for: .backtab, in: .home) == .previousPane)
        #expect(k.action(for: .char("q"), in: .home) == .quit)
        #expect(k.action(for: .char("?"), in: .home) == .help)
        #expect(k.action(for: .esc, in: .help) == .close)
        #expect(k.action(for: .char("q"), in: .help) == .quit)
        #expect(k.action(for: .char("s"), in: .home) == .startTask)
        #expect(k.action(for: .char("y"), in: .confirm) == .confirm)
        #expect(k.action(for: .char("w"), in: .home) == nil)
    }

    @Test func keyNotation() throws {
        let cases: [(String, Key)] = [
            ("k", .char("k")), ("G", .char("G")), ("?", .char("?")), ("<", .char("<")), ("up", .up), ("Up", .up),
            ("pgdn", .pageDown), ("PageUp", .pageUp), ("tab", .tab), ("shift+tab", .backtab), ("shift+g", .char("G")),
            ("ctrl+n", .ctrl("n")), ("Ctrl+N", .ctrl("n")), ("esc", .esc), ("enter", .enter), ("space", .char(" ")),
            ("f1", .function(1)), ("f12", .function(12)), ("home", .home), ("end", .end), ("delete", .delete),
        ]
        for (text, key) in cases {
            #expect(try KeyNotation.parse(text).get() == key, "\(text)")
            #expect(try KeyNotation.parse(KeyNotation.name(key)).get() == key, "round trip of \(text)")
        }
        for bad in ["", "kk", "ctrl+", "ctrl+1", "ctrl+ab", "ctrl+c", "ctrl+i", "ctrl+h", "f13", "f0", "alt+x", " ", "\u{7F}"] {
            if case .success(let key) = KeyNotation.parse(bad) { Issue.record("\"\(bad)\" parsed as \(key)") }
        }
    }

    @Test func badKeymapsAreRefusedWithTheLine() {
        let cases: [(String, Int, String)] = [
            ("[home]\nmove_up = [\"k\"]\nmove_down = [\"j\", \"k\"]", 3, "k is bound to both move_up (line 2) and move_down in [home]"),
            ("[home]\nquit = [\"q\", \"q\"]", 2, "q is bound twice for quit"),
            ("[home]\njump = [\"x\"]", 2, "unknown action jump in [home]"),
            ("[home]\nsort = [\"o\"]", 2, "sort does nothing in [home]; it belongs in [gpu]"),
            ("[main]\nquit = \"q\"", 1, "unknown section [main]"),
            ("[home]\nquit = [\"ctrl+c\"]", 2, "quit: ctrl+c always interrupts"),
            ("[home]\nquit = [\"meta+q\"]", 2, "quit: unknown key \"meta+q\""),
            ("[home]\nquit = 3", 2, "quit takes a key"),
            ("[home]\nquit = [3]", 2, "quit: keys are strings"),
            ("name = 1", 1, "name must be a string"),
            ("theme = \"x\"", 1, "unknown setting theme"),
        ]
        for (text, line, message) in cases {
            let error = keymapError(text)
            #expect(error?.line == line, "\(text): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
        // Same key in two contexts is fine: q quits from both.
        #expect(keymapError("[home]\nquit = \"q\"\n[help]\nquit = \"q\"") == nil)
    }

    @Test func aUserOverrideReplacesOneBindingAndTakesItsKeys() throws {
        var keymap = Keymap.builtinDefault
        try keymap.apply(overrides: """
            [home]
            quit = ["ctrl+x"]
            reload = ["j", "r"]   # j leaves move_down
            """, file: "keymap.toml")
        #expect(keymap.keys(for: .quit, in: .home) == [.ctrl("x")])
        #expect(keymap.action(for: .char("q"), in: .home) == nil)
        #expect(keymap.action(for: .char("j"), in: .home) == .reload)
        #expect(keymap.keys(for: .moveDown, in: .home) == [.down])
        // Everything else is the chosen keymap's.
        #expect(keymap.keys(for: .moveUp, in: .home) == Keymap.builtinDefault.keys(for: .moveUp, in: .home))
        #expect(keymap.keys(for: .quit, in: .help) == [.char("q")])
        #expect(keymap.name == "default")
    }

    @Test func anOverrideFileIsCheckedLikeAKeymap() {
        var keymap = Keymap.builtinDefault
        #expect(throws: ConfigError(file: "keymap.toml", line: 2, "quit: ctrl+ is not a key; ctrl+ goes with one letter a…z")) {
            try keymap.apply(overrides: "[home]\nquit = \"ctrl+\"", file: "keymap.toml")
        }
    }
}

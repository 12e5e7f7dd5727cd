import Testing
@testable import AIArtsTUI

/// The copies compiled into the binary must be the shipped files, byte for byte. When this fails,
/// paste the .toml file's text into Sources/AIArtsTUI/Config/BuiltinConfigs.swift.
@Suite struct BuiltinConfigsTests {
    @Test(arguments: ["themes", "keymaps"])
    func builtInCopiesEqualTheShippedFiles(folder: String) throws {
        let shipped = try shippedFiles(folder)
        let builtins = folder == "themes" ? BuiltinConfigs.themes : BuiltinConfigs.keymaps
        #expect(Set(builtins.keys) == Set(shipped.keys), "\(folder)/ and BuiltinConfigs.\(folder) list different files")
        for (name, text) in shipped {
            #expect(Array(builtins[name]?.utf8 ?? "".utf8) == Array(text.utf8), "\(folder)/\(name).toml differs from its built-in copy")
        }
    }

    @Test func builtInCopiesParse() throws {
        for (name, text) in BuiltinConfigs.themes { _ = try Palette.parse(text, file: name) }
        for (name, text) in BuiltinConfigs.keymaps { _ = try Keymap.parse(text, file: name) }
        #expect(Keymap.builtinDefault.name == "default")
    }
}

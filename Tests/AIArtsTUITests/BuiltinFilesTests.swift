import Foundation
import Testing
@testable import AIArtsTUI

/// The files compiled into the binary are the shipped ones, and none is missing from the list.
@Suite struct BuiltinFilesTests {
    @Test(arguments: [ConfigLocator.Kind.theme, .keymap])
    func builtInCopiesAreTheShippedFiles(kind: ConfigLocator.Kind) throws {
        let shipped = try shippedFiles(kind.rawValue)
        #expect(BuiltinFiles.names(kind) == shipped.keys.sorted(), "\(kind.rawValue)/ and BuiltinFiles.\(kind.rawValue) list different files")
        for (name, text) in shipped {
            #expect(BuiltinFiles.source(kind, named: name)?.text == text, "\(kind.rawValue)/\(name).toml differs from its built-in copy")
        }
    }

    @Test func builtInCopiesParse() throws {
        for name in BuiltinFiles.names(.theme) { _ = try Palette.parse(try #require(BuiltinFiles.source(.theme, named: name)).text, file: name) }
        for name in BuiltinFiles.names(.keymap) { #expect(try Keymap.builtin(name).name == name) }
        #expect(Keymap.builtinDefault.name == "default")
    }
}

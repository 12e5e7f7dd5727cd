import Foundation
import Testing
@testable import AIArtsTUI

/// A scratch folder removed when the test ends.
private final class Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-config-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ path: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

@Suite struct ConfigLocatorTests {
    @Test func namesAreSearchedUserThenInstallThenBuiltIn() throws {
        let scratch = Scratch()
        let env = ["XDG_CONFIG_HOME": scratch.url.appendingPathComponent("config").path, "HOME": "/nonexistent"]
        let exe = scratch.url.appendingPathComponent("prefix/bin/aiarts")
        let locator = ConfigLocator(environment: env, executable: exe)

        #expect(try locator.find(.theme, named: "light").file == "built-in themes/light.toml")
        let installed = try scratch.write("prefix/share/aiarts/themes/light.toml", "name = \"installed\"\n")
        #expect(try locator.find(.theme, named: "light").file == installed.path)
        let user = try scratch.write("config/aiarts/themes/light.toml", "name = \"mine\"\n")
        #expect(try locator.find(.theme, named: "light") == .init(text: "name = \"mine\"\n", file: user.path))
        // A name of one's own, found only in the user's folder.
        try scratch.write("config/aiarts/keymaps/mine.toml", "[home]\nquit = \"x\"\n")
        #expect(try locator.find(.keymap, named: "mine").text.contains("quit"))
    }

    @Test func homeConfigIsUsedWithoutXDG() {
        let locator = ConfigLocator(environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "relative/ignored"], executable: nil)
        #expect(locator.configFolder?.path == "/home/u/.config/aiarts")
    }

    @Test func aBuildFolderFindsTheSourceTree() throws {
        let exe = repositoryRoot.appendingPathComponent(".build-x/x86_64-unknown-linux-gnu/debug/aiarts")
        let locator = ConfigLocator(environment: [:], executable: exe)
        #expect(try locator.find(.keymap, named: "vim").file == repositoryRoot.appendingPathComponent("keymaps/vim.toml").path)
    }

    @Test func pathsAndBadNames() throws {
        let scratch = Scratch()
        let file = try scratch.write("t/my theme.toml", "name = \"x\"\n")
        let locator = ConfigLocator(environment: [:], executable: nil)
        #expect(try locator.find(.theme, named: file.path).text == "name = \"x\"\n")
        #expect(throws: ConfigError.self) { try locator.find(.theme, named: scratch.url.appendingPathComponent("none.toml").path) }
        #expect(throws: ConfigError.self) { try locator.find(.theme, named: "a b") }
        do {
            _ = try locator.find(.theme, named: "solarized")
            Issue.record("found a theme that does not exist")
        } catch let error as ConfigError {
            #expect(error.message.contains("built in: default, gruvbox-dark, high-contrast, light"))
        }
    }

    @Test func configFileChoosesAndFlagsOverride() throws {
        let scratch = Scratch()
        let env = ["XDG_CONFIG_HOME": scratch.url.path]
        try scratch.write("aiarts/config.toml", "theme = \"light\"\nkeymap = \"vim\"\n\n[other]\nsetting = 1\n")
        try scratch.write("aiarts/keymap.toml", "[home]\nquit = [\"ctrl+x\"]\n")
        let locator = ConfigLocator(environment: env, executable: nil)

        var config = try UIConfig.load(locator: locator)
        #expect(config.palette.name == "light")
        #expect(config.keymap.name == "vim")
        #expect(config.keymap.action(for: .ctrl("x"), in: .home) == .quit)
        #expect(config.keymap.action(for: .char("l"), in: .home) == .nextPane)

        config = try UIConfig.load(theme: "high-contrast", keymap: "emacs", locator: locator)
        #expect(config.palette.name == "high-contrast")
        #expect(config.keymap.action(for: .ctrl("n"), in: .home) == .moveDown)
        #expect(config.keymap.action(for: .ctrl("x"), in: .home) == .quit)  // the override still applies
    }

    @Test func mistakesInUserFilesNameTheFileAndLine() throws {
        let scratch = Scratch()
        let locator = ConfigLocator(environment: ["XDG_CONFIG_HOME": scratch.url.path], executable: nil)
        let config = try scratch.write("aiarts/config.toml", "\ntheem = \"light\"\n")
        #expect(throws: ConfigError(file: config.path, line: 2, "unknown setting theem; the top of config.toml has theme and keymap")) {
            try UIConfig.load(locator: locator)
        }
        try scratch.write("aiarts/config.toml", "")
        let keymap = try scratch.write("aiarts/keymap.toml", "[home]\nmove_up = [\"k\"]\nreload = [\"k\"]\n")
        #expect(throws: ConfigError(file: keymap.path, line: 3, "k is bound to both move_up (line 2) and reload in [home]")) {
            try UIConfig.load(locator: locator)
        }
    }
}

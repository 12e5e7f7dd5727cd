/// The shipped themes/ and keymaps/ files, compiled into the binary so that one copied anywhere (a static
/// build, no resource folder beside it) still has them. They are SwiftPM resources embedded in code
/// (Package.swift): each is a symlink in Config/Builtin/ to its file at the top of the repository, named by
/// kind because embedded resources are named by file name alone and both folders hold a default.toml.
/// `BuiltinFilesTests` fails when this list and the folders disagree.
enum BuiltinFiles {
    static let themes: [String: [UInt8]] = [
        "default": PackageResources.theme_default_toml,
        "gruvbox-dark": PackageResources.theme_gruvbox_dark_toml,
        "high-contrast": PackageResources.theme_high_contrast_toml,
        "light": PackageResources.theme_light_toml,
    ]

    static let keymaps: [String: [UInt8]] = [
        "default": PackageResources.keymap_default_toml,
        "emacs": PackageResources.keymap_emacs_toml,
        "vim": PackageResources.keymap_vim_toml,
    ]

    /// A built-in file's text, named as the user names it ("built-in keymaps/vim.toml"); nil when there is none.
    static func source(_ kind: ConfigLocator.Kind, named name: String) -> ConfigLocator.Source? {
        guard let bytes = (kind == .theme ? themes : keymaps)[name] else { return nil }
        return ConfigLocator.Source(text: String(decoding: bytes, as: UTF8.self), file: "built-in \(kind.rawValue)/\(name).toml")
    }

    static func names(_ kind: ConfigLocator.Kind) -> [String] { (kind == .theme ? themes : keymaps).keys.sorted() }
}

import AIArtsEngine
import AIArtsRender
import AIArtsTUI
import ArgumentParser
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo workspace (generated 'shapes' datasets, split, one project each), offline, then open it.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var ui: UIOptions
    @Flag(help: "Create the demo workspace and exit.") var noTui = false

    func run() throws {
        // The demo gets a workspace of its own unless one is named, so it never mixes with real work.
        let location = try global.location()
        let root = location.source == .standard
            ? location.root.deletingLastPathComponent().appendingPathComponent("aiarts-demo") : location.root
        let workspace = try GlobalOptions.open(root)
        if try workspace.datasets().contains(where: { $0.name == ShapesDemo.classificationName }) {
            print("the demo workspace is already at \(workspace.root.path)")
        } else {
            let bar = ProgressBar()
            let demo = try ShapesDemo.create(in: workspace, progress: { bar.update($0) })
            bar.finish()
            for line in demo.summary { print(line) }
        }
        if !noTui { try OpenCommand.open(workspace, ui: ui) }
    }
}

/// How the full-screen UI looks and which keys it takes (docs/ui.md, "Themes and keymaps").
struct UIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Colour theme: default, light, high-contrast, gruvbox-dark, your own name, or a .toml path.", valueName: "NAME"))
    var theme: String?
    @Option(help: ArgumentHelp("Key bindings: default, vim, emacs, your own name, or a .toml path.", valueName: "NAME"))
    var keymap: String?
    @Option(help: ArgumentHelp("Images through the terminal's graphics protocol (kitty's): auto asks the terminal, kitty uses it, off draws half blocks.", valueName: "MODE"))
    var graphics: GraphicsChoice = .auto
}

/// What `aiarts` with no command does: the full-screen UI on a terminal, the workspace at a glance
/// in text when output is not a terminal (or with --summary).
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open the workspace in the terminal UI.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var ui: UIOptions
    @Flag(help: "Print the workspace summary instead of opening the UI.") var summary = false

    func run() throws {
        let workspace = try global.open()
        if summary { return try Self.show(workspace) }
        try Self.open(workspace, ui: ui)
    }

    static func open(_ workspace: Workspace, ui: UIOptions) throws {
        if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
            try runHomeUI(workspace: workspace, theme: ui.theme, keymap: ui.keymap, graphics: ui.graphics)
        } else {
            try show(workspace)
        }
    }

    static func show(_ workspace: Workspace) throws {
        let info = try workspace.info()
        print("aiarts workspace \(info.path)")
        print("\(info.datasets) datasets, \(info.projects) projects, \(info.tasks) tasks, \(info.models) models")
        let summaries = try workspace.summaries()
        if !summaries.isEmpty {
            print("")
            Output.table(["ID", "NAME", "TYPE", "STATUS", "IMAGES", "TRAIN/VAL/TEST", "LABELS"], summaries.map { s in
                [s.id, Sanitize.line(s.name), s.type.rawValue, s.status, String(s.images),
                 "\(s.splits["train"] ?? 0)/\(s.splits["val"] ?? 0)/\(s.splits["test"] ?? 0)",
                 Sanitize.line(s.labels.map { "\($0.name) \($0.count)" }.joined(separator: ", "))]
            })
        }
        let projects = try workspace.projects()
        if !projects.isEmpty {
            print("")
            Output.table(["PROJECT", "NAME", "TYPE", "DATASET"], projects.map { [$0.id, Sanitize.line($0.name), $0.type.rawValue, $0.datasetId ?? "-"] })
        }
        if summaries.isEmpty {
            print("Nothing here yet: `aiarts demo` creates a demo workspace; `aiarts dataset create` starts your own.")
        }
    }
}

extension GraphicsChoice: ExpressibleByArgument {}

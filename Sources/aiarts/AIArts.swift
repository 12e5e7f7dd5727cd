import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

@main
enum Main {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        GlobalOptions.leadingWorkspace = WorkspaceLocation.takeLeadingOption(&arguments)
        // What AIArts.main does, except that the error text passes through the sanitizer (messages
        // quote file names, labels and YAML lines, which may hold escape sequences), errors are put
        // in plain words (AIArtsError.plain), and a cancellation exits 130.
        do {
            var command = try AIArts.parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(with: AIArtsError.plain(error))
        }
    }

    /// Help goes to stdout and usage errors exit 64, as swift-argument-parser does; every other
    /// error is one sanitized "Error: …" on stderr. A cancellation (Ctrl-C, `dataset cancel`) prints
    /// "cancelled" and exits 130, as a shell reports an interrupted command.
    static func exit(with error: any Error) -> Never {
        if let error = error as? AIArtsError, error.kind == .cancelled {
            Output.error(error.message)
            Foundation.exit(130)
        }
        let code = AIArts.exitCode(for: error)
        let message = AIArts.fullMessage(for: error)
        if !message.isEmpty {
            if code == .success { print(message) } else { Output.error(message) }
        }
        Foundation.exit(code.rawValue)
    }
}

struct AIArts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aiarts",
        abstract: "A keyboard-driven workbench for training vision models on a GPU box.",
        discussion: "Run with no command to open the workspace in the terminal UI. Every command takes --workspace DIR (before or after the command name); else $AIARTS_WORKSPACE, else ~/.local/share/aiarts.",
        version: AIArtsVersion.string,
        subcommands: [DatasetCommand.self, ProjectCommand.self, TaskCommand.self, ModelCommand.self, EvalCommand.self,
                      LogCommand.self, WorkspaceCommand.self, AnnotateCommand.self, SystemCommand.self, GPUCommand.self, ClusterCommand.self, ExecutorCommand.self, DemoCommand.self, OpenCommand.self,
                      ReviewCommand.self, ServeCommand.self, UserCommand.self, TokenCommand.self, InferCommand.self, CodeCommand.self],
        defaultSubcommand: OpenCommand.self
    )
}

/// Options every command takes; they may stand before or after the command name.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Workspace folder.", valueName: "DIR"))
    var workspace: String?

    /// `--workspace DIR` written before the command name (`aiarts --workspace DIR dataset list`).
    nonisolated(unsafe) static var leadingWorkspace: String?

    /// The workspace these options name (`WorkspaceLocation`: the option, else $AIARTS_WORKSPACE, else the default).
    func location() throws -> WorkspaceLocation {
        try WorkspaceLocation.resolve(option: workspace ?? Self.leadingWorkspace)
    }

    func root() throws -> URL { try location().root }

    func open() throws -> Workspace {
        try Self.open(root())
    }

    /// Opens the workspace with logging routed to its log file first: a Logger keeps the
    /// handler it was made with, and nothing may reach the terminal from the engine.
    static func open(_ root: URL) throws -> Workspace {
        // A workspace is made only in a missing or empty folder, and says so.
        if try WorkspaceFolder.check(root) {
            Output.error("aiarts: no workspace at \(root.path); making a new one there")
        }
        let logs = root.appendingPathComponent("logs")
        if (try? FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)) != nil {
            FileLogHandler.bootstrap(path: logs.appendingPathComponent("aiarts.log").path)
        }
        return try Workspace(root: root)
    }
}

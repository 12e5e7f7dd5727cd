import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

struct WorkspaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspace",
        abstract: "The workspace: where it is, what it holds, and the fields of its records.",
        subcommands: [Path.self, Info.self, Get.self, Set.self, Python.self]
    )

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the workspace folder.")
        @OptionGroup var global: GlobalOptions
        func run() throws { print(try global.open().root.path) }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts of datasets, projects, tasks and models.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let info = try global.open().info()
            if json { return try Output.json(info) }
            print("workspace: \(info.path)")
            print("datasets: \(info.datasets)  projects: \(info.projects)  tasks: \(info.tasks)  models: \(info.models)")
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read the fields of a dataset, project, task or model.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Record id: D0001, P0001, T0001 or M0001.") var id: String
        @Argument(help: "One field; all when omitted.") var field: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            if let field {
                let value = try workspace.field(field, of: id)
                if json { return try Output.json(JSONValue.object([(key: field, value: value)])) }
                print(Sanitize.line(value.text))
                return
            }
            let fields = try workspace.fields(of: id)
            if json { return try Output.json(JSONValue.object(fields.map { (key: $0.name, value: $0.value) })) }
            Output.table(["FIELD", "VALUE"], fields.map { [$0.name, Sanitize.line($0.value.text)] })
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a field (name, description) of a dataset, project, task or model.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Record id.") var id: String
        @Argument(help: "Field.") var field: String
        @Argument(help: "New value.") var value: String

        func run() throws {
            try global.open().setAttribute(field, of: id, to: value)
        }
    }
}

extension WorkspaceCommand {
    struct Python: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set the Python aiarts runs (torch trainer, evaluation, predict, export).",
            discussion: """
                Order: a task's python=PATH parameter, then $AIARTS_PYTHON, then this workspace's setting, \
                then python3 on PATH. With PATH (absolute, executable) it sets the workspace's setting; \
                --unset clears it.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The interpreter's absolute path, e.g. /opt/venv/bin/python.") var path: String?
        @Flag(help: "Clear the workspace's setting.") var unset = false
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            if unset && path != nil { throw ValidationError("give a PATH or --unset, not both") }
            if unset { try workspace.setPython(nil) } else if let path { try workspace.setPython(path) }
            let choice = workspace.python()
            if json { return try Output.json(choice) }
            print("\(Sanitize.line(choice.path))  (\(WorkspaceCommand.describe(choice.source)))")
            if let note = choice.note { print("note: \(Sanitize.line(note))") }
        }
    }

    /// Where a Python choice came from, in words.
    static func describe(_ source: PythonChoice.Source) -> String {
        switch source {
        case .task: return "the task's python parameter"
        case .environment: return "$AIARTS_PYTHON"
        case .workspace: return "the workspace setting"
        case .default: return "default: python3 on PATH"
        }
    }
}

struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "system", abstract: "CPU count, memory, OS and GPUs of this machine.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let info = SystemInfo.current(gpus: GPUCommand.monitor(global).snapshot(includeHost: false))
        let root = try global.root()
        // `system` makes no workspace: a server is shown only where one exists.
        var server: ServerState?
        var python = PythonChoice.choose(workspace: nil)
        if case .workspace = WorkspaceFolder.inspect(root), let workspace = try? GlobalOptions.open(root) {
            server = try? workspace.serverState()
            python = workspace.python()
        }
        if json { return try Output.json(SystemReport(system: info, server: server, python: python)) }
        print("os:     \(info.os)")
        print("cpus:   \(info.cpus)")
        print("memory: \(ByteCountFormatter.string(fromByteCount: Int64(info.memoryBytes), countStyle: .memory))")
        if info.gpus.isEmpty {
            print("gpus:   none found\(info.gpuReason.map { " (\(Sanitize.line($0)))" } ?? "")")
        } else {
            print("gpus:   \(info.gpus.map { "\($0.index): \(Sanitize.line($0.name))" }.joined(separator: ", "))  (\(info.gpuSource.rawValue))")
        }
        print("python: \(Sanitize.line(python.path))  (\(WorkspaceCommand.describe(python.source)))\(python.note.map { "; \(Sanitize.line($0))" } ?? "")")
        if let server {
            print("server: \(Sanitize.line(server.url)), pid \(server.pid), \(server.requests) requests since \(TokenCommand.date(server.startedAt))")
        } else {
            print("server: not running (aiarts serve)")
        }
    }
}

/// `aiarts system --json`: the machine's fields, `server` (null when none runs) and `python`
/// (path, source: task, environment, workspace or default; note when a setting was passed over).
struct SystemReport: Encodable {
    var system: SystemInfo
    var server: ServerState?
    var python: PythonChoice

    func encode(to encoder: any Encoder) throws {
        try system.encode(to: encoder)
        enum Keys: String, CodingKey { case server, python }
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(server, forKey: .server)
        try container.encode(python, forKey: .python)
    }
}

import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts code`: notebook sessions, JupyterLab on loopback with a token (docs/notebooks.md).
struct CodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code",
        abstract: "Notebook sessions (JupyterLab): create, list, show, endpoint, logs, stop, rm, describe (docs/notebooks.md).",
        subcommands: [Create.self, List.self, Show.self, Endpoint.self, Logs.self, Stop.self, Remove.self, Describe.self]
    )

    static func age(_ date: Date, now: Date = Date()) -> String {
        let s = max(0, Int(now.timeIntervalSince(date)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h\(s % 3600 / 60)m" }
        return "\(s / 86400)d"
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start JupyterLab in codes/<id>/ (the dataset linked, aiarts_metrics.py beside it); it runs detached until `code stop`.",
            discussion: "The first session installs JupyterLab from PyPI into <workspace>/envs/jupyter ($AIARTS_JUPYTER_VENV names another venv). It listens on 127.0.0.1 with a random token; `code endpoint` prints the URL and the ssh -L line. Without --wait it returns at once, starting.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A name for the session (letters, digits, - _ .).") var name: String
        @Option(help: "Dataset id or name to link into the session's folder.") var dataset: String?
        @Option(help: ArgumentHelp("GPU indices, e.g. 0,1 (default: CPU).", valueName: "LIST")) var gpus: String?
        @Option(help: "TCP port on 127.0.0.1 (default: a free one).") var port = 0
        @Option(help: "A description.") var description = ""
        @Flag(help: "Wait until it answers (or failed).") var wait = false
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            var gpuList: [Int] = []
            if let gpus, !gpus.isEmpty {
                gpuList = try gpus.split(separator: ",").map {
                    guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--gpus takes indices like 0,1 (got \(gpus))") }
                    return n
                }
            }
            var session = try workspace.createCodeSession(
                CodeSessionSpec(name: name, dataset: dataset, gpus: gpuList, port: port, description: description),
                progress: { Output.error($0) })
            if wait { session = try workspace.waitForCodeSession(session.id, timeout: .seconds(180)) }
            if json {
                try Output.json(CodeSession.JSON(session, folder: workspace.codeSessionFolder(session.id).path))
            } else {
                print("\(session.id)  \(session.name)  \(session.state.rawValue)  127.0.0.1:\(session.port)")
                if session.state == .ready { print("open: `aiarts code endpoint \(session.name)` prints the URL with its token") }
            }
            if wait && session.state != .ready {
                throw AIArtsError(.io, "\(session.id) \(session.state == .starting ? "is still starting after 180 s; see `aiarts code logs \(session.name)`" : session.state.rawValue): \(session.message)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List notebook sessions.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let sessions = try workspace.codeSessions()
            if json { return try Output.json(sessions.map { CodeSession.JSON($0, folder: workspace.codeSessionFolder($0.id).path) }) }
            Output.table(["ID", "NAME", "STATE", "URL", "DATASET", "GPUS", "AGE", "MESSAGE"], sessions.map { s in
                [s.id, s.name, s.state.rawValue, s.state == .ready ? s.url : "-", s.datasetId ?? "-", s.gpus.isEmpty ? "cpu" : s.gpus,
                 CodeCommand.age(s.createdAt), s.state == .ready ? "" : s.message]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a session, with the newest metrics its notebooks logged.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Session id (C0001) or name.") var session: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let s = try workspace.codeSession(session)
            let metrics = try workspace.codeSessionMetrics(s.id)
            let folder = workspace.codeSessionFolder(s.id).path
            if json {
                struct Shown: Encodable {
                    let session: CodeSession.JSON
                    let metrics: [CodeSessionMetric]
                    func encode(to encoder: any Encoder) throws {
                        try session.encode(to: encoder)
                        var c = encoder.container(keyedBy: Key.self)
                        try c.encode(metrics, forKey: .metrics)
                    }
                    enum Key: String, CodingKey { case metrics }
                }
                return try Output.json(Shown(session: CodeSession.JSON(s, folder: folder), metrics: metrics))
            }
            print("\(s.id)  \(s.name)")
            print("state:       \(s.state.rawValue)\(s.message == s.state.rawValue ? "" : " — \(s.message)")")
            print("url:         \(s.state == .ready ? s.url : "-")  (`aiarts code endpoint \(s.name)` adds the token)")
            print("folder:      \(folder)")
            print("dataset:     \(s.datasetId.map { "\($0), linked at dataset/" } ?? "-")")
            print("device:      \(s.gpus.isEmpty ? "cpu" : "GPU \(s.gpus)")")
            print("pid:         \(s.pid.map(String.init) ?? "-")")
            print("created:     \(s.createdAt.formatted(.iso8601))")
            if let finished = s.finishedAt { print("finished:    \(finished.formatted(.iso8601))") }
            if !s.description.isEmpty { print("description: \(Sanitize.line(s.description))") }
            if metrics.isEmpty {
                print("metrics:     none yet (aiarts_metrics.log(step=…, loss=…) in a notebook)")
            } else {
                print("metrics:")
                Output.table(["SERIES", "LAST", "STEP", "POINTS"], metrics.map {
                    [$0.name, String(format: "%.6g", $0.value), $0.step.map(String.init) ?? "-", String($0.points)]
                })
            }
        }
    }

    struct Endpoint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the session's URL with its token and the ssh -L line that reaches it from your machine.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Session id (C0001) or name.") var session: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let e = try workspace.codeSessionEndpoint(session)
            if json { return try Output.json(e) }
            print(e.url)
            print(e.ssh)
            if e.state != .ready { Output.error("\(e.id) is \(e.state.rawValue): the URL answers only while it is ready") }
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the end of a session's jupyter.log.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Session id (C0001) or name.") var session: String
        @Option(name: .shortAndLong, help: "Lines from the end.") var lines = 50

        func run() throws {
            for line in try global.open().codeSessionLog(session, lines: max(1, lines)) { print(line) }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a session (SIGTERM: JupyterLab shuts its kernels down; SIGKILL after the grace).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Session id (C0001) or name.") var session: String
        @Option(help: "Seconds to wait before SIGKILL.") var grace = 10

        func run() throws {
            let s = try global.open().stopCodeSession(session, grace: .seconds(max(0, grace)))
            print("\(s.id) \(s.name) \(s.message)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an ended session's record and folder (the dataset itself is never touched).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Session id (C0001) or name.") var session: String
        @Flag(help: "Stop it first when it runs.") var force = false

        func run() throws {
            let workspace = try global.open()
            let s = try workspace.codeSession(session)
            try workspace.removeCodeSession(s.id, force: force)
            print("removed \(s.id) \(s.name)")
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a session's description.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Session id (C0001) or name.") var session: String
        @Argument(help: "The description (empty clears it).") var text: String

        func run() throws {
            let s = try global.open().describeCodeSession(session, text)
            print("\(s.id) \(s.name): \(s.description.isEmpty ? "description cleared" : "description set")")
        }
    }
}

import AIArtsEngine
import AIArtsRender
import AIArtsServer
import ArgumentParser
import Foundation
import Logging

/// `aiarts serve`: the platforms' HTTP APIs over this workspace (docs/api.md).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the workspace over HTTP in the AIArts, PaddleX, crowd annotation, registry and Django dialects.",
        discussion: """
        Every request needs a token (`aiarts token create USER`), loopback included. From a laptop: \
        ssh -L 8765:127.0.0.1:8765 gpu-box, then http://127.0.0.1:8765. An address other than loopback \
        needs --tls-cert and --tls-key, or --insecure. SIGTERM or Ctrl-C stops it after the requests in flight.
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Where to listen (port 0: any free port).", valueName: "HOST:PORT")) var listen = "127.0.0.1:8765"
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("TLS certificate chain (PEM).", valueName: "FILE")) var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("TLS private key (PEM).", valueName: "FILE")) var tlsKey: String?
    @Flag(help: "Allow plain HTTP on an address that is not loopback.") var insecure = false
    @Flag(help: "Run in the background; `aiarts system` shows it and `aiarts serve --stop` stops it.") var detach = false
    @Flag(help: "Stop this workspace's background server (SIGTERM: requests in flight finish).") var stop = false
    @Option(name: .customLong("max-body"), help: ArgumentHelp("Largest JSON body, in MiB.", valueName: "MIB")) var maxBody = 8
    @Option(name: .customLong("max-upload"), help: ArgumentHelp("Largest upload, in MiB (streamed to disk).", valueName: "MIB")) var maxUpload = 20 * 1024
    @Option(name: .customLong("max-connections"), help: "Connections open at once.") var maxConnections = 512
    @Option(name: .customLong("header-timeout"), help: ArgumentHelp("Seconds a new connection has to send its request head.", valueName: "S")) var headerTimeout = 10.0
    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Seconds an idle connection stays open.", valueName: "S")) var idleTimeout = 60.0
    @Flag(name: .customLong("log-requests"), help: "Log one line per request to logs/serve.log.") var logRequests = false

    func run() throws {
        let root = try global.root()
        if stop { return try stopServer(root) }
        var options = ServeOptions()
        try options.setListen(listen)
        options.certificate = tlsCert.map { Self.absolute($0) }
        options.key = tlsKey.map { Self.absolute($0) }
        options.insecure = insecure
        guard maxBody > 0, maxUpload > 0, maxConnections > 0, headerTimeout > 0, idleTimeout > 0,
              headerTimeout.isFinite, idleTimeout.isFinite else { throw ValidationError("limits must be positive") }
        options.limits.headerTimeout = headerTimeout
        options.limits.idleTimeout = idleTimeout
        options.limits.maxBodyBytes = maxBody << 20
        options.limits.maxUploadBytes = Int64(maxUpload) << 20
        options.limits.maxConnections = maxConnections
        try options.validate()

        let workspace = try GlobalOptions.open(root)
        if let running = workspace.serverState() {
            throw AIArtsError(.conflict, "a server already serves this workspace at \(running.url) (pid \(running.pid)); stop it with `aiarts serve --stop`")
        }
        if detach { return try launchDetached(workspace) }

        let logPath = workspace.root.appendingPathComponent("logs/serve.log").path
        let logLevel: Logger.Level = logRequests ? .debug : .info
        let logger = Logger(label: "aiarts.serve") { FileLogHandler(label: $0, path: logPath, level: logLevel) }
        let environment = try ServerEnvironment(workspace: workspace, limits: options.limits, logger: logger)
        let finished = DispatchSemaphore(value: 0)
        let serveOptions = options
        let failure = LockedError()
        Task {
            do {
                try await APIServer.run(serveOptions, environment: environment) { url in
                    var lines = "serving \(workspace.root.path) at \(url)\n"
                    if serveOptions.isLoopback, let port = URL(string: url)?.port {
                        lines += "from a laptop: ssh -L \(port):127.0.0.1:\(port) \(ProcessInfo.processInfo.hostName), then \(url)\n"
                    }
                    FileHandle.standardOutput.write(Data(Sanitize.text(lines).utf8))
                }
            } catch {
                failure.set(error)
            }
            finished.signal()
        }
        finished.wait()
        if let error = failure.get() {
            throw AIArtsError(.io, "the server stopped: \(error)")
        }
    }

    /// Starts `aiarts serve` again without --detach, in its own session, and waits until it listens.
    private func launchDetached(_ workspace: Workspace) throws {
        var arguments = CommandLine.arguments.dropFirst().filter { $0 != "--detach" }
        if !arguments.contains("--workspace") { arguments = ["--workspace", workspace.root.path] + arguments }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let launched = try DetachedProcess.launch(
            executable: executable.hasPrefix("/") ? executable : Bundle.main.executablePath ?? executable,
            arguments: Array(arguments), environment: ProcessInfo.processInfo.environment,
            workingDirectory: workspace.root, logFile: workspace.root.appendingPathComponent("logs/serve.out"))
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let state = workspace.serverState(), state.pid == launched.pid {
                print("serving \(workspace.root.path) at \(state.url) (pid \(state.pid); logs/serve.log)")
                return
            }
            if !launched.identity.isAlive {
                let out = (try? String(contentsOf: workspace.root.appendingPathComponent("logs/serve.out"), encoding: .utf8)) ?? ""
                let last = out.split(separator: "\n").last.map(String.init) ?? "no output"
                throw AIArtsError(.io, "the server did not start: \(Sanitize.line(last))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw AIArtsError(.io, "the server (pid \(launched.pid)) did not start listening within 15 s; see logs/serve.out")
    }

    private func stopServer(_ root: URL) throws {
        let workspace = try GlobalOptions.open(root)
        guard let state = workspace.serverState() else {
            throw AIArtsError(.notFound, "no server runs for this workspace")
        }
        kill(state.pid, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        // Gone when its process has exited (it removes server.json just before).
        while Date() < deadline, kill(state.pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.05) }
        if kill(state.pid, 0) == 0 { throw AIArtsError(.io, "the server (pid \(state.pid)) has not stopped after 30 s") }
        print("stopped the server at \(state.url)")
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// An error handed from the server's task to the command's thread.
final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ error: any Error) { lock.withLock { self.error = error } }
    func get() -> (any Error)? { lock.withLock { error } }
}

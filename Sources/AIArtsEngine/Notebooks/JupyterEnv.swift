import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Python environment that runs JupyterLab for notebook sessions (docs/notebooks.md): a venv the
/// workspace owns (`<workspace>/envs/jupyter/`), made the first time with `python -m venv` from
/// `Workspace.python(params:)` and `pip install jupyterlab`; or the venv `$AIARTS_JUPYTER_VENV` names
/// (tests and CI reuse one cached venv, scripts/jupyter-env.sh).
extension Workspace {
    public static let jupyterVenvVariable = "AIARTS_JUPYTER_VENV"
    static let jupyterReadyMarker = ".aiarts-jupyterlab"

    var envsFolder: URL { root.appendingPathComponent("envs") }

    /// The venv notebook sessions run from, and whether the environment named it.
    public func jupyterVenv(environment: [String: String] = ProcessInfo.processInfo.environment) -> (folder: URL, fromEnvironment: Bool) {
        if let named = environment[Self.jupyterVenvVariable], !named.isEmpty {
            return (URL(fileURLWithPath: named), true)
        }
        return (envsFolder.appendingPathComponent("jupyter"), false)
    }

    /// The venv's python once JupyterLab is in it; nil before.
    public func installedJupyter(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        let (venv, named) = jupyterVenv(environment: environment)
        let python = venv.appendingPathComponent("bin/python")
        guard DetachedProcess.isExecutableFile(python.path),
              DetachedProcess.isExecutableFile(venv.appendingPathComponent("bin/jupyter-lab").path) else { return nil }
        // A venv of our own counts once pip finished (a killed install leaves the marker out).
        if !named && !FileManager.default.fileExists(atPath: venv.appendingPathComponent(Self.jupyterReadyMarker).path) { return nil }
        return python
    }

    /// The python of a venv with JupyterLab, making the workspace's venv first when there is none
    /// (`progress` hears each step in one line). Two aiarts doing this at once take turns: the
    /// second finds the venv made. `environment` is what the installing processes see.
    public func ensureJupyter(environment: [String: String] = ProcessInfo.processInfo.environment,
                              progress: (String) -> Void = { _ in }) throws -> URL {
        let (venv, named) = jupyterVenv(environment: environment)
        if let python = installedJupyter(environment: environment) { return python }
        if named {
            throw AIArtsError(.notFound, "\(Self.jupyterVenvVariable)=\(venv.path) is not a venv with JupyterLab (no bin/python and bin/jupyter-lab); run scripts/jupyter-env.sh or unset it")
        }
        try requireWritable("JupyterLab is installed into the workspace's envs/jupyter")
        try FileManager.default.createDirectory(at: envsFolder, withIntermediateDirectories: true)
        let lockFD = open(envsFolder.appendingPathComponent("jupyter.lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw AIArtsError(.io, "cannot open \(envsFolder.path)/jupyter.lock: \(String(cString: strerror(errno)))") }
        defer { close(lockFD) }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            progress("another aiarts is installing JupyterLab into envs/jupyter; waiting for it")
            _ = flock(lockFD, LOCK_EX)
        }
        defer { _ = flock(lockFD, LOCK_UN) }
        if let python = installedJupyter(environment: environment) { return python }

        let log = envsFolder.appendingPathComponent("jupyter-install.log")
        let base = python(params: nil, environment: environment)
        let python = venv.appendingPathComponent("bin/python")
        if !DetachedProcess.isExecutableFile(python.path) {
            progress("making a Python venv at envs/jupyter with \(base.path)")
            let made = Self.runLogged(base.path, ["-m", "venv", venv.path], environment: environment, log: log)
            guard made.status == 0, DetachedProcess.isExecutableFile(python.path) else {
                try? FileManager.default.removeItem(at: venv)
                let line = made.lastLine ?? "exit status \(made.status)"
                throw AIArtsError(.io, "\(base.path) -m venv failed: \(line); install python3-venv, or choose another Python (`aiarts workspace python PATH`)")
            }
        }
        progress("installing JupyterLab from PyPI into envs/jupyter (once; a minute or two)")
        var pipEnvironment = environment
        pipEnvironment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        let installed = Self.runLogged(python.path, ["-m", "pip", "install", "jupyterlab"], environment: pipEnvironment, log: log)
        guard installed.status == 0, DetachedProcess.isExecutableFile(venv.appendingPathComponent("bin/jupyter-lab").path) else {
            throw AIArtsError(.io, Self.pipFailure(installed.tail, status: installed.status, log: log))
        }
        FileManager.default.createFile(atPath: venv.appendingPathComponent(Self.jupyterReadyMarker).path, contents: Data("jupyterlab\n".utf8))
        progress("JupyterLab installed in envs/jupyter")
        return python
    }

    /// pip's failure in one line: "pip could not reach PyPI: …" when the network is the cause.
    static func pipFailure(_ tail: [String], status: Int32, log: URL) -> String {
        let text = tail.joined(separator: "\n")
        let networkSigns = ["Failed to establish a new connection", "Temporary failure in name resolution", "Network is unreachable",
                            "Name or service not known", "ProxyError", "ConnectTimeout", "Connection refused", "Max retries exceeded",
                            "Read timed out", "SSLError", "ConnectionResetError"]
        let reason = tail.last(where: { $0.hasPrefix("ERROR:") }).map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
            ?? tail.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? "exit status \(status)"
        let short = TerminalText.finalRedraw(String(reason.prefix(300)))
        // pip lists the versions an index has; "none" for jupyterlab means it saw no index at all
        // (unless every version was set aside for needing another Python, which it says first).
        if text.contains("require a different python version") {
            return "pip found no JupyterLab for this Python: \(short); choose a newer Python (`aiarts workspace python PATH`) or set \(jupyterVenvVariable)"
        }
        if networkSigns.contains(where: { text.contains($0) }) || text.contains("(from versions: none)") {
            return "pip could not reach PyPI: \(short); see \(log.path), or set \(jupyterVenvVariable) to a venv with jupyterlab"
        }
        return "pip install jupyterlab failed: \(short); see \(log.path)"
    }

    /// Runs a command to its end with its output appended to `log`; the status and the log's last lines.
    static func runLogged(_ executable: String, _ arguments: [String], environment: [String: String], log: URL) -> (status: Int32, tail: [String], lastLine: String?) {
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try? FileHandle(forWritingTo: log)
        _ = try? handle?.seekToEnd()
        handle?.write(Data("$ \(executable) \(arguments.joined(separator: " "))\n".utf8))
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        if let handle { process.standardOutput = handle; process.standardError = handle }
        var status: Int32 = 127
        do {
            try process.run()
            process.waitUntilExit()
            status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        } catch {
            handle?.write(Data("cannot run \(executable): \(error.localizedDescription)\n".utf8))
        }
        try? handle?.close()
        let tail = FileTail.lines(log, count: 40)
        let last = tail.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map { TerminalText.finalRedraw(String($0.prefix(300))) }
        return (status, tail, last)
    }
}

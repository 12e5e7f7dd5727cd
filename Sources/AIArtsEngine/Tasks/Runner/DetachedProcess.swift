import CProcess
import Foundation

/// A process started by `DetachedProcess.launch`.
public struct LaunchedProcess: Hashable, Codable, Sendable {
    public var identity: ProcessIdentity
    /// Equal to the pid: the process leads its own session and process group.
    public var processGroup: Int32
    public var logFile: URL
    /// Where the supervisor records the command's exit status; nil when launched unsupervised.
    public var exitStatusFile: URL?

    public var pid: Int32 { identity.pid }
    public var startTime: UInt64 { identity.startTime }
}

/// Starts training commands so that they outlive the aiarts process that started them: a dropped
/// SSH connection, a closed TUI or `kill -9` of aiarts leaves training running (docs/runner.md).
public enum DetachedProcess {
    /// Starts `executable` in a new session and process group, stdin from /dev/null, stdout and
    /// stderr appended to `logFile` (created if missing), no other descriptors, and exactly
    /// `environment` as its environment.
    ///
    /// With `exitStatusFile`, the process started is the supervisor (a /bin/sh script) that runs the
    /// command as its child and writes the command's exit status there when it ends; the returned
    /// identity is then the supervisor's, and its process group holds the command too.
    ///
    /// A bare name (no '/') is looked up on `environment["PATH"]`, the PATH the child will have.
    public static func launch(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: URL, logFile: URL, exitStatusFile: URL? = nil
    ) throws(RunnerError) -> LaunchedProcess {
        try launch(executable: executable, arguments: arguments, environment: environment,
                   workingDirectory: workingDirectory, logFile: logFile, exitStatusFile: exitStatusFile,
                   options: LaunchOptions())
    }

    /// Knobs the tests turn to cover every path; the public call always uses the defaults.
    struct LaunchOptions {
        var forceFork = false
        var shell = "/bin/sh"
        /// false: run the command without setpriv, as on a system that lacks it.
        var pdeathsig = true
    }

    static func launch(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: URL, logFile: URL, exitStatusFile: URL?, options: LaunchOptions
    ) throws(RunnerError) -> LaunchedProcess {
        let program = try resolve(executable, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        let cwd = workingDirectory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .badWorkingDirectory(path: cwd)
        }

        // Opened close-on-exec so that no other child started meanwhile by another thread inherits
        // them; the spawn's dup2 onto 0/1/2 clears the flag on those copies only.
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard devNull >= 0 else { throw .cannotOpen(path: "/dev/null", errno: errno) }
        defer { close(devNull) }
        let log = open(logFile.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw .cannotOpen(path: logFile.path, errno: errno) }
        defer { close(log) }

        var argv = [program] + arguments
        var spawnPath = program
        if let statusFile = exitStatusFile {
            // A status file from an earlier run would be read as this run's result.
            unlink(statusFile.path)
            argv = Supervisor.arguments(shell: options.shell, statusFile: statusFile.path,
                                        setpriv: options.pdeathsig ? Supervisor.setpriv : nil,
                                        executable: program, arguments: arguments)
            spawnPath = options.shell
        }
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }

        var pid: pid_t = 0
        var step: UnsafePointer<CChar>?
        var rc: Int32 = 0
        // ETXTBSY: a script just written is briefly still open for writing in the child of a
        // fork another thread made meanwhile (until that child's exec closes it). It passes; retry.
        for attempt in 0..<10 {
            if attempt > 0 { usleep(UInt32(10_000 * attempt)) }
            rc = withCStrings(argv) { cArgv in
                withCStrings(envp) { cEnv in
                    cp_spawn_detached(spawnPath, cArgv, cEnv, cwd, devNull, log,
                                      Int32(options.forceFork ? CP_SPAWN_FORK : CP_SPAWN_AUTO), &pid, &step)
                }
            }
            if rc != ETXTBSY { break }
        }
        guard rc == 0 else {
            let stepName = step.map { String(cString: $0) } ?? "spawn"
            throw .spawnFailed(step: stepName.isEmpty ? "spawn" : stepName, executable: program, errno: rc)
        }
        // The child cannot have been reaped yet (only we may wait for it), so /proc/<pid>/stat is
        // there even if it already exited; its start time pins the identity from now on.
        guard let stat = ProcessStat.read(pid: pid) else {
            throw .spawnFailed(step: "read /proc/\(pid)/stat", executable: program, errno: ENOENT)
        }
        return LaunchedProcess(identity: stat.identity, processGroup: stat.processGroup,
                               logFile: logFile, exitStatusFile: exitStatusFile)
    }

    /// An absolute path for `name`: as given when it contains '/', else the first executable
    /// match on `path`. Checked here so the error can say which of the two is wrong.
    static func resolve(_ name: String, path: String) throws(RunnerError) -> String {
        if name.contains("/") {
            let absolute = name.hasPrefix("/") ? name
                : FileManager.default.currentDirectoryPath + "/" + name
            guard isExecutableFile(absolute) else { throw .notExecutable(path: absolute) }
            return absolute
        }
        for dir in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(dir)/\(name)"
            if isExecutableFile(candidate) { return candidate }
        }
        throw .executableNotFound(name: name, searchPath: path)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}

/// Calls `body` with a NULL-terminated C array of the strings, valid only during the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return (copies + [nil]).withUnsafeBufferPointer { body($0.baseAddress!) }
}

import Foundation

/// Runs Slurm's client programs (sbatch, squeue, scontrol, sacct, scancel, sinfo) as child processes,
/// with a time limit, and turns their failures into one-line errors that say what to do. The one way
/// aiarts talks to Slurm: the executor (SlurmExecutor*.swift) and the cluster view (ClusterStatus) both
/// call it.
///
///     let slurm = SlurmCommands()                      // binaries from $AIARTS_SLURM_BIN, else PATH
///     let out = try slurm.run(.squeue, ["-h", "-o", "%i|%T"])   // stdout; throws AIArtsError
///
/// - `run(_:_:timeout:)` returns stdout when the program exits 0; otherwise it throws an `AIArtsError`
///   whose message is one line: "sbatch not found: …", "slurmctld does not answer: …", or
///   "<program> failed: <its last stderr line>" (escape sequences removed).
/// - `result(_:_:timeout:)` returns the exit code, stdout and stderr without judging them, for callers
///   that read a failure themselves (`scontrol show job` of a job Slurm forgot exits 1).
/// - `AIARTS_SLURM_BIN` names a folder the programs are taken from (tests put fakes there); without it
///   they are looked up on PATH, then in /usr/bin and /usr/local/bin.
public struct SlurmCommands: Sendable {
    public enum Program: String, Sendable, CaseIterable {
        case sbatch, squeue, scontrol, sacct, scancel, sinfo
    }

    /// What one run printed and how it ended.
    public struct Output: Sendable, Equatable {
        public var code: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The folder the programs come from (nil: PATH).
    public var binFolder: String?
    /// Added to the environment the programs run with (e.g. SLURM_CONF).
    public var environment: [String: String]
    public var defaultTimeout: TimeInterval

    public init(binFolder: String? = ProcessInfo.processInfo.environment["AIARTS_SLURM_BIN"].flatMap { $0.isEmpty ? nil : $0 },
                environment: [String: String] = [:], defaultTimeout: TimeInterval = 30) {
        self.binFolder = binFolder
        self.environment = environment
        self.defaultTimeout = defaultTimeout
    }

    /// The program's path, or nil when it is not installed.
    public func locate(_ program: Program) -> String? {
        if let binFolder {
            let path = URL(fileURLWithPath: binFolder).appendingPathComponent(program.rawValue).path
            return DetachedProcess.isExecutableFile(path) ? path : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] where dir.hasPrefix("/") {
            let candidate = "\(dir)/\(program.rawValue)"
            if DetachedProcess.isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// Whether the client programs are here at all (sbatch and squeue).
    public var isInstalled: Bool { locate(.sbatch) != nil && locate(.squeue) != nil }

    /// The error for a program that is not installed.
    public func missing(_ program: Program) -> AIArtsError {
        let where_ = binFolder.map { " in \($0) (AIARTS_SLURM_BIN)" } ?? ""
        return AIArtsError(.notFound, "\(program.rawValue) not found\(where_): install slurm-client or add the executor on a machine that has it")
    }

    /// Runs the program; stdout when it exits 0, else a one-line error.
    public func run(_ program: Program, _ arguments: [String], timeout: TimeInterval? = nil) throws -> String {
        let output = try result(program, arguments, timeout: timeout)
        guard output.code == 0 else { throw Self.failure(program, output) }
        return output.stdout
    }

    /// Runs the program and returns what it printed, whatever its exit code. Throws only when it
    /// cannot be run or runs past the time limit.
    public func result(_ program: Program, _ arguments: [String], timeout: TimeInterval? = nil) throws -> Output {
        guard let path = locate(program) else { throw missing(program) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AIArtsError(.io, "\(program.rawValue) could not be run (\(error.localizedDescription)): check \(path)")
        }
        // Both pipes are drained while it runs, so a long listing cannot fill one and block it.
        let outBox = SlurmOutputBox(), errBox = SlurmOutputBox()
        let group = DispatchGroup()
        for (pipe, box) in [(out, outBox), (err, errBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        let limit = timeout ?? defaultTimeout
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            _ = group.wait(timeout: .now() + 2)
            throw AIArtsError(.io, "slurmctld does not answer: \(program.rawValue) took more than \(Int(limit)) s; check `scontrol ping` on this machine")
        }
        process.waitUntilExit()
        _ = group.wait(timeout: .now() + 5)
        return Output(code: process.terminationStatus,
                      stdout: String(decoding: outBox.data, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// The one-line error for a failed run: a controller that cannot be reached is named as such.
    static func failure(_ program: Program, _ output: Output) -> AIArtsError {
        let lines = output.stderr.split(whereSeparator: \.isNewline).map { TerminalText.finalRedraw($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let unreachable = lines.first { line in
            ["Unable to contact slurm controller", "Socket timed out", "Connection refused", "Could not establish a configuration source",
             "Unable to establish controller"].contains { line.contains($0) }
        }
        if let unreachable {
            return AIArtsError(.io, "slurmctld does not answer: \(Self.strip(unreachable)); is the cluster up (`scontrol ping`)?")
        }
        let last = lines.last.map(Self.strip) ?? "exit code \(output.code)"
        return AIArtsError(.io, "\(program.rawValue) failed: \(last)")
    }

    /// "sbatch: error: Batch job submission failed: X" → "Batch job submission failed: X".
    static func strip(_ line: String) -> String {
        var text = Substring(line)
        for prefix in Program.allCases.map({ "\($0.rawValue): " }) + ["error: ", "fatal: "] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        if text.hasPrefix("error: ") { text = text.dropFirst("error: ".count) }
        return String(text.prefix(300))
    }
}

extension SlurmCommands {
    private static let overrides = NSLockedBox<[String: SlurmCommands]>([:])

    /// Makes the workspace at `root` use `commands` (tests: fake programs for one workspace without
    /// touching the process's environment); nil removes it.
    public static func setOverride(_ commands: SlurmCommands?, for root: URL) {
        overrides.withLock { $0[root.standardizedFileURL.path] = commands }
    }

    static func override(for root: URL) -> SlurmCommands? {
        overrides.withLock { $0[root.standardizedFileURL.path] }
    }
}

/// A value behind a lock.
private final class NSLockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Data written by one thread and read by another after a DispatchGroup wait.
private final class SlurmOutputBox: @unchecked Sendable {
    var data = Data()
}

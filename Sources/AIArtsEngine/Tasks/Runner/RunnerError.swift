import Foundation

/// Why the runner could not launch, watch or stop a process. Each message names what to fix.
public enum RunnerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The executable name was not found on the PATH given to the child.
    case executableNotFound(name: String, searchPath: String)
    /// The file exists but cannot be executed (no x bit, a directory, or not readable).
    case notExecutable(path: String)
    /// The working directory is missing or not a directory.
    case badWorkingDirectory(path: String)
    /// The log file (or /dev/null) could not be opened.
    case cannotOpen(path: String, errno: Int32)
    /// The kernel refused a step of starting the child.
    case spawnFailed(step: String, executable: String, errno: Int32)
    /// The process named by the identity is gone, or its pid now belongs to another process.
    case notRunning(ProcessIdentity)
    /// The process does not lead its own process group, so signalling "its group" would hit others.
    case notAGroupLeader(ProcessIdentity, processGroup: Int32)
    /// kill(2) failed, e.g. the process belongs to another user.
    case signalFailed(ProcessIdentity, signal: Int32, errno: Int32)

    public var description: String {
        switch self {
        case let .executableNotFound(name, searchPath):
            return "\(name): command not found on PATH (\(searchPath)); give a full path or fix PATH"
        case let .notExecutable(path):
            return "\(path) is not an executable file; check it exists and `chmod +x` it"
        case let .badWorkingDirectory(path):
            return "working directory \(path) does not exist or is not a folder"
        case let .cannotOpen(path, code):
            return "cannot open \(path): \(Self.text(code)); check the folder exists and is writable"
        case let .spawnFailed(step, executable, code):
            return "could not start \(executable) (\(step) failed: \(Self.text(code)))"
        case let .notRunning(id):
            return "process \(id.pid) is no longer the task that was started (it exited, or the pid was reused); nothing was signalled"
        case let .notAGroupLeader(id, group):
            return "process \(id.pid) is in process group \(group), not its own; refusing to signal a group it does not lead"
        case let .signalFailed(id, signal, code):
            return "could not send signal \(signal) to process \(id.pid): \(Self.text(code))"
        }
    }

    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}

import Foundation

/// How a process ended.
public enum ExitStatus: Hashable, Codable, Sendable, CustomStringConvertible {
    /// It called exit(code).
    case exited(code: Int32)
    /// A signal ended it.
    case signaled(signal: Int32, coreDumped: Bool)
    /// It ended, but neither waitpid nor a status file could say how.
    case unknown

    /// Decodes a raw waitpid(2) status. Swift cannot see the W* macros, so this spells them out:
    /// the low 7 bits are the terminating signal (0 = normal exit), bit 7 says core dumped,
    /// bits 8-15 hold the exit code.
    public init(waitStatus status: Int32) {
        let low = status & 0x7f
        if low == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else if low != 0x7f {
            self = .signaled(signal: low, coreDumped: status & 0x80 != 0)
        } else {
            self = .unknown  // stopped, not ended: callers never ask for stopped children
        }
    }

    public var isSuccess: Bool { self == .exited(code: 0) }

    public var description: String {
        switch self {
        case let .exited(code): return "exited with code \(code)"
        case let .signaled(signal, core):
            return "killed by \(ExitStatus.signalName(signal))" + (core ? " (core dumped)" : "")
        case .unknown: return "ended (exit status unknown)"
        }
    }

    /// SIGKILL, SIGTERM ... for the signals a trainer meets; "signal N" for the rest.
    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
            SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
            SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}

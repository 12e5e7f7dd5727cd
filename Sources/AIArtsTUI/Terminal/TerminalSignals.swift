import CNcursesw
import Foundation

/// Signal handling for a full-screen session. Handlers only write the signal number into a pipe that
/// the loop polls (write(2) is async-signal-safe); the loop does the real work. Fatal signals and
/// exit() restore the terminal first, so a crash never leaves the user's shell in raw mode.
enum TerminalSignals {
    nonisolated(unsafe) static var pipeWriteFD: Int32 = -1
    /// True between newterm and endwin; read by the exit and crash paths.
    nonisolated(unsafe) static var cursesActive = false
    nonisolated(unsafe) private static var atexitInstalled = false

    static let forwarded: [Int32] = [SIGWINCH, SIGCONT, SIGINT, SIGTERM, SIGHUP]
    static let fatal: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    static func install(writeFD: Int32) {
        pipeWriteFD = writeFD
        for sig in forwarded {
            signal(sig) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(TerminalSignals.pipeWriteFD, &byte, 1)
            }
        }
        for sig in fatal {
            signal(sig) { number in
                TerminalSignals.restoreTerminal()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
        if !atexitInstalled {
            atexitInstalled = true
            atexit { TerminalSignals.restoreTerminal() }
        }
    }

    static func uninstall() {
        for sig in forwarded + fatal { signal(sig, SIG_DFL) }
        pipeWriteFD = -1
    }

    /// Leaves curses mode if it is still on; safe to call more than once.
    static func restoreTerminal() {
        guard cursesActive else { return }
        cursesActive = false
        endwin()
    }
}

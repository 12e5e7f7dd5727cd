import Foundation

/// The supervisor is a short /bin/sh script that runs the real command as its child, so that the
/// command's exit status is written to a file even when no aiarts process is left to waitpid() it
/// (the exit status of a process that is not your child cannot be learned from outside).
/// The layout of the process tree and the reasons are in docs/runner.md.
///
/// argv: /bin/sh -c SCRIPT aiarts-supervise STATUS_FILE SETPRIV EXECUTABLE ARGS...
/// (SETPRIV: the path of util-linux `setpriv`, or empty when there is none.)
enum Supervisor {
    /// $0 of the script; `stop` recognises a supervisor by it in /proc/<pid>/cmdline.
    static let marker = "aiarts-supervise"

    /// Why the details:
    /// - The command runs in the background (`&`) so that a trap can run while it is still going;
    ///   a foreground command would hold traps until it ended.
    /// - Traps are set before the fork: a subshell resets caught signals to their defaults, so the
    ///   command starts with default TERM/HUP handling, and a signal that arrives before the fork
    ///   is remembered in `caught` and passed on right after it.
    /// - `forward` first ignores the signal in the supervisor, then sends it to the whole process
    ///   group (`kill -s SIG 0`): every process of the task gets it exactly once, the supervisor's
    ///   own copy included (ignored). A signal is forwarded at most once.
    /// - A caught signal makes `wait` return early (>128) while the command still runs, so the
    ///   loop waits again; `woke` tells that case from the command really ending.
    /// - Shells report death by signal N as 128+N; the file records it as `signal=N`.
    /// - The file is written to a temporary name and renamed: readers see all of it or nothing.
    /// - The command must die with the supervisor: a SIGKILLed supervisor writes nothing, so a
    ///   trainer left behind would go on writing metrics that no status describes, and a resumed
    ///   run would write into the same folder. `setpriv --pdeathsig KILL` sets PR_SET_PDEATHSIG in
    ///   the command's own process (the kernel then SIGKILLs it when its parent, this shell, dies)
    ///   and execs; a second shell checks that its parent is still this one, because a parent that
    ///   died before the prctl leaves nothing to fire, and then execs the command, so the command
    ///   keeps the pid `$!` names. Without setpriv the engine's reconciliation still kills the
    ///   task's leftovers when it finds the supervisor gone (docs/runner.md).
    static let script = #"""
    status_file=$1
    setpriv=$2
    shift 2
    child=
    caught=
    forwarded=
    woke=
    forward() {
      woke=1
      caught=$1
      [ -n "$child" ] || return 0
      case " $forwarded " in *" $1 "*) return 0 ;; esac
      forwarded="$forwarded $1"
      trap '' "$1"
      kill -s "$1" 0 2>/dev/null
    }
    trap 'forward TERM' TERM
    trap 'forward INT' INT
    trap 'forward HUP' HUP
    if [ -n "$setpriv" ]; then
      "$setpriv" --pdeathsig KILL -- /bin/sh -c '\#(parentGuard)' aiarts-pdeathsig "$$" "$@" &
    else
      "$@" &
    fi
    child=$!
    [ -z "$caught" ] || forward "$caught"
    while :; do
      woke=
      wait "$child"
      status=$?
      [ -n "$woke" ] || break
      kill -0 "$child" 2>/dev/null && continue
      wait "$child"
      again=$?
      [ "$again" -eq 127 ] || status=$again
      break
    done
    if [ "$status" -gt 128 ] && [ "$status" -le 192 ]; then
      line="signal=$((status - 128))"
    else
      line="exit=$status"
    fi
    tmp="$status_file.tmp.$$"
    if printf '%s\nshell_status=%s\nstop_signals=%s\n' "$line" "$status" "${forwarded# }" >"$tmp"; then
      mv -f "$tmp" "$status_file" || rm -f "$tmp"
    fi
    exit "$status"
    """#

    /// Runs between setpriv's prctl and the command (argv: $1 the supervisor's pid, then the
    /// command): a supervisor already gone by then would never trigger PDEATHSIG, so the command
    /// must not start at all. `$PPID` is read when this shell starts, after the prctl.
    static let parentGuard = #"[ "$PPID" = "$1" ] || kill -s KILL $$; shift; exec "$@""#

    static func arguments(shell: String, statusFile: String, setpriv: String?, executable: String, arguments: [String]) -> [String] {
        [shell, "-c", script, marker, statusFile, setpriv ?? "", executable] + arguments
    }

    /// util-linux `setpriv` (on every Debian and most other distributions), which can set
    /// PR_SET_PDEATHSIG in the command's process; nil when absent or too old for --pdeathsig
    /// (util-linux 2.33). Looked up once.
    static let setpriv: String? = {
        for path in ["/usr/bin/setpriv", "/bin/setpriv"] where DetachedProcess.isExecutableFile(path) {
            return path
        }
        return nil
    }()

    static func isSupervisor(pid: Int32) -> Bool {
        let argv = ProcFile.arguments(pid: pid)
        return argv.count > 3 && argv[1] == "-c" && argv[3] == marker
    }
}

/// What the supervisor wrote when the command ended.
public struct ExitRecord: Equatable, Sendable {
    public var status: ExitStatus
    /// Signals the supervisor received and passed on to the group (e.g. ["TERM"]): a stop was asked for.
    public var stopSignals: [String]

    /// Reads a status file; nil when it is missing (the command has not ended, or the supervisor
    /// itself was killed with SIGKILL before it could write) or unreadable.
    public static func read(from file: URL) -> ExitRecord? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return parse(text)
    }

    static func parse(_ text: String) -> ExitRecord? {
        var status: ExitStatus?
        var signals: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "exit": if let code = Int32(parts[1]) { status = .exited(code: code) }
            case "signal": if let sig = Int32(parts[1]) { status = .signaled(signal: sig, coreDumped: false) }
            case "stop_signals": signals = parts[1].split(separator: " ").map(String.init)
            default: break
            }
        }
        return status.map { ExitRecord(status: $0, stopSignals: signals) }
    }
}

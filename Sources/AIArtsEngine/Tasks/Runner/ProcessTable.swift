import Foundation

/// A process as the kernel knows it at one moment: a pid alone can be reused after the process
/// exits, but (pid, start time) names one process for the whole life of the machine's boot.
public struct ProcessIdentity: Hashable, Codable, Sendable, CustomStringConvertible {
    public var pid: Int32
    /// Field 22 of /proc/<pid>/stat: clock ticks after boot at which the process started.
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid; self.startTime = startTime
    }

    public var description: String { "pid \(pid) (start \(startTime))" }
}

/// The fields of /proc/<pid>/stat the runner needs.
public struct ProcessStat: Equatable, Sendable {
    public var pid: Int32
    /// The command name (at most 15 bytes; may contain spaces and parentheses).
    public var command: String
    /// Field 3: R, S, D, Z (zombie), X (dead), T, t, I ...
    public var state: Character
    public var parentPID: Int32
    public var processGroup: Int32
    public var session: Int32
    public var startTime: UInt64

    /// A zombie has exited and only waits for its parent to collect its status.
    public var hasExited: Bool { state == "Z" || state == "X" || state == "x" }

    public var identity: ProcessIdentity { ProcessIdentity(pid: pid, startTime: startTime) }

    /// Reads /proc/<pid>/stat now; nil when there is no such process (or /proc is unreadable).
    public static func read(pid: Int32) -> ProcessStat? {
        guard pid > 0, let bytes = ProcFile.read("/proc/\(pid)/stat") else { return nil }
        return parse(bytes)
    }

    /// Parses the text of /proc/<pid>/stat. The command sits in parentheses and may itself contain
    /// spaces and ')', so the fields after it start at the LAST ')'.
    public static func parse(_ bytes: [UInt8]) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close,
              let pid = Int32(String(decoding: bytes[..<open], as: UTF8.self).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let command = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        // Field n (1-based, as in proc(5)) is rest[n - 3].
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            .map { String(decoding: $0, as: UTF8.self) }
        guard rest.count >= 20, let state = rest[0].first,
              let ppid = Int32(rest[1]), let pgrp = Int32(rest[2]), let session = Int32(rest[3]),
              let start = UInt64(rest[19].trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return ProcessStat(pid: pid, command: command, state: state, parentPID: ppid,
                           processGroup: pgrp, session: session, startTime: start)
    }
}

public extension ProcessIdentity {
    /// The identity of whatever process has this pid now; nil if none.
    static func current(pid: Int32) -> ProcessIdentity? { ProcessStat.read(pid: pid)?.identity }

    /// True only while this very process runs: /proc/<pid>/stat exists, its start time matches
    /// (so a reused pid is never taken for the task) and it is not a zombie.
    var isAlive: Bool {
        guard let stat = ProcessStat.read(pid: pid) else { return false }
        return stat.startTime == startTime && !stat.hasExited
    }
}

extension DetachedProcess {
    /// See `ProcessIdentity.isAlive`.
    public static func isAlive(_ identity: ProcessIdentity) -> Bool { identity.isAlive }
}

/// Reads small kernel files. /proc files report size 0, so read until EOF rather than by size.
enum ProcFile {
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out.append(contentsOf: chunk[0..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            return n == 0 ? out : nil
        }
    }

    /// The NUL-separated argv of a process (empty for kernel threads and zombies).
    static func arguments(pid: Int32) -> [String] {
        guard let bytes = read("/proc/\(pid)/cmdline") else { return [] }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }  // the terminating NUL
        return parts.map { String(decoding: $0, as: UTF8.self) }
    }
}

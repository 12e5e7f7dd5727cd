import AIArtsText
import Foundation

/// A running task's launched process, as the owner mapping needs it.
public struct GPUTaskOwner: Equatable, Sendable {
    public var taskID: String
    /// The task's stored process: the session leader of everything the task started.
    public var identity: ProcessIdentity

    public init(taskID: String, identity: ProcessIdentity) { self.taskID = taskID; self.identity = identity }
}

extension Workspace {
    /// Tasks that may have processes now (running or stopping, with a pid), for `GPUProcessOwners`.
    /// Reads the task table as stored; it does not reconcile it (see `refreshTasks`).
    public func gpuTaskOwners() throws -> [GPUTaskOwner] {
        try tasks().compactMap { record in
            guard record.taskStatus?.hasProcess == true, let identity = record.identity else { return nil }
            return GPUTaskOwner(taskID: record.id, identity: identity)
        }
    }
}

/// Names the owner of each GPU process (docs/gpu.md, "Process owners"): the aiarts task whose process
/// tree holds it, else its user and command line; a pid that is not in this /proc is marked foreign.
/// Inside a PID namespace of its own (a container) the driver reports host pids, which may name an
/// unrelated process here; there a pid counts as ours only if that process holds /dev/nvidia* open.
public struct GPUProcessOwners: Sendable {
    /// The proc file system to read; tests point it at a folder laid out like /proc.
    public var procRoot: String
    /// PROC_PID_INIT_INO: the inode of the initial PID namespace.
    static let initialPIDNamespace = "pid:[4026531836]"

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    /// True when this process sees the machine's own pids (it is not in a container's PID namespace,
    /// or the namespace cannot be read).
    public var inInitialPIDNamespace: Bool {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(procRoot)/self/ns/pid") else { return true }
        return link == Self.initialPIDNamespace
    }

    /// Whether the process has a /dev/nvidia* device open (nil when its descriptors cannot be read).
    func holdsNVIDIADevice(_ pid: Int32) -> Bool? {
        let folder = "\(procRoot)/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        return fds.contains { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(fd)"))?.hasPrefix("/dev/nvidia") == true
        }
    }

    /// Fills in `task`, `user`, `command` and `foreign` of every process of `gpus`.
    public func assign(_ gpus: inout [GPUDevice], tasks: [GPUTaskOwner]) {
        // A task counts only while its process is the very one recorded (pid and start time).
        let live = tasks.filter { task in
            guard let now = stat(task.identity.pid) else { return false }
            return now.startTime == task.identity.startTime && !now.hasExited
        }
        let byPID = Dictionary(live.map { ($0.identity.pid, $0.taskID) }, uniquingKeysWith: { first, _ in first })
        let checkDevices = !inInitialPIDNamespace
        var cache: [Int32: GPUProcess] = [:]
        for g in gpus.indices {
            for p in gpus[g].processes.indices {
                let pid = gpus[g].processes[p].pid
                let owner = cache[pid] ?? owner(of: pid, tasks: byPID, checkDevices: checkDevices)
                cache[pid] = owner
                gpus[g].processes[p].task = owner.task
                gpus[g].processes[p].user = owner.user
                gpus[g].processes[p].command = owner.command ?? gpus[g].processes[p].command
                gpus[g].processes[p].foreign = owner.foreign
            }
        }
    }

    /// The owner of one pid: only the owner fields of the result are meaningful.
    func owner(of pid: Int32, tasks: [Int32: String], checkDevices: Bool = false) -> GPUProcess {
        guard pid > 0, let first = stat(pid) else { return GPUProcess(pid: pid, foreign: true) }
        if checkDevices && holdsNVIDIADevice(pid) != true { return GPUProcess(pid: pid, foreign: true) }
        var result = GPUProcess(pid: pid, user: user(pid), command: commandLine(pid))
        if let task = tasks[pid] ?? tasks[first.session] {
            result.task = task
            return result
        }
        // Walk up the parents: a task's child may have started its own session (setsid).
        var current = first
        var seen: Set<Int32> = [pid]
        while current.parentPID > 1, !seen.contains(current.parentPID) {
            if let task = tasks[current.parentPID] { result.task = task; return result }
            seen.insert(current.parentPID)
            guard let parent = stat(current.parentPID) else { break }
            if let task = tasks[parent.session] { result.task = task; return result }
            current = parent
        }
        return result
    }

    func stat(_ pid: Int32) -> ProcessStat? {
        guard let bytes = ProcFile.read("\(procRoot)/\(pid)/stat") else { return nil }
        return ProcessStat.parse(bytes)
    }

    /// The real uid from /proc/PID/status, as a name where the user database knows it.
    func user(_ pid: Int32) -> String? {
        guard let bytes = ProcFile.read("\(procRoot)/\(pid)/status") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Uid:") {
            guard let uid = line.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ UInt32($0) }) else { return nil }
            return Self.userName(uid: uid) ?? String(uid)
        }
        return nil
    }

    /// getpwuid_r, with a buffer that grows on ERANGE.
    static func userName(uid: uid_t) -> String? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: size)
            let code = getpwuid_r(uid, &entry, &buffer, size, &result)
            if code == ERANGE { size *= 4; continue }
            guard code == 0, result != nil, let name = entry.pw_name else { return nil }
            return String(cString: name)
        }
        return nil
    }

    /// /proc/PID/cmdline with the NULs between arguments as spaces and control characters dropped.
    func commandLine(_ pid: Int32) -> String? {
        guard let bytes = ProcFile.read("\(procRoot)/\(pid)/cmdline"), !bytes.isEmpty else { return nil }
        let text = String(decoding: bytes.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        let cleaned = Self.stripControls(text).trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : cleaned
    }

    /// Drops escape sequences whole (`EscapeSequences`), other C0 and C1 controls and DEL; tabs and
    /// line breaks become spaces.
    static func stripControls(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        EscapeSequences.forEachScalar(outsideSequencesIn: text.unicodeScalars) { scalar in
            let v = scalar.value
            if v == 0x09 || v == 0x0A || v == 0x0D { out.append(" ") } else if !EscapeSequences.isControl(scalar) { out.append(scalar) }
        }
        return String(out)
    }
}

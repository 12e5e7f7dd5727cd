#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// Follows a task folder's metrics live (docs/metrics-protocol.md, "Live updates").
///
/// `start()` reads every source once, in one pass by byte offset, then a thread sleeps in
/// poll(2) on an inotify descriptor (IN_MODIFY, IN_CLOSE_WRITE, IN_CREATE, IN_MOVED_TO on the
/// folder and its subfolders) and a pipe that `stop()` writes to. A write wakes it; it reads
/// what was appended and hands subscribers a `MetricsDelta` on that thread: the points each
/// series gained, merged by rank, and the progress. Idle, it uses no CPU. Files that appear
/// later (an event file, metrics.jsonl) are picked up when created. A started feed is kept
/// alive by its thread until `stop()`.
///
/// inotify sees only writes made through this machine's kernel: a trainer on another host (a task on
/// a Slurm executor) or a folder on NFS, CIFS or FUSE (`networkFilesystem`, statfs) may write unseen.
/// With a `pollInterval` the feed also reads what was appended every that many seconds
/// (`defaultPollInterval`, 2 s, where the folder is on such a filesystem; docs/slurm.md).
public final class MetricsFeed: @unchecked Sendable {
    public typealias Handler = @Sendable (MetricsDelta) -> Void

    public let folder: String
    private let lock = NSLock()
    private var sources: TaskMetricReaders
    /// What subscribers were given: each series' owning readers (`TaskMetricSources.owners`),
    /// the series order, and whether the log was hidden then.
    private var deliveredOwners: [String: [Int]] = [:]
    private var deliveredOrder: [String] = []
    private var deliveredLogHidden = false
    private var subscribers: [Int: Handler] = [:]
    private var nextSubscriber = 0
    private var inotifyFD: Int32 = -1
    private var wakeFD: Int32 = -1
    private var wakeWriteFD: Int32 = -1
    private var watches: [Int32: String] = [:]
    private var thread: Thread?
    private let exited = DispatchSemaphore(value: 0)
    private var running = false
    private let logger = Logger(label: "aiarts.metrics.feed")

    /// Seconds between reads besides inotify's wake-ups; nil: inotify alone.
    public let pollInterval: TimeInterval?
    public static let defaultPollInterval: TimeInterval = 2

    /// `pollInterval` defaults to `defaultPollInterval` for a folder on a network or FUSE
    /// filesystem, else nil.
    public init(folder: String, pollInterval: TimeInterval?? = nil) {
        self.folder = folder
        sources = TaskMetricReaders(folder: folder)
        self.pollInterval = pollInterval ?? (Self.networkFilesystem(folder) != nil ? Self.defaultPollInterval : nil)
    }

    /// The type of the filesystem `path` is on when inotify cannot see writes other hosts make to it
    /// (NFS, CIFS/SMB, FUSE, Lustre, GPFS, 9p, Ceph, BeeGFS), else nil. Read from /proc/self/mounts:
    /// the mount point that is the longest prefix of the resolved path.
    public static func networkFilesystem(_ path: String, mounts: String? = nil) -> String? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let table = mounts ?? (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) else { return nil }
        var best: (point: String, type: String)?
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            // Spaces and tabs in mount points are written as octal escapes (\040).
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(fields[2])) }
        }
        guard let type = best?.type else { return nil }
        let network = ["nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "9p", "ceph", "beegfs", "afs", "glusterfs"]
        return network.contains(type) || type.hasPrefix("fuse") ? type : nil
    }

    deinit { stop() }

    /// True between `start()` and `stop()` while the watching thread runs.
    public var isRunning: Bool { lock.withLock { running } }

    /// Reads all sources once and starts watching. Throws when the folder cannot be watched.
    public func start() throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw MetricsError.unreadable(folder, errno: errno, doing: "watch it (inotify_init1)") }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            close(fd)
            throw MetricsError.unreadable(folder, errno: errno, doing: "watch it (pipe)")
        }
        let wake = pipeFDs[0]
        for end in pipeFDs {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        lock.withLock {
            inotifyFD = fd; wakeFD = wake; wakeWriteFD = pipeFDs[1]
            addWatches()
        }
        guard lock.withLock({ watches.values.contains(folder) }) else {
            let code = errno
            close(fd); close(wake); close(pipeFDs[1])
            lock.withLock { inotifyFD = -1; wakeFD = -1; wakeWriteFD = -1 }
            throw MetricsError.unreadable(folder, errno: code, doing: "watch it")
        }
        refresh(rediscover: true, deliver: false)
        lock.withLock { running = true }
        let thread = Thread { [weak self] in
            self?.loop(inotify: fd, wake: wake)
        }
        thread.name = "aiarts.metrics.feed"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread and waits for it to leave; idempotent.
    public func stop() {
        let wasRunning: Bool = lock.withLock {
            let was = running
            running = false
            return was
        }
        if wasRunning {
            var one: UInt8 = 1
            _ = write(wakeWriteFD, &one, 1)
            exited.wait()
        }
        lock.withLock {
            if inotifyFD >= 0 { close(inotifyFD); inotifyFD = -1 }
            if wakeFD >= 0 { close(wakeFD); wakeFD = -1 }
            if wakeWriteFD >= 0 { close(wakeWriteFD); wakeWriteFD = -1 }
            watches.removeAll()
        }
    }

    /// Calls `handler` on the feed's thread with every delta from now on, and returns the
    /// first delta: everything as of now (`replace`), which the later ones build on.
    @discardableResult
    public func subscribe(_ handler: @escaping Handler) -> (id: Int, first: MetricsDelta) {
        lock.withLock {
            nextSubscriber += 1
            subscribers[nextSubscriber] = handler
            return (nextSubscriber, MetricsDelta(replacingWith: sources.table))
        }
    }

    public func unsubscribe(_ id: Int) {
        _ = lock.withLock { subscribers.removeValue(forKey: id) }
    }

    /// Every series as of now, merged by rank.
    public func snapshot() -> MetricTable {
        lock.withLock { sources.table }
    }

    // MARK: - The thread

    private func loop(inotify fd: Int32, wake: Int32) {
        defer { exited.signal() }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            // Sleeps until a write or stop(); with a poll interval, also wakes to read what another host wrote.
            let n = poll(&fds, 2, pollInterval.map { Int32(max(0.05, $0) * 1000) } ?? -1)
            if n == 0 {
                if !isRunning { return }
                refresh(rediscover: true, deliver: true)
                continue
            }
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("metrics feed of \(folder) stopped: poll failed (\(String(cString: strerror(errno))))")
                return
            }
            if fds[1].revents != 0 || !isRunning { return }
            var rediscover = false
            var newFolders = false
            var touched = false
            let (paths, folders) = lock.withLock { (Set(sources.readers.map(\.reader.path)), watches) }
            while true {
                let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if got <= 0 { break }
                var i = 0
                while i + 16 <= got {
                    let wd = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i, as: Int32.self) }
                    let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self) }
                    let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i + 12, as: UInt32.self) })
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { rediscover = true }
                    if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { newFolders = true }
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 { rediscover = true; newFolders = true }
                    if !touched, length > 0, i + 16 + length <= got, let dir = folders[wd] {
                        // Writes to other files (a checkpoint being saved) need no reading.
                        let name = buffer[(i + 16)..<(i + 16 + length)].prefix { $0 != 0 }
                        touched = paths.contains(dir + "/" + String(decoding: name, as: UTF8.self))
                    }
                    i += 16 + length
                }
            }
            if newFolders { lock.withLock { addWatches() } }
            if rediscover || touched { refresh(rediscover: rediscover, deliver: true) }
        }
    }

    /// Adds a watch for the folder and each subfolder not yet watched. Call with the lock held.
    private func addWatches() {
        let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO)
        let known = Set(watches.values)
        for path in TaskMetricSources.folders(under: folder) where !known.contains(path) {
            let wd = inotify_add_watch(inotifyFD, path, mask)
            if wd >= 0 { watches[wd] = path } else if path == folder { return }
        }
    }

    /// Finds new source files (when asked), reads every source, and delivers what changed.
    private func refresh(rediscover: Bool, deliver: Bool) {
        let (delta, handlers): (MetricsDelta, [Handler]) = lock.withLock {
            var replace = false
            if rediscover || sources.readers.isEmpty { replace = sources.discover() }
            let resets = sources.update { logger.warning("metrics: \($0)") }
            let delta = self.delta(replace: replace || !resets.isEmpty, build: deliver)
            sources.markDelivered()
            return (delta, Array(subscribers.values))
        }
        guard deliver, !delta.isEmpty else { return }
        for handler in handlers { handler(delta) }
    }

    /// What changed since the last delivery (only noted, not built, when `build` is false).
    /// Call with the lock held, before `markDelivered`.
    private func delta(replace forced: Bool, build: Bool) -> MetricsDelta {
        let readers = sources.readers
        let owners = TaskMetricSources.owners(readers)
        let hidden = sources.logHidden
        // A series that changed hands, or one that went away, voids what subscribers hold.
        let replace = forced || hidden != deliveredLogHidden
            || deliveredOwners.contains { name, was in owners[name].map { $0 != was } ?? true }
        var order: [String] = []
        var seen = Set<String>()
        for (_, r) in readers.enumerated().filter({ !(hidden && $0.element.rank == TaskMetricSources.logRank) })
            .sorted(by: { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }) {
            for name in r.reader.table.names where seen.insert(name).inserted { order.append(name) }
        }
        defer { deliveredOwners = owners; deliveredOrder = order; deliveredLogHidden = hidden }
        guard build else { return MetricsDelta(replace: false, series: [], progress: TrainingProgress()) }
        if replace { return MetricsDelta(replacingWith: sources.table) }
        var series: [MetricSeriesDelta] = []
        var merged: MetricTable?
        for name in order {
            guard let mine = owners[name] else { continue }
            if mine.count == 1, let column = readers[mine[0]].reader.table[name] {
                if column.mark < column.count { series.append(MetricSeriesDelta(column, from: column.mark)) }
                continue
            }
            // Several files of one rank write this series (two event files of one run): their
            // points interleave, so the whole series is sent again when any of them grew.
            let grew = mine.contains { i in readers[i].reader.table[name].map { $0.mark < $0.count } ?? false }
            guard grew else { continue }
            if merged == nil { merged = sources.table }
            if let column = merged?[name] { series.append(MetricSeriesDelta(column, from: 0)) }
        }
        return MetricsDelta(replace: false, series: series, order: order == deliveredOrder ? nil : order,
                            progress: sources.progress)
    }
}

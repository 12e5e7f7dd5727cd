#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// New points of one series: they replace the subscriber's points from index `from` on (a
/// restart in the log drops points, so `from` can be below what was delivered before).
public struct MetricSeriesUpdate: Sendable {
    public var name: String
    public var from: Int
    public var points: [MetricPoint]
}

/// What one wake-up of a `MetricsFeed` read from one source file.
public struct MetricsFeedUpdate: Sendable {
    /// The file the points come from.
    public var source: String
    public var rank: Int
    /// The file was truncated, replaced or superseded (train.log once metrics.jsonl has
    /// records): forget every point it delivered before; `series` then holds all it has now.
    public var reset: Bool
    public var series: [MetricSeriesUpdate]
    public var checkpoints: [MetricCheckpoint]
    public var progress: TrainingProgress
}

/// Follows a task folder's metrics live (docs/metrics-protocol.md, "Live updates").
///
/// `start()` reads every source once, in one pass by byte offset, then a thread sleeps in
/// poll(2) on an inotify descriptor (IN_MODIFY, IN_CLOSE_WRITE, IN_CREATE, IN_MOVED_TO on the
/// folder and its subfolders) and a pipe that `stop()` writes to. A write wakes it; it reads
/// what was appended and hands the new points to subscribers on that thread. Idle, it uses no
/// CPU. Files that appear later (an event file, metrics.jsonl) are picked up when created.
/// A started feed is kept alive by its thread until `stop()`.
public final class MetricsFeed: @unchecked Sendable {
    public typealias Handler = @Sendable (MetricsFeedUpdate) -> Void

    public let folder: String
    private let lock = NSLock()
    private var readers: [(rank: Int, reader: MetricSourceReader)] = []
    private var subscribers: [Int: Handler] = [:]
    private var nextSubscriber = 0
    private var inotifyFD: Int32 = -1
    private var wakeFD: Int32 = -1
    private var wakeWriteFD: Int32 = -1
    private var watches: [Int32: String] = [:]
    private var thread: Thread?
    private let exited = DispatchSemaphore(value: 0)
    private var running = false
    private var logSuperseded = false
    private let logger = Logger(label: "aiarts.metrics.feed")

    public init(folder: String) {
        self.folder = folder
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

    /// Calls `handler` on the feed's thread with every update from now on.
    @discardableResult
    public func subscribe(_ handler: @escaping Handler) -> Int {
        lock.withLock {
            nextSubscriber += 1
            subscribers[nextSubscriber] = handler
            return nextSubscriber
        }
    }

    public func unsubscribe(_ id: Int) {
        _ = lock.withLock { subscribers.removeValue(forKey: id) }
    }

    /// The updates as an async sequence; ends when the consumer stops iterating.
    public func updates() -> AsyncStream<MetricsFeedUpdate> {
        AsyncStream { continuation in
            let id = subscribe { continuation.yield($0) }
            continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        }
    }

    /// Every series as of now, merged by rank.
    public func snapshot() -> MetricTable {
        lock.withLock { TaskMetricSources.merge(readers) }
    }

    // MARK: - The thread

    private func loop(inotify fd: Int32, wake: Int32) {
        defer { exited.signal() }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, -1)  // sleeps until a write or stop(): no timeout, no polling
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("metrics feed of \(folder) stopped: poll failed (\(String(cString: strerror(errno))))")
                return
            }
            if fds[1].revents != 0 || !isRunning { return }
            var rediscover = false
            var newFolders = false
            var touched = false
            let (sources, folders) = lock.withLock { (Set(readers.map(\.reader.path)), watches) }
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
                        touched = sources.contains(dir + "/" + String(decoding: name, as: UTF8.self))
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
        var updates: [MetricsFeedUpdate] = []
        let handlers: [Handler] = lock.withLock {
            if rediscover || readers.isEmpty {
                let known = Set(readers.map(\.reader.path))
                for source in TaskMetricSources.discover(folder: folder) where !known.contains(source.path) {
                    // Only the newest trainer_state.json counts: drop an older one.
                    if source.kind == .trainerState { readers.removeAll { $0.reader.kind == .trainerState } }
                    readers.append((source.rank, MetricSourceReader(path: source.path, kind: source.kind)))
                }
            }
            for index in readers.indices {
                let rank = readers[index].rank
                if rank == 2, logSuperseded { continue }
                var reset = false
                do {
                    reset = try readers[index].reader.update()
                } catch {
                    logger.warning("metrics: \(error)")
                    continue
                }
                let table = readers[index].reader.table
                var series: [MetricSeriesUpdate] = []
                for column in table.columns where reset || column.mark < column.count {
                    let from = reset ? 0 : column.mark
                    series.append(MetricSeriesUpdate(name: column.name, from: from, points: column.points(from: from)))
                }
                readers[index].reader.markDelivered()
                if reset || !series.isEmpty {
                    updates.append(MetricsFeedUpdate(source: readers[index].reader.path, rank: rank, reset: reset, series: series,
                                                     checkpoints: table.checkpoints, progress: table.progress.current))
                }
            }
            // The protocol took over from the console log: the log's points are void.
            if !logSuperseded, let p = readers.first(where: { $0.rank == 0 }), p.reader.table.pointCount > 0 || !p.reader.table.checkpoints.isEmpty {
                logSuperseded = true
                if let log = readers.first(where: { $0.rank == 2 }), log.reader.table.pointCount > 0 {
                    updates.append(MetricsFeedUpdate(source: log.reader.path, rank: 2, reset: true, series: [], checkpoints: [],
                                                     progress: TrainingProgress()))
                }
                updates.removeAll { $0.rank == 2 && !$0.series.isEmpty }
            }
            // A series a higher rank provides hides the lower rank's one.
            let owned = Dictionary(readers.flatMap { r in r.reader.table.names.map { ($0, r.rank) } }, uniquingKeysWith: min)
            for u in updates.indices {
                let rank = updates[u].rank
                updates[u].series.removeAll { (owned[$0.name] ?? rank) < rank }
            }
            return Array(subscribers.values)
        }
        guard deliver else { return }
        for update in updates where update.reset || !update.series.isEmpty {
            for handler in handlers { handler(update) }
        }
    }
}

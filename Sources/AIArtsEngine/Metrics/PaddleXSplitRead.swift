#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a long PaddleX log on two cores. The file is cut at a train line near its middle
/// (one that sets every total the lines after it depend on), each part is scanned into its own
/// table on its own thread, and the second table is appended to the first as its continuation
/// (`MetricTable.append(continuation:)`): the same table one pass builds, in about half the time.
struct PaddleXSplitRead: Sendable {
    /// What one part (or both, joined) read.
    struct Part: Sendable {
        var reader: IncrementalReader
        var scanner = PaddleXFastScanner()
        var table = MetricTable()
        var skippedLongLines = 0
        /// The file changed under the read (truncated, rewritten, removed): the caller reads it again on its own.
        var changed = false
    }

    /// Files smaller than this are read in one pass: two threads would not pay for the joining.
    static let minimumBytes = 32 << 20

    /// Both parts joined, or nil when the file is too small or has no place to cut, there is
    /// one core, or the file changed while it was read.
    static func read(path: String, minimumBytes: Int = Self.minimumBytes) throws(MetricsError) -> Part? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let size = Int(info.st_size)
        guard size >= minimumBytes, usableCores >= 2, let cut = cut(path: path, size: size)
        else { return nil }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            let result = Result { () throws(MetricsError) -> Part in
                k == 0 ? try scan(path: path, from: 0, upTo: cut, reserveFor: size, log: false)
                    : try scan(path: path, from: cut, upTo: .max, reserveFor: size - cut, log: true)
            }
            results.set(k, result)
        }
        guard var whole = try results.get(0), var second = try results.get(1), !whole.changed, !second.changed else { return nil }
        whole.table.append(continuation: second.table)
        second.table = MetricTable()
        whole.scanner.adopt(continuation: second.scanner)
        // The second reader's position covers the whole file: the file's first line as its
        // head, its own end as the offset and tail.
        whole.reader = second.reader
        whole.skippedLongLines += second.skippedLongLines
        return whole
    }

    /// The cores this process may run on: its CPU affinity (`taskset`, a container's cpuset),
    /// from /proc/self/status on Linux, else the active processor count.
    static var usableCores: Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
           let count = cpuCount(list: line.dropFirst("Cpus_allowed_list:".count)), count > 0 {
            return count
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// The number of CPUs in a kernel CPU list ("0-3,8,10-11" → 7); nil when it is not one.
    static func cpuCount(list: Substring) -> Int? {
        var count = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let first = bounds.first ?? nil, bounds.count <= 2 else { return nil }
            let last = bounds.count == 2 ? bounds[1] : first
            guard let last, last >= first, last - first < 1 << 20 else { return nil }
            count += last - first + 1
        }
        return count
    }

    /// Where the second part starts: the first line within 1 MiB after the middle that
    /// `PaddleXFastScanner.startsIndependently`; nil when there is none.
    static func cut(path: String, size: Int) -> Int? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let middle = size / 2
        let window = [UInt8](unsafeUninitializedCapacity: min(1 << 20, size - middle)) { buffer, n in
            n = max(0, pread(fd, buffer.baseAddress!, buffer.count, off_t(middle)))
        }
        return window.withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress, var start = memchr(base, 0x0A, p.count).map({ base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) + 1 })
            else { return nil }
            while start < p.count, let hit = memchr(base + start, 0x0A, p.count - start) {
                let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var stop = end
                if stop > start, p[stop - 1] == 0x0D { stop -= 1 }
                if PaddleXFastScanner.startsIndependently(UnsafeBufferPointer(rebasing: p[start..<stop])) { return middle + start }
                start = end + 1
            }
            return nil
        }
    }

    /// Scans the lines from byte `from` (a line start) up to `limit` into a fresh scanner and
    /// table, with room reserved for about `reserveFor` bytes' worth of points.
    static func scan(path: String, from: Int, upTo limit: Int, reserveFor bytes: Int, log: Bool) throws(MetricsError) -> Part {
        var part = Part(reader: IncrementalReader(path: path, position: TailPosition(offset: from, head: [], tail: [], skippingLongLine: false)))
        if log { part.table.progressLog = [] }
        var buffer: [UInt8] = []
        var first = true
        while true {
            var block = try part.reader.readBlock(maxBytes: MetricSourceReader.blockBytes, reusing: &buffer, upTo: limit)
            guard block.exists, !block.reset else { part.changed = true; return part }
            block.forEachLine { line, _ in part.scanner.scan(line, into: &part.table) }
            if first, block.hasMore, !block.range.isEmpty {
                part.table.reserve(factor: 1.02 * Double(bytes) / Double(block.range.count))
            }
            first = false
            part.scanner.flushProgress(into: &part.table)
            part.skippedLongLines += block.skippedLongLines
            swap(&buffer, &block.bytes)
            if !block.hasMore { break }
        }
        return part
    }
}

/// The two parts' results, each written once by its own thread.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [Result<PaddleXSplitRead.Part, MetricsError>?] = [nil, nil]

    func set(_ k: Int, _ result: Result<PaddleXSplitRead.Part, MetricsError>) { lock.withLock { parts[k] = result } }

    func get(_ k: Int) throws(MetricsError) -> PaddleXSplitRead.Part? {
        try lock.withLock { parts[k] }?.get()
    }
}

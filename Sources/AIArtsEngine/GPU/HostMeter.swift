import Foundation

/// CPU and memory use from /proc/stat and /proc/meminfo. CPU use is a rate, so it needs two
/// readings: the first `read` gives nil CPU, each later one the share busy since the one before.
public final class HostMeter: @unchecked Sendable {
    public let procRoot: String
    private var previous: (busy: UInt64, total: UInt64)?
    private let lock = NSLock()

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    public func read() -> HostUsage {
        let meminfo = ProcFile.read("\(procRoot)/meminfo").map { String(decoding: $0, as: UTF8.self) } ?? ""
        var usage = HostUsage(cpus: ProcessInfo.processInfo.activeProcessorCount,
                              memoryTotal: SystemInfo.meminfoValue("MemTotal", in: meminfo),
                              memoryAvailable: SystemInfo.meminfoValue("MemAvailable", in: meminfo))
        if let times = ProcFile.read("\(procRoot)/stat").flatMap({ Self.cpuTimes(String(decoding: $0, as: UTF8.self)) }) {
            lock.withLock {
                if let previous, times.total > previous.total, times.busy >= previous.busy {
                    usage.cpuPercent = 100 * Double(times.busy - previous.busy) / Double(times.total - previous.total)
                }
                previous = times
            }
        }
        return usage
    }

    /// The first line of /proc/stat ("cpu user nice system idle iowait irq softirq steal ..."):
    /// idle and iowait count as not busy; guest time is already inside user.
    static func cpuTimes(_ text: String) -> (busy: UInt64, total: UInt64)? {
        guard let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard values.count >= 4 else { return nil }
        let total = values.reduce(0, &+)
        let idle = values[3] &+ (values.count > 4 ? values[4] : 0)
        return (total &- idle, total)
    }
}

import Foundation

/// The machine aiarts runs on (PaddleX /system machine_info). GPUs come from the GPU module.
public struct SystemInfo: Codable, Sendable, Equatable {
    public var cpus: Int
    public var memoryBytes: UInt64
    public var memoryAvailableBytes: UInt64?
    public var os: String
    public var hostname: String
    public var gpus: [GPUInfo]

    enum CodingKeys: String, CodingKey {
        case cpus, os, hostname, gpus
        case memoryBytes = "memory_bytes"
        case memoryAvailableBytes = "memory_available_bytes"
    }

    public static func current() -> SystemInfo {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        return SystemInfo(
            cpus: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            memoryAvailableBytes: Self.meminfoValue("MemAvailable", in: meminfo),
            os: Self.osName(),
            hostname: ProcessInfo.processInfo.hostName,
            gpus: [])
    }

    /// A value of /proc/meminfo, which reports kB.
    static func meminfoValue(_ key: String, in text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kb = UInt64(fields[1]) { return kb * 1024 }
        }
        return nil
    }

    static func osName() -> String {
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return ProcessInfo.processInfo.operatingSystemVersionString
    }
}

/// One GPU as `aiarts system --json` lists it (filled in by the GPU monitor).
public struct GPUInfo: Codable, Sendable, Equatable {
    public var index: Int
    public var name: String
    public var uuid: String
    public var memoryUsed: UInt64?
    public var memoryTotal: UInt64?

    enum CodingKeys: String, CodingKey {
        case index, name, uuid
        case memoryUsed = "memory_used"
        case memoryTotal = "memory_total"
    }
}

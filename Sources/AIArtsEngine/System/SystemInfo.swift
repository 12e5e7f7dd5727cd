import Foundation

/// The machine aiarts runs on (PaddleX /system machine_info), with its GPUs from the GPU module.
public struct SystemInfo: Codable, Sendable, Equatable {
    public var cpus: Int
    public var memoryBytes: UInt64
    public var memoryAvailableBytes: UInt64?
    public var os: String
    public var hostname: String
    public var gpus: [GPUDevice]
    /// Where the GPU figures came from (`GPUSource`).
    public var gpuSource: GPUSource
    /// Why no GPU is listed, when none is.
    public var gpuReason: String?
    public var driverVersion: String?

    enum CodingKeys: String, CodingKey {
        case cpus, os, hostname, gpus
        case memoryBytes = "memory_bytes"
        case memoryAvailableBytes = "memory_available_bytes"
        case gpuSource = "gpu_source", gpuReason = "gpu_reason", driverVersion = "driver_version"
    }

    /// This machine now. The GPUs come from `gpus`, or from a fresh `GPUMonitor` (no task mapping)
    /// when none is given.
    public static func current(gpus snapshot: GPUSnapshot? = nil) -> SystemInfo {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let gpus = snapshot ?? GPUMonitor().snapshot(includeHost: false)
        return SystemInfo(
            cpus: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            memoryAvailableBytes: Self.meminfoValue("MemAvailable", in: meminfo),
            os: Self.osName(),
            hostname: ProcessInfo.processInfo.hostName,
            gpus: gpus.gpus,
            gpuSource: gpus.source,
            gpuReason: gpus.reason,
            driverVersion: gpus.driverVersion)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cpus, forKey: .cpus)
        try c.encode(memoryBytes, forKey: .memoryBytes)
        try c.encode(memoryAvailableBytes, forKey: .memoryAvailableBytes)
        try c.encode(os, forKey: .os)
        try c.encode(hostname, forKey: .hostname)
        try c.encode(gpus, forKey: .gpus)
        try c.encode(gpuSource, forKey: .gpuSource)
        try c.encode(gpuReason, forKey: .gpuReason)
        try c.encode(driverVersion, forKey: .driverVersion)
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

import Foundation

/// An NVML return code (nvmlReturn_t). Only the ones the reader acts on are named.
public struct NVMLReturn: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let success = NVMLReturn(rawValue: 0)
    public static let uninitialized = NVMLReturn(rawValue: 1)
    public static let invalidArgument = NVMLReturn(rawValue: 2)
    public static let notSupported = NVMLReturn(rawValue: 3)
    public static let noPermission = NVMLReturn(rawValue: 4)
    public static let notFound = NVMLReturn(rawValue: 6)
    public static let insufficientSize = NVMLReturn(rawValue: 7)
    public static let driverNotLoaded = NVMLReturn(rawValue: 9)
    /// The library lacks this function (older or newer driver): the reader tries another form.
    public static let functionNotFound = NVMLReturn(rawValue: 13)
    public static let gpuIsLost = NVMLReturn(rawValue: 15)
    public static let unknown = NVMLReturn(rawValue: 999)

    static let names: [Int32: String] = [
        0: "SUCCESS", 1: "UNINITIALIZED", 2: "INVALID_ARGUMENT", 3: "NOT_SUPPORTED", 4: "NO_PERMISSION",
        5: "ALREADY_INITIALIZED", 6: "NOT_FOUND", 7: "INSUFFICIENT_SIZE", 8: "INSUFFICIENT_POWER",
        9: "DRIVER_NOT_LOADED", 10: "TIMEOUT", 11: "IRQ_ISSUE", 12: "LIBRARY_NOT_FOUND", 13: "FUNCTION_NOT_FOUND",
        14: "CORRUPTED_INFOROM", 15: "GPU_IS_LOST", 16: "RESET_REQUIRED", 17: "OPERATING_SYSTEM",
        18: "LIB_RM_VERSION_MISMATCH", 19: "IN_USE", 20: "MEMORY", 21: "NO_DATA", 999: "UNKNOWN",
    ]

    /// "NOT_SUPPORTED" etc. (the nvml.h name without NVML_ERROR_).
    public var description: String { Self.names[rawValue] ?? "ERROR_\(rawValue)" }

    /// The code with this name (as fixtures write it), nil if unknown.
    public init?(name: String) {
        guard let code = Self.names.first(where: { $0.value == name })?.key else { return nil }
        rawValue = code
    }
}

/// A device handle (nvmlDevice_t) as an opaque number, so recorded fixtures can name devices too.
public typealias NVMLDeviceHandle = UInt

/// nvmlClockType_t.
public enum NVMLClock: UInt32, Sendable, CaseIterable { case graphics = 0, sm = 1, memory = 2 }

/// nvmlPcieUtilCounter_t.
public enum NVMLPCIeCounter: UInt32, Sendable { case tx = 0, rx = 1 }

/// nvmlMemory_t / nvmlMemory_v2_t, bytes.
public struct NVMLMemory: Equatable, Sendable, Codable {
    public var total: UInt64
    public var free: UInt64
    public var used: UInt64
    public init(total: UInt64, free: UInt64, used: UInt64) { self.total = total; self.free = free; self.used = used }
}

/// One entry of nvmlDeviceGetComputeRunningProcesses* whichever struct version it came from.
public struct NVMLProcessInfo: Equatable, Sendable, Codable {
    public var pid: UInt32
    /// NVML_VALUE_NOT_AVAILABLE (all ones) when the driver cannot say.
    public var usedGpuMemory: UInt64
    /// Only in the _v2 and _v3 forms; all ones (0xFFFFFFFF) when not in a MIG instance.
    public var gpuInstanceId: UInt32?
    public var computeInstanceId: UInt32?

    public init(pid: UInt32, usedGpuMemory: UInt64, gpuInstanceId: UInt32? = nil, computeInstanceId: UInt32? = nil) {
        self.pid = pid; self.usedGpuMemory = usedGpuMemory
        self.gpuInstanceId = gpuInstanceId; self.computeInstanceId = computeInstanceId
    }
}

/// The NVML calls the monitor makes, one method per C function (version suffixes as parameters).
/// `NVMLLibrary` makes them through dlopen; tests replay recorded values. A function the library
/// does not export answers `.functionNotFound`, and `NVMLReader` then tries an older form.
public protocol NVMLAPI: AnyObject {
    /// nvmlInit_v2 (`version` 2) or nvmlInit (1).
    func initialize(version: Int) -> NVMLReturn
    func shutdown()
    func driverVersion() -> (NVMLReturn, String)
    /// nvmlDeviceGetCount_v2 (2) or nvmlDeviceGetCount (1).
    func deviceCount(version: Int) -> (NVMLReturn, UInt32)
    /// nvmlDeviceGetHandleByIndex_v2 (2) or nvmlDeviceGetHandleByIndex (1).
    func deviceHandle(index: UInt32, version: Int) -> (NVMLReturn, NVMLDeviceHandle)
    func name(_ device: NVMLDeviceHandle) -> (NVMLReturn, String)
    func uuid(_ device: NVMLDeviceHandle) -> (NVMLReturn, String)
    /// nvmlDeviceGetMemoryInfo_v2 (2, with its version field set) or nvmlDeviceGetMemoryInfo (1).
    func memoryInfo(_ device: NVMLDeviceHandle, version: Int) -> (NVMLReturn, NVMLMemory)
    func utilizationRates(_ device: NVMLDeviceHandle) -> (NVMLReturn, gpu: UInt32, memory: UInt32)
    /// The GPU die sensor, °C.
    func temperature(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
    /// Milliwatts.
    func powerUsage(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
    /// nvmlDeviceGetEnforcedPowerLimit, milliwatts.
    func powerLimit(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
    func fanSpeed(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
    func clock(_ device: NVMLDeviceHandle, _ clock: NVMLClock) -> (NVMLReturn, UInt32)
    /// KB/s over a 20 ms window (the call blocks that long).
    func pcieThroughput(_ device: NVMLDeviceHandle, _ counter: NVMLPCIeCounter) -> (NVMLReturn, UInt32)
    /// nvmlDeviceGetComputeRunningProcesses_v3/_v2/(v1) into room for `capacity` entries.
    /// On `.insufficientSize`, `count` is how many there are; on success, `processes` holds them.
    func computeRunningProcesses(_ device: NVMLDeviceHandle, version: Int, capacity: UInt32)
        -> (result: NVMLReturn, count: UInt32, processes: [NVMLProcessInfo])
    /// nvmlDeviceGetMigMode: current and pending (1 = enabled).
    func migMode(_ device: NVMLDeviceHandle) -> (NVMLReturn, current: UInt32, pending: UInt32)
    func maxMigDeviceCount(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
    func migDeviceHandle(_ device: NVMLDeviceHandle, index: UInt32) -> (NVMLReturn, NVMLDeviceHandle)
    func gpuInstanceID(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
    func computeInstanceID(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32)
}

import CNVML
import Foundation

/// libnvidia-ml opened with dlopen: nothing links against it, so aiarts builds and runs where no
/// NVIDIA driver is installed. Each function is looked up with dlsym on first use; one the library
/// does not export answers `.functionNotFound`. NVML is thread-safe, and the resolved symbols are
/// guarded by a lock.
public final class NVMLLibrary: NVMLAPI, @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private var symbols: [String: UnsafeMutableRawPointer?] = [:]
    private let lock = NSLock()

    /// The names tried, in order: the versioned soname the driver installs, then the dev symlink.
    public static let libraryNames = ["libnvidia-ml.so.1", "libnvidia-ml.so"]

    /// Opens the library, or says why it could not (dlerror of the last name tried).
    public static func open(names: [String] = libraryNames) -> Result<NVMLLibrary, GPUSourceError> {
        var first: String?
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) { return .success(NVMLLibrary(handle: handle)) }
            if first == nil, let message = dlerror() { first = String(cString: message) }
        }
        return .failure(GPUSourceError("NVML not loaded (\(first ?? "no library name given"))"))
    }

    private init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    deinit { dlclose(handle) }

    private func symbol<F>(_ name: String, as type: F.Type) -> F? {
        let pointer: UnsafeMutableRawPointer? = lock.withLock {
            if let cached = symbols[name] { return cached }
            let found = dlsym(handle, name)
            symbols[name] = found
            return found
        }
        guard let pointer else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    private typealias Void0 = @convention(c) () -> Int32
    private typealias UIntOut = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt32>?) -> Int32
    private typealias StringOut = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    private typealias HandleByIndex = @convention(c) (UInt32, UnsafeMutablePointer<OpaquePointer?>?) -> Int32

    private static let missing = NVMLReturn.functionNotFound

    private func device(_ handle: NVMLDeviceHandle) -> OpaquePointer? { OpaquePointer(bitPattern: handle) }

    private func uintValue(_ name: String, _ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) {
        guard let f = symbol(name, as: UIntOut.self) else { return (Self.missing, 0) }
        var value: UInt32 = 0
        return (NVMLReturn(rawValue: f(self.device(device), &value)), value)
    }

    private func stringValue(_ name: String, _ device: NVMLDeviceHandle) -> (NVMLReturn, String) {
        guard let f = symbol(name, as: StringOut.self) else { return (Self.missing, "") }
        var buffer = [CChar](repeating: 0, count: 256)
        let result = NVMLReturn(rawValue: buffer.withUnsafeMutableBufferPointer { f(self.device(device), $0.baseAddress, 255) })
        return (result, Self.string(buffer))
    }

    private static func string(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func initialize(version: Int) -> NVMLReturn {
        guard let f = symbol(version >= 2 ? "nvmlInit_v2" : "nvmlInit", as: Void0.self) else { return Self.missing }
        return NVMLReturn(rawValue: f())
    }

    public func shutdown() {
        if let f = symbol("nvmlShutdown", as: Void0.self) { _ = f() }
    }

    public func driverVersion() -> (NVMLReturn, String) {
        typealias F = @convention(c) (UnsafeMutablePointer<CChar>?, UInt32) -> Int32
        guard let f = symbol("nvmlSystemGetDriverVersion", as: F.self) else { return (Self.missing, "") }
        var buffer = [CChar](repeating: 0, count: 96)
        let result = NVMLReturn(rawValue: buffer.withUnsafeMutableBufferPointer { f($0.baseAddress, 95) })
        return (result, Self.string(buffer))
    }

    public func deviceCount(version: Int) -> (NVMLReturn, UInt32) {
        typealias F = @convention(c) (UnsafeMutablePointer<UInt32>?) -> Int32
        guard let f = symbol(version >= 2 ? "nvmlDeviceGetCount_v2" : "nvmlDeviceGetCount", as: F.self) else { return (Self.missing, 0) }
        var count: UInt32 = 0
        return (NVMLReturn(rawValue: f(&count)), count)
    }

    public func deviceHandle(index: UInt32, version: Int) -> (NVMLReturn, NVMLDeviceHandle) {
        let name = version >= 2 ? "nvmlDeviceGetHandleByIndex_v2" : "nvmlDeviceGetHandleByIndex"
        guard let f = symbol(name, as: HandleByIndex.self) else { return (Self.missing, 0) }
        var device: OpaquePointer?
        let result = NVMLReturn(rawValue: f(index, &device))
        return (result, device.map { UInt(bitPattern: $0) } ?? 0)
    }

    public func name(_ device: NVMLDeviceHandle) -> (NVMLReturn, String) { stringValue("nvmlDeviceGetName", device) }
    public func uuid(_ device: NVMLDeviceHandle) -> (NVMLReturn, String) { stringValue("nvmlDeviceGetUUID", device) }

    public func memoryInfo(_ device: NVMLDeviceHandle, version: Int) -> (NVMLReturn, NVMLMemory) {
        if version >= 2 {
            typealias F = @convention(c) (OpaquePointer?, UnsafeMutablePointer<cnvml_memory_v2_t>?) -> Int32
            guard let f = symbol("nvmlDeviceGetMemoryInfo_v2", as: F.self) else { return (Self.missing, NVMLMemory(total: 0, free: 0, used: 0)) }
            var memory = cnvml_memory_v2_t()
            memory.version = cnvml_memory_v2_version()
            let result = NVMLReturn(rawValue: f(self.device(device), &memory))
            return (result, NVMLMemory(total: memory.total, free: memory.free, used: memory.used))
        }
        typealias F = @convention(c) (OpaquePointer?, UnsafeMutablePointer<cnvml_memory_v1_t>?) -> Int32
        guard let f = symbol("nvmlDeviceGetMemoryInfo", as: F.self) else { return (Self.missing, NVMLMemory(total: 0, free: 0, used: 0)) }
        var memory = cnvml_memory_v1_t()
        let result = NVMLReturn(rawValue: f(self.device(device), &memory))
        return (result, NVMLMemory(total: memory.total, free: memory.free, used: memory.used))
    }

    public func utilizationRates(_ device: NVMLDeviceHandle) -> (NVMLReturn, gpu: UInt32, memory: UInt32) {
        typealias F = @convention(c) (OpaquePointer?, UnsafeMutablePointer<cnvml_utilization_t>?) -> Int32
        guard let f = symbol("nvmlDeviceGetUtilizationRates", as: F.self) else { return (Self.missing, 0, 0) }
        var rates = cnvml_utilization_t()
        let result = NVMLReturn(rawValue: f(self.device(device), &rates))
        return (result, rates.gpu, rates.memory)
    }

    public func temperature(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) {
        typealias F = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<UInt32>?) -> Int32
        guard let f = symbol("nvmlDeviceGetTemperature", as: F.self) else { return (Self.missing, 0) }
        var value: UInt32 = 0
        return (NVMLReturn(rawValue: f(self.device(device), 0 /* NVML_TEMPERATURE_GPU */, &value)), value)
    }

    public func powerUsage(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uintValue("nvmlDeviceGetPowerUsage", device) }
    public func powerLimit(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uintValue("nvmlDeviceGetEnforcedPowerLimit", device) }
    public func fanSpeed(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uintValue("nvmlDeviceGetFanSpeed", device) }
    public func gpuInstanceID(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uintValue("nvmlDeviceGetGpuInstanceId", device) }
    public func computeInstanceID(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uintValue("nvmlDeviceGetComputeInstanceId", device) }
    public func maxMigDeviceCount(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uintValue("nvmlDeviceGetMaxMigDeviceCount", device) }

    public func clock(_ device: NVMLDeviceHandle, _ clock: NVMLClock) -> (NVMLReturn, UInt32) {
        typealias F = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<UInt32>?) -> Int32
        guard let f = symbol("nvmlDeviceGetClockInfo", as: F.self) else { return (Self.missing, 0) }
        var value: UInt32 = 0
        return (NVMLReturn(rawValue: f(self.device(device), clock.rawValue, &value)), value)
    }

    public func pcieThroughput(_ device: NVMLDeviceHandle, _ counter: NVMLPCIeCounter) -> (NVMLReturn, UInt32) {
        typealias F = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<UInt32>?) -> Int32
        guard let f = symbol("nvmlDeviceGetPcieThroughput", as: F.self) else { return (Self.missing, 0) }
        var value: UInt32 = 0
        return (NVMLReturn(rawValue: f(self.device(device), counter.rawValue, &value)), value)
    }

    public func computeRunningProcesses(_ device: NVMLDeviceHandle, version: Int, capacity: UInt32)
        -> (result: NVMLReturn, count: UInt32, processes: [NVMLProcessInfo]) {
        switch version {
        case 3:
            return processes(device, "nvmlDeviceGetComputeRunningProcesses_v3", capacity, cnvml_process_info_v3_t()) {
                NVMLProcessInfo(pid: $0.pid, usedGpuMemory: $0.usedGpuMemory, gpuInstanceId: $0.gpuInstanceId, computeInstanceId: $0.computeInstanceId)
            }
        case 2:
            return processes(device, "nvmlDeviceGetComputeRunningProcesses_v2", capacity, cnvml_process_info_v2_t()) {
                NVMLProcessInfo(pid: $0.pid, usedGpuMemory: $0.usedGpuMemory, gpuInstanceId: $0.gpuInstanceId, computeInstanceId: $0.computeInstanceId)
            }
        default:
            return processes(device, "nvmlDeviceGetComputeRunningProcesses", capacity, cnvml_process_info_v1_t()) {
                NVMLProcessInfo(pid: $0.pid, usedGpuMemory: $0.usedGpuMemory)
            }
        }
    }

    /// One process call with its own struct layout: the array is of that struct, so the stride is right.
    private func processes<Info>(_ device: NVMLDeviceHandle, _ name: String, _ capacity: UInt32, _ zero: Info,
                                 _ convert: (Info) -> NVMLProcessInfo) -> (result: NVMLReturn, count: UInt32, processes: [NVMLProcessInfo]) {
        typealias F = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt32>?, UnsafeMutableRawPointer?) -> Int32
        guard let f = symbol(name, as: F.self) else { return (Self.missing, 0, []) }
        var infos = [Info](repeating: zero, count: Int(max(capacity, 1)))
        var count = capacity
        let code = infos.withUnsafeMutableBytes { f(self.device(device), &count, capacity == 0 ? nil : $0.baseAddress) }
        let result = NVMLReturn(rawValue: code)
        guard result == .success else { return (result, count, []) }
        return (result, count, infos.prefix(Int(min(count, capacity))).map(convert))
    }

    public func migMode(_ device: NVMLDeviceHandle) -> (NVMLReturn, current: UInt32, pending: UInt32) {
        typealias F = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> Int32
        guard let f = symbol("nvmlDeviceGetMigMode", as: F.self) else { return (Self.missing, 0, 0) }
        var current: UInt32 = 0, pending: UInt32 = 0
        return (NVMLReturn(rawValue: f(self.device(device), &current, &pending)), current, pending)
    }

    public func migDeviceHandle(_ device: NVMLDeviceHandle, index: UInt32) -> (NVMLReturn, NVMLDeviceHandle) {
        typealias F = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
        guard let f = symbol("nvmlDeviceGetMigDeviceHandleByIndex", as: F.self) else { return (Self.missing, 0) }
        var mig: OpaquePointer?
        let result = NVMLReturn(rawValue: f(self.device(device), index, &mig))
        return (result, mig.map { UInt(bitPattern: $0) } ?? 0)
    }
}

import Foundation
import Logging

/// Why a GPU source gave nothing, in words a person can act on.
public struct GPUSourceError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads every GPU through an `NVMLAPI`: tries the newer form of each call first and falls back to
/// the older one when the driver lacks it; turns every per-field error into nil. Only a failed
/// init or device count is an error for the whole reading.
public final class NVMLReader: @unchecked Sendable {
    public let api: NVMLAPI
    private let log = Logger(label: "aiarts.gpu.nvml")
    /// The forms that answered, remembered so later readings go straight to them.
    private var countVersion = 2, handleVersion = 2, memoryVersion = 2, processVersion = 3
    private var initialized = false
    private let lock = NSLock()
    /// All ones: NVML_VALUE_NOT_AVAILABLE for process memory; NVML_INVALID (MIG ids) for 32-bit ones.
    static let notAvailable64 = UInt64.max
    static let notAvailable32 = UInt32.max

    public init(api: NVMLAPI) { self.api = api }

    deinit { if initialized { api.shutdown() } }

    /// nvmlInit_v2, else nvmlInit. Called by `read` on first use.
    public func start() -> Result<Void, GPUSourceError> {
        lock.withLock {
            if initialized { return .success(()) }
            var result = api.initialize(version: 2)
            if result == .functionNotFound { result = api.initialize(version: 1) }
            guard result == .success else {
                return .failure(GPUSourceError("NVML did not start: \(result)" + (result == .driverNotLoaded ? " (is the NVIDIA driver loaded?)" : "")))
            }
            initialized = true
            return .success(())
        }
    }

    /// The driver version, when NVML reports it.
    public func driverVersion() -> String? {
        let (result, text) = api.driverVersion()
        return result == .success && !text.isEmpty ? text : nil
    }

    /// Every GPU now. `includePCIe` adds PCIe throughput, which blocks ~20 ms per GPU per direction,
    /// so the sampler asks for it only now and then.
    public func read(includePCIe: Bool = false) -> Result<[GPUDevice], GPUSourceError> {
        if case .failure(let error) = start() { return .failure(error) }
        return lock.withLock {
            var (result, count) = api.deviceCount(version: countVersion)
            if result == .functionNotFound && countVersion == 2 {
                countVersion = 1
                (result, count) = api.deviceCount(version: 1)
            }
            guard result == .success else { return .failure(GPUSourceError("NVML could not count GPUs: \(result)")) }
            var devices: [GPUDevice] = []
            for index in 0..<count {
                var (r, handle) = api.deviceHandle(index: index, version: handleVersion)
                if r == .functionNotFound && handleVersion == 2 {
                    handleVersion = 1
                    (r, handle) = api.deviceHandle(index: index, version: 1)
                }
                guard r == .success else {
                    // A lost or inaccessible GPU is still listed, with nothing known about it.
                    log.debug("GPU \(index): no handle (\(r))")
                    devices.append(GPUDevice(index: Int(index), name: "GPU \(index) (\(r))", uuid: ""))
                    continue
                }
                devices.append(device(index: Int(index), handle: handle, includePCIe: includePCIe))
            }
            return .success(devices)
        }
    }

    private func value<T>(_ pair: (NVMLReturn, T)) -> T? { pair.0 == .success ? pair.1 : nil }

    private func device(index: Int, handle: NVMLDeviceHandle, includePCIe: Bool) -> GPUDevice {
        var gpu = GPUDevice(index: index, name: value(api.name(handle)) ?? "GPU \(index)", uuid: value(api.uuid(handle)) ?? "")
        if let memory = memory(handle) {
            gpu.memoryTotal = memory.total; gpu.memoryUsed = memory.used; gpu.memoryFree = memory.free
        }
        let rates = api.utilizationRates(handle)
        if rates.0 == .success { gpu.utilization = Int(rates.gpu); gpu.memoryUtilization = Int(rates.memory) }
        gpu.temperature = value(api.temperature(handle)).map(Int.init)
        gpu.power = value(api.powerUsage(handle)).map { Double($0) / 1000 }
        gpu.powerLimit = value(api.powerLimit(handle)).map { Double($0) / 1000 }
        gpu.fanSpeed = value(api.fanSpeed(handle)).map(Int.init)
        gpu.clockGraphics = value(api.clock(handle, .graphics)).map(Int.init)
        gpu.clockSM = value(api.clock(handle, .sm)).map(Int.init)
        gpu.clockMemory = value(api.clock(handle, .memory)).map(Int.init)
        if includePCIe {
            gpu.pcieTx = value(api.pcieThroughput(handle, .tx)).map { UInt64($0) * 1024 }
            gpu.pcieRx = value(api.pcieThroughput(handle, .rx)).map { UInt64($0) * 1024 }
        }
        gpu.processes = processes(handle).map { info in
            GPUProcess(pid: Int32(bitPattern: info.pid),
                       memory: info.usedGpuMemory == Self.notAvailable64 ? nil : info.usedGpuMemory,
                       gpuInstanceID: info.gpuInstanceId.flatMap { $0 == Self.notAvailable32 ? nil : Int($0) },
                       computeInstanceID: info.computeInstanceId.flatMap { $0 == Self.notAvailable32 ? nil : Int($0) })
        }
        let mig = api.migMode(handle)
        if mig.0 == .success {
            gpu.migEnabled = mig.current == 1
            if mig.current == 1 { gpu.migInstances = migInstances(handle) }
        }
        return gpu
    }

    /// MemoryInfo_v2 (which separates memory the driver reserves) before v1.
    private func memory(_ handle: NVMLDeviceHandle) -> NVMLMemory? {
        if memoryVersion == 2 {
            let (r, memory) = api.memoryInfo(handle, version: 2)
            if r == .success { return memory }
            // Older drivers lack the symbol; some answer the v2 struct with a version error.
            guard r == .functionNotFound || r == .notSupported || r == .invalidArgument || r.rawValue == 25 /* ARGUMENT_VERSION_MISMATCH */ else { return nil }
            if r == .functionNotFound { memoryVersion = 1 }
        }
        return value(api.memoryInfo(handle, version: 1))
    }

    /// The _v3 form, then _v2, then v1; each with a retry while the list grows (INSUFFICIENT_SIZE).
    private func processes(_ handle: NVMLDeviceHandle) -> [NVMLProcessInfo] {
        var capacity: UInt32 = 32
        var retries = 0
        while true {
            let answer = api.computeRunningProcesses(handle, version: processVersion, capacity: capacity)
            switch answer.result {
            case .success:
                return answer.processes
            case .insufficientSize where retries < 4:
                // Room for what is there now and for some that start meanwhile.
                capacity = max(answer.count, capacity) * 2 + 8
                retries += 1
            case .functionNotFound where processVersion > 1:
                processVersion -= 1
            default:
                return []
            }
        }
    }

    private func migInstances(_ handle: NVMLDeviceHandle) -> [GPUMIGInstance] {
        guard let slots = value(api.maxMigDeviceCount(handle)) else { return [] }
        var instances: [GPUMIGInstance] = []
        for slot in 0..<slots {
            let (r, mig) = api.migDeviceHandle(handle, index: slot)
            guard r == .success else { continue }  // NOT_FOUND: an empty slot
            var instance = GPUMIGInstance(uuid: value(api.uuid(mig)) ?? "", name: value(api.name(mig)),
                                          gpuInstanceID: value(api.gpuInstanceID(mig)).map(Int.init),
                                          computeInstanceID: value(api.computeInstanceID(mig)).map(Int.init))
            if let memory = memory(mig) {
                instance.memoryTotal = memory.total; instance.memoryUsed = memory.used; instance.memoryFree = memory.free
            }
            instances.append(instance)
        }
        return instances
    }
}

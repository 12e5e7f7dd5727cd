import Foundation
import Testing
@testable import AIArtsEngine

/// Every GPU suite nests under this one so `--filter GPUTests` selects them all.
@Suite enum GPUTests {}

/// The committed fixtures beside this file (Tests/AIArtsEngineTests/GPU/Fixtures).
enum GPUFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    static func text(_ name: String) throws -> String { try String(contentsOf: url(name), encoding: .utf8) }
}

/// An `NVMLAPI` that replays values recorded in a JSON fixture (format: docs/gpu.md, "Test fixtures").
/// A value is either the recorded result or the name of an NVML error ("NOT_SUPPORTED"); a function
/// listed in "missing_symbols" answers FUNCTION_NOT_FOUND, as dlsym failing would. Every call made is
/// recorded by its C function name in `calls`.
final class RecordedNVML: NVMLAPI, @unchecked Sendable {
    private let root: [String: Any]
    private let devices: [[String: Any]]
    let missing: Set<String>
    var initResult = NVMLReturn.success
    private(set) var calls: [String] = []

    init(json: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        self.root = root
        devices = root["devices"] as? [[String: Any]] ?? []
        missing = Set(root["missing_symbols"] as? [String] ?? [])
    }

    convenience init(fixture: String) throws { try self.init(json: try GPUFixtures.data(fixture)) }

    convenience init(root: [String: Any]) throws {
        try self.init(json: try JSONSerialization.data(withJSONObject: root))
    }

    /// Handles: GPU i is i + 1; MIG slot s of GPU i is (i + 1) * 1000 + s.
    private func deviceRecord(_ handle: NVMLDeviceHandle) -> [String: Any]? {
        if handle >= 1000 {
            let parent = Int(handle / 1000) - 1
            guard devices.indices.contains(parent), let mig = devices[parent]["mig"] as? [String: Any],
                  let instances = mig["instances"] as? [String: Any] else { return nil }
            return instances[String(handle % 1000)] as? [String: Any]
        }
        let i = Int(handle) - 1
        return devices.indices.contains(i) ? devices[i] : nil
    }

    /// Records the call; FUNCTION_NOT_FOUND when the symbol is "missing".
    private func enter(_ symbol: String) -> Bool {
        calls.append(symbol)
        return !missing.contains(symbol)
    }

    /// The recorded value at `key` of the device: (SUCCESS, value) or (error, nil).
    private func recorded(_ handle: NVMLDeviceHandle, _ key: String) -> (NVMLReturn, Any?) {
        guard let device = deviceRecord(handle) else { return (.invalidArgument, nil) }
        guard let value = device[key] else { return (.notSupported, nil) }
        if let name = value as? String, let code = NVMLReturn(name: name) { return (code, nil) }
        return (.success, value)
    }

    private func uint(_ symbol: String, _ handle: NVMLDeviceHandle, _ key: String) -> (NVMLReturn, UInt32) {
        guard enter(symbol) else { return (.functionNotFound, 0) }
        let (r, v) = recorded(handle, key)
        return (r, (v as? NSNumber)?.uint32Value ?? 0)
    }

    private func sub(_ value: Any?, _ key: String) -> (NVMLReturn, UInt32) {
        guard let dict = value as? [String: Any], let v = dict[key] else { return (.notSupported, 0) }
        if let name = v as? String { return (NVMLReturn(name: name) ?? .unknown, 0) }
        return (.success, (v as? NSNumber)?.uint32Value ?? 0)
    }

    func initialize(version: Int) -> NVMLReturn {
        guard enter(version >= 2 ? "nvmlInit_v2" : "nvmlInit") else { return .functionNotFound }
        return initResult
    }

    func shutdown() { calls.append("nvmlShutdown") }

    func driverVersion() -> (NVMLReturn, String) {
        guard enter("nvmlSystemGetDriverVersion") else { return (.functionNotFound, "") }
        return (.success, root["driver_version"] as? String ?? "")
    }

    func deviceCount(version: Int) -> (NVMLReturn, UInt32) {
        guard enter(version >= 2 ? "nvmlDeviceGetCount_v2" : "nvmlDeviceGetCount") else { return (.functionNotFound, 0) }
        return (.success, UInt32(devices.count))
    }

    func deviceHandle(index: UInt32, version: Int) -> (NVMLReturn, NVMLDeviceHandle) {
        guard enter(version >= 2 ? "nvmlDeviceGetHandleByIndex_v2" : "nvmlDeviceGetHandleByIndex") else { return (.functionNotFound, 0) }
        guard Int(index) < devices.count else { return (.invalidArgument, 0) }
        if let name = devices[Int(index)]["handle"] as? String, let code = NVMLReturn(name: name) { return (code, 0) }
        return (.success, NVMLDeviceHandle(index) + 1)
    }

    func name(_ device: NVMLDeviceHandle) -> (NVMLReturn, String) {
        guard enter("nvmlDeviceGetName") else { return (.functionNotFound, "") }
        let (r, v) = recorded(device, "name")
        return (r, v as? String ?? "")
    }

    func uuid(_ device: NVMLDeviceHandle) -> (NVMLReturn, String) {
        guard enter("nvmlDeviceGetUUID") else { return (.functionNotFound, "") }
        let (r, v) = recorded(device, "uuid")
        return (r, v as? String ?? "")
    }

    func memoryInfo(_ device: NVMLDeviceHandle, version: Int) -> (NVMLReturn, NVMLMemory) {
        let zero = NVMLMemory(total: 0, free: 0, used: 0)
        guard enter(version >= 2 ? "nvmlDeviceGetMemoryInfo_v2" : "nvmlDeviceGetMemoryInfo") else { return (.functionNotFound, zero) }
        let (r, v) = recorded(device, version >= 2 ? "memory_v2" : "memory")
        guard r == .success, let m = v as? [String: Any] else { return (r, zero) }
        func n(_ k: String) -> UInt64 { (m[k] as? NSNumber)?.uint64Value ?? 0 }
        return (.success, NVMLMemory(total: n("total"), free: n("free"), used: n("used")))
    }

    func utilizationRates(_ device: NVMLDeviceHandle) -> (NVMLReturn, gpu: UInt32, memory: UInt32) {
        guard enter("nvmlDeviceGetUtilizationRates") else { return (.functionNotFound, 0, 0) }
        let (r, v) = recorded(device, "utilization")
        guard r == .success else { return (r, 0, 0) }
        return (.success, sub(v, "gpu").1, sub(v, "memory").1)
    }

    func temperature(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uint("nvmlDeviceGetTemperature", device, "temperature") }
    func powerUsage(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uint("nvmlDeviceGetPowerUsage", device, "power_usage") }
    func powerLimit(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uint("nvmlDeviceGetEnforcedPowerLimit", device, "power_limit") }
    func fanSpeed(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uint("nvmlDeviceGetFanSpeed", device, "fan_speed") }
    func gpuInstanceID(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uint("nvmlDeviceGetGpuInstanceId", device, "gpu_instance_id") }
    func computeInstanceID(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) { uint("nvmlDeviceGetComputeInstanceId", device, "compute_instance_id") }

    func clock(_ device: NVMLDeviceHandle, _ clock: NVMLClock) -> (NVMLReturn, UInt32) {
        guard enter("nvmlDeviceGetClockInfo") else { return (.functionNotFound, 0) }
        let (r, v) = recorded(device, "clocks")
        guard r == .success else { return (r, 0) }
        return sub(v, clock == .graphics ? "graphics" : clock == .sm ? "sm" : "memory")
    }

    func pcieThroughput(_ device: NVMLDeviceHandle, _ counter: NVMLPCIeCounter) -> (NVMLReturn, UInt32) {
        guard enter("nvmlDeviceGetPcieThroughput") else { return (.functionNotFound, 0) }
        let (r, v) = recorded(device, "pcie")
        guard r == .success else { return (r, 0) }
        return sub(v, counter == .tx ? "tx" : "rx")
    }

    func computeRunningProcesses(_ device: NVMLDeviceHandle, version: Int, capacity: UInt32)
        -> (result: NVMLReturn, count: UInt32, processes: [NVMLProcessInfo]) {
        let symbol = version == 3 ? "nvmlDeviceGetComputeRunningProcesses_v3"
            : version == 2 ? "nvmlDeviceGetComputeRunningProcesses_v2" : "nvmlDeviceGetComputeRunningProcesses"
        guard enter(symbol) else { return (.functionNotFound, 0, []) }
        let (r, v) = recorded(device, "processes")
        guard r == .success, let list = v as? [[String: Any]] else { return (r, 0, []) }
        guard list.count <= capacity else { return (.insufficientSize, UInt32(list.count), []) }
        let infos = list.map { p in
            NVMLProcessInfo(pid: (p["pid"] as? NSNumber)?.uint32Value ?? 0,
                            usedGpuMemory: (p["used_memory"] as? NSNumber)?.uint64Value ?? 0,
                            gpuInstanceId: version >= 2 ? (p["gpu_instance_id"] as? NSNumber)?.uint32Value ?? UInt32.max : nil,
                            computeInstanceId: version >= 2 ? (p["compute_instance_id"] as? NSNumber)?.uint32Value ?? UInt32.max : nil)
        }
        return (.success, UInt32(list.count), infos)
    }

    func migMode(_ device: NVMLDeviceHandle) -> (NVMLReturn, current: UInt32, pending: UInt32) {
        guard enter("nvmlDeviceGetMigMode") else { return (.functionNotFound, 0, 0) }
        let (r, v) = recorded(device, "mig")
        guard r == .success else { return (r, 0, 0) }
        return (.success, sub(v, "current").1, sub(v, "pending").1)
    }

    func maxMigDeviceCount(_ device: NVMLDeviceHandle) -> (NVMLReturn, UInt32) {
        guard enter("nvmlDeviceGetMaxMigDeviceCount") else { return (.functionNotFound, 0) }
        let (r, v) = recorded(device, "mig")
        guard r == .success else { return (r, 0) }
        return sub(v, "max_devices")
    }

    func migDeviceHandle(_ device: NVMLDeviceHandle, index: UInt32) -> (NVMLReturn, NVMLDeviceHandle) {
        guard enter("nvmlDeviceGetMigDeviceHandleByIndex") else { return (.functionNotFound, 0) }
        let mig = device * 1000 + NVMLDeviceHandle(index)
        return deviceRecord(mig) == nil ? (.notFound, 0) : (.success, mig)
    }
}

import Foundation

/// The fallback when NVML cannot be loaded but `nvidia-smi` is on PATH: its CSV queries, parsed.
public enum NvidiaSMI {
    public static let gpuFields = ["index", "name", "uuid", "memory.used", "memory.total", "memory.free",
                                   "utilization.gpu", "utilization.memory", "temperature.gpu", "power.draw",
                                   "power.limit", "fan.speed", "clocks.gr", "clocks.mem"]
    public static let processFields = ["gpu_uuid", "pid", "used_memory", "process_name"]

    public static var gpuArguments: [String] {
        ["--query-gpu=" + gpuFields.joined(separator: ","), "--format=csv,noheader,nounits"]
    }
    public static var processArguments: [String] {
        ["--query-compute-apps=" + processFields.joined(separator: ","), "--format=csv,noheader,nounits"]
    }

    /// The first executable `nvidia-smi` on `path` (a PATH value).
    public static func find(path: String?) -> String? {
        for folder in (path ?? "").split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/nvidia-smi"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs both queries and joins them: processes land on the GPU with their UUID.
    public static func read(executable: String, timeout: Double = 5) -> Result<[GPUDevice], GPUSourceError> {
        let gpuText: String
        switch BoundedChildOutput.run(executable, gpuArguments, timeout: timeout) {
        case .success(let text): gpuText = text
        case .failure(let error): return .failure(error)
        }
        var gpus = parseGPUs(gpuText)
        if gpus.isEmpty { return .failure(GPUSourceError("nvidia-smi listed no GPU")) }
        // A failed process query leaves the GPUs without processes rather than losing them.
        if case .success(let text) = BoundedChildOutput.run(executable, processArguments, timeout: timeout) {
            attach(parseProcesses(text), to: &gpus)
        }
        return .success(gpus)
    }

    /// nvidia-smi's placeholders for a value it cannot give.
    static func isMissing(_ field: Substring) -> Bool {
        let t = field.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || t == "N/A" || (t.hasPrefix("[") && t.hasSuffix("]"))  // [N/A], [Not Supported], [Insufficient Permissions], [Unknown Error]
    }

    /// Splits a CSV line into `count` fields on the first count−1 ", " separators, so the last field
    /// (a process name or a GPU name) may itself contain commas.
    static func fields(_ line: Substring, count: Int) -> [Substring]? {
        var out: [Substring] = []
        var rest = line[...]
        while out.count < count - 1 {
            guard let comma = rest.firstIndex(of: ",") else { return nil }
            out.append(rest[..<comma])
            rest = rest[rest.index(after: comma)...]
        }
        out.append(rest)
        return out.map { Substring($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func int(_ f: Substring) -> Int? { isMissing(f) ? nil : Int(f) ?? Double(f).flatMap { $0.isFinite ? Int($0.rounded()) : nil } }
    static func double(_ f: Substring) -> Double? { isMissing(f) ? nil : Double(f).flatMap { $0.isFinite ? $0 : nil } }
    /// MiB (nounits) to bytes.
    static func mebibytes(_ f: Substring) -> UInt64? {
        guard !isMissing(f), let n = UInt64(f) ?? Double(f).flatMap({ $0 >= 0 && $0 < 1e12 ? UInt64($0) : nil }) else { return nil }
        return n * 1_048_576
    }

    /// Parses `--query-gpu` output (fields in `gpuFields` order). A GPU name may contain commas: the
    /// fields before it and after it are counted from both ends. Lines that do not parse are skipped.
    public static func parseGPUs(_ text: String) -> [GPUDevice] {
        var gpus: [GPUDevice] = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            var parts = line.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count >= gpuFields.count else { continue }
            // Join the surplus back into the name (the second field).
            let surplus = parts.count - gpuFields.count
            if surplus > 0 {
                let name = parts[1...(1 + surplus)].joined(separator: ",")
                parts.replaceSubrange(1...(1 + surplus), with: [Substring(name)])
            }
            let f = parts.map { Substring($0.trimmingCharacters(in: .whitespaces)) }
            guard let index = Int(f[0]) else { continue }
            gpus.append(GPUDevice(
                index: index, name: isMissing(f[1]) ? "GPU \(index)" : String(f[1]), uuid: isMissing(f[2]) ? "" : String(f[2]),
                memoryTotal: mebibytes(f[4]), memoryUsed: mebibytes(f[3]), memoryFree: mebibytes(f[5]),
                utilization: int(f[6]), memoryUtilization: int(f[7]), temperature: int(f[8]),
                power: double(f[9]), powerLimit: double(f[10]), fanSpeed: int(f[11]),
                clockGraphics: int(f[12]), clockMemory: int(f[13])))
        }
        return gpus
    }

    /// One line of `--query-compute-apps`.
    public struct ProcessLine: Equatable, Sendable {
        public var gpuUUID: String
        public var pid: Int32
        public var memory: UInt64?
        public var name: String?
    }

    /// Parses `--query-compute-apps` output; the process name is the last field and may contain commas.
    public static func parseProcesses(_ text: String) -> [ProcessLine] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).compactMap { raw in
            guard let f = fields(raw, count: processFields.count), let pid = Int32(f[1]) else { return nil }
            return ProcessLine(gpuUUID: String(f[0]), pid: pid, memory: mebibytes(f[2]), name: isMissing(f[3]) ? nil : String(f[3]))
        }
    }

    static func attach(_ lines: [ProcessLine], to gpus: inout [GPUDevice]) {
        for line in lines {
            guard let i = gpus.firstIndex(where: { $0.uuid == line.gpuUUID }) else { continue }
            gpus[i].processes.append(GPUProcess(pid: line.pid, memory: line.memory, command: line.name))
        }
    }
}

/// Runs a short-lived child and collects its standard output, killing it after a time limit so a
/// hung driver never blocks the caller for good.
enum BoundedChildOutput {
    static func run(_ executable: String, _ arguments: [String], timeout: Double) -> Result<String, GPUSourceError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch {
            return .failure(GPUSourceError("could not run \(executable): \(error.localizedDescription)"))
        }
        // Read on another thread: a full pipe would otherwise stall the child before it exits.
        let collected = OutputBox()
        let reader = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            collected.data = out.fileHandleForReading.readDataToEndOfFile()
            reader.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = done.wait(timeout: .now() + 1)
            _ = reader.wait(timeout: .now() + 1)
            return .failure(GPUSourceError("\(executable) did not answer within \(Int(timeout)) s"))
        }
        _ = reader.wait(timeout: .now() + 2)
        guard process.terminationStatus == 0 else {
            return .failure(GPUSourceError("\(executable) failed (exit status \(process.terminationStatus))"))
        }
        return .success(String(decoding: collected.data, as: UTF8.self))
    }

    private final class OutputBox: @unchecked Sendable { var data = Data() }
}

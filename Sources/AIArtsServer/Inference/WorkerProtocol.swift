import Foundation

/// The frames a service and its Python worker (`aiarts_infer_worker.py`) exchange over the worker's
/// stdin and stdout (docs/inference.md, "The worker protocol"). Every frame, either way:
///
///     u32 header length (little-endian) · header (UTF-8 JSON object) · u64 data length · data
///
/// The service sends `{"op": "run", "shape": [N, 3, H, W]}` with N·3·H·W float32 (little-endian,
/// NCHW); the worker answers `{"ok": true, "outputs": [{"name", "shape"}, …]}` with each output as
/// float32, back to back in that order, or `{"ok": false, "error": "…"}`. The worker's first frame,
/// once its model is loaded, is its hello: `{"ok": true, "inputs": [{"name", "shape"}], "outputs":
/// [names], "batch": "dynamic" | "fixed" | "list", "device": "cpu"}` (or a failure).
public enum WorkerProtocol {
    /// Largest header and data a frame may carry: a corrupt length is a reason, not an allocation.
    public static let maxHeader = 1 << 20
    public static let maxData: UInt64 = 2 << 30

    /// A named output array.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) { self.name = name; self.shape = shape; self.values = values }
    }

    public static func encode(headerJSON: [String: Any], data: [UInt8] = []) throws -> [UInt8] {
        let header = try JSONSerialization.data(withJSONObject: headerJSON, options: [.sortedKeys])
        var out: [UInt8] = []
        out.reserveCapacity(12 + header.count + data.count)
        append(UInt32(header.count), to: &out)
        out += header
        append(UInt64(data.count), to: &out)
        out += data
        return out
    }

    /// A run request: the batch as float32 NCHW.
    public static func runRequest(shape: [Int], values: [Float]) throws -> [UInt8] {
        var data = [UInt8](repeating: 0, count: values.count * 4)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return try encode(headerJSON: ["op": "run", "shape": shape], data: data)
    }

    /// Reads one frame with `read(count)` (which returns fewer bytes only at the end of the stream).
    public static func readFrame(_ read: (Int) throws -> [UInt8]) throws -> (header: [String: Any], data: [UInt8]) {
        let lengthBytes = try read(4)
        guard lengthBytes.count == 4 else { throw WorkerError.closed }
        let headerLength = Int(littleEndian(lengthBytes, as: UInt32.self))
        guard headerLength <= maxHeader else { throw WorkerError.malformed("a header of \(headerLength) bytes") }
        let headerBytes = try read(headerLength)
        guard headerBytes.count == headerLength else { throw WorkerError.closed }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
            throw WorkerError.malformed("a header that is not a JSON object")
        }
        let dataLengthBytes = try read(8)
        guard dataLengthBytes.count == 8 else { throw WorkerError.closed }
        let dataLength = littleEndian(dataLengthBytes, as: UInt64.self)
        guard dataLength <= maxData else { throw WorkerError.malformed("\(dataLength) bytes of data") }
        let data = try read(Int(dataLength))
        guard data.count == Int(dataLength) else { throw WorkerError.closed }
        return (header, data)
    }

    /// The outputs of a run answer; throws the worker's error for `{"ok": false}`.
    public static func outputs(header: [String: Any], data: [UInt8]) throws -> [Tensor] {
        guard header["ok"] as? Bool == true else {
            throw WorkerError.failed((header["error"] as? String) ?? "the worker failed without saying why")
        }
        guard let described = header["outputs"] as? [[String: Any]] else { throw WorkerError.malformed("an answer without outputs") }
        var tensors: [Tensor] = [], at = 0
        for item in described {
            guard let name = item["name"] as? String, let shape = item["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
                throw WorkerError.malformed("an output without a name or shape")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (m, o) = acc.0.multipliedReportingOverflow(by: d)
                return (m, acc.1 || o)
            }
            guard !overflow, count <= (data.count - at) / 4 else { throw WorkerError.malformed("output \(name) is larger than the data sent") }
            var values = [Float](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + i * 4, as: UInt32.self)))
                }
            }
            at += count * 4
            tensors.append(Tensor(name: name, shape: shape, values: values))
        }
        return tensors
    }

    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    static func littleEndian<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }
}

public enum WorkerError: Error, CustomStringConvertible, Equatable {
    /// The worker's stream ended (it exited).
    case closed
    case malformed(String)
    /// The worker said why it could not run the batch.
    case failed(String)

    public var description: String {
        switch self {
        case .closed: "the Python worker exited"
        case .malformed(let what): "the Python worker sent \(what)"
        case .failed(let why): why
        }
    }
}

import Foundation

extension Workspace {
    /// The number of weights of a version, counted without running it, or why it is not known:
    /// an aiarts-train checkpoint's model.bin header (docs/trainer.md) and an ONNX file's
    /// initializers are read in Swift; torch files are counted by `measureModelLatency` (Python).
    func countParameters(in folder: URL, format: String) -> (Int?, String?) {
        let files: [URL]
        do { files = try LatencyPlan.versionFiles(folder) } catch { return (nil, ModelLatency.oneLine("\(error)")) }
        if format.contains(ModelFormat.aiartsTrain), let bin = files.first(where: { $0.lastPathComponent == "model.bin" }) {
            do { return (try BuiltInModelHeader.read(bin).parameters, nil) } catch { return (nil, ModelLatency.oneLine("\(error)")) }
        }
        if let onnx = files.first(where: { $0.pathExtension.lowercased() == "onnx" }) {
            return onnxParameterCount(onnx)
        }
        if format.contains(ModelFormat.torchScript) || format.contains(ModelFormat.stateDict) {
            return (nil, "torch files are counted by Python: run `aiarts model compare --measure`")
        }
        return (nil, "aiarts cannot count the weights of \(format) files")
    }

    /// The ONNX file's weights, read by the model jobs' ONNX reader (initializers' element counts).
    func onnxParameterCount(_ url: URL) -> (Int?, String?) {
        do {
            let artifact = try ONNXReader.read(url)
            guard let count = artifact.parameterCount, count >= 0, count <= Int64(Int.max) else {
                return (nil, "\(url.lastPathComponent) names no weights aiarts can count")
            }
            return (Int(count), nil)
        } catch {
            return (nil, ModelLatency.oneLine("\(url.lastPathComponent): \(error)"))
        }
    }
}

/// The header of the built-in trainer's model.bin (docs/trainer.md): read up to the parameter
/// count, which must account for exactly the bytes that follow (the floats and the CRC-32).
struct BuiltInModelHeader: Equatable {
    var architecture: UInt32
    var imageSize: Int
    var channels: Int
    var labels: [String]
    var parameters: Int

    static let magic = Array("AIARTSNN".utf8)

    static func read(_ url: URL) throws -> BuiltInModelHeader {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? Int, size <= 1 << 31 else {
            throw AIArtsError(.io, "cannot read \(url.lastPathComponent)")
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw AIArtsError(.io, "cannot open \(url.lastPathComponent)") }
        defer { try? handle.close() }
        // The header is small: 8 labels of 256 bytes would be far under 1 MiB.
        let head = Array((try? handle.read(upToCount: 1 << 20)) ?? Data())
        return try parse(head, fileSize: size)
    }

    static func parse(_ bytes: [UInt8], fileSize: Int) throws -> BuiltInModelHeader {
        var at = 0
        func fail(_ why: String) -> AIArtsError { AIArtsError(.badInput, "model.bin is not a valid aiarts-train model: \(why)") }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, at + n <= bytes.count else { throw fail("it ends inside its header") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func u32() throws -> UInt32 {
            let b = try take(4)
            return b.reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        guard Array(try take(8)) == magic else { throw fail("it does not start with AIARTSNN") }
        guard try u32() == 1 else { throw fail("unknown version") }
        let architecture = try u32()
        let imageSize = Int(try u32()), channels = Int(try u32())
        _ = try take(8)  // mean, std
        let widths = Int(try u32())
        guard widths <= 8 else { throw fail("\(widths) widths, at most 8") }
        _ = try take(4 * widths)
        let labelCount = Int(try u32())
        guard labelCount <= 100_000 else { throw fail("\(labelCount) labels") }
        var labels: [String] = []
        for _ in 0..<labelCount {
            let n = Int(try u32())
            guard n <= 4096 else { throw fail("a \(n)-byte label") }
            labels.append(String(decoding: try take(n), as: UTF8.self))
        }
        let low = UInt64(try u32()), high = UInt64(try u32())
        let count = high << 32 | low
        let rest = UInt64(fileSize - at)
        guard count <= UInt64(Int32.max), count * 4 + 4 == rest else {
            throw fail("it declares \(count) parameters but \(rest) bytes follow")
        }
        return BuiltInModelHeader(architecture: architecture, imageSize: imageSize, channels: channels, labels: labels, parameters: Int(count))
    }
}

import Foundation

/// Reads an ONNX model's ModelProto (onnx/onnx.proto) with the bounded `ProtoWireReader`: the graph's
/// inputs and outputs with element types and dimensions (symbolic ones by name), the operator sets,
/// the IR version, the producer, the node count and the parameter count (the element counts of the
/// initializers that are not also graph inputs). Weights are skipped, never copied.
enum ONNXReader {
    /// Element types of TensorProto.DataType.
    static let elementTypes: [Int64: String] = [
        1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
        9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128",
        16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
        21: "uint4", 22: "int4", 23: "float4e2m1",
    ]
    static let maxListed = 4096
    static let maxDims = 64

    static func read(_ url: URL) throws -> ModelArtifact {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        var artifact = try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws(ProtobufError) -> ModelArtifact in
            try read(buffer)
        }
        artifact.size = Int64(data.count)
        return artifact
    }

    static func read(_ bytes: [UInt8]) throws(ProtobufError) -> ModelArtifact {
        try bytes.withUnsafeBytes { buffer in Result { () throws(ProtobufError) in try read(buffer) } }.get()
    }

    static func read(_ buffer: UnsafeRawBufferPointer) throws(ProtobufError) -> ModelArtifact {
        do throws(ProtobufError) {
            return try readModel(buffer)
        } catch {
            throw ProtobufError("not an ONNX model: " + error.message)
        }
    }

    private static func readModel(_ buffer: UnsafeRawBufferPointer) throws(ProtobufError) -> ModelArtifact {
        var model = ProtoWireReader(buffer, message: "ModelProto")
        var artifact = ModelArtifact(path: "", format: ModelFormat.onnx, size: Int64(buffer.count))
        var sawGraph = false
        var producer = "", producerVersion = ""
        var opsets: [String: Int64] = [:]
        while let field = try model.next() {
            switch field.number {
            case 1: artifact.irVersion = try model.int(field)
            case 2: if let r = try model.expect(field, bytes: true) { producer = model.string(r, limit: 256) }
            case 3: if let r = try model.expect(field, bytes: true) { producerVersion = model.string(r, limit: 256) }
            case 4: if let r = try model.expect(field, bytes: true) { artifact.details["domain"] = model.string(r, limit: 256) }
            case 5: artifact.details["model_version"] = String(try model.int(field))
            case 7:
                guard let r = try model.expect(field, bytes: true) else { break }
                sawGraph = true
                try readGraph(try model.nested(r, as: "GraphProto"), into: &artifact)
            case 8:
                guard let r = try model.expect(field, bytes: true), opsets.count < maxListed else { break }
                var set = try model.nested(r, as: "OperatorSetIdProto")
                var domain = "", version: Int64 = 0
                while let f = try set.next() {
                    if f.number == 1, let s = try set.expect(f, bytes: true) { domain = set.string(s, limit: 256) }
                    if f.number == 2 { version = try set.int(f) }
                }
                opsets[domain.isEmpty ? "ai.onnx" : domain] = version
            default: break  // doc_string, metadata, training info, functions
            }
        }
        guard sawGraph || artifact.irVersion != nil else {
            throw ProtobufError("no ir_version and no graph (ModelProto fields 1 and 7)")
        }
        guard sawGraph else { throw ProtobufError("no graph (ModelProto field 7)") }
        artifact.opsets = opsets
        let who = [producer, producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        artifact.producer = who.isEmpty ? nil : TerminalText.finalRedraw(who)
        return artifact
    }

    private static func readGraph(_ reader: ProtoWireReader, into artifact: inout ModelArtifact) throws(ProtobufError) {
        var graph = reader
        var nodes = 0
        var initializers: [(name: String, count: Int64?)] = []
        var inputs: [ModelTensorInfo] = []
        while let field = try graph.next() {
            switch field.number {
            case 1: _ = try graph.expect(field, bytes: true); nodes += 1
            case 2: if let r = try graph.expect(field, bytes: true) { artifact.details["graph"] = TerminalText.finalRedraw(graph.string(r, limit: 256)) }
            case 5:
                guard let r = try graph.expect(field, bytes: true) else { break }
                initializers.append(try readInitializer(try graph.nested(r, as: "TensorProto")))
            case 11, 12:
                guard let r = try graph.expect(field, bytes: true) else { break }
                let info = try readValueInfo(try graph.nested(r, as: "ValueInfoProto"))
                if field.number == 11 { if inputs.count < maxListed { inputs.append(info) } }
                else if artifact.outputs.count < maxListed { artifact.outputs.append(info) }
            default: break
            }
        }
        // Older exporters list initializers among the inputs too: those are weights, not inputs.
        let weightNames = Set(initializers.map(\.name))
        artifact.inputs = inputs.filter { !weightNames.contains($0.name) }
        artifact.nodeCount = nodes
        artifact.tensorCount = initializers.count
        var total: Int64 = 0
        var known = true
        for initializer in initializers {
            guard let count = initializer.count else { known = false; continue }
            let (sum, overflow) = total.addingReportingOverflow(count)
            if overflow { known = false; break }
            total = sum
        }
        artifact.parameterCount = known ? total : nil
    }

    private static func readInitializer(_ reader: ProtoWireReader) throws(ProtobufError) -> (name: String, count: Int64?) {
        var tensor = reader
        var name = ""
        var count: Int64? = 1
        while let field = try tensor.next() {
            switch field.number {
            case 1:
                for d in try tensor.varints(field.value, limit: maxDims) {
                    let dim = Int64(bitPattern: d)
                    guard let c = count, dim >= 0 else { count = nil; continue }
                    let (product, overflow) = c.multipliedReportingOverflow(by: dim)
                    count = overflow ? nil : product
                }
            case 8: if let r = try tensor.expect(field, bytes: true) { name = tensor.string(r, limit: 1024) }
            default: break
            }
        }
        return (name, count)
    }

    private static func readValueInfo(_ reader: ProtoWireReader) throws(ProtobufError) -> ModelTensorInfo {
        var value = reader
        var info = ModelTensorInfo(name: "", dtype: "?", shape: nil)
        while let field = try value.next() {
            if field.number == 1, let r = try value.expect(field, bytes: true) {
                info.name = TerminalText.finalRedraw(value.string(r, limit: 1024))
            } else if field.number == 2, let r = try value.expect(field, bytes: true) {
                var type = try value.nested(r, as: "TypeProto")
                while let t = try type.next() {
                    guard t.number == 1 || t.number == 8, let tr = try type.expect(t, bytes: true) else {
                        if t.number == 4 { info.dtype = "sequence" } else if t.number == 5 { info.dtype = "map" }
                        continue
                    }
                    try readTensorType(try type.nested(tr, as: "TypeProto.Tensor"), into: &info)
                }
            }
        }
        return info
    }

    private static func readTensorType(_ reader: ProtoWireReader, into info: inout ModelTensorInfo) throws(ProtobufError) {
        var tensor = reader
        while let field = try tensor.next() {
            if field.number == 1 {
                let code = try tensor.int(field)
                info.dtype = elementTypes[code] ?? "type \(code)"
            } else if field.number == 2, let r = try tensor.expect(field, bytes: true) {
                var shape = try tensor.nested(r, as: "TensorShapeProto")
                var dims: [String] = []
                while let d = try shape.next() {
                    guard d.number == 1, let dr = try shape.expect(d, bytes: true) else { continue }
                    guard dims.count < maxDims else { throw ProtobufError("more than \(maxDims) dimensions at byte \(d.offset)") }
                    var dim = try shape.nested(dr, as: "TensorShapeProto.Dimension")
                    var text = "?"
                    while let v = try dim.next() {
                        if v.number == 1 { text = String(try dim.int(v)) }
                        else if v.number == 2, let vr = try dim.expect(v, bytes: true) {
                            let name = TerminalText.finalRedraw(dim.string(vr, limit: 128))
                            text = name.isEmpty ? "?" : name
                        }
                    }
                    dims.append(text)
                }
                info.shape = dims
            }
        }
    }
}

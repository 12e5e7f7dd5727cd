import Foundation

/// Reads a Paddle inference model's program (`.pdmodel`, framework.proto's ProgramDesc) with
/// `ProtoWireReader`: the variables the `feed` ops write are the inputs, those `fetch` ops read the
/// outputs; persistable tensors are the weights (their element counts, the parameter count).
enum PaddleReader {
    /// framework.proto's VarType.Type, the data types.
    static let dataTypes: [Int64: String] = [
        0: "bool", 1: "int16", 2: "int32", 3: "int64", 4: "float16", 5: "float32", 6: "float64",
        20: "uint8", 21: "int8", 22: "bfloat16", 23: "complex64", 24: "complex128",
    ]

    struct Variable {
        var dtype = "?"
        var dims: [String]?
        var persistable = false
    }

    static func program(_ buffer: UnsafeRawBufferPointer, into artifact: inout ModelArtifact) throws(ProtobufError) {
        do throws(ProtobufError) {
            var program = ProtoWireReader(buffer, message: "ProgramDesc")
            var variables: [String: Variable] = [:]
            var feeds: [String] = [], fetches: [String] = []
            var blocks = 0, ops = 0
            while let field = try program.next() {
                guard let r = try program.expect(field, bytes: field.number == 1 || field.number == 4) else { continue }
                if field.number == 4 {
                    var version = try program.nested(r, as: "Version")
                    while let v = try version.next() { if v.number == 1 { artifact.details["program_version"] = String(try version.int(v)) } }
                    continue
                }
                guard field.number == 1 else { continue }
                blocks += 1
                var block = try program.nested(r, as: "BlockDesc")
                while let b = try block.next() {
                    guard b.number == 3 || b.number == 4, let br = try block.expect(b, bytes: true) else { continue }
                    if b.number == 3 {
                        let (name, variable) = try variableDesc(try block.nested(br, as: "VarDesc"))
                        if variables.count < 200_000 { variables[name] = variable }
                    } else {
                        ops += 1
                        let (type, inputs, outputs) = try opDesc(try block.nested(br, as: "OpDesc"))
                        if type == "feed" { feeds += outputs["Out"] ?? [] }
                        if type == "fetch" { fetches += inputs["X"] ?? [] }
                    }
                }
            }
            guard blocks > 0 else { throw ProtobufError("no block (ProgramDesc field 1)") }
            func tensor(_ name: String) -> ModelTensorInfo {
                let v = variables[name]
                return ModelTensorInfo(name: TerminalText.finalRedraw(name), dtype: v?.dtype ?? "?", shape: v?.dims)
            }
            artifact.inputs = feeds.prefix(1024).map(tensor)
            artifact.outputs = fetches.prefix(1024).map(tensor)
            artifact.nodeCount = ops
            var total: Int64? = 0
            var weights = 0
            for (name, v) in variables where v.persistable && name != "feed" && name != "fetch" {
                weights += 1
                total = TensorFlowReader.add(total, TensorFlowReader.elements(v.dims))
            }
            artifact.tensorCount = weights
            artifact.parameterCount = total
            artifact.producer = "PaddlePaddle"
        } catch {
            throw ProtobufError("not a Paddle program (.pdmodel): " + error.message)
        }
    }

    private static func variableDesc(_ reader: ProtoWireReader) throws(ProtobufError) -> (String, Variable) {
        var desc = reader
        var name = ""
        var variable = Variable()
        while let f = try desc.next() {
            switch f.number {
            case 1: if let r = try desc.expect(f, bytes: true) { name = desc.string(r, limit: 512) }
            case 3: variable.persistable = try desc.int(f) != 0
            case 2:
                guard let r = try desc.expect(f, bytes: true) else { break }
                var type = try desc.nested(r, as: "VarType")
                while let t = try type.next() {
                    guard t.number == 3 || t.number == 2, let tr = try type.expect(t, bytes: true) else { continue }
                    // lod_tensor (3) holds a TensorDesc at field 1; selected_rows (2) is a TensorDesc itself.
                    var holder = try type.nested(tr, as: t.number == 3 ? "LoDTensorDesc" : "TensorDesc")
                    if t.number == 2 { try tensorDesc(holder, into: &variable); continue }
                    while let h = try holder.next() {
                        if h.number == 1, let hr = try holder.expect(h, bytes: true) { try tensorDesc(try holder.nested(hr, as: "TensorDesc"), into: &variable) }
                    }
                }
            default: break
            }
        }
        return (name, variable)
    }

    private static func tensorDesc(_ reader: ProtoWireReader, into variable: inout Variable) throws(ProtobufError) {
        var desc = reader
        var dims: [String] = []
        while let f = try desc.next() {
            if f.number == 1 { let code = try desc.int(f); variable.dtype = dataTypes[code] ?? "type \(code)" }
            if f.number == 2 {
                for d in try desc.varints(f.value, limit: 64) {
                    guard dims.count < 64 else { break }
                    let n = Int64(bitPattern: d)
                    dims.append(n >= 0 ? String(n) : "?")
                }
            }
        }
        variable.dims = dims
    }

    private static func opDesc(_ reader: ProtoWireReader) throws(ProtobufError) -> (String, [String: [String]], [String: [String]]) {
        var desc = reader
        var type = ""
        var inputs: [String: [String]] = [:], outputs: [String: [String]] = [:]
        while let f = try desc.next() {
            guard [1, 2, 3].contains(f.number), let r = try desc.expect(f, bytes: true) else { continue }
            if f.number == 3 { type = desc.string(r, limit: 128); continue }
            var variable = try desc.nested(r, as: "OpDesc.Var")
            var parameter = "", arguments: [String] = []
            while let v = try variable.next() {
                guard let vr = try variable.expect(v, bytes: true) else { continue }
                if v.number == 1 { parameter = variable.string(vr, limit: 128) }
                if v.number == 2, arguments.count < 1024 { arguments.append(variable.string(vr, limit: 512)) }
            }
            if f.number == 1 { inputs[parameter, default: []] += arguments } else { outputs[parameter, default: []] += arguments }
        }
        return (type, inputs, outputs)
    }
}

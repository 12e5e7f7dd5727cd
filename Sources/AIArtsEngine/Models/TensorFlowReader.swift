import Foundation

/// Reads TensorFlow's protobuf files with `ProtoWireReader`: a SavedModel's saved_model.pb (tags,
/// TensorFlow version, the serving signature's inputs and outputs) and a GraphDef (.pb: placeholders
/// as inputs, unconsumed nodes as outputs, constants and variables counted as parameters).
enum TensorFlowReader {
    /// tensorflow/core/framework/types.proto's DataType (reference types are these + 100).
    static let dataTypes: [Int64: String] = [
        1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string", 8: "complex64",
        9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128", 19: "float16", 20: "resource",
        21: "variant", 22: "uint32", 23: "uint64",
    ]

    static func dtype(_ code: Int64) -> String {
        dataTypes[code > 100 ? code - 100 : code] ?? "type \(code)"
    }

    static func withBytes<T>(_ url: URL, _ body: (UnsafeRawBufferPointer) throws(ProtobufError) -> T) throws -> T {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws(ProtobufError) -> T in try body(buffer) }
    }

    // MARK: SavedModel

    static func savedModel(_ buffer: UnsafeRawBufferPointer, into artifact: inout ModelArtifact) throws(ProtobufError) {
        do throws(ProtobufError) {
            var model = ProtoWireReader(buffer, message: "SavedModel")
            var metaGraphs = 0
            while let field = try model.next() {
                switch field.number {
                case 1: artifact.details["saved_model_schema_version"] = String(try model.int(field))
                case 2:
                    guard let r = try model.expect(field, bytes: true) else { break }
                    metaGraphs += 1
                    if metaGraphs == 1 { try metaGraph(try model.nested(r, as: "MetaGraphDef"), into: &artifact) }
                default: break
                }
            }
            guard metaGraphs > 0 else { throw ProtobufError("no meta graph (SavedModel field 2)") }
            artifact.details["meta_graphs"] = String(metaGraphs)
        } catch {
            throw ProtobufError("not a TensorFlow SavedModel: " + error.message)
        }
    }

    private static func metaGraph(_ reader: ProtoWireReader, into artifact: inout ModelArtifact) throws(ProtobufError) {
        var meta = reader
        var signatures: [(String, [ModelTensorInfo], [ModelTensorInfo])] = []
        while let field = try meta.next() {
            guard let r = try meta.expect(field, bytes: [1, 2, 5].contains(field.number)) else { continue }
            switch field.number {
            case 1:
                var info = try meta.nested(r, as: "MetaInfoDef")
                var tags: [String] = []
                while let f = try info.next() {
                    guard let s = try info.expect(f, bytes: f.number == 4 || f.number == 5) else { continue }
                    if f.number == 4, tags.count < 16 { tags.append(clean(info.string(s, limit: 128))) }
                    if f.number == 5 { artifact.producer = "TensorFlow " + clean(info.string(s, limit: 64)) }
                }
                if !tags.isEmpty { artifact.details["tags"] = tags.joined(separator: ",") }
            case 2:
                var graph = GraphSummary()
                try graphDef(try meta.nested(r, as: "GraphDef"), into: &graph)
                artifact.nodeCount = graph.nodes
                artifact.parameterCount = graph.parameters
                artifact.tensorCount = graph.variables
            case 5:
                guard signatures.count < 64 else { break }
                var entry = try meta.nested(r, as: "MetaGraphDef.SignatureDefEntry")
                var key = "", inputs: [ModelTensorInfo] = [], outputs: [ModelTensorInfo] = []
                while let f = try entry.next() {
                    guard let s = try entry.expect(f, bytes: true) else { continue }
                    if f.number == 1 { key = clean(entry.string(s, limit: 256)) }
                    if f.number == 2 { (inputs, outputs) = try signature(try entry.nested(s, as: "SignatureDef")) }
                }
                signatures.append((key, inputs, outputs))
            default: break
            }
        }
        let chosen = signatures.first { $0.0 == "serving_default" } ?? signatures.first { !$0.0.hasPrefix("__") } ?? signatures.first
        if let chosen {
            artifact.details["signature"] = chosen.0
            artifact.inputs = chosen.1
            artifact.outputs = chosen.2
        }
        if !signatures.isEmpty { artifact.details["signatures"] = signatures.map(\.0).joined(separator: ",") }
    }

    private static func signature(_ reader: ProtoWireReader) throws(ProtobufError) -> ([ModelTensorInfo], [ModelTensorInfo]) {
        var sig = reader
        var inputs: [ModelTensorInfo] = [], outputs: [ModelTensorInfo] = []
        while let f = try sig.next() {
            guard f.number == 1 || f.number == 2, let r = try sig.expect(f, bytes: true) else { continue }
            var entry = try sig.nested(r, as: "SignatureDef.TensorInfoEntry")
            var info = ModelTensorInfo(name: "", dtype: "?", shape: nil)
            while let e = try entry.next() {
                guard let s = try entry.expect(e, bytes: true) else { continue }
                if e.number == 1 { info.name = clean(entry.string(s, limit: 256)) }
                if e.number == 2 {
                    var tensor = try entry.nested(s, as: "TensorInfo")
                    while let t = try tensor.next() {
                        if t.number == 2 { info.dtype = dtype(try tensor.int(t)) }
                        if t.number == 3, let sr = try tensor.expect(t, bytes: true) { info.shape = try shape(try tensor.nested(sr, as: "TensorShapeProto")) }
                    }
                }
            }
            if f.number == 1 { if inputs.count < 1024 { inputs.append(info) } } else if outputs.count < 1024 { outputs.append(info) }
        }
        return (inputs, outputs)
    }

    /// TensorShapeProto: dims (size, name) or unknown_rank.
    static func shape(_ reader: ProtoWireReader) throws(ProtobufError) -> [String]? {
        var shape = reader
        var dims: [String] = []
        var unknownRank = false
        while let f = try shape.next() {
            if f.number == 3 { unknownRank = try shape.int(f) != 0; continue }
            guard f.number == 2, let r = try shape.expect(f, bytes: true) else { continue }
            guard dims.count < 64 else { throw ProtobufError("more than 64 dimensions at byte \(f.offset)") }
            var dim = try shape.nested(r, as: "TensorShapeProto.Dim")
            var size: Int64 = -1
            var name = ""
            while let d = try dim.next() {
                if d.number == 1 { size = try dim.int(d) }
                if d.number == 2, let s = try dim.expect(d, bytes: true) { name = clean(dim.string(s, limit: 128)) }
            }
            dims.append(size >= 0 ? String(size) : (name.isEmpty ? "?" : name))
        }
        return unknownRank ? nil : dims
    }

    // MARK: GraphDef

    struct GraphSummary {
        var nodes = 0
        var parameters: Int64? = 0
        var variables = 0
        var inputs: [ModelTensorInfo] = []
        var producer: Int64?
        /// Node names in order, with their op and output type, and every name some node consumes.
        var candidates: [(name: String, op: String, dtype: String)] = []
        var consumed = Set<String>()
    }

    static func graphDef(_ buffer: UnsafeRawBufferPointer, into artifact: inout ModelArtifact) throws(ProtobufError) {
        do throws(ProtobufError) {
            var graph = GraphSummary()
            try graphDef(ProtoWireReader(buffer, message: "GraphDef"), into: &graph)
            guard graph.nodes > 0 else { throw ProtobufError("no nodes (GraphDef field 1)") }
            artifact.nodeCount = graph.nodes
            artifact.parameterCount = graph.parameters
            artifact.tensorCount = graph.variables
            artifact.inputs = graph.inputs
            let skipped: Set<String> = ["NoOp", "Const", "Placeholder", "SaveV2", "RestoreV2", "Assign", "AssignVariableOp", "VarHandleOp", "VariableV2"]
            artifact.outputs = graph.candidates.filter { !graph.consumed.contains($0.name) && !skipped.contains($0.op) }
                .prefix(32).map { ModelTensorInfo(name: $0.name, dtype: $0.dtype, shape: nil) }
            if let producer = graph.producer { artifact.producer = "TensorFlow (GraphDef producer \(producer))" }
        } catch {
            throw ProtobufError("not a TensorFlow GraphDef: " + error.message)
        }
    }

    static func graphDef(_ reader: ProtoWireReader, into graph: inout GraphSummary) throws(ProtobufError) {
        var def = reader
        while let field = try def.next() {
            if field.number == 4, let r = try def.expect(field, bytes: true) {
                var versions = try def.nested(r, as: "VersionDef")
                while let v = try versions.next() { if v.number == 1 { graph.producer = try versions.int(v) } }
                continue
            }
            guard field.number == 1, let r = try def.expect(field, bytes: true) else { continue }
            graph.nodes += 1
            try node(try def.nested(r, as: "NodeDef"), into: &graph)
        }
    }

    private static func node(_ reader: ProtoWireReader, into graph: inout GraphSummary) throws(ProtobufError) {
        var node = reader
        var name = "", op = "", type = "?"
        var shapeAttr: [String]?, tensorCount: Int64?
        while let f = try node.next() {
            guard let r = try node.expect(f, bytes: [1, 2, 3, 5].contains(f.number)) else { continue }
            switch f.number {
            case 1: name = clean(node.string(r, limit: 512))
            case 2: op = clean(node.string(r, limit: 128))
            case 3:
                if graph.consumed.count < 1_000_000 {
                    var input = node.string(r, limit: 512)
                    if input.hasPrefix("^") { input.removeFirst() }
                    if let colon = input.lastIndex(of: ":") { input = String(input[..<colon]) }
                    graph.consumed.insert(input)
                }
            case 5:
                var entry = try node.nested(r, as: "NodeDef.AttrEntry")
                var key = ""
                while let e = try entry.next() {
                    guard let s = try entry.expect(e, bytes: true) else { continue }
                    if e.number == 1 { key = entry.string(s, limit: 64); continue }
                    guard e.number == 2 else { continue }
                    var value = try entry.nested(s, as: "AttrValue")
                    while let a = try value.next() {
                        switch a.number {
                        case 6 where key == "dtype" || key == "T": type = dtype(try value.int(a))
                        case 7 where key == "shape":
                            if let sr = try value.expect(a, bytes: true) { shapeAttr = try shape(try value.nested(sr, as: "TensorShapeProto")) }
                        case 8 where key == "value":
                            if let tr = try value.expect(a, bytes: true) {
                                var tensor = try value.nested(tr, as: "TensorProto")
                                while let t = try tensor.next() {
                                    if t.number == 1 { type = dtype(try tensor.int(t)) }
                                    if t.number == 2, let sr = try tensor.expect(t, bytes: true) {
                                        tensorCount = elements(try shape(try tensor.nested(sr, as: "TensorShapeProto")))
                                    }
                                }
                            }
                        default: break
                        }
                    }
                }
            default: break
            }
        }
        if op == "Placeholder", graph.inputs.count < 1024 {
            graph.inputs.append(ModelTensorInfo(name: name, dtype: type, shape: shapeAttr))
        }
        if ["VarHandleOp", "VariableV2", "Variable"].contains(op) {
            graph.variables += 1
            graph.parameters = add(graph.parameters, elements(shapeAttr))
        } else if op == "Const", let tensorCount, tensorCount > 1 {
            graph.parameters = add(graph.parameters, tensorCount)  // frozen graphs keep their weights as constants
        }
        if graph.candidates.count < 200_000 { graph.candidates.append((name, op, type)) }
    }

    static func elements(_ shape: [String]?) -> Int64? {
        guard let shape else { return nil }
        var total: Int64 = 1
        for d in shape {
            guard let n = Int64(d), n >= 0 else { return nil }
            let (p, o) = total.multipliedReportingOverflow(by: n)
            if o { return nil }
            total = p
        }
        return total
    }

    static func add(_ a: Int64?, _ b: Int64?) -> Int64? {
        guard let a, let b else { return nil }
        let (s, o) = a.addingReportingOverflow(b)
        return o ? nil : s
    }

    static func clean(_ text: String) -> String { TerminalText.finalRedraw(text) }
}

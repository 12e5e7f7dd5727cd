import Foundation
@testable import AIArtsEngine

/// Protobuf messages written by hand, field by field, as the real tools' schemas lay them out
/// (onnx.proto, TensorFlow's saved_model.proto and graph.proto, Paddle's framework.proto).
struct PB {
    var bytes: [UInt8] = []

    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }

    func int(_ field: Int, _ v: Int64) -> PB {
        var c = self
        c.bytes += Self.varint(UInt64(field << 3)) + Self.varint(UInt64(bitPattern: v))
        return c
    }

    func raw(_ field: Int, _ data: [UInt8]) -> PB {
        var c = self
        c.bytes += Self.varint(UInt64(field << 3 | 2)) + Self.varint(UInt64(data.count)) + data
        return c
    }

    func str(_ field: Int, _ s: String) -> PB { raw(field, Array(s.utf8)) }
    func msg(_ field: Int, _ m: PB) -> PB { raw(field, m.bytes) }
    func packed(_ field: Int, _ values: [Int64]) -> PB { raw(field, values.flatMap { Self.varint(UInt64(bitPattern: $0)) }) }
}

enum ModelFixtures {
    /// onnx TypeProto for a float tensor: dims are numbers or symbolic names.
    static func onnxValue(_ name: String, _ elem: Int64, _ dims: [Any]) -> PB {
        var shape = PB()
        for d in dims {
            shape = shape.msg(1, d is String ? PB().str(2, d as! String) : PB().int(1, Int64(d as! Int)))
        }
        return PB().str(1, name).msg(2, PB().msg(1, PB().int(1, elem).msg(2, shape)))
    }

    /// A conv model as torch.onnx.export lays it out: producer, opset 17, a symbolic batch, two
    /// initializers (16×3×3×3 weight, 16 bias), the weight also listed as an input (older exporters).
    static func onnxModel() -> [UInt8] {
        let graph = PB()
            .msg(1, PB().str(1, "images").str(1, "w").str(2, "conv").str(4, "Conv"))
            .msg(1, PB().str(1, "conv").str(2, "output").str(4, "Relu"))
            .str(2, "main_graph")
            .msg(5, PB().packed(1, [16, 3, 3, 3]).int(2, 1).str(8, "w").raw(9, [UInt8](repeating: 0, count: 16)))
            .msg(5, PB().int(1, 16).int(2, 1).str(8, "b"))
            .msg(11, onnxValue("images", 1, ["batch", 3, 64, 64]))
            .msg(11, onnxValue("w", 1, [16, 3, 3, 3]))
            .msg(12, onnxValue("output", 1, ["batch", 16, 62, 62]))
        return PB().int(1, 8).str(2, "pytorch").str(3, "2.5.0").msg(7, graph)
            .msg(8, PB().str(1, "").int(2, 17)).msg(8, PB().str(1, "com.microsoft").int(2, 1)).bytes
    }

    static func tfShape(_ dims: [Int64]) -> PB { dims.reduce(PB()) { $0.msg(2, PB().int(1, $1)) } }

    /// saved_model.pb of a Keras model saved with `model.export()`: tags serve, TF 2.15, a
    /// serving_default signature, one variable in the graph.
    static func savedModel() -> [UInt8] {
        let input = PB().str(1, "input_1").msg(2, PB().str(1, "serving_default_input_1:0").int(2, 1).msg(3, tfShape([-1, 224, 224, 3])))
        let output = PB().str(1, "dense").msg(2, PB().str(1, "StatefulPartitionedCall:0").int(2, 1).msg(3, tfShape([-1, 10])))
        let signature = PB().msg(1, input).msg(2, output).str(3, "tensorflow/serving/predict")
        let variable = PB().str(1, "dense/kernel").str(2, "VarHandleOp")
            .msg(5, PB().str(1, "shape").msg(2, PB().msg(7, tfShape([1280, 10]))))
            .msg(5, PB().str(1, "dtype").msg(2, PB().int(6, 1)))
        let meta = PB().msg(1, PB().str(4, "serve").str(5, "2.15.0"))
            .msg(2, PB().msg(1, variable).msg(4, PB().int(1, 1645)))
            .msg(5, PB().str(1, "serving_default").msg(2, signature))
            .msg(5, PB().str(1, "__saved_model_init_op").msg(2, PB()))
        return PB().int(1, 1).msg(2, meta).bytes
    }

    /// A frozen GraphDef: a Placeholder, a Const weight, a MatMul consuming both.
    static func graphDef() -> [UInt8] {
        let placeholder = PB().str(1, "input").str(2, "Placeholder")
            .msg(5, PB().str(1, "dtype").msg(2, PB().int(6, 1)))
            .msg(5, PB().str(1, "shape").msg(2, PB().msg(7, tfShape([-1, 4]))))
        let weight = PB().str(1, "w").str(2, "Const")
            .msg(5, PB().str(1, "value").msg(2, PB().msg(8, PB().int(1, 1).msg(2, tfShape([4, 2])))))
        let matmul = PB().str(1, "logits").str(2, "MatMul").str(3, "input").str(3, "w:0")
            .msg(5, PB().str(1, "T").msg(2, PB().int(6, 1)))
        return PB().msg(1, placeholder).msg(1, weight).msg(1, matmul).msg(4, PB().int(1, 1205)).bytes
    }

    /// inference.pdmodel as paddle.jit.save writes it: feed → conv2d → fetch, one weight.
    static func paddleProgram() -> [UInt8] {
        func variable(_ name: String, _ dims: [Int64], persistable: Bool = false) -> PB {
            PB().str(1, name).msg(2, PB().int(1, 7).msg(3, PB().msg(1, PB().int(1, 5).packed(2, dims))))
                .int(3, persistable ? 1 : 0)
        }
        func op(_ type: String, inputs: [(String, [String])], outputs: [(String, [String])]) -> PB {
            var p = PB()
            for (k, args) in inputs { p = p.msg(1, args.reduce(PB().str(1, k)) { $0.str(2, $1) }) }
            for (k, args) in outputs { p = p.msg(2, args.reduce(PB().str(1, k)) { $0.str(2, $1) }) }
            return p.str(3, type)
        }
        let block = PB().int(1, 0).int(2, -1)
            .msg(3, PB().str(1, "feed").msg(2, PB().int(1, 9)).int(3, 1))
            .msg(3, PB().str(1, "fetch").msg(2, PB().int(1, 10)).int(3, 1))
            .msg(3, variable("x", [-1, 3, 32, 32]))
            .msg(3, variable("conv2d_0.w_0", [8, 3, 3, 3], persistable: true))
            .msg(3, variable("out", [-1, 8, 30, 30]))
            .msg(4, op("feed", inputs: [("X", ["feed"])], outputs: [("Out", ["x"])]))
            .msg(4, op("conv2d", inputs: [("Input", ["x"]), ("Filter", ["conv2d_0.w_0"])], outputs: [("Output", ["out"])]))
            .msg(4, op("fetch", inputs: [("X", ["out"])], outputs: [("Out", ["fetch"])]))
        return PB().msg(1, block).msg(4, PB().int(1, 2006000)).bytes
    }

    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    static let kerasConfig = #"{"class_name": "Sequential", "config": {"name": "digits", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 28, 28, 1], "dtype": "float32", "name": "input_1"}}, {"class_name": "Flatten", "config": {"name": "flatten"}}, {"class_name": "Dense", "config": {"name": "dense", "units": 10, "activation": "softmax"}}]}, "keras_version": "2.15.0", "backend": "tensorflow"}"#

    /// A legacy Keras .h5: the HDF5 superblock, then (somewhere in the object headers) the
    /// model_config attribute's JSON text.
    static func kerasH5() -> [UInt8] {
        hdf5Signature + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 300) + Array("model_config".utf8) + [0, 0, 0] + Array(kerasConfig.utf8) + [0] + [UInt8](repeating: 7, count: 100)
    }

    /// model.bin of aiarts-train (docs/trainer.md): a CNN for 32 px RGB, labels a and b, 5 parameters.
    static func trainModelBin() -> [UInt8] {
        var b = Array("AIARTSNN".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        u32(1); u32(2); u32(32); u32(3)
        u32(Float(0.5).bitPattern); u32(Float(0.25).bitPattern)
        u32(2); u32(8); u32(16)
        u32(2); u32(1); b += Array("a".utf8); u32(1); b += Array("b".utf8)
        u32(5); u32(0)
        for _ in 0..<5 { u32(Float(1).bitPattern) }
        u32(0)  // the seal (CRC), not checked by extraction
        return b
    }

    static func safetensors() -> [UInt8] {
        let header = Array(#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F16","shape":[3],"data_offsets":[24,30]},"__metadata__":{"format":"pt"}}"#.utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        return out + header + [UInt8](repeating: 0, count: 30)
    }
}

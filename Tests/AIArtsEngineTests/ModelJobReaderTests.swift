import Foundation
import Testing
@testable import AIArtsEngine

/// The extraction readers: ONNX through the bounded protobuf reader, and every format's
/// recognition on fixtures shaped like what the real tools write. `swift test --filter ModelJobReaderTests`.
@Suite struct ModelJobReaderTests {
    @Test func onnxGivesInputsOutputsOpsetsAndParameters() throws {
        let a = try ONNXReader.read(ModelFixtures.onnxModel())
        #expect(a.format == "onnx")
        #expect(a.inputs == [ModelTensorInfo(name: "images", dtype: "float32", shape: ["batch", "3", "64", "64"])])  // the weight is not an input
        #expect(a.outputs == [ModelTensorInfo(name: "output", dtype: "float32", shape: ["batch", "16", "62", "62"])])
        #expect(a.opsets == ["ai.onnx": 17, "com.microsoft": 1])
        #expect(a.irVersion == 8)
        #expect(a.producer == "pytorch 2.5.0")
        #expect(a.parameterCount == Int64(16 * 27 + 16))
        #expect(a.tensorCount == 2)
        #expect(a.nodeCount == 2)
        #expect(a.details["graph"] == "main_graph")
    }

    @Test func badProtobufGivesTheReasonWithTheByte() {
        func reason(_ bytes: [UInt8]) -> String {
            do { _ = try ONNXReader.read(bytes); return "read" } catch { return error.message }
        }
        #expect(reason([0x3B]) == "not an ONNX model: protobuf field 7 of ModelProto has wire type 3 at byte 0")
        let model = ModelFixtures.onnxModel()
        #expect(reason(Array(model.dropLast())).contains("truncated at byte \(model.count - 1)"))
        #expect(reason([0x3A, 0x80, 0x80, 0x80, 0x80, 0x40]).contains("past the end"))  // a 2^34-byte graph in 6 bytes
        #expect(reason([0x08] + [UInt8](repeating: 0xFF, count: 11)).contains("varint longer than 10 bytes"))
        #expect(reason([0x0A, 0x01, 0x41]).contains("field 1 of ModelProto has wire type 2 where 0 (varint) belongs"))
        #expect(reason(Array("hello, this is not protobuf".utf8)).hasPrefix("not an ONNX model:"))
        #expect(reason([]) == "not an ONNX model: no ir_version and no graph (ModelProto fields 1 and 7)")
        #expect(reason(PB().int(1, 8).bytes) == "not an ONNX model: no graph (ModelProto field 7)")
    }

    @Test func everyTruncationAndManyMutationsAreAnErrorOrAReadingNeverACrash() {
        let model = ModelFixtures.onnxModel()
        for n in 0..<model.count { _ = try? ONNXReader.read(Array(model.prefix(n))) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var m = model
            for _ in 0..<Int.random(in: 1...4, using: &rng) { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? ONNXReader.read(m)
        }
        // Nesting past the limit is refused, not recursed into.
        var deep = ModelFixtures.onnxValue("x", 1, [1])
        for _ in 0..<200 { deep = PB().msg(2, deep) }
        _ = try? ONNXReader.read(PB().int(1, 8).msg(7, PB().msg(11, deep)).bytes)
    }

    @Test func aSavedModelFolderGivesItsServingSignature() throws {
        let t = TempFolder("aiarts-mj")
        t.write("export/saved_model.pb", Data(ModelFixtures.savedModel()))
        t.write("export/variables/variables.index", "index")
        t.write("export/variables/variables.data-00000-of-00001", Data(count: 64))
        t.write("export/fingerprint.pb", Data([0x08, 0x01]))
        let e = try ModelInspector.inspect(t.path("export"))
        #expect(e.format == "tensorflow savedmodel")
        #expect(e.artifacts.count == 1)  // fingerprint.pb belongs to the SavedModel, not a GraphDef of its own
        let a = e.artifacts[0]
        #expect(a.inputs == [ModelTensorInfo(name: "input_1", dtype: "float32", shape: ["?", "224", "224", "3"])])
        #expect(a.outputs == [ModelTensorInfo(name: "dense", dtype: "float32", shape: ["?", "10"])])
        #expect(a.producer == "TensorFlow 2.15.0")
        #expect(a.details["tags"] == "serve")
        #expect(a.details["signature"] == "serving_default")
        #expect(a.parameterCount == 12800)
        #expect(ModelFormat.detect([t.path("export/saved_model.pb")]) == "tensorflow savedmodel")
    }

    @Test func aGraphDefGivesPlaceholdersOutputsAndConstants() throws {
        let t = TempFolder("aiarts-mj")
        let url = t.write("frozen.pb", Data(ModelFixtures.graphDef()))
        let a = try #require(try ModelInspector.inspect(url).artifacts.first)
        #expect(a.format == "tensorflow graphdef")
        #expect(a.inputs == [ModelTensorInfo(name: "input", dtype: "float32", shape: ["?", "4"])])
        #expect(a.outputs.map(\.name) == ["logits"])
        #expect(a.parameterCount == 8)
        #expect(a.producer == "TensorFlow (GraphDef producer 1205)")
        let bad = t.write("bad.pb", "not a graph at all")
        #expect(throws: AIArtsError.self) { try ModelInspector.inspect(bad) }
    }

    @Test func kerasHDF5AndDotKerasGiveTheirConfig() throws {
        let t = TempFolder("aiarts-mj")
        let h5 = t.write("digits.h5", Data(ModelFixtures.kerasH5()))
        let a = try #require(try ModelInspector.inspect(h5).artifacts.first)
        #expect(a.format == "keras hdf5")
        #expect(a.inputs == [ModelTensorInfo(name: "input_1", dtype: "float32", shape: ["?", "28", "28", "1"])])
        #expect(a.outputs == [ModelTensorInfo(name: "dense", dtype: "float32", shape: ["?", "10"])])
        #expect(a.details["class_name"] == "Sequential")
        #expect(a.nodeCount == 3)
        #expect(ModelFormat.detect([h5]) == "keras hdf5")

        let zip = Fixture.zip([.init(name: "metadata.json", data: Array(#"{"keras_version": "3.3.3", "date_saved": "2024-06-01@10:00:00"}"#.utf8)),
                               .init(name: "config.json", data: Array(ModelFixtures.kerasConfig.utf8), deflate: true),
                               .init(name: "model.weights.h5", data: ModelFixtures.hdf5Signature)])
        let keras = t.write("digits.keras", Data(zip))
        let k = try #require(try ModelInspector.inspect(keras).artifacts.first)
        #expect(k.format == "keras")
        #expect(k.producer == "Keras 3.3.3")
        #expect(k.inputs.first?.shape == ["?", "28", "28", "1"])
        #expect(k.details["weights"] == "model.weights.h5")

        let fake = t.write("weights.h5", "plain text, no HDF5 signature")
        #expect(throws: AIArtsError.self) { try ModelInspector.inspect(fake) }
        let noConfig = t.write("only.keras", Data(Fixture.zip([.init(name: "model.weights.h5", data: [1, 2])])))
        do { _ = try ModelInspector.inspect(noConfig); Issue.record("read") } catch let e as AIArtsError { #expect(e.message.contains("no config.json")) }
    }

    @Test func aPaddlePairIsOneModelWithFeedsFetchesAndWeights() throws {
        let t = TempFolder("aiarts-mj")
        t.write("infer/inference.pdmodel", Data(ModelFixtures.paddleProgram()))
        t.write("infer/inference.pdiparams", Data(count: 864))
        t.write("infer/inference.yml", "Global: {}")
        let e = try ModelInspector.inspect(t.path("infer"))
        #expect(e.format == "paddle inference")
        #expect(e.artifacts.count == 1)
        let a = e.artifacts[0]
        #expect(a.inputs == [ModelTensorInfo(name: "x", dtype: "float32", shape: ["?", "3", "32", "32"])])
        #expect(a.outputs == [ModelTensorInfo(name: "out", dtype: "float32", shape: ["?", "8", "30", "30"])])
        #expect(a.parameterCount == 216)
        #expect(a.details["weights"] == "inference.pdiparams (864 bytes)")
        #expect(a.details["program_version"] == "2006000")
    }

    @Test func safetensorsAiartsTrainAndExportHeadersAreRead() throws {
        let t = TempFolder("aiarts-mj")
        let st = try ModelInspector.inspect(t.write("m.safetensors", Data(ModelFixtures.safetensors()))).artifacts[0]
        #expect(st.parameterCount == 9)
        #expect(st.tensorCount == 2)
        #expect(st.details["metadata.format"] == "pt")
        #expect(st.details["dtypes"] == "f16×1,f32×1")
        var lying = ModelFixtures.safetensors()
        lying[5] = 0x7F
        #expect(throws: AIArtsError.self) { try ModelInspector.inspect(t.write("bad.safetensors", Data(lying))) }

        let bin = try ModelInspector.inspect(t.write("ckpt/model.bin", Data(ModelFixtures.trainModelBin()))).artifacts[0]
        #expect(bin.format == "aiarts-train checkpoint")
        #expect(bin.inputs == [ModelTensorInfo(name: "image", dtype: "float32", shape: ["1", "3", "32", "32"])])
        #expect(bin.outputs.first?.shape == ["1", "2"])
        #expect(bin.parameterCount == 5)
        #expect(bin.details["architecture"] == "cnn")
        #expect(bin.details["labels"] == "a,b")

        t.write("export/export.json", #"{"model": "resnet18", "task": "classification", "labels": ["a", "b"], "image_size": 64, "preprocess": {"resize": [64, 64]}, "files": {"onnx": "model.onnx"}, "ok": true}"#)
        t.write("export/model.onnx", Data(ModelFixtures.onnxModel()))
        t.write("export/model.json", "{}")  // a registry manifest: not a model file
        t.write("elsewhere/other.onnx", Data(ModelFixtures.onnxModel()))
        try FileManager.default.createSymbolicLink(at: t.path("export/link.onnx"), withDestinationURL: t.path("elsewhere/other.onnx"))
        try FileManager.default.createSymbolicLink(at: t.path("export/loop"), withDestinationURL: t.path("export"))  // links are not followed
        let e = try ModelInspector.inspect(t.path("export"))
        #expect(e.format == "aiarts export, onnx")
        #expect(e.artifacts.map(\.path) == ["export.json", "model.onnx"])
        #expect(e.artifacts[0].inputs.first?.shape == ["batch", "3", "64", "64"])
        #expect(e.artifacts[0].details["checks"] == "passed")
    }

    @Test func unknownAndCorruptFilesGiveAReason() throws {
        let t = TempFolder("aiarts-mj")
        do { _ = try ModelInspector.inspect(t.write("notes.txt", "hello")); Issue.record("read") } catch let e as AIArtsError {
            #expect(e.message == "notes.txt is not a model format aiarts recognises (ONNX, TorchScript, PyTorch, TensorFlow, Keras, Paddle, safetensors, aiarts): it starts with bytes 68 65 6c 6c 6f")
        }
        t.write("folder/readme.md", "# hi")
        do { _ = try ModelInspector.inspect(t.path("folder")); Issue.record("read") } catch let e as AIArtsError {
            #expect(e.message == "no model file aiarts recognises in folder (1 files: readme.md)")
        }
        let model = ModelFixtures.onnxModel()
        do { _ = try ModelInspector.inspect(t.write("cut.onnx", Data(model.prefix(40)))); Issue.record("read") } catch let e as AIArtsError {
            #expect(e.message.hasPrefix("cut.onnx: not an ONNX model: "))
            #expect(e.message.contains("truncated at byte 40"))
        }
        do { _ = try ModelInspector.inspect(t.write("w.pt", "text")); Issue.record("read") } catch let e as AIArtsError {
            #expect(e.message.contains("neither a zip"))
        }
        // A torch zip is recognised and left to Python.
        let torchZip = t.write("model.pt", Data(Fixture.zip([.init(name: "archive/data.pkl", data: [0x80, 2]), .init(name: "archive/data/0", data: [0])])))
        let a = try ModelInspector.inspect(torchZip).artifacts[0]
        #expect(a.format == "pytorch state_dict" && a.needsPython)
    }
}

import Foundation
import Testing
@testable import AIArtsTrain

struct CheckpointFormatTests {
    func sample() throws -> Checkpoint {
        let network = try Network(spec: NetworkSpec(architecture: .cnn, imageSize: 8, widths: [2, 4], classes: 3), seed: 1)
        var optimizer = Optimizer(kind: .adam, parameterCount: network.parameterCount)
        var params = network.parameters
        optimizer.apply(gradients: params.map { $0 * 0.5 }, scale: 1, learningRate: 0.01, to: &params)
        return Checkpoint(network: try Network(spec: network.spec, parameters: params), labels: ["猫", "dog", "a \"quoted\" name"],
                          normalization: Normalization(), optimizer: optimizer)
    }

    @Test func modelAndOptimizerRoundTrip() throws {
        let original = try sample()
        let (network, labels, norm) = try Checkpoint.decodeModel(original.encodeModel())
        #expect(network.spec == original.network.spec)
        #expect(network.parameters == original.network.parameters)
        #expect(labels == original.labels)
        #expect(norm == original.normalization)
        let optimizer = try Checkpoint.decodeOptimizer(Checkpoint.encodeOptimizer(original.optimizer!), parameterCount: network.parameterCount)
        #expect(optimizer == original.optimizer)
    }

    @Test func headerIsLittleEndianWithMagicAndVersion() throws {
        let bytes = try sample().encodeModel()
        #expect(Array(bytes[0..<8]) == Array("AIARTSNN".utf8))
        #expect(Array(bytes[8..<12]) == [1, 0, 0, 0])      // version 1
        #expect(Array(bytes[12..<16]) == [2, 0, 0, 0])     // architecture 2 = cnn
        #expect(Array(bytes[16..<20]) == [8, 0, 0, 0])     // image size
    }

    @Test func damagedOrTruncatedFilesAreRefused() throws {
        var bytes = try sample().encodeModel()
        #expect(throws: TrainError.self) { try Checkpoint.decodeModel(Array(bytes.dropLast(9))) }
        bytes[40] ^= 0x10
        #expect(throws: TrainError.self) { try Checkpoint.decodeModel(bytes) }
        #expect(throws: TrainError.self) { try Checkpoint.decodeModel(Array("not a model at all".utf8)) }
        #expect(throws: TrainError.self) { try Checkpoint.decodeModel([]) }
    }

    @Test func absurdCountsAreRefusedBeforeAllocating() throws {
        // A well-sealed file whose label count claims far more than the bytes hold.
        var w = ByteWriter()
        w.raw(Array("AIARTSNN".utf8)); w.u32(1); w.u32(2); w.u32(8); w.u32(3); w.f32(0.5); w.f32(0.25)
        w.u32(1); w.u32(4); w.u32(4_000_000_000)
        w.seal()
        #expect(throws: TrainError.self) { try Checkpoint.decodeModel(w.bytes) }
    }

    @Test func saveIsAtomicAndReplacesAnOlderCheckpoint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("checkpoints/epoch_1")
        let first = try sample()
        try first.save(to: target)
        var second = first
        second.labels = ["x", "y", "z"]
        try second.save(to: target)
        let loaded = try Checkpoint.load(from: target)
        #expect(loaded.labels == ["x", "y", "z"])
        #expect(loaded.optimizer == first.optimizer)
        // Only the finished folder is left: no temporary or old copies beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("checkpoints").path) == ["epoch_1"])
        // model.bin alone also loads (for predict), without optimizer state.
        let modelOnly = try Checkpoint.load(from: target.appendingPathComponent("model.bin"))
        #expect(modelOnly.network.parameters == first.network.parameters)
    }

    @Test func metricsLinesAreJSON() throws {
        let line = MetricsWriter.line([("type", .string("checkpoint")), ("epoch", .int(3)), ("path", .string("a\"b\\c\n\u{1}")),
                                       ("best", .bool(true)), ("loss", .number(0.25)), ("bad", .number(.nan))])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "checkpoint")
        #expect(object["path"] as? String == "a\"b\\c\n\u{1}")
        #expect(object["loss"] as? Double == 0.25)
        #expect(object["bad"] is NSNull)
        #expect(line.hasPrefix("{\"type\":\"checkpoint\""))
    }
}

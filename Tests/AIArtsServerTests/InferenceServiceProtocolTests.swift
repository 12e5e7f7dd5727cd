import AIArtsEngine
import Foundation
import Testing
@testable import AIArtsServer

/// The pieces of an inference service that need no model: the worker protocol's frames, dynamic
/// batching, answers from raw outputs, multipart bodies. `swift test --filter InferenceServiceProtocolTests`.
@Suite struct InferenceServiceProtocolTests {
    /// Reads from a byte array as the worker's stdout would give it.
    final class Stream {
        var bytes: [UInt8]
        var at = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func read(_ n: Int) -> [UInt8] {
            let end = min(bytes.count, at + n)
            defer { at = end }
            return Array(bytes[at..<end])
        }
    }

    static func answer(_ outputs: [(String, [Int], [Float])]) throws -> [UInt8] {
        var data: [UInt8] = []
        for (_, _, values) in outputs {
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        }
        return try WorkerProtocol.encode(headerJSON: ["ok": true, "outputs": outputs.map { ["name": $0.0, "shape": $0.1] }], data: data)
    }

    @Test func aRunRequestIsLengthPrefixedJSONAndLittleEndianFloats() throws {
        let frame = try WorkerProtocol.runRequest(shape: [1, 3, 1, 2], values: [0, 1, -2, 0.5, 3, 4])
        let stream = Stream(frame)
        let (header, data) = try WorkerProtocol.readFrame(stream.read)
        #expect(header["op"] as? String == "run" && header["shape"] as? [Int] == [1, 3, 1, 2])
        #expect(data.count == 24 && stream.at == frame.count)
        #expect(Array(frame.prefix(4)) == [UInt8(frame.count - 4 - 8 - 24), 0, 0, 0])
        #expect(Array(data[4..<8]) == [0x00, 0x00, 0x80, 0x3F])  // 1.0f, little-endian
    }

    @Test func answersSplitIntoNamedArrays() throws {
        let bytes = try Self.answer([("boxes", [1, 2, 4], [0, 1, 2, 3, 4, 5, 6, 7]), ("scores", [1, 2], [0.9, 0.1])])
        let stream = Stream(bytes)
        let (header, data) = try WorkerProtocol.readFrame(stream.read)
        let tensors = try WorkerProtocol.outputs(header: header, data: data)
        #expect(tensors.map(\.name) == ["boxes", "scores"])
        #expect(tensors[0].shape == [1, 2, 4] && tensors[0].values == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(tensors[1].values == [0.9, 0.1])
    }

    @Test func brokenFramesAreReasonsNotCrashes() throws {
        // A stream that ends early, a huge header length, a header that is not JSON, outputs larger than the data.
        #expect(throws: WorkerError.closed) { try WorkerProtocol.readFrame(Stream([1, 0]).read) }
        #expect(throws: WorkerError.self) { try WorkerProtocol.readFrame(Stream([0xFF, 0xFF, 0xFF, 0x7F]).read) }
        var notJSON: [UInt8] = [3, 0, 0, 0] + Array("abc".utf8) + [UInt8](repeating: 0, count: 8)
        #expect(throws: WorkerError.self) { try WorkerProtocol.readFrame(Stream(notJSON).read) }
        notJSON = try WorkerProtocol.encode(headerJSON: ["ok": true, "outputs": [["name": "x", "shape": [1000, 1000]]]], data: [0, 0, 0, 0])
        let (header, data) = try WorkerProtocol.readFrame(Stream(notJSON).read)
        #expect(throws: WorkerError.self) { try WorkerProtocol.outputs(header: header, data: data) }
        #expect(throws: WorkerError.failed("onnxruntime is not installed")) {
            try WorkerProtocol.outputs(header: ["ok": false, "error": "onnxruntime is not installed"], data: [])
        }
    }

    // MARK: Batching

    /// Records each batch the model got.
    final class Model: @unchecked Sendable {
        private let lock = NSLock()
        private var batches: [[Int]] = []
        var seen: [[Int]] { lock.withLock { batches } }
        func run(_ batch: [Int]) async -> [Result<Int, any Error>] {
            lock.withLock { batches.append(batch) }
            try? await Task.sleep(for: .milliseconds(20))
            return batch.map { $0 < 0 ? .failure(WorkerError.failed("negative")) : .success($0 * 10) }
        }
    }

    @Test func requestsArrivingTogetherRunAsOneBatchUpToTheLimit() async throws {
        let model = Model()
        let batcher = InferenceBatcher<Int, Int>(maxBatch: 4, maxDelay: .milliseconds(200)) { await model.run($0) }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<8 { group.addTask { (i, try await batcher.submit(i)) } }
            var out: [Int: Int] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        #expect(results == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, $0 * 10) }))
        // Full batches do not wait for the delay; none is larger than the limit.
        #expect(model.seen.allSatisfy { $0.count <= 4 } && model.seen.map(\.count).reduce(0, +) == 8)
        #expect(model.seen.count == 2)
        #expect(await batcher.batchSizes == [4: 2])
    }

    @Test func aLoneRequestRunsAfterTheDelayAndFailuresStayWithTheirRequest() async throws {
        let model = Model()
        let batcher = InferenceBatcher<Int, Int>(maxBatch: 8, maxDelay: .milliseconds(30)) { await model.run($0) }
        let clock = ContinuousClock(), start = clock.now
        #expect(try await batcher.submit(3) == 30)
        #expect(start.duration(to: clock.now) >= .milliseconds(30))
        let good = Task { try await batcher.submit(1) }
        let bad = Task { try await batcher.submit(-1) }
        #expect(try await good.value == 10)
        await #expect(throws: WorkerError.failed("negative")) { try await bad.value }
    }

    @Test func withoutBatchingEveryRequestRunsAlone() async throws {
        let model = Model()
        let batcher = InferenceBatcher<Int, Int>(maxBatch: 1, maxDelay: .zero) { await model.run($0) }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<5 { group.addTask { try await batcher.submit(i) } }
            for try await _ in group {}
        }
        #expect(model.seen.count == 5 && model.seen.allSatisfy { $0.count == 1 })
    }

    // MARK: Answers

    static let image = PreparedImage(tensor: [], shape: [3, 50, 100], width: 200, height: 100)

    @Test func classificationLogitsBecomeRankedProbabilities() throws {
        let info = ServingModelInfo(task: "classification", labels: ["cat", "dog", "fox"], batching: true, device: "cpu", imageSize: 32)
        let p = try Postprocess.prediction([.init(name: "output", shape: [3], values: [1, 3, 2])], info: info, image: Self.image, scoreThreshold: 0.5)
        #expect(p.classes.map(\.label) == ["dog", "fox", "cat"] && p.classes.map(\.index) == [1, 2, 0])
        #expect(abs(p.classes.map(\.score).reduce(0, +) - 1) < 1e-6 && abs(p.classes[0].score - 0.6652) < 1e-3)
    }

    @Test func detectionBoxesAreScaledToTheImageFilteredAndLabelled() throws {
        let info = ServingModelInfo(task: "detection", labels: ["circle", "square"], batching: false, device: "cpu", imageSize: nil)
        let outputs: [WorkerProtocol.Tensor] = [
            .init(name: "boxes", shape: [3, 4], values: [10, 5, 20, 25, 0, 0, 50, 50, 1, 1, 2, 2]),
            .init(name: "labels", shape: [3], values: [2, 1, 1]),
            .init(name: "scores", shape: [3], values: [0.6, 0.9, 0.2]),
        ]
        let p = try Postprocess.prediction(outputs, info: info, image: Self.image, scoreThreshold: 0.5)
        #expect(p.boxes.map(\.label) == ["circle", "square"] && p.boxes.map(\.score).map { Float($0) } == [0.9, 0.6])
        // The model saw 100×50; the image is 200×100.
        #expect(p.boxes[1].box == [20, 10, 40, 50])
        let all = try Postprocess.prediction(outputs, info: info, image: Self.image, scoreThreshold: 0)
        #expect(all.boxes.count == 3)
        #expect(throws: WorkerError.self) {
            try Postprocess.prediction(Array(outputs.prefix(2)), info: info, image: Self.image, scoreThreshold: 0.5)
        }
    }

    @Test func segmentationMasksAreColumnMajorRLEOfTheImageSize() throws {
        let info = ServingModelInfo(task: "segmentation", labels: ["background", "road"], batching: true, device: "cpu", imageSize: 2)
        // 2×2 scores: class 1 wins at the top-right pixel only.
        let scores: [Float] = [1, 0, 1, 1,  0, 5, 0, 0]
        let image = PreparedImage(tensor: [], shape: [3, 2, 2], width: 4, height: 2)
        let p = try Postprocess.prediction([.init(name: "output", shape: [2, 2, 2], values: scores)], info: info, image: image, scoreThreshold: 0.5)
        #expect(p.masks.map(\.label) == ["background", "road"])
        let road = p.masks[1]
        // Stretched to 4×2: columns 2 and 3, top row. Column-major: pixels 4 and 6.
        #expect(road.rle.size == [2, 4] && road.pixels == 2 && road.rle.counts == [4, 1, 1, 1, 1])
        #expect(p.masks[0].pixels == 6 && p.masks[0].rle.counts.reduce(0, +) == 8)
    }

    @Test func multipartBodiesGiveTheirImageField() throws {
        let body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            + [0xFF, 0xD8, 0x0D, 0x0A, 0x01] + Array("\r\n--XyZ--\r\n".utf8)
        #expect(try PredictHandler.imageBytes(body, contentType: "multipart/form-data; boundary=XyZ") == [0xFF, 0xD8, 0x0D, 0x0A, 0x01])
        #expect(try PredictHandler.imageBytes([1, 2, 3], contentType: "image/jpeg") == [1, 2, 3])
        #expect(throws: ServiceRequestError.self) { try PredictHandler.imageBytes(body, contentType: "multipart/form-data; boundary=Other") }
        #expect(throws: ServiceRequestError.self) { try PredictHandler.imageBytes(body, contentType: "multipart/form-data") }
    }
}

/// `ServiceStats`: the 10 s window and when stats.json needs rewriting.
@Suite struct InferenceServiceStatsTests {
    @Test func ratesAndPercentilesCoverTheLastTenSecondsAndAnIdleServiceIsWrittenOnceMore() {
        let stats = ServiceStats()
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<100 { stats.record(latencyMs: Double(i + 1), failed: i % 10 == 0, at: start.addingTimeInterval(Double(i) * 0.1)) }
        let now = start.addingTimeInterval(10)
        let (busy, changed) = stats.snapshot(batchSizes: [4: 25], gpuMemoryMiB: nil, now: now, resetChanged: true)
        #expect(changed && busy.requests == 100 && busy.errors == 10 && busy.batchSizes == ["4": 25])
        #expect(busy.requestsPerSecond == 10 && busy.p50Ms == 50 && busy.p99Ms == 99)
        // Past the window: nothing in it, but the file still says 10/s, so it is written once more.
        let later = now.addingTimeInterval(11)
        let (idle, changedAgain) = stats.snapshot(batchSizes: [4: 25], gpuMemoryMiB: nil, now: later, resetChanged: true)
        #expect(changedAgain && idle.requestsPerSecond == 0 && idle.p50Ms == nil && idle.requests == 100)
        #expect(!stats.snapshot(batchSizes: [4: 25], gpuMemoryMiB: nil, now: later.addingTimeInterval(1), resetChanged: true).1)
    }
}

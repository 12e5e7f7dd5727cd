import Foundation

/// Where a training run stood when a checkpoint was written; kept as state.json beside the
/// weights, readable by people and by the engine.
public struct TrainingState: Codable, Sendable, Equatable {
    public var dataset: String
    /// The epoch this checkpoint belongs to (1-based).
    public var epoch: Int
    public var epochs: Int
    /// Batches of `epoch` done: stepsPerEpoch for a finished epoch, fewer for a checkpoint written
    /// on stop in the middle of one.
    public var stepInEpoch: Int
    public var stepsPerEpoch: Int
    /// Batches done since the run began (the `step` of the metrics lines).
    public var globalStep: Int
    public var totalSteps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var schedule: String
    public var seed: UInt64
    /// Validation accuracy after this epoch (nil for a mid-epoch checkpoint or without a val split).
    public var acc1: Double?
    public var acc5: Double?
    /// The best validation top-1 accuracy of the run so far, this checkpoint included.
    public var bestAcc1: Double?
    public var savedAt: Date

    public var isEpochComplete: Bool { stepInEpoch >= stepsPerEpoch }
}

/// A trained model and, when written by training, the optimizer and run state to resume from.
///
/// A checkpoint is a folder (`checkpoints/epoch_N/`) holding model.bin, optimizer.bin and
/// state.json; the binary layouts are documented in docs/trainer.md. It is written into a hidden
/// temporary folder beside its destination and renamed into place, so a reader never sees a
/// half-written checkpoint.
public struct Checkpoint: Sendable {
    public var network: Network
    public var labels: [String]
    public var normalization: Normalization
    public var optimizer: Optimizer?
    public var state: TrainingState?

    public static let modelFile = "model.bin"
    public static let optimizerFile = "optimizer.bin"
    public static let stateFile = "state.json"
    static let modelMagic = Array("AIARTSNN".utf8)
    static let optimizerMagic = Array("AIARTSOP".utf8)
    static let version: UInt32 = 1

    public init(network: Network, labels: [String], normalization: Normalization, optimizer: Optimizer? = nil, state: TrainingState? = nil) {
        self.network = network
        self.labels = labels
        self.normalization = normalization
        self.optimizer = optimizer
        self.state = state
    }

    // MARK: - Model file

    func encodeModel() -> [UInt8] {
        var w = ByteWriter()
        let spec = network.spec
        w.raw(Self.modelMagic)
        w.u32(Self.version)
        w.u32(spec.architecture.code)
        w.u32(UInt32(spec.imageSize))
        w.u32(UInt32(spec.channels))
        w.f32(normalization.mean)
        w.f32(normalization.std)
        w.u32(UInt32(spec.widths.count))
        for width in spec.widths { w.u32(UInt32(width)) }
        w.u32(UInt32(labels.count))
        for label in labels { w.string(label) }
        w.floats(network.parameters)
        w.seal()
        return w.bytes
    }

    static func decodeModel(_ bytes: [UInt8]) throws(TrainError) -> (Network, [String], Normalization) {
        var r = ByteReader(bytes, what: modelFile)
        guard bytes.count >= 8, Array(bytes[0..<8]) == modelMagic else { throw TrainError("\(modelFile) is not an aiarts-train model (bad magic)") }
        try r.verifySeal()
        _ = try r.raw(8)
        let version = try r.u32()
        guard version == Self.version else { throw TrainError("\(modelFile) has format version \(version); this trainer reads version \(Self.version)") }
        guard let arch = Architecture(code: try r.u32()) else { throw TrainError("\(modelFile) names an unknown architecture") }
        let imageSize = Int(try r.u32()), channels = Int(try r.u32())
        let norm = Normalization(mean: try r.f32(), std: try r.f32())
        guard norm.std.isFinite, norm.std > 0, norm.mean.isFinite else { throw TrainError("\(modelFile) has a bad normalisation") }
        let widthCount = Int(try r.u32())
        guard widthCount <= 8 else { throw TrainError("\(modelFile) declares \(widthCount) layer widths") }
        var widths: [Int] = []
        for _ in 0..<widthCount { widths.append(Int(try r.u32())) }
        let labelCount = Int(try r.u32())
        guard labelCount >= 1, labelCount <= 100_000, labelCount <= r.remaining / 4 else { throw TrainError("\(modelFile) declares \(labelCount) labels") }
        var labels: [String] = []
        for _ in 0..<labelCount { labels.append(try r.string(maxBytes: 4096)) }
        let spec = NetworkSpec(architecture: arch, imageSize: imageSize, channels: channels, widths: widths, classes: labelCount)
        try spec.validate()
        let params = try r.floats(max: 50_000_000)
        guard r.remaining == 4 else { throw TrainError("\(modelFile) has \(r.remaining - 4) unexpected trailing bytes") }
        return (try Network(spec: spec, parameters: params), labels, norm)
    }

    // MARK: - Optimizer file

    static func encodeOptimizer(_ o: Optimizer) -> [UInt8] {
        var w = ByteWriter()
        w.raw(optimizerMagic)
        w.u32(version)
        w.u32(o.kind.code)
        w.u64(UInt64(o.step))
        w.u32(UInt32(o.hyper.count))
        for h in o.hyper { w.f32(h) }
        w.floats(o.first)
        w.floats(o.second)
        w.seal()
        return w.bytes
    }

    static func decodeOptimizer(_ bytes: [UInt8], parameterCount: Int) throws(TrainError) -> Optimizer {
        var r = ByteReader(bytes, what: optimizerFile)
        guard bytes.count >= 8, Array(bytes[0..<8]) == optimizerMagic else { throw TrainError("\(optimizerFile) is not an aiarts-train optimizer state (bad magic)") }
        try r.verifySeal()
        _ = try r.raw(8)
        let version = try r.u32()
        guard version == Self.version else { throw TrainError("\(optimizerFile) has format version \(version); this trainer reads version \(Self.version)") }
        guard let kind = OptimizerKind(code: try r.u32()) else { throw TrainError("\(optimizerFile) names an unknown optimizer") }
        let step = try r.u64()
        let hyperCount = Int(try r.u32())
        guard hyperCount <= 16, step < UInt64(Int.max) else { throw TrainError("\(optimizerFile) has a bad header") }
        var hyper: [Float] = []
        for _ in 0..<hyperCount { hyper.append(try r.f32()) }
        let first = try r.floats(max: parameterCount), second = try r.floats(max: parameterCount)
        guard first.count == parameterCount, second.count == (kind == .adam ? parameterCount : 0) else {
            throw TrainError("\(optimizerFile) does not match the model (\(first.count) values for \(parameterCount) parameters)")
        }
        return Optimizer(kind: kind, hyper: hyper, step: Int(step), first: first, second: second)
    }

    // MARK: - Folder

    /// Writes the checkpoint folder atomically: into `.name.tmp-…` beside it, then renamed.
    /// An existing checkpoint of the same name is replaced only once the new one is complete.
    public func save(to folder: URL) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temp = parent.appendingPathComponent(".\(folder.lastPathComponent).tmp-\(tag)")
        try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        do {
            try Self.writeSynced(encodeModel(), to: temp.appendingPathComponent(Self.modelFile))
            if let optimizer { try Self.writeSynced(Self.encodeOptimizer(optimizer), to: temp.appendingPathComponent(Self.optimizerFile)) }
            if let state {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                try Self.writeSynced(Array(try encoder.encode(state)), to: temp.appendingPathComponent(Self.stateFile))
            }
            if fm.fileExists(atPath: folder.path) {
                let old = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(tag)")
                try fm.moveItem(at: folder, to: old)
                try fm.moveItem(at: temp, to: folder)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: temp, to: folder)
            }
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
    }

    /// Loads a checkpoint folder (or a model.bin path directly). The optimizer and state are
    /// optional: a model exported without them still evaluates and predicts.
    public static func load(from url: URL) throws -> Checkpoint {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw TrainError("no checkpoint at \(url.path)")
        }
        let folder = isDir.boolValue ? url : url.deletingLastPathComponent()
        let modelURL = isDir.boolValue ? url.appendingPathComponent(modelFile) : url
        guard let modelData = FileManager.default.contents(atPath: modelURL.path) else {
            throw TrainError("cannot read \(modelURL.path)")
        }
        let (network, labels, norm) = try decodeModel(Array(modelData))
        var checkpoint = Checkpoint(network: network, labels: labels, normalization: norm)
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(optimizerFile).path) {
            checkpoint.optimizer = try decodeOptimizer(Array(data), parameterCount: network.parameterCount)
        }
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(stateFile).path) {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            do {
                checkpoint.state = try decoder.decode(TrainingState.self, from: data)
            } catch {
                throw TrainError("\(folder.appendingPathComponent(stateFile).path) is not a valid training state: \(error)")
            }
        }
        return checkpoint
    }

    /// Writes and fsyncs, so that after the rename the files are on disk, not just in the page cache.
    static func writeSynced(_ bytes: [UInt8], to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TrainError("cannot create \(url.path)")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
    }
}

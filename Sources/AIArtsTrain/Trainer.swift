import AIArtsEngine
import AIArtsImaging
import Foundation

/// The training loop: load the dataset, build or restore the model, run mini-batch epochs,
/// evaluate on val after each, checkpoint, and speak the metrics protocol throughout.
public enum Trainer {
    public static func run(_ config: TrainConfig, stop: StopSignal = StopSignal(),
                           events: (TrainEvent) -> Void = { _ in }) throws -> TrainResult {
        try config.validate()
        let clock = ContinuousClock(), started = clock.now
        let resume = try config.resumeFrom.map { try Checkpoint.load(from: $0) }
        if let resume { try checkCompatible(config, resume) }
        let initial = try config.initFrom.map { try Checkpoint.load(from: $0) }
        if let initial { try checkArchitecture(config, initial.network.spec, what: "--init-from's checkpoint") }

        let spec0 = resume?.network.spec ?? initial?.network.spec
        let imageSize = spec0?.imageSize ?? config.imageSize ?? TrainConfig.defaultImageSize
        let normalization = resume?.normalization ?? initial?.normalization ?? Normalization()
        let workspace = try Workspace(root: config.workspace)
        let data = try ClassificationData.load(workspace: workspace, dataset: config.dataset, splits: [.train, .val],
                                               imageSize: imageSize, normalization: normalization, workers: config.workers)
        let train = data.sets[.train]!, val = data.sets[.val]!
        guard train.count > 0 else {
            throw TrainError("\(config.dataset) has no usable images in its train split; split it first (`aiarts dataset split \(config.dataset) --val 0.2`)")
        }
        events(.loaded(train: train.count, val: val.count, labels: data.labels,
                       skipped: data.skipped.map { "\($0.path): \($0.reason)" }, seconds: (clock.now - started).seconds))

        var network: Network
        var optimizer: Optimizer
        if let resume {
            guard resume.labels == data.labels else {
                throw TrainError("the checkpoint's labels \(resume.labels) differ from \(config.dataset)'s \(data.labels)")
            }
            network = resume.network
            optimizer = resume.optimizer!
        } else if let initial {
            // Fine-tuning: the weights only; a fresh optimizer and schedule from epoch 1.
            guard initial.labels == data.labels else {
                throw TrainError("--init-from's checkpoint was trained on labels \(initial.labels), \(config.dataset) has \(data.labels); aiarts-train fine-tunes onto the same labels only")
            }
            network = initial.network
            optimizer = Optimizer(kind: config.optimizer ?? TrainConfig.defaultOptimizer, parameterCount: network.parameterCount)
            events(.initialized(from: config.initFrom!.path))
        } else {
            let spec = NetworkSpec(architecture: config.model ?? TrainConfig.defaultModel, imageSize: imageSize,
                                   widths: config.widths, classes: data.labels.count)
            network = try Network(spec: spec, seed: config.seed)
            optimizer = Optimizer(kind: config.optimizer ?? TrainConfig.defaultOptimizer, parameterCount: network.parameterCount)
        }
        let baseRate = config.learningRate ?? resume?.state?.learningRate ?? optimizer.kind.defaultLearningRate
        let engine = BatchEngine(network: network, workers: config.workers)
        events(.model(spec: network.spec, parameters: network.parameterCount, optimizer: optimizer.kind,
                      learningRate: baseRate, workers: engine.workers))

        // Where to start: after a finished epoch, at the next one; after a stop mid-epoch, at the
        // next batch of the same epoch (its shuffle is replayed from the seed).
        let stepsPerEpoch = (train.count + config.batchSize - 1) / config.batchSize
        var startEpoch = 1, startStep = 0, globalStep = 0
        var bestAcc1: Double?
        if let state = resume?.state {
            if state.isEpochComplete {
                startEpoch = state.epoch + 1
            } else {
                guard state.stepsPerEpoch == stepsPerEpoch else {
                    throw TrainError("the checkpoint stopped mid-epoch with \(state.stepsPerEpoch) steps per epoch; resume it with the same --batch-size (\(state.batchSize)) and dataset")
                }
                startEpoch = state.epoch
                startStep = state.stepInEpoch
            }
            globalStep = state.globalStep
            bestAcc1 = state.bestAcc1
            events(.resumed(from: config.resumeFrom!.path, epoch: startEpoch, globalStep: globalStep))
        }
        guard startEpoch <= config.epochs else {
            throw TrainError("the checkpoint has finished epoch \(startEpoch - 1) already; pass --epochs greater than that to train on")
        }
        let totalSteps = globalStep + (stepsPerEpoch - startStep) + (config.epochs - startEpoch) * stepsPerEpoch
        let logEvery = max(1, stepsPerEpoch / max(1, config.logsPerEpoch))

        let metrics = try MetricsWriter(url: config.metricsURL ?? MetricsWriter.defaultURL(taskDir: config.taskDir))
        let n = network.spec.inputCount
        var batch = [Float](repeating: 0, count: config.batchSize * n)
        var grads = [Float](repeating: 0, count: network.parameterCount)
        var result = TrainResult(finished: false, epoch: startEpoch - 1, globalStep: globalStep, lastCheckpoint: nil,
                                 acc1: nil, bestAcc1: bestAcc1, seconds: 0)
        /// This run's checkpoint lines, for --keep-checkpoints.
        var written: [MetricCheckpoint] = []

        /// Saves a checkpoint and writes its metrics line.
        func save(epoch: Int, stepInEpoch: Int, acc1: Double?, acc5: Double?, best: Bool) throws {
            let partial = stepInEpoch < stepsPerEpoch
            let name = partial ? "epoch_\(epoch)_step_\(globalStep)" : "epoch_\(epoch)"
            let state = TrainingState(dataset: config.dataset, epoch: epoch, epochs: config.epochs, stepInEpoch: stepInEpoch,
                                      stepsPerEpoch: stepsPerEpoch, globalStep: globalStep, totalSteps: totalSteps,
                                      batchSize: config.batchSize, learningRate: baseRate, schedule: config.schedule.rawValue,
                                      seed: config.seed, acc1: acc1, acc5: acc5, bestAcc1: bestAcc1, savedAt: Date())
            let folder = config.taskDir.appendingPathComponent("checkpoints/\(name)")
            try Checkpoint(network: network, labels: data.labels, normalization: normalization,
                           optimizer: optimizer, state: state).save(to: folder)
            var fields: [(String, MetricValue)] = [("type", .string("checkpoint")), ("epoch", .int(epoch)),
                                                   ("path", .string("checkpoints/\(name)")), ("best", .bool(best))]
            if partial { fields.append(("partial", .bool(true))) }
            try metrics.write(fields)
            written.append(MetricCheckpoint(epoch: Double(epoch), path: "checkpoints/\(name)", best: best))
            // After the line is out: a reader never sees a line for a deleted checkpoint as the last.
            CheckpointRetention.prune(folder: config.taskDir, lines: written, keep: config.keepCheckpoints)
            result.lastCheckpoint = folder
            events(.checkpoint(epoch: epoch, path: folder.path, best: best, partial: partial))
        }

        for epoch in startEpoch...config.epochs {
            var rng = SeededRandom.forEpoch(seed: config.seed, epoch: epoch)
            var order = Array(0..<train.count)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(in: 0...i)) }
            // Drawn for every position even when an augmentation is off, so turning one off
            // does not change the other's draws.
            let shift = config.shift ?? imageSize / 8
            let augment = (0..<train.count).map { _ in
                let flip = rng.next() & 1 == 1, dx = rng.int(in: -shift...shift), dy = rng.int(in: -shift...shift)
                return (flip: config.flip && flip, dx: dx, dy: dy)
            }

            var windowLoss = 0.0, windowCount = 0, windowStart = clock.now
            let first = epoch == startEpoch ? startStep : 0
            for b in first..<stepsPerEpoch {
                let lo = b * config.batchSize, hi = min(lo + config.batchSize, train.count)
                let labels = (lo..<hi).map { train.labels[order[$0]] }
                train.inputs.withUnsafeBufferPointer { src in
                    batch.withUnsafeMutableBufferPointer { dst in
                        for (k, pos) in (lo..<hi).enumerated() {
                            let from = src.baseAddress! + order[pos] * n, to = dst.baseAddress! + k * n
                            let a = augment[pos]
                            Preprocess.copyAugmented(from, to, size: imageSize, flip: a.flip, dx: a.dx, dy: a.dy)
                        }
                    }
                }
                let lossSum = batch.withUnsafeBufferPointer { engine.gradients(network: network, inputs: $0, labels: labels, into: &grads) }
                let rate = config.schedule.rate(base: baseRate, step: globalStep, totalSteps: totalSteps)
                optimizer.apply(gradients: grads, scale: 1 / Float(labels.count), learningRate: Float(rate), to: &network.parameters)
                globalStep += 1
                windowLoss += lossSum
                windowCount += labels.count

                func logLine() throws {
                    let loss = windowLoss / Double(max(1, windowCount))
                    try metrics.write([("type", .string("train")), ("epoch", .int(epoch)), ("epochs", .int(config.epochs)),
                                       ("step", .int(globalStep)), ("steps", .int(totalSteps)), ("loss", .number(loss)),
                                       ("lr", .number(rate))])
                    let elapsed = (clock.now - windowStart).seconds
                    events(.progress(epoch: epoch, epochs: config.epochs, step: globalStep, steps: totalSteps, loss: loss,
                                     learningRate: rate, imagesPerSecond: elapsed > 0 ? Double(windowCount) / elapsed : 0))
                    windowLoss = 0; windowCount = 0; windowStart = clock.now
                }
                if (b + 1) % logEvery == 0 || b + 1 == stepsPerEpoch { try logLine() }
                // Checked after the line is out, so a request made while it was reported stops here.
                let stopping = stop.isRequested
                if stopping && b + 1 < stepsPerEpoch {
                    if windowCount > 0 { try logLine() }
                    try save(epoch: epoch, stepInEpoch: b + 1, acc1: nil, acc5: nil, best: false)
                    events(.stopped(epoch: epoch, step: globalStep))
                    result.epoch = epoch
                    result.globalStep = globalStep
                    result.seconds = (clock.now - started).seconds
                    return result
                }
            }

            var acc1: Double?, acc5: Double?
            if val.count > 0 {
                let report = Evaluator.evaluate(network: network, set: val, labels: data.labels, engine: engine)
                acc1 = report.acc1
                acc5 = report.acc5
                try metrics.write([("type", .string("eval")), ("epoch", .int(epoch)), ("step", .int(globalStep)), ("acc1", .number(report.acc1)),
                                   ("acc5", .number(report.acc5)), ("val_loss", .number(report.loss))])
                events(.evaluated(epoch: epoch, acc1: report.acc1, acc5: report.acc5, loss: report.loss, count: report.count))
            }
            let best = acc1.map { a in bestAcc1.map { a > $0 } ?? true } ?? false
            if best { bestAcc1 = acc1 }
            result.epoch = epoch
            result.globalStep = globalStep
            result.acc1 = acc1
            result.bestAcc1 = bestAcc1
            let stopping = stop.isRequested
            if epoch % config.saveInterval == 0 || epoch == config.epochs || stopping {
                try save(epoch: epoch, stepInEpoch: stepsPerEpoch, acc1: acc1, acc5: acc5, best: best)
            }
            if stopping && epoch < config.epochs {
                events(.stopped(epoch: epoch, step: globalStep))
                result.seconds = (clock.now - started).seconds
                return result
            }
        }
        result.finished = true
        result.seconds = (clock.now - started).seconds
        return result
    }

    /// Settings given on the command line must agree with the checkpoint being resumed.
    static func checkCompatible(_ config: TrainConfig, _ resume: Checkpoint) throws(TrainError) {
        guard let optimizer = resume.optimizer, resume.state != nil else {
            throw TrainError("\(config.resumeFrom!.path) has no optimizer state or state.json; it can be evaluated but not resumed")
        }
        try checkArchitecture(config, resume.network.spec)
        if let kind = config.optimizer, kind != optimizer.kind {
            throw TrainError("the checkpoint was trained with \(optimizer.kind.rawValue); resume with --optimizer \(optimizer.kind.rawValue)")
        }
    }
}

extension Trainer {
    /// The model settings given on the command line must agree with a checkpoint's network.
    static func checkArchitecture(_ config: TrainConfig, _ spec: NetworkSpec, what: String = "the checkpoint") throws(TrainError) {
        if let model = config.model, model != spec.architecture {
            throw TrainError("\(what) is a \(spec.architecture.rawValue) model, not \(model.rawValue)")
        }
        if let size = config.imageSize, size != spec.imageSize {
            throw TrainError("\(what) was trained at --image-size \(spec.imageSize), not \(size)")
        }
        if let widths = config.widths, widths != spec.widths {
            throw TrainError("\(what) has layer widths \(spec.widths), not \(widths)")
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

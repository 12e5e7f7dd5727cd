import AIArtsEngine
import AIArtsTrain
import ArgumentParser
import Dispatch
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on a workspace dataset, checkpointing every epoch.",
        discussion: "SIGTERM (or Ctrl-C) finishes the current step, writes a checkpoint and exits 0; --resume-from continues from it."
    )

    @Option(help: ArgumentHelp("Workspace folder (default: $AIARTS_WORKSPACE, else ~/.local/share/aiarts).", valueName: "DIR"))
    var workspace: String?
    @Option(help: "Dataset id, e.g. D0001 (classification).") var dataset: String
    @Option(help: ArgumentHelp("Task folder: checkpoints/, metrics.jsonl (unless $AIARTS_METRICS) go here.", valueName: "TASKDIR"))
    var out: String
    @Option(help: "Epochs to train in all (a resumed run counts the epochs already done).") var epochs: Int = 60
    @Option(name: .customLong("batch-size"), help: "Images per step.") var batchSize: Int = 16
    @Option(help: "Base learning rate (default: 0.01 for adam, 0.05 for sgd; on resume, the checkpoint's).") var lr: Double?
    @Option(help: "sgd (momentum 0.9) or adam (default: adam; on resume, the checkpoint's).") var optimizer: String?
    @Option(help: "Learning-rate schedule: cosine or constant.") var schedule: String = "cosine"
    @Option(name: .customLong("image-size"), help: "Images are resized to this square size (default 32).") var imageSize: Int?
    @Option(help: "cnn or mlp (default: cnn).") var model: String?
    @Option(help: "Layer widths, comma-separated: conv channels per stage (cnn, default 8,16) or hidden units (mlp, default 128).")
    var widths: String?
    @Option(help: "Seed for the initial weights, the shuffle and the flips.") var seed: UInt64 = 1
    @Option(name: .customLong("resume-from"), help: ArgumentHelp("Checkpoint folder to continue from.", valueName: "TASKDIR/checkpoints/epoch_N"))
    var resumeFrom: String?
    @Option(name: .customLong("init-from"), help: ArgumentHelp("Fine-tune: start from this checkpoint's weights (another run's), with a fresh optimizer, at epoch 1.", valueName: "CHECKPOINT"))
    var initFrom: String?
    @Option(name: .customLong("keep-checkpoints"), help: "Keep this run's last N checkpoints and its best, deleting older ones (0: keep all).")
    var keepCheckpoints: Int = 0
    @Option(name: .customLong("save-interval"), help: "Write a checkpoint every N epochs (the last one always).") var saveInterval: Int = 1
    @Option(help: "Random shifts of training images by up to N pixels (default: image size / 8; 0 turns them off).") var shift: Int?
    @Option(help: "Worker threads (default: every core).") var workers: Int?
    @Flag(name: .customLong("no-flip"), help: "Turn off the random horizontal flips.") var noFlip = false

    func run() throws {
        var config = TrainConfig(workspace: workspaceURL(workspace), dataset: dataset, taskDir: fileURL(out))
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = lr
        config.seed = seed
        config.saveInterval = saveInterval
        config.flip = !noFlip
        config.shift = shift
        config.imageSize = imageSize
        config.resumeFrom = resumeFrom.map(fileURL)
        config.initFrom = initFrom.map(fileURL)
        config.keepCheckpoints = keepCheckpoints
        if let workers { config.workers = workers }
        if let optimizer {
            guard let kind = OptimizerKind(rawValue: optimizer) else { throw ValidationError("--optimizer must be sgd or adam") }
            config.optimizer = kind
        }
        if let model {
            guard let arch = Architecture(rawValue: model) else { throw ValidationError("--model must be cnn or mlp") }
            config.model = arch
        }
        guard let sched = Schedule(rawValue: schedule) else { throw ValidationError("--schedule must be cosine or constant") }
        config.schedule = sched
        if let widths {
            let parsed = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { throw ValidationError("--widths takes numbers separated by commas, e.g. 8,16") }
            config.widths = parsed.map { $0! }
        }
        try FileManager.default.createDirectory(at: config.taskDir, withIntermediateDirectories: true)

        // The runner stops a task with SIGTERM to its process group: turn it (and Ctrl-C) into a
        // request the loop honours after the current step, instead of dying mid-write.
        let stop = StopSignal()
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if !stop.isRequested { say("stop requested (signal \(sig)): finishing the current step, then saving a checkpoint") }
                stop.request()
            }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }

        let result = try Trainer.run(config, stop: stop, events: report)
        let best = result.bestAcc1.map { " (best \(percent($0)))" } ?? ""
        if result.finished {
            say("done: \(result.epoch) epochs, \(result.globalStep) steps in \(String(format: "%.1f", result.seconds))s; val acc1 \(result.acc1.map(percent) ?? "n/a")\(best)")
        } else {
            say("stopped at epoch \(result.epoch), step \(result.globalStep) after \(String(format: "%.1f", result.seconds))s; resume with --resume-from \(result.lastCheckpoint?.path ?? "?")")
        }
    }

    func report(_ event: TrainEvent) {
        switch event {
        case let .loaded(train, val, labels, skipped, seconds):
            say("\(dataset): \(train) train / \(val) val images, \(labels.count) labels (\(labels.prefix(10).map(clean).joined(separator: ", "))\(labels.count > 10 ? ", …" : "")); decoded in \(String(format: "%.2f", seconds))s")
            if !skipped.isEmpty {
                say("skipped \(skipped.count) samples:")
                for line in skipped.prefix(20) { say("  \(clean(line))") }
                if skipped.count > 20 { say("  … and \(skipped.count - 20) more") }
            }
            if val == 0 { say("no val split: no evaluation during training (split the dataset to get one)") }
        case let .model(spec, parameters, optimizer, rate, workers):
            say("model: \(spec.architecture.rawValue) \(spec.widths) at \(spec.imageSize)x\(spec.imageSize), \(parameters) parameters; \(optimizer.rawValue) lr \(rate) (\(schedule)), batch \(batchSize), \(workers) worker threads")
        case let .resumed(from, epoch, step):
            say("resuming from \(clean(from)) at epoch \(epoch), step \(step)")
        case let .initialized(from):
            say("starting from the weights of \(clean(from)) (fine-tuning: fresh optimizer, epoch 1)")
        case let .progress(epoch, epochs, step, steps, loss, rate, speed):
            say("epoch \(epoch)/\(epochs) step \(step)/\(steps) loss \(String(format: "%.4f", loss)) lr \(String(format: "%.5g", rate)) (\(Int(speed)) img/s)")
        case let .evaluated(epoch, acc1, acc5, loss, count):
            say("eval epoch \(epoch): acc1 \(percent(acc1)) acc5 \(percent(acc5)) val_loss \(String(format: "%.4f", loss)) on \(count) images")
        case let .checkpoint(epoch, path, best, partial):
            say("checkpoint epoch \(epoch)\(partial ? " (mid-epoch)" : ""): \(clean(path))\(best ? " (best so far)" : "")")
        case let .stopped(epoch, step):
            say("stopped in epoch \(epoch) at step \(step)")
        }
    }
}

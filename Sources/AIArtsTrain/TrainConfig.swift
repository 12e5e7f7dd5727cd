import AIArtsImaging
import Foundation

/// How the learning rate moves over the run.
public enum Schedule: String, Sendable, CaseIterable, Codable {
    /// Half a cosine from the base rate down to zero at the last step: large steps early, fine ones
    /// at the end, with nothing to tune. It depends only on the global step, so a resumed run
    /// follows the same curve.
    case cosine
    case constant

    func rate(base: Double, step: Int, totalSteps: Int) -> Double {
        switch self {
        case .constant: return base
        case .cosine:
            guard totalSteps > 0 else { return base }
            let t = min(1, Double(step) / Double(totalSteps))
            return base * 0.5 * (1 + cos(Double.pi * t))
        }
    }
}

/// Everything one `aiarts-train train` run needs. Optional fields fall back to the defaults, or,
/// when resuming, to what the checkpoint was trained with (and must agree with it when given).
public struct TrainConfig: Sendable {
    public var workspace: URL
    public var dataset: String
    public var taskDir: URL
    public var epochs: Int = 60
    public var batchSize: Int = 16
    public var learningRate: Double?
    public var optimizer: OptimizerKind?
    public var imageSize: Int?
    public var model: Architecture?
    public var widths: [Int]?
    public var seed: UInt64 = 1
    public var resumeFrom: URL?
    /// Fine-tune: start from the weights of this checkpoint (another task's), with a fresh
    /// optimizer, at epoch 1. Its architecture, image size and labels must fit the dataset.
    public var initFrom: URL?
    /// Keep this run's last N checkpoints and its best, deleting older ones as new ones are
    /// written (0: keep all). Checkpoints from before a resume are the engine's to prune.
    public var keepCheckpoints: Int = 0
    /// Save a checkpoint every N epochs (the last epoch, and a stop, always save).
    public var saveInterval: Int = 1
    public var schedule: Schedule = .cosine
    /// Random horizontal flips of training images.
    public var flip: Bool = true
    /// Random shifts of training images by up to this many pixels each way (nil: imageSize / 8).
    public var shift: Int?
    public var workers: Int = BatchEngine.defaultWorkers
    /// Train lines per epoch (at least; every step when an epoch has fewer steps).
    public var logsPerEpoch: Int = 4
    /// nil: $AIARTS_METRICS, else TASKDIR/metrics.jsonl.
    public var metricsURL: URL?

    public static let defaultImageSize = 32
    public static let defaultModel = Architecture.cnn
    public static let defaultOptimizer = OptimizerKind.adam

    public init(workspace: URL, dataset: String, taskDir: URL) {
        self.workspace = workspace
        self.dataset = dataset
        self.taskDir = taskDir
    }

    func validate() throws(TrainError) {
        guard epochs >= 1, epochs <= 100_000 else { throw TrainError("--epochs must be at least 1") }
        guard batchSize >= 1, batchSize <= 65_536 else { throw TrainError("--batch-size must be in 1...65536") }
        if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw TrainError("--lr must be a positive number") }
        guard saveInterval >= 1 else { throw TrainError("--save-interval must be at least 1") }
        if let shift, shift < 0 { throw TrainError("--shift must not be negative") }
        guard workers >= 1 else { throw TrainError("workers must be at least 1") }
        guard keepCheckpoints >= 0 else { throw TrainError("--keep-checkpoints must be 0 (all) or more") }
        if resumeFrom != nil && initFrom != nil {
            throw TrainError("--resume-from continues a run and --init-from starts a new one from other weights: give one")
        }
    }
}

/// What the training loop reports as it goes; the executable turns these into log lines.
public enum TrainEvent: Sendable {
    case loaded(train: Int, val: Int, labels: [String], skipped: [String], seconds: Double)
    case model(spec: NetworkSpec, parameters: Int, optimizer: OptimizerKind, learningRate: Double, workers: Int)
    case resumed(from: String, epoch: Int, globalStep: Int)
    case initialized(from: String)
    case progress(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, learningRate: Double, imagesPerSecond: Double)
    case evaluated(epoch: Int, acc1: Double, acc5: Double, loss: Double, count: Int)
    case checkpoint(epoch: Int, path: String, best: Bool, partial: Bool)
    case stopped(epoch: Int, step: Int)
}

/// How a run ended.
public struct TrainResult: Sendable {
    /// False when a stop request ended it before the last epoch.
    public var finished: Bool
    public var epoch: Int
    public var globalStep: Int
    public var lastCheckpoint: URL?
    public var acc1: Double?
    public var bestAcc1: Double?
    public var seconds: Double
}

/// A stop request (SIGTERM in the executable) that the loop checks after every step.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    public init() {}

    public func request() { lock.withLock { requested = true } }
    public var isRequested: Bool { lock.withLock { requested } }
}

extension SeededRandom {
    /// A generator for one epoch of one run: the shuffle and flips of epoch e depend only on the
    /// seed and e, which is what lets a resumed run replay exactly the batches it would have seen.
    static func forEpoch(seed: UInt64, epoch: Int) -> SeededRandom {
        var mixer = SeededRandom(seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
        return SeededRandom(seed: mixer.next())
    }
}

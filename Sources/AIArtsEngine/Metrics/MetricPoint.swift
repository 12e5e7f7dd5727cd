import Foundation

/// One value of one series: what a chart plots.
///
/// Every x the UI offers (step, epoch, wall time, relative time) is kept on the point itself,
/// because sources differ in what they report: a Keras CSV has epochs only, an event file has
/// steps and wall time, a console dict from Hugging Face has a fractional epoch.
public struct MetricPoint: Equatable, Sendable {
    /// Series name, grouped by a leading "train/", "eval/" and so on (e.g. "train/loss").
    public var series: String
    public var value: Double
    /// Global optimiser step (monotonic across epochs within one run).
    public var step: Int?
    /// 1-based epoch the point belongs to; fractional where the source says so (Hugging Face).
    public var epoch: Double?
    /// Seconds since 1970 (Unix time), as the writer stamped it.
    public var wallTime: Double?

    public init(series: String, value: Double, step: Int? = nil, epoch: Double? = nil, wallTime: Double? = nil) {
        self.series = series; self.value = value; self.step = step; self.epoch = epoch; self.wallTime = wallTime
    }

    /// What decides order within a series: the step, else the epoch (epoch-only sources such as
    /// Keras CSVLogger or ultralytics still restart cleanly), else nothing.
    public var orderKey: Double? {
        if let step { return Double(step) }
        return epoch
    }
}

/// What kind of observation a record is. Protocol writers may use other type names; those
/// become `.other` and still prefix their series.
public enum MetricRecordKind: Equatable, Hashable, Sendable {
    case train, eval, checkpoint
    case other(String)

    public init(name: String) {
        switch name {
        case "train": self = .train
        case "eval": self = .eval
        case "checkpoint": self = .checkpoint
        default: self = .other(name)
        }
    }

    public var name: String {
        switch self {
        case .train: return "train"
        case .eval: return "eval"
        case .checkpoint: return "checkpoint"
        case let .other(name): return name
        }
    }
}

/// A checkpoint the trainer reported. `path` is as written (relative to the task folder by
/// the protocol's convention) and untrusted: confine it before opening anything.
public struct MetricCheckpoint: Equatable, Sendable {
    public var epoch: Double?
    public var step: Int?
    public var path: String?
    public var best: Bool

    public init(epoch: Double? = nil, step: Int? = nil, path: String? = nil, best: Bool = false) {
        self.epoch = epoch; self.step = step; self.path = path; self.best = best
    }
}

/// One observation from any source: several values that share a step, epoch and time, plus
/// the progress totals that only some sources print (they drive throughput and ETA).
public struct MetricRecord: Equatable, Sendable {
    public var kind: MetricRecordKind
    public var step: Int?
    /// Total steps of the whole run, when known.
    public var steps: Int?
    public var epoch: Double?
    /// Total epochs of the run, when known.
    public var epochs: Int?
    /// Unix seconds.
    public var wallTime: Double?
    /// Seconds per step as the trainer measured it (PaddleX time_each_step, batch_cost, Keras ms/step).
    public var secondsPerStep: Double?
    /// Remaining seconds as the trainer printed them (PaddleX, PaddleDetection "eta").
    public var reportedETA: Double?
    /// Values in source order, already named as series ("train/loss").
    public var values: [(name: String, value: Double)]
    public var checkpoint: MetricCheckpoint?

    public init(kind: MetricRecordKind, step: Int? = nil, steps: Int? = nil, epoch: Double? = nil, epochs: Int? = nil,
                wallTime: Double? = nil, secondsPerStep: Double? = nil, reportedETA: Double? = nil,
                values: [(name: String, value: Double)] = [], checkpoint: MetricCheckpoint? = nil) {
        self.kind = kind; self.step = step; self.steps = steps; self.epoch = epoch; self.epochs = epochs
        self.wallTime = wallTime; self.secondsPerStep = secondsPerStep; self.reportedETA = reportedETA
        self.values = values; self.checkpoint = checkpoint
    }

    /// The record's values as points.
    public var points: [MetricPoint] {
        values.map { MetricPoint(series: $0.name, value: $0.value, step: step, epoch: epoch, wallTime: wallTime) }
    }

    /// The value of series `name`, if the record has it.
    public subscript(name: String) -> Double? { values.first { $0.name == name }?.value }

    public static func == (a: MetricRecord, b: MetricRecord) -> Bool {
        a.kind == b.kind && a.step == b.step && a.steps == b.steps && a.epoch == b.epoch && a.epochs == b.epochs
            && a.wallTime == b.wallTime && a.secondsPerStep == b.secondsPerStep && a.reportedETA == b.reportedETA
            && a.checkpoint == b.checkpoint && a.values.count == b.values.count
            && zip(a.values, b.values).allSatisfy { $0.name == $1.name && ($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN)) }
    }
}

import Foundation

/// Where a run stands, derived from its train records: the chart header's "step 1200/5000,
/// 14.2 steps/s, ETA 4:41".
public struct TrainingProgress: Codable, Equatable, Sendable {
    public var step: Int?
    public var steps: Int?
    public var epoch: Double?
    public var epochs: Int?
    /// Completed share of the run in 0...1, when totals are known.
    public var fraction: Double?
    public var stepsPerSecond: Double?
    /// Seconds left: measured rate first, else the trainer's own printed estimate.
    public var eta: Double?

    public init(step: Int? = nil, steps: Int? = nil, epoch: Double? = nil, epochs: Int? = nil, fraction: Double? = nil,
                stepsPerSecond: Double? = nil, eta: Double? = nil) {
        self.step = step; self.steps = steps; self.epoch = epoch; self.epochs = epochs; self.fraction = fraction
        self.stepsPerSecond = stepsPerSecond; self.eta = eta
    }
}

/// Keeps the recent (step, time) samples that throughput is measured over.
///
/// Why a window and not first-to-last: the first steps include data loading and compilation,
/// and a resumed run has a gap in wall time; the last few dozen samples track the real rate.
public struct ProgressTracker: Equatable, Sendable {
    public static let window = 32
    /// The shortest gap between two steps that can count as a pause, in seconds.
    public static let pause = 60.0

    private var samples: [(step: Int, time: Double)] = []
    private var latest = TrainingProgress()
    private var secondsPerStep: Double?
    private var reportedETA: Double?

    public init() {}

    public static func == (a: ProgressTracker, b: ProgressTracker) -> Bool {
        a.latest == b.latest && a.samples.count == b.samples.count
            && zip(a.samples, b.samples).allSatisfy { $0.step == $1.step && $0.time == $1.time }
    }

    public mutating func observe(_ record: MetricRecord) {
        guard record.kind == .train else {
            // An eval or checkpoint record still tells which epoch has been reached.
            if let epoch = record.epoch, latest.epoch.map({ epoch > $0 }) ?? true { latest.epoch = epoch }
            if let epochs = record.epochs { latest.epochs = epochs }
            return
        }
        if let step = record.step {
            if let last = samples.last, RestartRule.isRestart(last: Double(last.step), next: Double(step)) { samples.removeAll() }
            if let time = record.wallTime, time.isFinite {
                // A pause (stopped, then resumed where it was) is no part of the pace: the window
                // starts again after a gap far longer than the steps so far took.
                if let first = samples.first, let last = samples.last, samples.count >= 2,
                   time - last.time > max(Self.pause, 20 * (last.time - first.time) / Double(samples.count - 1)) {
                    samples.removeAll()
                }
                samples.append((step, time))
                if samples.count > Self.window { samples.removeFirst(samples.count - Self.window) }
            }
            latest.step = step
        }
        if let steps = record.steps, steps > 0 { latest.steps = steps }
        if let epoch = record.epoch { latest.epoch = epoch }
        if let epochs = record.epochs, epochs > 0 { latest.epochs = epochs }
        if let s = record.secondsPerStep, s.isFinite, s > 0 { secondsPerStep = s }
        reportedETA = record.reportedETA.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
    }

    /// The progress as of the last record.
    public var current: TrainingProgress {
        var out = latest
        out.stepsPerSecond = measuredRate ?? secondsPerStep.map { 1 / $0 }
        if let step = out.step, let steps = out.steps {
            out.fraction = min(1, max(0, Double(step) / Double(steps)))
            if let rate = out.stepsPerSecond, rate > 0 { out.eta = max(0, Double(steps) - Double(step)) / rate }  // Double: no overflow whatever a source said
        } else if let epoch = out.epoch, let epochs = out.epochs {
            // Epoch-only sources: the epoch in hand counts as done once it is reported.
            out.fraction = min(1, max(0, epoch / Double(epochs)))
        }
        if out.eta == nil { out.eta = reportedETA }
        return out
    }

    private var measuredRate: Double? {
        guard let first = samples.first, let last = samples.last, last.time > first.time, last.step > first.step
        else { return nil }
        return (Double(last.step) - Double(first.step)) / (last.time - first.time)
    }
}

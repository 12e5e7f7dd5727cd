import Foundation

/// What a `resume` record in metrics.jsonl means, in one place (docs/metrics-protocol.md,
/// "Resumes"). `aiarts task resume T --epoch N` appends `{"type":"resume","epoch":N,...}` before
/// the resumed run writes anything: the earlier run's points and checkpoints after epoch N are
/// discarded, so the resumed run's points at the same epochs and steps replace them rather than
/// sit beside them (two eval points at one epoch, a best taken from the discarded run, a
/// checkpoint listed twice). Points without an epoch are kept (the restart rule still orders
/// them by step). `MetricTable` applies it as it reads.
public enum ResumeRule {
    /// True for a `resume` record.
    public static func isResume(_ record: MetricRecord) -> Bool {
        record.kind == .other("resume")
    }

    /// True when a point or checkpoint of `epoch` (NaN: unknown) belongs to the run a resume at
    /// `resumedAt` discards.
    @inline(__always)
    public static func discards(epoch: Double, resumedAt: Double) -> Bool {
        !epoch.isNaN && epoch > resumedAt
    }
}

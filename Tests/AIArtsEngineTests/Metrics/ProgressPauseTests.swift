import Testing
@testable import AIArtsEngine

@Suite struct ProgressPauseTests {
    /// Stopped for an hour, then resumed where it was (`task resume`): the pace is the steps'
    /// own, not one that counts the hour, so the ETA does not jump.
    @Test func aPauseIsNoPartOfThePace() {
        var tracker = ProgressTracker()
        for i in 0...10 { tracker.observe(MetricRecord(kind: .train, step: i * 10, steps: 1000, wallTime: Double(i))) }
        #expect(tracker.current.stepsPerSecond == 10)
        tracker.observe(MetricRecord(kind: .train, step: 110, steps: 1000, wallTime: 3610))
        tracker.observe(MetricRecord(kind: .train, step: 120, steps: 1000, wallTime: 3611))
        #expect(tracker.current.stepsPerSecond == 10)
        #expect(tracker.current.eta == 88)  // 880 steps left at 10/s, not hours
    }

    /// A slow run's steps are minutes apart: that is its pace, not a pause.
    @Test func slowStepsAreNotPauses() {
        var tracker = ProgressTracker()
        for i in 0...5 { tracker.observe(MetricRecord(kind: .train, step: i, steps: 100, wallTime: Double(i) * 300)) }
        #expect(tracker.current.stepsPerSecond == 1.0 / 300)
    }
}

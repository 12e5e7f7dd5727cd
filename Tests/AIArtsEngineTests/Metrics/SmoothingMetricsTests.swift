import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct SmoothingMetricsTests {
    @Test func debiasedEMAExactValues() {
        // w = 0.6: last = 0.4, n = 1 → 0.4 / 0.4 = 1; last = 0.24 + 0.8 = 1.04, n = 2 → 1.04 / 0.64 = 1.625;
        // last = 0.624 + 1.2 = 1.824, n = 3 → 1.824 / 0.784.
        let out = Smoothing.ema([1, 2, 3], weight: 0.6)
        #expect(out[0] == 0.4 / (1 - 0.6))
        #expect(out[1] == (0.4 * 0.6 + 0.4 * 2) / (1 - 0.6 * 0.6))
        #expect(abs(out[2] - 1.824 / 0.784) < 1e-15)
        #expect(Smoothing.ema([1, 2, 3], weight: 0) == [1, 2, 3])
    }

    @Test func nonFinitePointsPassThroughWithoutAdvancing() {
        let out = Smoothing.ema([1, .nan, 2, .infinity], weight: 0.5)
        #expect(out[0] == 1)
        #expect(out[1].isNaN)
        // n is 2 at the third point, as if the NaN were not there.
        #expect(out[2] == (0.5 * 0.5 + 0.5 * 2) / (1 - 0.25))
        #expect(out[3] == .infinity)
    }

    @Test func weightEdgeCases() {
        #expect(Smoothing.ema([2, 4, 6], weight: .nan) == [2, 4, 6])  // non-finite → 0
        #expect(Smoothing.ema([2, 4, 6], weight: 1) == [0, 0, 0])  // last, which never leaves 0
        #expect(Smoothing.ema([0.1, 0.1, 0.1], weight: 0.9) == [0.1, 0.1, 0.1])  // constant: as is
        #expect(Smoothing.ema([], weight: 0.5).isEmpty)
    }

    @Test func timeWeightedEMAMatchesEMAOnEvenSpacingAndDecaysMoreAcrossGaps() {
        let ys: [Double] = [1, 5, 2, 8, 3]
        let even = Smoothing.timeWeightedEMA(xs: [0, 1, 2, 3, 4], ys: ys, weight: 0.6, resolution: 4)
        for (a, b) in zip(even, Smoothing.ema(ys, weight: 0.6)) { #expect(abs(a - b) < 1e-12) }
        // A gap of two units decays by w² = 0.25: (0.25·1 + 3) / (0.25 + 1).
        let gap = Smoothing.timeWeightedEMA(xs: [0, 2, 3], ys: [1, 3, 3], weight: 0.5, resolution: 3)
        #expect(gap[1] == (0.25 * 1 + 3) / 1.25)
        #expect(Smoothing.timeWeightedEMA(xs: [0, 1], ys: [.nan, 2], weight: 0.5)[1] == 2)
    }

    @Test func columnReductionKeepsSpikes() {
        var ys = [Double](repeating: 1, count: 1_000_000)
        ys[123_456] = 50
        ys[999_999] = 2
        let xs = (0..<ys.count).map(Double.init)
        let columns = ChartReduction.reduce(xs: xs, ys: ys, columns: 100)
        #expect(columns.count == 100)
        #expect(columns[12] == ColumnSummary(min: 1, max: 50, last: 1, count: 10_000))
        #expect(columns[99]?.last == 2 && columns[99]?.max == 2)
        #expect(columns.compactMap { $0 }.reduce(0) { $0 + $1.count } == 1_000_000)
    }

    @Test func columnReductionRangeAndGaps() {
        let columns = ChartReduction.reduce(xs: [0, 1, 9, 10, .nan, 20], ys: [1, 3, 2, .nan, 7, 9], columns: 2, xRange: 0...10)
        #expect(columns == [ColumnSummary(min: 1, max: 3, last: 3, count: 2), ColumnSummary(min: 2, max: 2, last: 2, count: 1)])
        #expect(ChartReduction.reduce(xs: [0, 10], ys: [1, 2], columns: 4, xRange: 0...10)[1] == nil)
        let points = [MetricPoint(series: "a", value: 1, step: 0), MetricPoint(series: "a", value: 4, step: 10)]
        #expect(ChartReduction.reduce(points, columns: 1, x: { $0.step.map(Double.init) }) == [ColumnSummary(min: 1, max: 4, last: 4, count: 2)])
    }

    @Test func robustRangeUsesTensorBoardIndices() {
        // n = 21 → indices ceil(20·0.05) = 1 and floor(20·0.95) = 19.
        var ys = (0...20).map(Double.init)
        ys.shuffle()
        ys.append(.nan)
        #expect(ChartReduction.robustRange(ys) == 1...19)
        // n = 10 → ceil(0.45) = 1, floor(8.55) = 8: a single spike is left out.
        #expect(ChartReduction.robustRange([1, 1, 1, 1, 1, 1, 1, 1, 1, 1000]) == 1...1)
        #expect(ChartReduction.robustRange([5]) == 5...5)
        #expect(ChartReduction.robustRange([.nan]) == nil)
        #expect(ChartReduction.fullRange([3, .infinity, -2]) == -2...3)
    }
}

import Testing
@testable import AIArtsRender

private func chartBuffer(_ chart: LineChart, _ w: Int, _ h: Int) -> Buffer {
    var b = Buffer(width: w, height: h)
    b.render(chart, in: b.area)
    return b
}

private func chartLines(_ chart: LineChart, _ w: Int, _ h: Int) -> [String] {
    chartBuffer(chart, w, h).lines()
}

private let rising = ChartSeries(name: "up", xs: [0, 1, 2, 3], ys: [0, 1, 2, 3], style: Style(fg: .red))
private let falling = ChartSeries(name: "down", xs: [0, 1, 2, 3], ys: [3, 2, 1, 0], style: Style(fg: .blue))

/// The braille characters of a plot area, or "" for cells without dots.
private func isBlank(_ symbol: String) -> Bool { symbol == " " || symbol == "\u{2800}" }

@Suite struct ChartDrawingTests {
    @Test func aKnownLineGivesTheExpectedBrailleDots() {
        // 2 cells × 1 row = 4 × 4 dots; the line climbs one dot row per dot column, each column
        // joined to the one before: left cell dots 7 | 6 8, right cell 2 3 | 4 5.
        let chart = LineChart(series: [rising], showLegend: false)
        #expect(chartLines(chart, 2, 1) == ["⣠⠞"])
    }

    @Test func overlaidSeriesOrTheirDotsAndTheLaterColourWins() {
        let chart = LineChart(series: [rising, falling], showLegend: false)
        let b = chartBuffer(chart, 2, 1)
        #expect(b.lines() == ["⣹⢾"])
        #expect(b[0, 0].style.fg == .blue)
        #expect(b[1, 0].style.fg == .blue)
    }

    @Test func asciiFallbackUsesOneByTwoDots() {
        let chart = LineChart(series: [rising], ascii: true, showLegend: false)
        #expect(chartLines(chart, 4, 2) == ["  .:", ".:' "])
    }

    @Test func sparsePointsAreJoinedAcrossEmptyColumns() {
        // Two points 7 dot columns apart: every column in between gets dots.
        let chart = LineChart(series: [ChartSeries(name: "s", xs: [0, 1], ys: [0, 1])], showLegend: false)
        let b = chartBuffer(chart, 4, 2)
        for x in 0..<4 {
            #expect((0..<2).contains { !isBlank(b[x, $0].symbol) }, "column \(x) is empty")
        }
    }

    @Test func oneSpikeAmongAMillionPointsIsKept() {
        let n = 1_000_000
        let xs = (0..<n).map(Double.init)
        var ys = [Double](repeating: 0, count: n)
        ys[612_345] = 100
        let columns = ChartReduction.reduce(xs: xs, ys: ys, columns: 100, x0: 0, x1: Double(n - 1))
        #expect(columns.compactMap { $0?.hi }.max() == 100)
        #expect(columns.allSatisfy { $0 != nil })

        let chart = LineChart(series: [ChartSeries(name: "loss", xs: xs, ys: ys)], showLegend: false)
        let lines = chartLines(chart, 50, 10)
        // No axes at 50 × 10 would need fewer rows; here the plot's top row must hold the spike.
        let plotTop = lines[0]
        #expect(plotTop.contains { !isBlank(String($0)) && !" │┤0123456789.k".contains($0) })
    }

    @Test func reductionKeepsFirstLastAndSkipsNonFiniteValues() {
        let columns = ChartReduction.reduce(xs: [0, 0.2, 0.4, 1], ys: [5, .nan, -.infinity, 7], columns: 2, x0: 0, x1: 1)
        #expect(columns == [ChartColumn(lo: 5, hi: 5, first: 5, last: 5), ChartColumn(lo: 7, hi: 7, first: 7, last: 7)])
        let log = ChartReduction.reduce(xs: [0, 1, 2], ys: [-1, 0, 100], columns: 1, x0: 0, x1: 2, positiveOnly: true)
        #expect(log == [ChartColumn(lo: 2, hi: 2, first: 2, last: 2)])
    }

    @Test func emptySinglePointFlatAndNonFiniteDataRenderSensibly() {
        let empty = chartLines(LineChart(series: [ChartSeries(name: "a", xs: [], ys: [])]), 20, 6)
        #expect(empty.contains { $0.contains("no data") })
        let nothing = chartLines(LineChart(series: []), 20, 6)
        #expect(nothing.contains { $0.contains("no data") })

        let single = chartBuffer(LineChart(series: [ChartSeries(name: "a", xs: [5], ys: [0.5])], showLegend: false), 20, 6)
        let dots = single.cells.filter { $0.symbol.unicodeScalars.first.map { (0x2801...0x28FF).contains($0.value) } ?? false }
        #expect(dots.count == 1)
        #expect(single.lines().joined().contains("0.5"))

        let flat = chartLines(LineChart(series: [ChartSeries(name: "a", xs: [0, 1, 2], ys: [2, 2, 2])], showLegend: false), 20, 6)
        #expect(flat.joined().contains("2"))

        let odd = ChartSeries(name: "a", xs: [0, 1, 2, 3, 4, 5], ys: [1, .nan, .infinity, 2, -.infinity, 3])
        let text = chartLines(LineChart(series: [odd]), 30, 8).joined()
        #expect(!text.contains("inf") && !text.contains("nan"))
        #expect(text.contains("a 3"))

        // Values at the ends of Double's range, and x spans that overflow, do not crash.
        for ys in [[1e308, -1e308], [1e308, 1e308], [5e-324, 1e308]] {
            _ = chartLines(LineChart(series: [ChartSeries(name: "a", xs: [-1e308, 1e308], ys: ys)]), 30, 8)
            _ = chartLines(LineChart(series: [ChartSeries(name: "a", xs: [0, 1], ys: ys)], yScale: .log), 30, 8)
        }

        // Tiny areas draw what fits and do not crash.
        for (w, h) in [(1, 1), (3, 2), (8, 3), (9, 4)] { _ = chartLines(LineChart(series: [odd], title: "t"), w, h) }
    }

    @Test func unsortedOrMismatchedInputDoesNotCrash() {
        let s = ChartSeries(name: "u", xs: [3, 1, .nan, 2, 0], ys: [1, 2, 3])
        _ = chartLines(LineChart(series: [s], smoothing: 0.5, ignoreOutliers: true), 30, 8)
        _ = chartLines(LineChart(series: [s], yScale: .log, xRange: 5...5), 30, 8)
    }
}

@Suite struct ChartAxesTests {
    private let loss = ChartSeries(name: "loss", xs: [0, 1000, 2000, 3000, 4000], ys: [2.0, 1.2, 0.8, 0.5, 0.25], style: Style(fg: .yellow))

    @Test func axesTicksTitleAndLegend() {
        let lines = chartLines(LineChart(series: [loss], title: "train", xLabel: "step"), 40, 10)
        #expect(lines[0].hasPrefix("train"))
        // y ticks: round numbers between 0.25 and 2, on the axis.
        #expect(lines.contains { $0.hasPrefix(" 0.5┤") })
        #expect(lines.contains { $0.hasPrefix(" 1.5┤") })
        #expect(lines.contains { $0.hasPrefix("   2┤") })
        #expect(lines[7].hasPrefix("    └"))
        #expect(lines[8].hasPrefix("     0 "))
        #expect(lines[8].contains("2k"))
        #expect(lines[8].hasSuffix("step"))
        #expect(lines[9].hasPrefix("━ loss 0.25"))
    }

    @Test func legendShowsEverySeriesInItsColour() {
        let acc = ChartSeries(name: "acc", xs: [0, 4000], ys: [0.1, 0.9], style: Style(fg: .green))
        let b = chartBuffer(LineChart(series: [loss, acc]), 40, 10)
        let legend = b.lines()[9]
        #expect(legend.hasPrefix("━ loss 0.25  ━ acc 0.9"))
        #expect(b[0, 9].style.fg == .yellow)
        #expect(b[13, 9].style.fg == .green)
    }

    @Test func logAxisTicksAtPowersOfTenAndDropsNonPositiveValues() {
        let s = ChartSeries(name: "lr", xs: [0, 1, 2, 3, 4, 5], ys: [1, 10, 0, -5, 100, 1000])
        let lines = chartLines(LineChart(series: [s], yScale: .log, showLegend: false), 30, 9)
        #expect(lines.contains { $0.hasPrefix("  1k┤") })
        #expect(lines.contains { $0.hasPrefix(" 100┤") })
        #expect(lines.contains { $0.hasPrefix("  10┤") })
        #expect(lines.contains { $0.hasPrefix("   1┤") })
        #expect(!lines.joined().contains("-5"))
    }

    @Test func ignoringOutliersRefitsTheYAxis() {
        var ys = (0..<400).map { Double($0 % 10) / 10 }
        ys[200] = 1000
        let s = ChartSeries(name: "loss", xs: (0..<400).map(Double.init), ys: ys)
        let full = chartLines(LineChart(series: [s], showLegend: false), 60, 12)
        let robust = chartLines(LineChart(series: [s], ignoreOutliers: true, showLegend: false), 60, 12)
        #expect(full.contains { $0.hasPrefix("  1k┤") })
        #expect(!robust.joined().contains("k"))
        #expect(robust.contains { $0.hasPrefix(" 0.8┤") || $0.hasPrefix(" 0.9┤") })
        // The spike is clipped at the top edge, not lost.
        #expect(robust[0].contains { $0 != " " && $0 != "┤" && !"0123456789.".contains($0) })
    }

    @Test func asciiChartUsesOnlyAscii() {
        let lines = chartLines(LineChart(series: [loss], title: "train", xLabel: "step", ascii: true), 40, 10)
        #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        #expect(lines.contains { $0.hasPrefix(" 0.5+") })
        #expect(lines[7].hasPrefix("    ++---"))
        #expect(lines[9].hasPrefix("- loss 0.25"))
    }

    @Test func smoothingDrawsTheRawLineDimBehind() {
        let noisy = ChartSeries(name: "n", xs: (0..<40).map(Double.init), ys: (0..<40).map { $0 % 2 == 0 ? 0 : 1 }, style: Style(fg: .cyan))
        let b = chartBuffer(LineChart(series: [noisy], smoothing: 0.9, showLegend: false), 30, 8)
        let styles = Set(b.cells.filter { ($0.symbol.unicodeScalars.first?.value ?? 0) > 0x2800 }.map(\.style))
        #expect(styles.contains(Style(fg: .cyan)))
        #expect(styles.contains(Style(fg: .cyan, modifiers: .dim)))
    }

    @Test func smoothedValuesGivenByTheCallerAreDrawnAsGiven() {
        let ys: [Double] = (0..<40).map { $0 % 2 == 0 ? 0 : 1 }
        let xs = (0..<40).map(Double.init)
        let computed = LineChart(series: [ChartSeries(name: "n", xs: xs, ys: ys)], smoothing: 0.9)
        let given = LineChart(series: [ChartSeries(name: "n", xs: xs, ys: ys, smoothed: ChartSmoothing.ema(ys, weight: 0.9))], smoothing: 0.9)
        #expect(chartBuffer(computed, 30, 8) == chartBuffer(given, 30, 8))
    }

    @Test func durationFormatterForRelativeTime() {
        let s = ChartSeries(name: "t", xs: [0, 3600], ys: [1, 2])
        let lines = chartLines(LineChart(series: [s], xLabel: "time", xFormat: .duration, showLegend: false), 40, 6)
        #expect(lines[5].hasPrefix("    0s "))
        #expect(lines[5].contains("1h"))
    }
}

@Suite struct ChartNumberTests {
    @Test func compactFormatting() {
        #expect(ChartFormat.compact(0) == "0")
        #expect(ChartFormat.compact(0.001) == "0.001")
        #expect(ChartFormat.compact(1500) == "1.5k")
        #expect(ChartFormat.compact(-2500) == "-2.5k")
        #expect(ChartFormat.compact(2e-5) == "2e-5")
        #expect(ChartFormat.compact(999_999) == "1M")
        #expect(ChartFormat.compact(1_234_567) == "1.23M")
        #expect(ChartFormat.compact(0.1 + 0.2) == "0.3")
        #expect(ChartFormat.compact(3.14159) == "3.14")
        #expect(ChartFormat.compact(12.5) == "12.5")
        #expect(ChartFormat.compact(3.1e20) == "3.1e20")
        #expect(ChartFormat.compact(9.999e-5) == "1e-4")
        #expect(ChartFormat.compact(.nan) == "nan")
        #expect(ChartFormat.duration(90) == "1m30s")
        #expect(ChartFormat.duration(5400) == "1h30m")
        #expect(ChartFormat.duration(2 * 86400 + 3 * 3600) == "2d3h")
    }

    @Test func niceTicks() {
        #expect(ChartTicks.nice(lo: 0, hi: 1, maxCount: 5) == [0, 0.25, 0.5, 0.75, 1])
        #expect(ChartTicks.nice(lo: 0.13, hi: 0.97, maxCount: 4).map { ChartFormat.compact($0) } == ["0.2", "0.4", "0.6", "0.8"])
        #expect(ChartTicks.nice(lo: 0, hi: 4000, maxCount: 3) == [0, 2000, 4000])
        #expect(ChartTicks.nice(lo: -2, hi: 3, maxCount: 5, minStep: 1) == [-2, 0, 2])
        #expect(ChartTicks.nice(lo: 1, hi: 1, maxCount: 5).isEmpty)
        #expect(ChartFormat.tickLabels([1.001, 1.002]) == ["1.001", "1.002"])
        #expect(ChartTicks.niceDuration(lo: 0, hi: 3600, maxCount: 4) == [0, 1800, 3600])
        #expect(ChartTicks.niceDuration(lo: 0, hi: 10 * 86400, maxCount: 3) == [0, 5 * 86400, 10 * 86400])
    }

    /// Steps of ±2^53 and CSV cells of ±1e308 reach the chart: a span of −1e308…1e308 overflows
    /// to infinity, and an Int made of the NaN that follows would trap.
    @Test func anExtremeXSpanDoesNotTrap() {
        let columns = ChartReduction.reduce(xs: [-1e308, 0, 1e308], ys: [1, 2, 3], columns: 4, x0: -1e308, x1: 1e308)
        #expect(columns.count == 4)
        let huge = ChartReduction.reduce(xs: [-9e15, 9e15], ys: [1, 2], columns: 3, x0: -9e15, x1: 9e15)
        #expect(huge.first??.first == 1 && huge.last??.last == 2)
    }

    @Test func smoothingIsTheDebiasedEMA() {
        let s = ChartSmoothing.ema([1, 2, 3], weight: 0.5)
        // last: 0.5, 1.25, 2.125; debias by 1 − 0.5ⁿ: 0.5, 0.75, 0.875.
        let expected = [1, 1.25 / 0.75, 2.125 / 0.875]
        #expect(zip(s, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        let gap = ChartSmoothing.ema([1, .nan, 2], weight: 0.5)
        #expect(gap[0] == 1 && gap[1].isNaN && abs(gap[2] - 1.25 / 0.75) < 1e-12)
        #expect(ChartSmoothing.ema([5, 5, 5], weight: 0.9) == [5, 5, 5])
        #expect(ChartSmoothing.ema([1, 3], weight: 0) == [1, 3])
        // Weights above 0.99 are clamped to 0.99.
        #expect(ChartSmoothing.ema([0, 1], weight: 2) == ChartSmoothing.ema([0, 1], weight: 0.99))
    }
}

/// What tells series apart without colour, and what the axes say.
@Suite struct ChartMarkerTests {
    @Test func markersAtTheLastPointAndInTheLegend() {
        let a = ChartSeries(name: "a", xs: [0, 1, 2], ys: [0, 1, 2], style: .plain, marker: ChartSeries.marker(0, ascii: false))
        let b = ChartSeries(name: "b", xs: [0, 1, 2], ys: [2, 1, 0], style: .plain, marker: ChartSeries.marker(1, ascii: false))
        var buffer = Buffer(size: Size(width: 40, height: 12))
        LineChart(series: [a, b], yLabel: "loss").render(in: buffer.area, buffer: &buffer)
        let lines = buffer.lines()
        #expect(lines[0].hasPrefix("loss"))  // the y title over the axis
        #expect(lines.last!.contains("● a 2") && lines.last!.contains("▲ b 0"))
        // a ends at the top right, b at the bottom right: each marker there.
        #expect(lines[1].hasSuffix("●"))
        #expect(lines[lines.count - 4].hasSuffix("▲"))
        // ASCII markers differ too.
        #expect(ChartSeries.marker(0, ascii: true) != ChartSeries.marker(1, ascii: true))
    }

    @Test func theLowestValueIsLabelled() {
        let s = ChartSeries(name: "acc", xs: [0, 1, 2, 3], ys: [0.113, 0.5, 0.7, 0.93], style: .plain)
        var buffer = Buffer(size: Size(width: 40, height: 14))
        LineChart(series: [s], showLegend: false).render(in: buffer.area, buffer: &buffer)
        let lines = buffer.lines()
        // The last plot row (above the x axis line and its labels) carries the bottom of the y range.
        let bottom = lines[lines.count - 3]
        #expect(bottom.contains("┤"))
        #expect(bottom.trimmingCharacters(in: .whitespaces).first?.isNumber == true)
    }
}

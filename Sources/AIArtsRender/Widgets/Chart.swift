import Foundation

/// One line of a chart: points as parallel x and y arrays, sorted by x (non-decreasing).
/// Points with a non-finite y are skipped; x must be sorted for the points to land in their columns.
public struct ChartSeries: Sendable {
    public var name: String
    public var xs: [Double]
    public var ys: [Double]
    public var style: Style
    /// Drawn at the series' last point and in the legend, so series can be told apart without colour.
    public var marker: Character?
    /// ys already smoothed (`ChartSmoothing.ema`), for a caller that keeps them between frames; when
    /// nil and the chart smooths, the chart computes them each frame (about 2–3 ms a million points).
    public var smoothed: [Double]?

    /// Extra x or y values beyond the shorter of the two arrays are ignored.
    public init(name: String, xs: [Double], ys: [Double], style: Style = Style(fg: .cyan), marker: Character? = nil,
                smoothed: [Double]? = nil) {
        self.name = name; self.xs = xs; self.ys = ys; self.style = style; self.marker = marker; self.smoothed = smoothed
    }

    /// Markers that look different from each other, for series drawn in one chart (cycled).
    public static func marker(_ index: Int, ascii: Bool) -> Character {
        let shapes: [Character] = ascii ? ["o", "x", "+", "#", "*", "@"] : ["●", "▲", "■", "◆", "✚", "○"]
        return shapes[((index % shapes.count) + shapes.count) % shapes.count]
    }

    public init(name: String, points: [(x: Double, y: Double)], style: Style = Style(fg: .cyan)) {
        self.init(name: name, xs: points.map(\.x), ys: points.map(\.y), style: style)
    }

    /// The last finite y, what the legend shows.
    public var lastValue: Double? {
        ys.prefix(min(xs.count, ys.count)).last(where: \.isFinite)
    }
}

public enum ChartScale: Sendable { case linear, log }

/// The x axis' ticks: round numbers (steps, epochs), round durations in seconds (relative time:
/// ticks every 15s, 5m, 1h, 1d…), or round numbers labelled by the caller (e.g. wall-clock times).
public enum ChartXFormat {
    case number
    case duration
    case custom((Double) -> String)
}

/// A line chart drawn in braille dots (2 × 4 a cell), or in ASCII dots (1 × 2 a cell: ' . :) when
/// `ascii` is set, with y ticks on the left, x ticks along the bottom, an optional title and a legend
/// (each series' name in its colour and its last value).
///
/// - Any length: each series is reduced to its lowest, highest, first and last value per dot column
///   (`ChartReduction`), and each column is drawn as a vertical run of dots joined to the column
///   before, so the line is continuous, a million points cost about what a thousand do, and a
///   single spike still shows.
/// - x is whatever the caller measures (step, epoch, seconds since start); `xLabel` names it and
///   `xFormat` formats its ticks (`ChartFormat.duration` for relative time).
/// - Log y: values ≤ 0 are dropped. Smoothing (`ChartSmoothing.ema`, weight 0–0.99) draws the raw
///   line dimmed behind the smoothed one. `ignoreOutliers` fits y to the 1st–99th percentile of the
///   column extremes (`ChartReduction.robustRange`); what lies outside is clipped at the edge.
/// - Overlaid series: dots are OR-ed and a shared cell takes the colour of the series drawn last
///   (series are drawn in order; every raw line before every smoothed one).
public struct LineChart: Widget {
    public var series: [ChartSeries]
    public var title: String
    public var xLabel: String
    /// What y measures, written over the y axis.
    public var yLabel: String
    public var yScale: ChartScale
    /// EMA weight 0...0.99; 0 draws the raw series only.
    public var smoothing: Double
    public var ignoreOutliers: Bool
    public var ascii: Bool
    /// The x range shown; nil fits every series.
    public var xRange: ClosedRange<Double>?
    /// How x ticks are placed and labelled.
    public var xFormat: ChartXFormat
    public var showLegend: Bool
    public var axisStyle: Style
    public var titleStyle: Style
    /// Shown (dimmed) when no series has a point to draw.
    public var emptyText: String

    public init(series: [ChartSeries], title: String = "", xLabel: String = "", yLabel: String = "", yScale: ChartScale = .linear,
                smoothing: Double = 0, ignoreOutliers: Bool = false, ascii: Bool = false,
                xRange: ClosedRange<Double>? = nil, xFormat: ChartXFormat = .number, showLegend: Bool = true,
                axisStyle: Style = Style(fg: .gray), titleStyle: Style = Style(modifiers: .bold),
                emptyText: String = "no data") {
        self.series = series; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.yScale = yScale
        self.smoothing = smoothing; self.ignoreOutliers = ignoreOutliers; self.ascii = ascii
        self.xRange = xRange; self.xFormat = xFormat; self.showLegend = showLegend
        self.axisStyle = axisStyle; self.titleStyle = titleStyle; self.emptyText = emptyText
    }

    /// The y gutter is at least this wide, so the plot does not shift as tick labels change length.
    static let minimumGutter = 4

    /// A line to draw: a series' raw or smoothed values with the style to draw them in.
    private struct Layer {
        var xs: [Double]
        var ys: [Double]
        var style: Style
    }

    private var smoothingWeight: Double {
        smoothing.isFinite ? min(ChartSmoothing.maxWeight, max(0, smoothing)) : 0
    }

    private func layers() -> [Layer] {
        let w = smoothingWeight
        var raw: [Layer] = [], smooth: [Layer] = []
        for s in series {
            let n = min(s.xs.count, s.ys.count)
            let xs = n == s.xs.count ? s.xs : Array(s.xs.prefix(n))
            let ys = n == s.ys.count ? s.ys : Array(s.ys.prefix(n))
            if w > 0 {
                raw.append(Layer(xs: xs, ys: ys, style: s.style.with(.dim)))
                let given = s.smoothed.map { $0.count >= n ? ($0.count == n ? $0 : Array($0.prefix(n))) : nil } ?? nil
                smooth.append(Layer(xs: xs, ys: given ?? ChartSmoothing.ema(ys, weight: w), style: s.style))
            } else {
                raw.append(Layer(xs: xs, ys: ys, style: s.style))
            }
        }
        return raw + smooth
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        buffer.fill(area, .plain)
        var top = area.y, bottom = area.maxY
        let cleanTitle = Sanitize.line(title)
        if !cleanTitle.isEmpty, area.height >= 3 {
            buffer.set(x: area.x, y: top, string: DisplayWidth.truncate(cleanTitle, to: area.width), style: titleStyle)
            top += 1
        }
        // The y axis's title above it, when there is room for a plot under it.
        let cleanYLabel = Sanitize.line(yLabel)
        if !cleanYLabel.isEmpty, area.height >= 7 {
            buffer.set(x: area.x, y: top, string: DisplayWidth.truncate(cleanYLabel, to: area.width), style: axisStyle)
            top += 1
        }
        let legendRow: Int?
        if showLegend, !series.isEmpty, bottom - top >= 4 { bottom -= 1; legendRow = bottom } else { legendRow = nil }

        let layers = layers()
        let log = yScale == .log
        let dataX = xRange.flatMap { $0.lowerBound.isFinite && $0.upperBound.isFinite ? $0 : nil }
            ?? layers.compactMap { ChartReduction.xRange($0.xs) }
                .reduce(nil as ClosedRange<Double>?) { acc, r in acc.map { min($0.lowerBound, r.lowerBound)...max($0.upperBound, r.upperBound) } ?? r }
        var x0 = dataX?.lowerBound ?? 0, x1 = dataX?.upperBound ?? 0
        if x1 <= x0 { x0 -= 0.5; x1 += 0.5 }

        // Axes take a gutter column for y labels plus one for the axis line, and two rows for x.
        let axes = area.width >= Self.minimumGutter + 4 && bottom - top >= 3
        let xAxisRows = axes ? 2 : 0
        let plotTop = top, plotRows = bottom - top - xAxisRows
        guard plotRows >= 1 else { return }
        let kind: DotCanvas.Kind = ascii ? .ascii : .braille
        let dotsX = ascii ? 1 : 2, dotsY = ascii ? 2 : 4

        func reduceAll(plotWidth: Int) -> [[ChartColumn?]] {
            layers.map {
                ChartReduction.reduce(xs: $0.xs, ys: $0.ys, columns: plotWidth * dotsX, x0: x0, x1: x1, positiveOnly: log)
            }
        }
        func fitRange(_ reduced: [[ChartColumn?]]) -> ClosedRange<Double>? {
            ignoreOutliers ? ChartReduction.robustRange(reduced) : ChartReduction.fullRange(reduced)
        }

        var gutter = axes ? Self.minimumGutter : 0
        var plotWidth = area.width - (axes ? gutter + 1 : 0)
        var reduced = reduceAll(plotWidth: plotWidth)
        guard let fitted = fitRange(reduced) else {
            let text = DisplayWidth.truncate(Sanitize.line(emptyText), to: area.width)
            let y = plotTop + (bottom - plotTop) / 2
            buffer.set(x: area.x + max(0, (area.width - DisplayWidth.of(text)) / 2), y: y, string: text, style: Style(modifiers: .dim))
            return
        }
        var (lo, hi) = (fitted.lowerBound, fitted.upperBound)
        if hi <= lo {
            let pad = log ? 0.5 : (lo == 0 ? 1 : abs(lo) * 0.1)
            lo -= pad; hi += pad
        }

        var ticks: [Double] = [], labels: [String] = []
        if axes {
            let maxTicks = min(5, max(2, plotRows * 2 / 3 + 1))
            (ticks, labels) = Self.yTicks(lo: lo, hi: hi, maxCount: maxTicks, log: log)
            // The lowest value is labelled too (drawYAxis), so its label counts for the width.
            let widest = (labels + [Self.lowestLabel(lo, log: log)]).map { DisplayWidth.of($0) }.max() ?? 0
            let needed = min(max(Self.minimumGutter, widest), area.width / 3)
            if needed != gutter {
                gutter = needed
                plotWidth = area.width - gutter - 1
                reduced = reduceAll(plotWidth: plotWidth)
            }
        }

        // Plot.
        var canvas = DotCanvas(kind: kind, columns: plotWidth, rows: plotRows)
        let dotRows = Double(canvas.height - 1)
        let row: (Double) -> Double = { v in (hi - v) / (hi - lo) * dotRows }
        for (i, columns) in reduced.enumerated() {
            Self.draw(columns, on: &canvas, layer: Int32(i), row: row)
        }
        let plotX = area.x + (axes ? gutter + 1 : 0)
        canvas.draw(into: &buffer, x: plotX, y: plotTop, styles: layers.map(\.style))

        drawMarkers(layers: Array(layers.suffix(series.count)), x0: x0, x1: x1, row: row, plotX: plotX, plotTop: plotTop,
                    plotWidth: plotWidth, plotRows: plotRows, dotsX: dotsX, dotsY: dotsY, buffer: &buffer)
        if axes {
            drawYAxis(ticks: ticks, labels: labels, row: row, dotsY: dotsY, x: area.x, gutter: gutter,
                      top: plotTop, rows: plotRows, lowest: lo, buffer: &buffer)
            drawXAxis(x0: x0, x1: x1, area: area, plotX: plotX, plotWidth: plotWidth, dotsX: dotsX,
                      y: plotTop + plotRows, buffer: &buffer)
        }
        if let legendRow { drawLegend(area: area, y: legendRow, buffer: &buffer) }
    }

    /// The label of the lowest value shown (`lo` is log10 of it on a log axis).
    static func lowestLabel(_ lo: Double, log: Bool) -> String {
        ChartFormat.compact(log ? pow(10, lo) : lo, significant: 3)
    }

    /// Ticks in value space (log10 of the value on a log axis) and their labels.
    static func yTicks(lo: Double, hi: Double, maxCount: Int, log: Bool) -> ([Double], [String]) {
        if log {
            if hi - lo >= 1 {
                // A decade or more: powers of ten, or 1-2-5 (then 1-3) in each decade when that gives
                // three ticks or more without passing maxCount.
                var best = ChartTicks.nice(lo: lo, hi: hi, maxCount: maxCount, minStep: 1).map { pow(10, $0) }
                if best.count < 3 {
                    for mantissas in [[1.0, 2, 5], [1.0, 3]] {
                        var values: [Double] = []
                        for e in Int(floor(lo))...Int(ceil(hi)) {
                            for m in mantissas {
                                let v = m * pow(10, Double(e)), l = log10(v)
                                if l >= lo - 1e-9 && l <= hi + 1e-9 { values.append(v) }
                            }
                        }
                        if values.count >= 3 && values.count <= maxCount { best = values; break }
                    }
                }
                return (best.map { log10($0) }, ChartFormat.tickLabels(best))
            }
            let values = ChartTicks.nice(lo: pow(10, lo), hi: pow(10, hi), maxCount: maxCount).filter { $0 > 0 }
            return (values.map { log10($0) }, ChartFormat.tickLabels(values))
        }
        let ticks = ChartTicks.nice(lo: lo, hi: hi, maxCount: maxCount)
        return (ticks, ChartFormat.tickLabels(ticks))
    }

    /// One layer's columns as vertical runs of dots, each joined to the previous column's last value;
    /// across empty columns the line is interpolated, one run per column, so it stays unbroken.
    static func draw(_ columns: [ChartColumn?], on canvas: inout DotCanvas, layer: Int32, row: (Double) -> Double) {
        var previous: (column: Int, last: Double)?
        for c in columns.indices {
            guard let column = columns[c] else { continue }
            var a = row(column.hi), b = row(column.lo)
            if let p = previous {
                let from = row(p.last)
                var entry = from
                if c > p.column + 1 {
                    let slope = (row(column.first) - from) / Double(c - p.column)
                    for k in (p.column + 1)..<c {
                        let to = from + slope * (Double(k - p.column) + 0.5)
                        canvas.vertical(x: k, from: entry, to: to, layer: layer)
                        entry = to
                    }
                }
                a = min(a, entry); b = max(b, entry)
            }
            canvas.vertical(x: c, from: a, to: b, layer: layer)
            previous = (c, column.last)
        }
    }

    /// Each series' marker at its last point inside the x range (the smoothed line's, when smoothed).
    private func drawMarkers(layers: [Layer], x0: Double, x1: Double, row: (Double) -> Double, plotX: Int, plotTop: Int,
                             plotWidth: Int, plotRows: Int, dotsX: Int, dotsY: Int, buffer: inout Buffer) {
        let log = yScale == .log
        for (s, layer) in zip(series, layers) {
            guard let marker = s.marker,
                  let i = layer.xs.indices.last(where: { layer.xs[$0] >= x0 && layer.xs[$0] <= x1 && layer.ys[$0].isFinite && (!log || layer.ys[$0] > 0) })
            else { continue }
            let y = log ? log10(layer.ys[i]) : layer.ys[i]
            let dotX = ((layer.xs[i] - x0) / (x1 - x0) * Double(plotWidth * dotsX - 1)).rounded()
            let dotY = row(y).rounded()
            guard dotX.isFinite, dotY.isFinite, dotY >= 0, dotY < Double(plotRows * dotsY) else { continue }
            let column = min(plotWidth - 1, max(0, Int(dotX) / dotsX))
            buffer.set(x: plotX + column, y: plotTop + Int(dotY) / dotsY, string: String(marker), style: s.style.patched(with: Style(modifiers: .bold)))
        }
    }

    private func drawYAxis(ticks: [Double], labels: [String], row: (Double) -> Double, dotsY: Int, x: Int, gutter: Int,
                           top: Int, rows: Int, lowest: Double, buffer: inout Buffer) {
        let axisX = x + gutter
        for r in 0..<rows { buffer.set(x: axisX, y: top + r, string: ascii ? "|" : "│", style: axisStyle) }
        var used = Set<Int>()
        for (t, label) in zip(ticks, labels) {
            let dot = row(t).rounded()
            guard dot >= 0, dot < Double(rows * dotsY) else { continue }  // also false for NaN
            let r = Int(dot) / dotsY
            guard r >= 0, r < rows, used.insert(r).inserted else { continue }
            buffer.set(x: axisX, y: top + r, string: ascii ? "+" : "┤", style: axisStyle)
            let text = DisplayWidth.truncate(label, to: gutter)
            buffer.set(x: axisX - DisplayWidth.of(text), y: top + r, string: text, style: axisStyle)
        }
        // The lowest value shown is labelled too, so the bottom of the plot can be read.
        if rows >= 3, !used.contains(rows - 1), lowest.isFinite {
            let text = DisplayWidth.truncate(Self.lowestLabel(lowest, log: yScale == .log), to: gutter)
            buffer.set(x: axisX, y: top + rows - 1, string: ascii ? "+" : "┤", style: axisStyle)
            buffer.set(x: axisX - DisplayWidth.of(text), y: top + rows - 1, string: text, style: axisStyle)
        }
    }

    private func drawXAxis(x0: Double, x1: Double, area: Rect, plotX: Int, plotWidth: Int, dotsX: Int, y: Int,
                           buffer: inout Buffer) {
        let axisX = plotX - 1
        buffer.set(x: axisX, y: y, string: ascii ? "+" : "└", style: axisStyle)
        buffer.set(x: plotX, y: y, string: String(repeating: ascii ? "-" : "─", count: plotWidth), style: axisStyle)
        let labelY = y + 1
        // The axis name sits at the right end of the label row; tick labels keep clear of it.
        var limit = area.maxX
        let name = Sanitize.line(xLabel)
        if !name.isEmpty, DisplayWidth.of(name) + 2 < plotWidth {
            limit = area.maxX - DisplayWidth.of(name)
            buffer.set(x: limit, y: labelY, string: name, style: axisStyle)
            limit -= 1
        }
        let maxTicks = max(2, min(8, plotWidth / 10))
        let ticks: [Double], labels: [String]
        switch xFormat {
        case .number:
            ticks = ChartTicks.nice(lo: x0, hi: x1, maxCount: maxTicks)
            labels = ChartFormat.tickLabels(ticks)
        case .duration:
            ticks = ChartTicks.niceDuration(lo: x0, hi: x1, maxCount: maxTicks)
            labels = ticks.map(ChartFormat.duration)
        case .custom(let format):
            ticks = ChartTicks.nice(lo: x0, hi: x1, maxCount: maxTicks)
            labels = ticks.map { Sanitize.line(format($0)) }
        }
        let dots = Double(plotWidth * dotsX - 1)
        var nextFree = area.x
        for (t, label) in zip(ticks, labels) {
            let dot = ((t - x0) / (x1 - x0) * dots).rounded()
            guard dot >= 0, dot <= dots else { continue }  // also false for NaN
            let column = plotX + Int(dot) / dotsX
            buffer.set(x: column, y: y, string: ascii ? "+" : "┬", style: axisStyle)
            let w = DisplayWidth.of(label)
            let start = max(area.x, min(column - w / 2, limit - w))
            guard start >= nextFree, start + w <= limit else { continue }
            buffer.set(x: start, y: labelY, string: label, style: axisStyle)
            nextFree = start + w + 1
        }
    }

    private func drawLegend(area: Rect, y: Int, buffer: inout Buffer) {
        var x = area.x
        for (i, s) in series.enumerated() {
            let value = s.lastValue.map { ChartFormat.compact($0, significant: 4) } ?? "-"
            let text = " \(Sanitize.line(s.name)) \(value)"
            let room = area.maxX - x - 1
            guard room >= 2 else { break }
            if i > 0 && DisplayWidth.of(text) > room { buffer.set(x: x, y: y, string: "…"); break }
            buffer.set(x: x, y: y, string: s.marker.map(String.init) ?? (ascii ? "-" : "━"), style: s.style.patched(with: Style(modifiers: .bold)))
            x += 1 + buffer.set(x: x + 1, y: y, string: DisplayWidth.truncate(text, to: room), maxWidth: room)
            x += 2
        }
    }
}

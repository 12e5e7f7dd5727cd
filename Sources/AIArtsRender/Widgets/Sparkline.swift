/// A bar per value, newest at the right: `▁▂▃▅▇█▆▃` (GPU utilisation history). Taller areas stack
/// eighths over several rows. Values are placed between `min` and `max` (default 0 and the largest
/// value, at least `min`); a finite value always shows at least the lowest bar, so 0 % differs from
/// no sample; non-finite values are gaps. The ASCII form (no UTF-8) uses `_.-:=+*#` on one row and
/// `#` to fill rows below the top when taller.
public struct Sparkline: Widget {
    public var values: [Double]
    public var min: Double
    public var max: Double?
    public var style: Style
    public var ascii: Bool

    public init(values: [Double], min: Double = 0, max: Double? = nil, style: Style = Style(fg: .green), ascii: Bool = false) {
        self.values = values; self.min = min; self.max = max; self.style = style; self.ascii = ascii
    }

    static let eighths = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels = [" ", "_", ".", "-", ":", "=", "+", "*", "#"]

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let shown = values.suffix(area.width)
        let lo = min.isFinite ? min : 0
        let top = max.flatMap { $0.isFinite ? $0 : nil } ?? shown.filter(\.isFinite).reduce(lo, Swift.max)
        let span = top - lo
        let levels = area.height * 8
        let x0 = area.maxX - shown.count
        for (i, v) in shown.enumerated() {
            let x = x0 + i
            for r in 0..<area.height { buffer.set(x: x, y: area.maxY - 1 - r, string: " ") }
            guard v.isFinite else { continue }
            let fraction = span > 0 ? Swift.min(1, Swift.max(0, (v - lo) / span)) : 0
            let units = Swift.max(1, Int((fraction * Double(levels)).rounded()))
            for r in 0..<area.height {
                let fill = Swift.min(8, Swift.max(0, units - r * 8))
                guard fill > 0 else { break }
                let symbol = ascii ? (fill == 8 && units > (r + 1) * 8 ? "#" : Self.asciiLevels[fill]) : Self.eighths[fill]
                buffer.set(x: x, y: area.maxY - 1 - r, string: symbol, style: style)
            }
        }
    }
}

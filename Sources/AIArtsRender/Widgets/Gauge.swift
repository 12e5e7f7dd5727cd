/// A progress bar with its percentage: `██████▍      42%`. Partial blocks give eighth-of-a-cell
/// resolution; the ASCII form uses # and . for terminals without UTF-8.
public struct Gauge: Widget {
    public var ratio: Double
    public var style: Style
    public var ascii: Bool

    public init(ratio: Double, style: Style = Style(fg: .green), ascii: Bool = false) {
        self.ratio = ratio.isFinite ? min(1, max(0, ratio)) : 0
        self.style = style; self.ascii = ascii
    }

    private static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let label = "\(Int((ratio * 100).rounded(.down)))%"
        let labelWidth = 4  // "100%"
        let barWidth = area.width - labelWidth - 1
        let y = area.y
        buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), .plain)
        if barWidth >= 1 {
            let total = Int((ratio * Double(barWidth * 8)).rounded(.down))
            let full = total / 8, part = total % 8
            var bar = String(repeating: ascii ? "#" : "█", count: full)
            if full < barWidth {
                bar += ascii ? (part >= 4 ? "#" : "") : Self.eighths[part]
            }
            let empty = ascii ? "." : " "
            bar += String(repeating: empty, count: max(0, barWidth - DisplayWidth.of(bar)))
            buffer.set(x: area.x, y: y, string: bar, style: style, maxWidth: barWidth)
        }
        let padded = String(repeating: " ", count: max(0, labelWidth - label.count)) + label
        let labelX = max(area.x, area.maxX - labelWidth)
        buffer.set(x: labelX, y: y, string: padded, maxWidth: area.maxX - labelX)
    }
}

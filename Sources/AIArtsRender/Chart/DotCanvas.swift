/// A grid of dots over a rectangle of cells, turned into characters at the end: braille (2 × 4 dots
/// a cell, U+2800–U+28FF) or, without UTF-8, ASCII (1 × 2 dots a cell: ' . :).
///
/// Overlaid lines: dots are OR-ed, and a cell takes the style of the last layer that set a dot in
/// it. Layers are drawn in order, so later series win shared cells.
struct DotCanvas {
    enum Kind { case braille, ascii }

    let kind: Kind
    let columns: Int, rows: Int
    let dotsX: Int, dotsY: Int
    private(set) var bits: [UInt8]
    private(set) var owner: [Int32]

    init(kind: Kind, columns: Int, rows: Int) {
        self.kind = kind
        self.columns = max(0, columns); self.rows = max(0, rows)
        (dotsX, dotsY) = kind == .braille ? (2, 4) : (1, 2)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        owner = Array(repeating: -1, count: self.columns * self.rows)
    }

    var width: Int { columns * dotsX }
    var height: Int { rows * dotsY }

    // Braille dot numbering: left column top to bottom is dots 1, 2, 3, 7; right column 4, 5, 6, 8.
    private static let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
    private static let asciiBits: [[UInt8]] = [[0x01, 0x02]]

    /// The 256 braille characters as ready-made strings, so drawing allocates nothing.
    static let brailleSymbols: [String] = (0..<256).map { String(Character(Unicode.Scalar(0x2800 + UInt32($0))!)) }
    static let asciiSymbols = [" ", "'", ".", ":"]

    mutating func set(x: Int, y: Int, layer: Int32) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = (y / dotsY) * columns + x / dotsX
        let table = kind == .braille ? Self.brailleBits : Self.asciiBits
        bits[i] |= table[x % dotsX][y % dotsY]
        owner[i] = layer
    }

    /// Dots from row `from` to row `to` (either order, fractional rows rounded) in dot column `x`,
    /// clipped to the canvas.
    mutating func vertical(x: Int, from: Double, to: Double, layer: Int32) {
        guard x >= 0, x < width, from.isFinite, to.isFinite else { return }
        // Clamp before converting, so a far-off value cannot overflow Int.
        let limit = Double(height + 1)
        let a = Int(max(-1, min(limit, min(from, to))).rounded())
        let b = Int(max(-1, min(limit, max(from, to))).rounded())
        let top = max(0, a), bottom = min(height - 1, b)
        guard top <= bottom else { return }
        let table = kind == .braille ? Self.brailleBits[x % dotsX] : Self.asciiBits[0]
        let cellX = x / dotsX
        for y in top...bottom {
            let i = (y / dotsY) * columns + cellX
            bits[i] |= table[y % dotsY]
            owner[i] = layer
        }
    }

    /// The symbol of cell (column, row); a space when it has no dots.
    func symbol(column: Int, row: Int) -> String {
        let b = Int(bits[row * columns + column])
        return kind == .braille ? Self.brailleSymbols[b] : Self.asciiSymbols[b & 3]
    }

    /// Writes every cell that has dots into `buffer` at `origin`, styled by its owning layer.
    func draw(into buffer: inout Buffer, x originX: Int, y originY: Int, styles: [Style]) {
        for row in 0..<rows {
            for column in 0..<columns {
                let i = row * columns + column
                guard bits[i] != 0 else { continue }
                let layer = Int(owner[i])
                let style = layer >= 0 && layer < styles.count ? styles[layer] : .plain
                buffer.put(Cell(symbol(column: column, row: row), style: style), x: originX + column, y: originY + row)
            }
        }
    }
}

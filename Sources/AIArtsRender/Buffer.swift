/// A frame: width × height cells that widgets draw into and the renderer diffs against the last frame.
///
/// Invariant kept by every write: a cell of width 2 is always followed by a continuation cell, and a
/// continuation cell always follows a width-2 cell. Overwriting half of a wide character blanks the other
/// half, so neither this buffer nor the terminal is left with half a glyph.
public struct Buffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Images for a terminal graphics protocol, drawn over the cells (see `GraphicPlacement`).
    public var graphics: [GraphicPlacement] = []

    public init(width: Int, height: Int, cell: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: cell, count: self.width * self.height)
    }

    public init(size: Size) { self.init(width: size.width, height: size.height) }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }
    public var size: Size { Size(width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `string` from (x, y), one grapheme per cell (two for wide ones), patching each cell's style
    /// with `style`. Stops at the buffer's right edge or after `maxWidth` columns, and never writes half of
    /// a wide character there. Zero-width graphemes (stray controls) are skipped; it does not sanitize,
    /// callers pass text through `Sanitize` first. Returns the number of columns written.
    @discardableResult
    public mutating func set(x: Int, y: Int, string: String, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
        var column = x
        for character in string {
            let w = DisplayWidth.of(character)
            if w == 0 { continue }
            if column + w > limit { break }
            if column >= 0 {
                put(Cell(DisplayWidth.cellSymbol(character), width: w, style: self[column, y].style.patched(with: style)), x: column, y: y)
            }
            column += w
        }
        return max(0, column - max(x, 0))
    }

    /// Places one cell, repairing any wide character it cuts in half.
    public mutating func put(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, x < width, y >= 0, y < height, !cell.isContinuation else { return }
        let wide = cell.width == 2
        if wide && x + 1 >= width { return }  // would hang off the edge
        blankHalves(x: x, y: y)
        if wide { blankHalves(x: x + 1, y: y) }
        cells[y * width + x] = cell
        if wide { cells[y * width + x + 1] = .continuation(style: cell.style) }
    }

    /// Before (x, y) is overwritten: if it is either half of a wide character, the other half becomes a space.
    private mutating func blankHalves(x: Int, y: Int) {
        let i = y * width + x
        let current = cells[i]
        if current.isContinuation, x > 0 {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        } else if current.width == 2, x + 1 < width {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = Cell(" ", style: current.style)
    }

    /// Clears `rect` to spaces drawn in `style`.
    public mutating func fill(_ rect: Rect, _ style: Style) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            // A wide character straddling either edge of the rect loses its outside half too.
            if r.x > 0, self[r.x, y].isContinuation { cells[y * width + r.x - 1] = Cell(" ", style: self[r.x - 1, y].style) }
            if r.maxX < width, self[r.maxX, y].isContinuation { cells[y * width + r.maxX] = Cell(" ", style: self[r.maxX, y].style) }
            for x in r.x..<r.maxX { cells[y * width + x] = Cell(" ", style: style) }
        }
    }

    /// Lays `style` over every cell of `rect`, keeping the symbols (a highlighted row, a focused border).
    public mutating func patchStyle(_ rect: Rect, _ style: Style) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x].style = cells[y * width + x].style.patched(with: style) }
        }
    }

    /// The text of each row, continuation cells contributing nothing; what tests compare.
    public func lines() -> [String] {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width { line += self[x, y].symbol }
            return line
        }
    }

    /// The cells to write to turn `previous` into this buffer. Continuation cells are never written
    /// (drawing the wide character fills them). A size change redraws everything.
    public func diff(from previous: Buffer) -> [(x: Int, y: Int, cell: Cell)] {
        var changes: [(x: Int, y: Int, cell: Cell)] = []
        let resized = previous.width != width || previous.height != height
        for y in 0..<height {
            for x in 0..<width {
                let cell = self[x, y]
                if cell.isContinuation { continue }
                if resized || cell != previous[x, y] {
                    changes.append((x, y, cell))
                } else if cell.width == 2 && previous[x + 1, y] != self[x + 1, y] {
                    // Same wide character but its second half changed style: rewrite the whole glyph.
                    changes.append((x, y, cell))
                }
            }
        }
        return changes
    }
}

/// An RGB image, 8 bits a channel, 3 bytes a pixel, rows top to bottom: what `ImageView` shows.
/// (The caller converts from its decoder's type; this library depends on no image code.)
public struct PixelImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let rgb: [UInt8]

    /// nil unless both sides are positive and `rgb` holds exactly width × height × 3 bytes.
    public init?(width: Int, height: Int, rgb: [UInt8]) {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard width > 0, height > 0, !overflow, pixels <= Int.max / 3, rgb.count == pixels * 3 else { return nil }
        self.width = width; self.height = height; self.rgb = rgb
    }

    /// This image shrunk (or enlarged) to `width` × `height` by averaging each output pixel's box of
    /// source pixels, box edges rounded to whole source pixels; enlarging repeats pixels.
    ///
    /// Each output row first sums its band of source rows byte by byte (a straight loop the compiler
    /// vectorises; it touches every source byte once, in 16-bit sums while a band is at most 257 rows
    /// tall, which doubles the lanes), then sums each box across that one row of sums.
    public func resized(width ow: Int, height oh: Int) -> PixelImage {
        let ow = max(1, ow), oh = max(1, oh)
        if ow == width && oh == height { return self }
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        let xStart = (0...ow).map { $0 * width / ow }
        let rowBytes = width * 3
        let narrow = (height + oh - 1) / oh + 1 <= 257  // 257 × 255 fits in UInt16
        var band16 = [UInt16](repeating: 0, count: narrow ? rowBytes : 0)
        var band32 = [UInt32](repeating: 0, count: narrow ? 0 : rowBytes)
        rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                band16.withUnsafeMutableBufferPointer { acc16 in
                    band32.withUnsafeMutableBufferPointer { acc32 in
                        guard let pixels = src.baseAddress else { return }
                        for j in 0..<oh {
                            let y0 = j * height / oh, y1 = max(y0 + 1, (j + 1) * height / oh)
                            if narrow, let sums = acc16.baseAddress {
                                Self.sumRows(pixels, y0, y1, rowBytes, into: sums)
                                Self.boxes(sums, xStart, ow, j, y1 - y0, into: dst)
                            } else if let sums = acc32.baseAddress {
                                Self.sumRows(pixels, y0, y1, rowBytes, into: sums)
                                Self.boxes(sums, xStart, ow, j, y1 - y0, into: dst)
                            }
                        }
                    }
                }
            }
        }
        return PixelImage(width: ow, height: oh, rgb: out)!
    }

    @inline(__always)
    private static func sumRows<T: FixedWidthInteger & UnsignedInteger>(_ pixels: UnsafePointer<UInt8>, _ y0: Int, _ y1: Int,
                                                                       _ rowBytes: Int, into sums: UnsafeMutablePointer<T>) {
        sums.update(repeating: 0, count: rowBytes)
        for y in y0..<y1 {
            let row = pixels + y * rowBytes
            for k in 0..<rowBytes { sums[k] &+= T(truncatingIfNeeded: row[k]) }
        }
    }

    @inline(__always)
    private static func boxes<T: FixedWidthInteger & UnsignedInteger>(_ sums: UnsafeMutablePointer<T>, _ xStart: [Int], _ ow: Int,
                                                                     _ j: Int, _ rows: Int, into dst: UnsafeMutableBufferPointer<UInt8>) {
        for i in 0..<ow {
            let x0 = xStart[i], x1 = max(x0 + 1, xStart[i + 1])
            var r: UInt64 = 0, g: UInt64 = 0, b: UInt64 = 0
            for x in x0..<x1 {
                r += UInt64(sums[x * 3]); g += UInt64(sums[x * 3 + 1]); b += UInt64(sums[x * 3 + 2])
            }
            let n = UInt64((x1 - x0) * rows), o = (j * ow + i) * 3
            dst[o] = UInt8((r + n / 2) / n); dst[o + 1] = UInt8((g + n / 2) / n); dst[o + 2] = UInt8((b + n / 2) / n)
        }
    }

    func pixel(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (rgb[i], rgb[i + 1], rgb[i + 2])
    }
}

/// A rectangle over an image, in the image's own pixel coordinates, drawn as an outline with its label.
public struct ImageBox: Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public var label: String
    public var color: Color

    public init(x: Double, y: Double, width: Double, height: Double, label: String = "", color: Color = .yellow) {
        self.x = x; self.y = y; self.width = width; self.height = height; self.label = label; self.color = color
    }
}

/// A preview of an image, scaled to fit the area with its aspect ratio kept (area average) and centred,
/// with boxes drawn over it.
///
/// - `halfBlock`: each cell is "▀" with the top pixel as foreground and the bottom pixel as background,
///   so a cell shows two square pixels. Colours are `.rgb`; the terminal backend maps them to 256 or 8
///   colours (`Color.nearestIndexed`, `nearestANSI`), so the widget does not quantise. Box outlines are
///   drawn in those half-cell pixels; labels sit on the cell row above the box (on its top edge when
///   the box touches the top), in the box colour.
/// - `colorBlocks` (colour but no UTF-8): a space with the average of the cell's two pixels as background.
/// - `luminance` (no colour): the ramp " .:-=+*#%@" by brightness, for a dark background.
/// In the last two, box outlines are drawn with + - | in the box colour.
/// - `graphics`: the terminal shows the image itself (kitty's graphics protocol) at its full decoded
///   resolution over the cells a half-block preview would take: the cells are blanked, the box
///   outlines drawn into a copy of the pixels and the labels written in cells, which the terminal
///   draws over the image.
public struct ImageView: Widget {
    public enum Mode: Sendable { case halfBlock, colorBlocks, luminance, graphics }

    public var image: PixelImage
    public var boxes: [ImageBox]
    public var mode: Mode

    public init(image: PixelImage, boxes: [ImageBox] = [], mode: Mode = .halfBlock) {
        self.image = image; self.boxes = boxes; self.mode = mode
    }

    static let ramp: [String] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    /// The size in square pixels (a cell is one wide, two tall) of `image` fitted into `cells`,
    /// aspect ratio kept; at least 1 × 1 when the area is not empty.
    public static func fittedSize(width: Int, height: Int, in cells: Size) -> Size {
        guard width > 0, height > 0, cells.width > 0, cells.height > 0 else { return Size(width: 0, height: 0) }
        let scale = min(Double(cells.width) / Double(width), Double(cells.height * 2) / Double(height))
        return Size(width: min(cells.width, max(1, Int((Double(width) * scale).rounded()))),
                    height: min(cells.height * 2, max(1, Int((Double(height) * scale).rounded()))))
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let fitted = Self.fittedSize(width: image.width, height: image.height, in: Size(width: area.width, height: area.height))
        let cellRows = (fitted.height + 1) / 2
        let originX = area.x + (area.width - fitted.width) / 2
        let originY = area.y + (area.height - cellRows) / 2
        let placed = Rect(x: originX, y: originY, width: fitted.width, height: cellRows)
        if mode == .halfBlock {
            renderHalfBlocks(fitted, at: placed, buffer: &buffer)
        } else if mode == .graphics {
            renderGraphics(at: placed, buffer: &buffer)
        } else {
            renderCharacters(at: placed, buffer: &buffer)
        }
    }

    private func renderHalfBlocks(_ fitted: Size, at placed: Rect, buffer: inout Buffer) {
        let small = image.resized(width: fitted.width, height: fitted.height)
        var colors = [Color?](repeating: nil, count: fitted.width * placed.height * 2)
        for y in 0..<fitted.height {
            for x in 0..<fitted.width {
                let (r, g, b) = small.pixel(x, y)
                colors[y * fitted.width + x] = .rgb(r, g, b)
            }
        }
        let sx = Double(fitted.width) / Double(image.width), sy = Double(fitted.height) / Double(image.height)
        for box in boxes {
            guard let (x0, y0, x1, y1) = Self.span(box, sx: sx, sy: sy, width: fitted.width, height: fitted.height) else { continue }
            for x in x0...x1 { colors[y0 * fitted.width + x] = box.color; colors[y1 * fitted.width + x] = box.color }
            for y in y0...y1 { colors[y * fitted.width + x0] = box.color; colors[y * fitted.width + x1] = box.color }
        }
        for row in 0..<placed.height {
            for x in 0..<fitted.width {
                let top = colors[(row * 2) * fitted.width + x]
                let bottom = colors[(row * 2 + 1) * fitted.width + x]
                buffer.put(Cell("▀", style: Style(fg: top, bg: bottom ?? .default)), x: placed.x + x, y: placed.y + row)
            }
        }
        for box in boxes {
            guard let (x0, y0, _, _) = Self.span(box, sx: sx, sy: sy, width: fitted.width, height: fitted.height) else { continue }
            let edgeRow = y0 / 2
            drawLabel(box, x: placed.x + x0, y: placed.y + (edgeRow > 0 ? edgeRow - 1 : edgeRow), limit: placed.maxX, buffer: &buffer)
        }
    }

    private func renderGraphics(at placed: Rect, buffer: inout Buffer) {
        buffer.fill(placed, Style.plain)
        let w = image.width, h = image.height
        let outlines = boxes.compactMap { box -> GraphicPlacement.Outline? in
            guard let (x0, y0, x1, y1) = Self.span(box, sx: 1, sy: 1, width: w, height: h) else { return nil }
            let (r, g, b) = box.color.approximateRGB
            return GraphicPlacement.Outline(x0: x0, y0: y0, x1: x1, y1: y1, rgb: [r, g, b])
        }
        buffer.graphics.append(GraphicPlacement(area: placed, image: image, outlines: outlines))
        let sx = Double(placed.width) / Double(w), sy = Double(placed.height) / Double(h)
        for box in boxes {
            guard let (x0, y0, _, _) = Self.span(box, sx: sx, sy: sy, width: placed.width, height: placed.height) else { continue }
            drawLabel(box, x: placed.x + x0, y: placed.y + (y0 > 0 ? y0 - 1 : y0), limit: placed.maxX, buffer: &buffer)
        }
    }

    private func renderCharacters(at placed: Rect, buffer: inout Buffer) {
        let small = image.resized(width: placed.width, height: placed.height)
        for y in 0..<placed.height {
            for x in 0..<placed.width {
                let (r, g, b) = small.pixel(x, y)
                let cell: Cell
                if mode == .colorBlocks {
                    cell = Cell(" ", style: Style(bg: .rgb(r, g, b)))
                } else {
                    let luminance = (299 * Int(r) + 587 * Int(g) + 114 * Int(b)) / 1000
                    cell = Cell(Self.ramp[(luminance * (Self.ramp.count - 1) + 127) / 255])
                }
                buffer.put(cell, x: placed.x + x, y: placed.y + y)
            }
        }
        let sx = Double(placed.width) / Double(image.width), sy = Double(placed.height) / Double(image.height)
        for box in boxes {
            guard let (x0, y0, x1, y1) = Self.span(box, sx: sx, sy: sy, width: placed.width, height: placed.height) else { continue }
            let style = mode == .colorBlocks ? Style(fg: box.color, modifiers: .bold) : Style(modifiers: .bold)
            for x in x0...x1 {
                let symbol = x == x0 || x == x1 ? "+" : "-"
                buffer.set(x: placed.x + x, y: placed.y + y0, string: symbol, style: style)
                buffer.set(x: placed.x + x, y: placed.y + y1, string: symbol, style: style)
            }
            for y in (y0 + 1)..<max(y0 + 1, y1) {
                buffer.set(x: placed.x + x0, y: placed.y + y, string: "|", style: style)
                buffer.set(x: placed.x + x1, y: placed.y + y, string: "|", style: style)
            }
            let labelY = y0 > 0 ? y0 - 1 : y0
            drawLabel(box, x: placed.x + x0 + (y0 > 0 ? 0 : 1), y: placed.y + labelY, limit: placed.maxX, buffer: &buffer)
        }
    }

    /// The box's outline in output pixels (inclusive), clipped to the image; nil when it lies outside
    /// or its coordinates are not finite.
    static func span(_ box: ImageBox, sx: Double, sy: Double, width: Int, height: Int) -> (Int, Int, Int, Int)? {
        guard box.x.isFinite, box.y.isFinite, box.width.isFinite, box.height.isFinite,
              box.width >= 0, box.height >= 0 else { return nil }
        func clamp(_ v: Double, _ n: Int) -> Int { Int(max(-1, min(Double(n), v))) }
        let x0 = clamp((box.x * sx).rounded(.down), width), y0 = clamp((box.y * sy).rounded(.down), height)
        let x1 = clamp(((box.x + box.width) * sx).rounded(.up) - 1, width)
        let y1 = clamp(((box.y + box.height) * sy).rounded(.up) - 1, height)
        guard x1 >= 0, y1 >= 0, x0 < width, y0 < height else { return nil }
        return (max(0, x0), max(0, y0), min(width - 1, max(x0, x1)), min(height - 1, max(y0, y1)))
    }

    private func drawLabel(_ box: ImageBox, x: Int, y: Int, limit: Int, buffer: inout Buffer) {
        let text = Sanitize.line(box.label)
        guard !text.isEmpty, x < limit else { return }
        let style = mode == .luminance
            ? Style(modifiers: [.bold, .reverse])
            : Style(fg: Self.readableText(on: box.color), bg: box.color, modifiers: .bold)
        buffer.set(x: x, y: y, string: DisplayWidth.truncate(text, to: limit - x), style: style, maxWidth: limit - x)
    }

    /// Black or white, whichever reads better on `color`.
    static func readableText(on color: Color) -> Color {
        let rgb: (Int, Int, Int)
        switch color {
        case .default: return .default
        case .rgb(let r, let g, let b): rgb = (Int(r), Int(g), Int(b))
        case .indexed(let n) where n >= 16: rgb = Color.rgbOfIndex(n)
        case .ansi(let n), .indexed(let n):
            // Dark ANSI colours: black, red, blue, magenta, grey and their bright blue.
            return [0, 1, 4, 5, 8, 12].contains(n & 15) ? .brightWhite : .black
        }
        return (299 * rgb.0 + 587 * rgb.1 + 114 * rgb.2) / 1000 >= 128 ? .black : .brightWhite
    }
}

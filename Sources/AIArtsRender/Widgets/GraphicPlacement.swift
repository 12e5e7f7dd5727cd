/// An image a terminal graphics protocol (kitty's) shows over a rectangle of cells, as a frame
/// asks for it. `ImageView` in `.graphics` mode adds one to the buffer; the terminal backend paints
/// the outlines into a copy of the pixels and sends them, and the renderer sends them again only
/// when a placement changes. Making one costs no pass over the pixels, since a frame is drawn at
/// every change of anything on screen.
public struct GraphicPlacement: Equatable, Sendable {
    /// A box outline in the image's pixels (inclusive), and its colour.
    public struct Outline: Equatable, Hashable, Sendable {
        public var x0: Int, y0: Int, x1: Int, y1: Int
        public var rgb: [UInt8]
    }

    /// The cell rectangle the image is scaled into.
    public var area: Rect
    public var image: PixelImage
    public var outlines: [Outline]
    /// Names the image's content, so that frames compare cheaply and the terminal can be told which
    /// image to delete: a hash of where its pixels are stored, its size, 4096 of its pixels spread
    /// over it, and the outlines (an image freed and another allocated at the same address would
    /// also have to agree on every sampled pixel to be taken for it).
    public let id: UInt32

    public init(area: Rect, image: PixelImage, outlines: [Outline] = []) {
        self.area = area; self.image = image; self.outlines = outlines
        id = Self.identity(image, outlines)
    }

    /// Same content, same place; the pixels themselves are compared through the id.
    public static func == (a: GraphicPlacement, b: GraphicPlacement) -> Bool { a.id == b.id && a.area == b.area }

    /// The pixels with the outlines painted in, each about an eighth of a cell thick (a pixel at least).
    public func paintedPixels() -> [UInt8] {
        var rgb = image.rgb
        let w = image.width, h = image.height
        let thickness = max(1, min(w / max(1, area.width * 8), h / max(1, area.height * 16)))
        for o in outlines where o.rgb.count == 3 {
            func paint(_ x: Int, _ y: Int) { let i = (y * w + x) * 3; rgb[i] = o.rgb[0]; rgb[i + 1] = o.rgb[1]; rgb[i + 2] = o.rgb[2] }
            for t in 0..<thickness {
                for x in o.x0...o.x1 { paint(x, min(h - 1, o.y0 + t)); paint(x, max(0, o.y1 - t)) }
                for y in o.y0...o.y1 { paint(min(w - 1, o.x0 + t), y); paint(max(0, o.x1 - t), y) }
            }
        }
        return rgb
    }

    /// A non-zero 32-bit FNV-1a (kitty reserves id 0).
    static func identity(_ image: PixelImage, _ outlines: [Outline]) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        func mix(_ v: Int) { for shift in stride(from: 0, to: 64, by: 8) { h = (h ^ UInt32(truncatingIfNeeded: v >> shift & 0xFF)) &* 16_777_619 } }
        image.rgb.withUnsafeBufferPointer { pixels in
            mix(Int(bitPattern: pixels.baseAddress))
            mix(image.width); mix(image.height)
            let step = max(1, pixels.count / 4096)
            for i in stride(from: 0, to: pixels.count, by: step) { mix(Int(pixels[i])) }
        }
        for o in outlines { mix(o.x0); mix(o.y0); mix(o.x1); mix(o.y1); o.rgb.forEach { mix(Int($0)) } }
        return h == 0 ? 1 : h
    }
}

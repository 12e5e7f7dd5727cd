/// An image a terminal graphics protocol (kitty's) shows over a rectangle of cells, as a frame
/// asks for it. `ImageView` in `.graphics` mode adds one to the buffer; the terminal backend sends
/// the pixels, and the renderer sends them again only when a placement changes.
public struct GraphicPlacement: Equatable, Sendable {
    /// The cell rectangle the image is scaled into.
    public var area: Rect
    public var image: PixelImage
    /// Names the image's content (FNV-1a of its size and pixels), so that frames compare cheaply
    /// and the terminal can be told which image to delete.
    public let id: UInt32

    public init(area: Rect, image: PixelImage) {
        self.area = area; self.image = image
        id = Self.hash(image)
    }

    /// Same content, same place; the pixels themselves are compared through the id.
    public static func == (a: GraphicPlacement, b: GraphicPlacement) -> Bool { a.id == b.id && a.area == b.area }

    /// A non-zero 32-bit FNV-1a over the size and the pixels (kitty reserves id 0).
    static func hash(_ image: PixelImage) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        func mix(_ byte: UInt8) { h = (h ^ UInt32(byte)) &* 16_777_619 }
        for v in [image.width, image.height] { for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: v >> shift)) } }
        image.rgb.withUnsafeBufferPointer { for byte in $0 { mix(byte) } }
        return h == 0 ? 1 : h
    }
}

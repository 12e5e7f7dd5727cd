// Value types shared by the codecs, the resizer and the canvas.

/// A packed 8-bit image: rows top to bottom, `channels` bytes per pixel
/// (3 = RGB, 4 = RGBA), no padding between rows.
public struct RGBImage: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    /// Wraps existing pixels. The count must be width * height * channels;
    /// a mismatch is a programming error, so it traps.
    public init(width: Int, height: Int, channels: Int = 3, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && (channels == 3 || channels == 4),
                     "RGBImage needs a non-negative size and 3 or 4 channels")
        precondition(pixels.count == width * height * channels,
                     "RGBImage pixel count \(pixels.count) != \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A uniform image; alpha (when channels is 4) is opaque.
    public init(width: Int, height: Int, channels: Int = 3, color: RGBColor = .black) {
        let px: [UInt8] = channels == 4 ? [color.r, color.g, color.b, 255] : [color.r, color.g, color.b]
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * channels)
        for _ in 0..<(width * height) { pixels.append(contentsOf: px) }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    public var size: ImageSize { ImageSize(width: width, height: height) }

    /// The colour at (x, y), ignoring alpha.
    public func color(x: Int, y: Int) -> RGBColor {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
        let i = (y * width + x) * channels
        return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The same image with the alpha channel removed (no-op for RGB).
    public func droppingAlpha() -> RGBImage {
        guard channels == 4 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            out[p * 3] = pixels[p * 4]
            out[p * 3 + 1] = pixels[p * 4 + 1]
            out[p * 3 + 2] = pixels[p * 4 + 2]
        }
        return RGBImage(width: width, height: height, channels: 3, pixels: out)
    }
}

/// One byte per pixel with no colour meaning of its own: the class index of a
/// segmentation mask (palette index or gray value as stored in the PNG).
public struct IndexedImage: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var values: [UInt8]
    /// The PNG palette when the mask was a palette image, for display only.
    public var palette: [RGBColor]?

    public init(width: Int, height: Int, values: [UInt8], palette: [RGBColor]? = nil) {
        precondition(width >= 0 && height >= 0 && values.count == width * height,
                     "IndexedImage value count \(values.count) != \(width)x\(height)")
        self.width = width
        self.height = height
        self.values = values
        self.palette = palette
    }

    public func value(x: Int, y: Int) -> UInt8 { values[y * width + x] }
}

public struct RGBColor: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let black = RGBColor(0, 0, 0)
    public static let white = RGBColor(255, 255, 255)

    /// Largest per-channel difference; tests and lossy round trips use it.
    public func distance(to other: RGBColor) -> Int {
        max(abs(Int(r) - Int(other.r)), abs(Int(g) - Int(other.g)), abs(Int(b) - Int(other.b)))
    }

    public var description: String { "rgb(\(r), \(g), \(b))" }
}

public struct ImageSize: Hashable, Sendable, Codable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The largest size with this aspect ratio that fits inside `box`, never
    /// larger than self (previews do not upscale). Each side is at least 1.
    public func fitted(into box: ImageSize) -> ImageSize {
        guard width > 0, height > 0, box.width > 0, box.height > 0 else { return self }
        if width <= box.width && height <= box.height { return self }
        let s = min(Double(box.width) / Double(width), Double(box.height) / Double(height))
        return ImageSize(width: max(1, min(box.width, Int((Double(width) * s).rounded()))),
                         height: max(1, min(box.height, Int((Double(height) * s).rounded()))))
    }

    public var description: String { "\(width)x\(height)" }
}

/// Container format, detected from the first bytes, never from the file name.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg
    case png
    case webp

    /// nil when the bytes start like none of the formats.
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8 && Array(bytes[0..<8]) == png { return .png }
        // 'RIFF', a 4-byte size, 'WEBP' (other RIFF files, such as WAV and AVI, say otherwise).
        if bytes.count >= 12 && Array(bytes[0..<4]) == Array("RIFF".utf8) && Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        return nil
    }

    /// The usual file extension, for files aiarts names itself.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        }
    }
}

/// How the pixels are stored in the file (not how they are decoded).
public enum ColorModel: String, Sendable {
    case gray, grayAlpha, rgb, rgba, palette, ycbcr, cmyk, ycck, unknown
}

public struct ImageInfo: Hashable, Sendable {
    public var format: ImageFormat
    /// Stored size: what annotation coordinates of most tools refer to.
    public var width: Int
    public var height: Int
    /// EXIF orientation (JPEG only; PNG and WebP are always `.normal`).
    public var orientation: ExifOrientation
    public var colorModel: ColorModel
    /// Bits per sample as stored (8 for JPEG and WebP; 1...16 for PNG).
    public var bitDepth: Int
    /// Progressive JPEG or interlaced PNG.
    public var progressive: Bool
    /// An animated WebP: the size is its canvas, and decoding gives the first frame.
    public var isAnimated: Bool = false

    /// Size as a viewer shows it, after the orientation is applied.
    public var displayWidth: Int { orientation.swapsDimensions ? height : width }
    public var displayHeight: Int { orientation.swapsDimensions ? width : height }
    public var storedSize: ImageSize { ImageSize(width: width, height: height) }
    public var displaySize: ImageSize { ImageSize(width: displayWidth, height: displayHeight) }
}

/// Refuses images whose declared size is absurd, before pixels are allocated.
public struct ImageLimits: Hashable, Sendable {
    public var maxSide: Int
    public var maxPixels: Int

    public init(maxSide: Int = 65_535, maxPixels: Int = 200_000_000) {
        self.maxSide = maxSide
        self.maxPixels = maxPixels
    }

    public static let `default` = ImageLimits()
}

/// libjpeg decodes directly at these fractions, far faster than decoding at
/// full size and shrinking. PNG has no such shortcut; it is box-shrunk.
/// libwebp scales to any size while decoding (the same size as here).
public enum DecodeScale: Int, Sendable, CaseIterable {
    case full = 1, half = 2, quarter = 4, eighth = 8

    /// Size libjpeg produces for a stored size at this scale (rounds up).
    public func apply(to size: ImageSize) -> ImageSize {
        ImageSize(width: (size.width + rawValue - 1) / rawValue, height: (size.height + rawValue - 1) / rawValue)
    }
}

public struct DecodeOptions: Hashable, Sendable {
    /// Shrink to fit this box (keeping the aspect ratio, never enlarging).
    /// The box is in displayed orientation when `applyOrientation` is on.
    /// When set, `scale` is ignored: the cheapest JPEG scale that still
    /// covers the box is chosen, and WebP is scaled to the box while decoding.
    public var fitting: ImageSize?
    public var scale: DecodeScale
    /// Rotate/flip by EXIF orientation. Turn off when pixel coordinates must
    /// match annotations made on the stored image.
    public var applyOrientation: Bool
    /// Keep a PNG's or WebP's alpha channel (4 channels); when false the result is RGB.
    public var keepAlpha: Bool
    public var limits: ImageLimits

    public init(fitting: ImageSize? = nil, scale: DecodeScale = .full, applyOrientation: Bool = true,
                keepAlpha: Bool = true, limits: ImageLimits = .default) {
        self.fitting = fitting
        self.scale = scale
        self.applyOrientation = applyOrientation
        self.keepAlpha = keepAlpha
        self.limits = limits
    }
}

public struct DecodedImage: Hashable, Sendable {
    public var image: RGBImage
    public var info: ImageInfo
    /// The scale decoded at before any `fitting` resize (JPEG: libjpeg's
    /// scale; PNG: `.full` unless an explicit scale was asked for; WebP: the
    /// explicit scale, or `.full` with `fitting`, which libwebp meets exactly).
    public var scale: DecodeScale
    /// The data ended early; the missing part is filled (grey for JPEG).
    public var isTruncated: Bool
    /// The decoder recovered from bad data; some pixels are not real.
    public var isDamaged: Bool
    /// The last decoder warning, including harmless ones; nil when none.
    public var warning: String?
}

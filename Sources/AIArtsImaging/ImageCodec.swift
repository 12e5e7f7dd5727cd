// Public entry points: inspect, validate, decode and encode JPEG, PNG and WebP.
// All of them accept untrusted bytes: they never trap or print on bad data,
// and refuse absurd declared sizes before allocating pixel memory.
import CCodecs

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ImageCodec {
    /// Files larger than this are refused before reading; no image we accept
    /// (200 megapixels) needs more, and it bounds memory for a hostile file.
    public static let maxFileBytes = 1 << 30

    /// Format, stored and displayed size, colour model and EXIF orientation,
    /// from the header alone.
    public static func info(_ bytes: [UInt8], limits: ImageLimits = .default) throws(ImageError) -> ImageInfo {
        let format = try detect(bytes)
        switch format {
        case .jpeg:
            let header = try CodecBridge.jpegHeader(bytes, limits: limits)
            return CodecBridge.info(header, format: .jpeg, orientation: ExifReader.orientation(jpeg: bytes))
        case .png:
            let header = try CodecBridge.pngHeader(bytes, limits: limits)
            return CodecBridge.info(header, format: .png, orientation: .normal)
        case .webp:
            let header = try CodecBridge.webpHeader(bytes, limits: limits)
            return CodecBridge.info(header, format: .webp, orientation: .normal)
        }
    }

    /// Decodes everything and throws `.truncated` or `.corrupt` for data the
    /// decoder had to patch up. JPEG decodes at 1/8 scale (the entropy data
    /// is still read in full, which is what finds the damage), PNG
    /// streams rows through one buffer, and WebP decodes every frame scaled
    /// to about 1/8, so this is cheap enough for import.
    @discardableResult
    public static func check(_ bytes: [UInt8], limits: ImageLimits = .default) throws(ImageError) -> ImageInfo {
        let format = try detect(bytes)
        switch format {
        case .jpeg:
            let raw = try CodecBridge.decodeJPEG(bytes, limits: limits) { _ in .eighth }
            try reject(raw.truncated, raw.damaged, raw.warning, "JPEG")
            return CodecBridge.info(raw.header, format: .jpeg, orientation: ExifReader.orientation(jpeg: bytes))
        case .png:
            let r = try CodecBridge.decodePNG(bytes, mode: Int32(CC_PNG_AUTO), limits: limits, keepPixels: false)
            try reject(r.truncated, r.damaged, r.warning, "PNG")
            return CodecBridge.info(r.header, format: .png, orientation: .normal)
        case .webp:
            // libwebp does not patch up damage: it fails, and the failure is thrown.
            let header = try CodecBridge.checkWebP(bytes, limits: limits)
            return CodecBridge.info(header, format: .webp, orientation: .normal)
        }
    }

    /// Decodes to RGB (or RGBA for a PNG with alpha when `keepAlpha`).
    /// A truncated or damaged JPEG still decodes (libjpeg fills the missing
    /// part); the result says so in `isTruncated` / `isDamaged`. A PNG that
    /// ends before its last row throws `.truncated`; one missing only what
    /// follows the pixels (IEND) decodes with `isTruncated` set. A WebP that
    /// is damaged or cut short throws; an animated WebP gives its first frame.
    /// Safe to call from many threads at once: no shared state.
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions()) throws(ImageError) -> DecodedImage {
        let format = try detect(bytes)
        var result: DecodedImage
        switch format {
        case .jpeg:
            let orientation = ExifReader.orientation(jpeg: bytes)
            let raw = try CodecBridge.decodeJPEG(bytes, limits: options.limits) { header in
                scale(for: ImageSize(width: Int(header.width), height: Int(header.height)),
                      orientation: orientation, options: options)
            }
            let info = CodecBridge.info(raw.header, format: .jpeg, orientation: orientation)
            var image = raw.image
            if options.applyOrientation { image = image.oriented(orientation) }
            result = DecodedImage(image: image, info: info, scale: scaleUsed(info.storedSize, raw.image.size) ?? .full,
                                  isTruncated: raw.truncated, isDamaged: raw.damaged, warning: raw.warning)
        case .png:
            let mode = options.keepAlpha ? CC_PNG_AUTO : CC_PNG_RGB
            let r = try CodecBridge.decodePNG(bytes, mode: Int32(mode), limits: options.limits)
            let info = CodecBridge.info(r.header, format: .png, orientation: .normal)
            var image = RGBImage(width: info.width, height: info.height, channels: r.channels, pixels: r.pixels)
            // No decoder shortcut for PNG: shrink after decoding.
            let pngScale = options.fitting == nil ? options.scale : .full
            if pngScale != .full { image = image.resized(to: pngScale.apply(to: image.size)) }
            result = DecodedImage(image: image, info: info, scale: pngScale, isTruncated: r.truncated,
                                  isDamaged: r.damaged, warning: r.warning)
        case .webp:
            result = try decodeWebP(bytes, options: options)
        }
        if let box = options.fitting {
            let target = result.image.size.fitted(into: box)
            if target != result.image.size { result.image = result.image.resized(to: target) }
        }
        return result
    }

    /// Convenience for previews: decode shrunk to fit `fitting` (if given).
    public static func decode(_ bytes: [UInt8], fitting: ImageSize? = nil,
                              applyOrientation: Bool = true) throws(ImageError) -> DecodedImage {
        try decode(bytes, options: DecodeOptions(fitting: fitting, applyOrientation: applyOrientation))
    }

    public static func decode(contentsOf path: String, options: DecodeOptions = DecodeOptions()) throws(ImageError) -> DecodedImage {
        try decode(readFile(path), options: options)
    }

    public static func info(contentsOf path: String, limits: ImageLimits = .default) throws(ImageError) -> ImageInfo {
        try info(readFile(path), limits: limits)
    }

    @discardableResult
    public static func check(contentsOf path: String, limits: ImageLimits = .default) throws(ImageError) -> ImageInfo {
        try check(readFile(path), limits: limits)
    }

    /// Class-index mask from a palette or grayscale PNG: the stored index or
    /// gray value per pixel, not a colour. RGB PNGs are `.unsupported`;
    /// a 16-bit mask is accepted only when every value fits in a byte.
    public static func decodeMask(contentsOf path: String, limits: ImageLimits = .default) throws(ImageError) -> IndexedImage {
        try decodeMask(readFile(path), limits: limits)
    }

    public static func decodeMask(_ bytes: [UInt8], limits: ImageLimits = .default) throws(ImageError) -> IndexedImage {
        guard try detect(bytes) == .png else {
            throw .unsupported("masks must be PNG (a JPEG mask's class ids are blurred by compression)")
        }
        let r = try CodecBridge.decodePNG(bytes, mode: Int32(CC_PNG_RAW), limits: limits)
        if r.truncated || r.damaged { try reject(r.truncated, r.damaged, r.warning, "PNG mask") }
        return IndexedImage(width: Int(r.header.width), height: Int(r.header.height), values: r.pixels, palette: r.palette)
    }

    // MARK: encoding

    /// Baseline JPEG; quality 1...100 (75 is libjpeg's default). Alpha, if
    /// present, is dropped.
    public static func encodeJPEG(_ image: RGBImage, quality: Int = 90) throws(ImageError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw .invalidArgument("JPEG quality \(quality) is not in 1...100") }
        let rgb = image.droppingAlpha()
        return try CodecBridge.encodeJPEG(rgb.pixels, width: rgb.width, height: rgb.height, components: 3,
                                          quality: quality, adobe: 0)
    }

    /// Single-channel (grayscale) JPEG from one byte per pixel.
    public static func encodeGrayJPEG(width: Int, height: Int, gray: [UInt8], quality: Int = 90) throws(ImageError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw .invalidArgument("JPEG quality \(quality) is not in 1...100") }
        return try CodecBridge.encodeJPEG(gray, width: width, height: height, components: 1, quality: quality, adobe: 0)
    }

    /// Lossy WebP, quality 0...100; RGBA keeps its alpha.
    public static func encodeWebP(_ image: RGBImage, quality: Int = 90) throws(ImageError) -> [UInt8] {
        guard (0...100).contains(quality) else { throw .invalidArgument("WebP quality \(quality) is not in 0...100") }
        return try CodecBridge.encodeWebP(image, quality: quality)
    }

    /// Lossless WebP: decodes back to exactly these pixels.
    public static func encodeLosslessWebP(_ image: RGBImage) throws(ImageError) -> [UInt8] {
        try CodecBridge.encodeWebP(image, quality: nil)
    }

    /// 8-bit RGB or RGBA PNG.
    public static func encodePNG(_ image: RGBImage) throws(ImageError) -> [UInt8] {
        try CodecBridge.encodePNG(image.pixels, width: image.width, height: image.height,
                                  channels: image.channels, palette: nil)
    }

    /// 8-bit grayscale PNG from one byte per pixel.
    public static func encodeGrayPNG(width: Int, height: Int, gray: [UInt8]) throws(ImageError) -> [UInt8] {
        try CodecBridge.encodePNG(gray, width: width, height: height, channels: 1, palette: nil)
    }

    /// A mask as PNG: with a palette, an 8-bit palette PNG whose indices are
    /// the values (every value must have a palette entry); without, an 8-bit
    /// grayscale PNG holding the values.
    public static func encodeMask(_ mask: IndexedImage, palette: [RGBColor]? = nil) throws(ImageError) -> [UInt8] {
        if let palette, let top = mask.values.max(), Int(top) >= palette.count {
            throw .invalidArgument("mask value \(top) has no palette entry (palette has \(palette.count) colours)")
        }
        return try CodecBridge.encodePNG(mask.values, width: mask.width, height: mask.height, channels: 1,
                                         palette: palette)
    }

    /// Test fixtures only (internal): a 4-component JPEG from packed CMYK.
    /// adobe 0 writes plain CMYK without an Adobe marker; 1 Adobe CMYK and
    /// 2 Adobe YCCK, both expecting the inverted values Adobe software stores.
    static func encodeCMYKJPEG(width: Int, height: Int, cmyk: [UInt8], quality: Int = 95,
                               adobe: Int) throws(ImageError) -> [UInt8] {
        try CodecBridge.encodeJPEG(cmyk, width: width, height: height, components: 4, quality: quality,
                                   adobe: Int32(adobe))
    }

    // MARK: internals

    static func detect(_ bytes: [UInt8]) throws(ImageError) -> ImageFormat {
        if bytes.isEmpty { throw .empty }
        guard let format = ImageFormat.detect(bytes) else { throw .unknownFormat }
        return format
    }

    /// The size is vetted from the header before anything is allocated; libwebp then scales
    /// straight to the fitted (or explicitly scaled) size. An animation's first frame is placed
    /// on its canvas at full size and shrunk afterwards, like PNG.
    private static func decodeWebP(_ bytes: [UInt8], options: DecodeOptions) throws(ImageError) -> DecodedImage {
        let header = try CodecBridge.webpHeader(bytes, limits: options.limits)
        let info = CodecBridge.info(header, format: .webp, orientation: .normal)
        let channels = options.keepAlpha && header.components == 4 ? 4 : 3
        let stored = info.storedSize
        let wanted = options.fitting.map { stored.fitted(into: $0) } ?? options.scale.apply(to: stored)
        let scale = options.fitting == nil ? options.scale : .full
        if info.isAnimated {
            var image = try CodecBridge.decodeWebP(bytes, header: header, limits: options.limits, channels: channels, size: stored)
            if wanted != stored { image = image.resized(to: wanted) }
            return DecodedImage(image: image, info: info, scale: scale, isTruncated: false, isDamaged: false, warning: nil)
        }
        let image = try CodecBridge.decodeWebP(bytes, header: header, limits: options.limits, channels: channels, size: wanted)
        return DecodedImage(image: image, info: info, scale: scale, isTruncated: false, isDamaged: false, warning: nil)
    }

    private static func reject(_ truncated: Bool, _ damaged: Bool, _ warning: String?, _ what: String) throws(ImageError) {
        let detail = warning.map { "\(what): \($0)" } ?? what
        if truncated { throw .truncated(detail) }
        if damaged { throw .corrupt(detail) }
    }

    /// The cheapest libjpeg scale whose output still covers what `fitting`
    /// will produce; without `fitting`, the requested scale.
    static func scale(for stored: ImageSize, orientation: ExifOrientation, options: DecodeOptions) -> DecodeScale {
        guard let box = options.fitting else { return options.scale }
        let swap = options.applyOrientation && orientation.swapsDimensions
        // Work in stored orientation: turn the box instead of the image.
        let storedBox = swap ? ImageSize(width: box.height, height: box.width) : box
        let target = stored.fitted(into: storedBox)
        for s in [DecodeScale.eighth, .quarter, .half] {
            let out = s.apply(to: stored)
            if out.width >= target.width && out.height >= target.height { return s }
        }
        return .full
    }

    private static func scaleUsed(_ stored: ImageSize, _ decoded: ImageSize) -> DecodeScale? {
        DecodeScale.allCases.first { $0.apply(to: stored) == decoded }
    }

    /// Whole file into memory, with the size checked first. POSIX rather
    /// than Foundation so errors carry errno text and nothing is mapped lazily.
    static func readFile(_ path: String) throws(ImageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("\(path): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path): not a regular file") }
        let size = Int(st.st_size)
        guard size <= maxFileBytes else {
            throw .io("\(path): \(size) bytes is larger than the \(maxFileBytes)-byte limit for an image file")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        var readError: Int32 = 0
        bytes.withUnsafeMutableBytes { buf in
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    return
                }
                if n == 0 { break } // file shrank while reading; decode what is there
                done += n
            }
        }
        if readError != 0 { throw .io("\(path): \(String(cString: strerror(readError)))") }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }
}

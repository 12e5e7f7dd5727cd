// Thin Swift wrappers over the CCodecs C functions: allocate exactly what the
// vetted header says, call C, translate result codes into ImageError.
import CCodecs
// Not used directly from Swift: importing the system-library modules is what
// makes the linker pull in libjpeg, libpng and libwebp (module-map autolinking),
// which the C target CCodecs needs but cannot request itself.
import CJPEG
import CPNG
import CWebP

/// What a C decoder produced, before orientation and resizing.
struct RawDecode {
    var image: RGBImage
    var header: cc_header
    var truncated: Bool
    var damaged: Bool
    var warning: String?
}

enum CodecBridge {
    static func limits(_ l: ImageLimits) -> cc_limits {
        cc_limits(max_side: UInt32(clamping: l.maxSide), max_pixels: UInt64(clamping: l.maxPixels))
    }

    static func message(_ status: cc_status) -> String {
        withUnsafeBytes(of: status.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Maps a failing C result to an error. `what` names the format so the
    /// message says which decoder complained.
    static func error(_ rc: Int32, _ status: cc_status, _ header: cc_header, _ what: String) -> ImageError {
        let text = message(status)
        let detail = text.isEmpty ? what : "\(what): \(text)"
        switch Int(rc) {
        case Int(CC_ERR_TRUNCATED): return .truncated(detail)
        case Int(CC_ERR_TOO_LARGE): return .tooLarge(width: Int(header.width), height: Int(header.height))
        case Int(CC_ERR_NOMEM): return .outOfMemory
        case Int(CC_ERR_UNSUPPORTED): return .unsupported(detail)
        case Int(CC_ERR_ARGUMENT): return .invalidArgument(detail)
        default: return .corrupt(detail)
        }
    }

    static func colorModel(_ c: Int32) -> ColorModel {
        switch Int(c) {
        case Int(CC_COLOR_GRAY): return .gray
        case Int(CC_COLOR_RGB): return .rgb
        case Int(CC_COLOR_YCBCR): return .ycbcr
        case Int(CC_COLOR_CMYK): return .cmyk
        case Int(CC_COLOR_YCCK): return .ycck
        case Int(CC_COLOR_GRAY_ALPHA): return .grayAlpha
        case Int(CC_COLOR_RGBA): return .rgba
        case Int(CC_COLOR_PALETTE): return .palette
        default: return .unknown
        }
    }

    static func info(_ h: cc_header, format: ImageFormat, orientation: ExifOrientation) -> ImageInfo {
        ImageInfo(format: format, width: Int(h.width), height: Int(h.height), orientation: orientation,
                  colorModel: colorModel(h.color), bitDepth: Int(h.bit_depth), progressive: h.progressive != 0,
                  isAnimated: h.animated != 0)
    }

    // MARK: JPEG

    static func jpegHeader(_ bytes: [UInt8], limits l: ImageLimits) throws(ImageError) -> cc_header {
        var header = cc_header()
        var status = cc_status()
        let rc = bytes.withUnsafeBufferPointer { cc_jpeg_read_header($0.baseAddress, $0.count, limits(l), &header, &status) }
        guard rc == CC_OK else { throw error(rc, status, header, "JPEG") }
        return header
    }

    /// Decodes at the scale `chooseScale` picks from the vetted header.
    static func decodeJPEG(_ bytes: [UInt8], limits l: ImageLimits,
                           chooseScale: (cc_header) -> DecodeScale) throws(ImageError) -> RawDecode {
        try bytes.withUnsafeBufferPointer { (buf) throws(ImageError) -> RawDecode in
            var header = cc_header()
            var status = cc_status()
            var decoder: OpaquePointer?
            var rc = cc_jpeg_decoder_open(buf.baseAddress, buf.count, 1, limits(l), &decoder, &header, &status)
            guard rc == CC_OK, let dec = decoder else { throw error(rc, status, header, "JPEG") }
            defer { cc_jpeg_decoder_free(dec) }
            let scale = chooseScale(header)
            if scale != .full {
                rc = cc_jpeg_decoder_set_scale(dec, Int32(scale.rawValue), &header, &status)
                guard rc == CC_OK else { throw error(rc, status, header, "JPEG") }
            }
            let w = Int(header.out_width), h = Int(header.out_height)
            let count = w * h * 3
            var failure = Int32(CC_OK)
            // Uninitialised is fine: the C side writes every row or fails,
            // and on failure the array is thrown away.
            let pixels = [UInt8](unsafeUninitializedCapacity: count) { dst, initialized in
                failure = cc_jpeg_decoder_read_rgb(dec, dst.baseAddress, count, &status)
                initialized = count
            }
            guard failure == CC_OK else { throw error(failure, status, header, "JPEG") }
            let text = message(status)
            return RawDecode(image: RGBImage(width: w, height: h, channels: 3, pixels: pixels), header: header,
                             truncated: status.eof != 0, damaged: status.eof != 0 || status.damaged != 0,
                             warning: status.warnings > 0 && !text.isEmpty ? text : nil)
        }
    }

    static func encodeJPEG(_ pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int,
                           adobe: Int32) throws(ImageError) -> [UInt8] {
        guard width > 0, height > 0, width <= 65500, height <= 65500 else {
            throw .invalidArgument("JPEG size \(width)x\(height) must be 1...65500 per side")
        }
        guard pixels.count == width * height * components else {
            throw .invalidArgument("pixel count \(pixels.count) does not match \(width)x\(height)x\(components)")
        }
        var status = cc_status()
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        let rc = pixels.withUnsafeBufferPointer {
            cc_jpeg_encode($0.baseAddress, UInt32(width), UInt32(height), Int32(components),
                           Int32(quality), adobe, &out, &len, &status)
        }
        defer { cc_free(out) }
        guard rc == CC_OK, let data = out else { throw error(rc, status, cc_header(), "JPEG encode") }
        return Array(UnsafeBufferPointer(start: data, count: len))
    }

    // MARK: PNG

    static func pngHeader(_ bytes: [UInt8], limits l: ImageLimits) throws(ImageError) -> cc_header {
        var header = cc_header()
        var status = cc_status()
        let rc = bytes.withUnsafeBufferPointer { cc_png_read_header($0.baseAddress, $0.count, limits(l), &header, &status) }
        guard rc == CC_OK else { throw error(rc, status, header, "PNG") }
        return header
    }

    /// mode: CC_PNG_RGB, CC_PNG_AUTO or CC_PNG_RAW. With `keepPixels` false
    /// the stream is validated without an image buffer (check()).
    static func decodePNG(_ bytes: [UInt8], mode: Int32, limits l: ImageLimits, keepPixels: Bool = true)
        throws(ImageError) -> (pixels: [UInt8], channels: Int, header: cc_header, palette: [RGBColor]?,
                               truncated: Bool, damaged: Bool, warning: String?) {
        try bytes.withUnsafeBufferPointer { (buf) throws(ImageError) in
            var header = cc_header()
            var status = cc_status()
            var decoder: OpaquePointer?
            var channels: Int32 = 0
            let rc = cc_png_decoder_open(buf.baseAddress, buf.count, mode, limits(l), &decoder, &header, &channels, &status)
            guard rc == CC_OK, let dec = decoder else { throw error(rc, status, header, "PNG") }
            defer { cc_png_decoder_free(dec) }
            var palette: [RGBColor]?
            if mode == CC_PNG_RAW {
                var rgb = [UInt8](repeating: 0, count: 768)
                let n = Int(cc_png_decoder_palette(dec, &rgb))
                if n > 0 { palette = (0..<n).map { RGBColor(rgb[3 * $0], rgb[3 * $0 + 1], rgb[3 * $0 + 2]) } }
            }
            let count = keepPixels ? Int(header.width) * Int(header.height) * Int(channels) : 0
            var failure = Int32(CC_OK)
            let pixels = [UInt8](unsafeUninitializedCapacity: count) { dst, initialized in
                failure = cc_png_decoder_read(dec, keepPixels ? dst.baseAddress : nil, count, &status)
                initialized = count
            }
            guard failure == CC_OK else { throw error(failure, status, header, "PNG") }
            let text = message(status)
            return (pixels, Int(channels), header, palette, status.eof != 0,
                    status.eof != 0 || status.damaged != 0, status.warnings > 0 && !text.isEmpty ? text : nil)
        }
    }

    static func encodePNG(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                          palette: [RGBColor]?) throws(ImageError) -> [UInt8] {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw .invalidArgument("PNG size \(width)x\(height) must be at least 1x1")
        }
        guard pixels.count == width * height * channels else {
            throw .invalidArgument("pixel count \(pixels.count) does not match \(width)x\(height)x\(channels)")
        }
        var flat: [UInt8]? = nil
        if let palette {
            guard (1...256).contains(palette.count) else {
                throw .invalidArgument("a PNG palette holds 1...256 colours, not \(palette.count)")
            }
            flat = palette.flatMap { [$0.r, $0.g, $0.b] }
        }
        var status = cc_status()
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        let rc = pixels.withUnsafeBufferPointer { px in
            if let flat {
                return flat.withUnsafeBufferPointer { pal in
                    cc_png_encode(px.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                                  pal.baseAddress, Int32(palette!.count), &out, &len, &status)
                }
            }
            return cc_png_encode(px.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                                 nil, 0, &out, &len, &status)
        }
        defer { cc_free(out) }
        guard rc == CC_OK, let data = out else { throw error(rc, status, cc_header(), "PNG encode") }
        return Array(UnsafeBufferPointer(start: data, count: len))
    }

    // MARK: WebP

    static func webpHeader(_ bytes: [UInt8], limits l: ImageLimits) throws(ImageError) -> cc_header {
        var header = cc_header()
        var status = cc_status()
        let rc = bytes.withUnsafeBufferPointer { cc_webp_read_header($0.baseAddress, $0.count, limits(l), &header, &status) }
        guard rc == CC_OK else { throw error(rc, status, header, "WebP") }
        return header
    }

    /// Every frame decoded at about 1/8 size; throws on damage or truncation.
    static func checkWebP(_ bytes: [UInt8], limits l: ImageLimits) throws(ImageError) -> cc_header {
        var header = cc_header()
        var status = cc_status()
        let rc = bytes.withUnsafeBufferPointer { cc_webp_check($0.baseAddress, $0.count, limits(l), &header, &status) }
        guard rc == CC_OK else { throw error(rc, status, header, "WebP") }
        return header
    }

    /// Decodes at `size` (the stored size, or smaller for libwebp's scaler) after
    /// `header` (from webpHeader) vetted the stored size.
    static func decodeWebP(_ bytes: [UInt8], header: cc_header, limits l: ImageLimits, channels: Int,
                           size: ImageSize) throws(ImageError) -> RGBImage {
        let count = size.width * size.height * channels
        var status = cc_status()
        var failure = Int32(CC_OK)
        let pixels = bytes.withUnsafeBufferPointer { buf in
            // Uninitialised is fine: libwebp writes every row or fails, and on failure the array is thrown away.
            [UInt8](unsafeUninitializedCapacity: count) { dst, initialized in
                failure = cc_webp_decode(buf.baseAddress, buf.count, limits(l), Int32(channels), UInt32(size.width),
                                         UInt32(size.height), dst.baseAddress, count, &status)
                initialized = count
            }
        }
        guard failure == CC_OK else { throw error(failure, status, header, "WebP") }
        return RGBImage(width: size.width, height: size.height, channels: channels, pixels: pixels)
    }

    /// quality nil: lossless.
    static func encodeWebP(_ image: RGBImage, quality: Int?) throws(ImageError) -> [UInt8] {
        guard image.width > 0, image.height > 0, image.width <= 16383, image.height <= 16383 else {
            throw .invalidArgument("WebP size \(image.width)x\(image.height) must be 1...16383 per side")
        }
        var status = cc_status()
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        let rc = image.pixels.withUnsafeBufferPointer {
            cc_webp_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                           Int32(quality ?? -1), &out, &len, &status)
        }
        defer { cc_free(out) }
        guard rc == CC_OK, let data = out else { throw error(rc, status, cc_header(), "WebP encode") }
        return Array(UnsafeBufferPointer(start: data, count: len))
    }
}

// EXIF orientation: read from the JPEG's APP1 "Exif" segment with our own
// bounds-checked parser (the bytes are untrusted and libjpeg does not look
// inside APP1), and applied to decoded pixels as a rotate/flip.

/// The EXIF Orientation tag (0x0112): how the stored pixels must be turned
/// to be displayed upright. Raw values are the EXIF codes 1...8.
public enum ExifOrientation: Int, Hashable, Sendable, CaseIterable {
    case normal = 1
    case flipHorizontal = 2
    case rotate180 = 3
    case flipVertical = 4
    /// Mirror across the top-left to bottom-right diagonal.
    case transpose = 5
    /// Rotate 90° clockwise to display.
    case rotate90CW = 6
    /// Mirror across the top-right to bottom-left diagonal.
    case transverse = 7
    /// Rotate 90° counter-clockwise (270° clockwise) to display.
    case rotate270CW = 8

    /// Orientations 5...8 display with width and height exchanged.
    public var swapsDimensions: Bool { rawValue >= 5 }
}

enum ExifReader {
    /// Orientation declared by the first Exif APP1 segment before the image
    /// data; `.normal` when absent, malformed, or out of range.
    static func orientation(jpeg bytes: [UInt8]) -> ExifOrientation {
        bytes.withUnsafeBufferPointer { orientation(jpeg: $0) } ?? .normal
    }

    private static func orientation(jpeg b: UnsafeBufferPointer<UInt8>) -> ExifOrientation? {
        let n = b.count
        guard n >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= n {
            guard b[i] == 0xFF else { return nil } // lost sync: give up rather than guess
            while i < n && b[i] == 0xFF { i += 1 } // fill bytes
            guard i < n else { return nil }
            let marker = b[i]
            i += 1
            // Standalone markers carry no length.
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { continue }
            // Start of scan or end of image: metadata is over.
            if marker == 0xDA || marker == 0xD9 { return nil }
            guard i + 2 <= n else { return nil }
            let length = Int(b[i]) << 8 | Int(b[i + 1])
            guard length >= 2, i + length <= n else { return nil }
            let start = i + 2, end = i + length
            if marker == 0xE1 && end - start >= 6 &&
                b[start] == 0x45 && b[start + 1] == 0x78 && b[start + 2] == 0x69 &&
                b[start + 3] == 0x66 && b[start + 4] == 0 && b[start + 5] == 0 {
                // "Exif\0\0" then a TIFF structure; offsets are relative to it.
                let tiff = UnsafeBufferPointer(rebasing: b[(start + 6)..<end])
                return orientation(tiff: tiff)
            }
            i = end
        }
        return nil
    }

    private static func orientation(tiff t: UnsafeBufferPointer<UInt8>) -> ExifOrientation? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true  // "II"
        case (0x4D, 0x4D): little = false // "MM"
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let entry = ifd + 2 + 12 * k
            guard let tag = u16(entry), let type = u16(entry + 2) else { return nil }
            guard tag == 0x0112 else { continue }
            // SHORT per the spec; some writers use LONG. Either way the value
            // sits left-aligned in the 4-byte value field.
            let value: Int?
            switch type {
            case 3: value = u16(entry + 8)
            case 4: value = u32(entry + 8)
            default: value = nil
            }
            return value.flatMap { ExifOrientation(rawValue: $0) }
        }
        return nil
    }
}

extension RGBImage {
    /// Turns stored pixels into displayed pixels for an EXIF orientation.
    /// Every orientation is "output (x, y) reads source base + x*dx + y*dy",
    /// so one loop serves all eight.
    public func oriented(_ orientation: ExifOrientation) -> RGBImage {
        if orientation == .normal { return self }
        let w = width, h = height, c = channels
        let (base, dx, dy): (Int, Int, Int)
        switch orientation {
        case .normal: (base, dx, dy) = (0, 1, w)
        case .flipHorizontal: (base, dx, dy) = (w - 1, -1, w)
        case .rotate180: (base, dx, dy) = ((h - 1) * w + w - 1, -1, -w)
        case .flipVertical: (base, dx, dy) = ((h - 1) * w, 1, -w)
        case .transpose: (base, dx, dy) = (0, w, 1)
        case .rotate90CW: (base, dx, dy) = ((h - 1) * w, -w, 1)
        case .transverse: (base, dx, dy) = ((h - 1) * w + w - 1, -w, -1)
        case .rotate270CW: (base, dx, dy) = (w - 1, w, -1)
        }
        let ow = orientation.swapsDimensions ? h : w
        let oh = orientation.swapsDimensions ? w : h
        if ow == 0 || oh == 0 { return RGBImage(width: ow, height: oh, channels: c, pixels: []) }
        let out = [UInt8](unsafeUninitializedCapacity: pixels.count) { dst, initialized in
            pixels.withUnsafeBufferPointer { src in
                var o = 0
                for y in 0..<oh {
                    var s = base + y * dy
                    if c == 3 { // the common case, unrolled: about twice as fast
                        for _ in 0..<ow {
                            let si = s * 3
                            dst[o] = src[si]
                            dst[o + 1] = src[si + 1]
                            dst[o + 2] = src[si + 2]
                            o += 3
                            s += dx
                        }
                        continue
                    }
                    for _ in 0..<ow {
                        let si = s * c
                        for k in 0..<c { dst[o + k] = src[si + k] }
                        o += c
                        s += dx
                    }
                }
            }
            initialized = pixels.count
        }
        return RGBImage(width: ow, height: oh, channels: c, pixels: out)
    }
}

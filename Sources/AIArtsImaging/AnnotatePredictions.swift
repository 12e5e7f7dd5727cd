// High-level prediction drawing: boxes with label tags, instance polygons,
// a class mask and a top-k corner tag, on an image in memory or from a file
// to a JPEG written atomically.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One detected object. Coordinates are image pixels of the image drawn on
/// (after EXIF orientation when drawing from a file with orientation on).
public struct PredictedBox: Hashable, Sendable {
    public var label: String
    /// Shown with two decimals after the label ("cat 0.91"); nil or not
    /// finite shows the label alone.
    public var score: Double?
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    /// Picks the colour from `ClassPalette`.
    public var classIndex: Int
    /// Optional instance outline (three or more points), drawn filled at
    /// low alpha with an outline in the class colour.
    public var polygon: [AnnotationPoint]?

    public init(label: String, score: Double? = nil, x: Double, y: Double, width: Double, height: Double,
                classIndex: Int, polygon: [AnnotationPoint]? = nil) {
        self.label = label
        self.score = score
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.classIndex = classIndex
        self.polygon = polygon
    }
}

/// A class label with its score, for classification top-k.
public struct ScoredLabel: Hashable, Sendable {
    public var label: String
    public var score: Double
    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// Why a prediction image could not be made.
public enum PredictionDrawingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input image could not be read or decoded.
    case input(path: String, ImageError)
    /// Encoding or writing the output failed.
    case output(path: String, String)

    public var description: String {
        switch self {
        case let .input(path, error): return "\(path): \(error)"
        case let .output(path, detail): return "cannot write prediction image \(path): \(detail)"
        }
    }
}

public enum PredictionDrawing {
    /// Sizes derived from the image so drawings read the same on a
    /// thumbnail and on a large photo.
    public struct Style: Hashable, Sendable {
        /// Font scale (font pixels to image pixels); nil = from image size.
        public var textScale: Int?
        /// Box outline width in pixels; nil = the text scale.
        public var lineThickness: Int?
        /// Opacity of the class mask overlay.
        public var maskAlpha: Double
        /// Opacity of the fill inside instance polygons.
        public var polygonAlpha: Double
        /// Mask values not drawn (255 = ignore/none by convention).
        public var maskSkip: Set<UInt8>
        public init(textScale: Int? = nil, lineThickness: Int? = nil, maskAlpha: Double = 0.5,
                    polygonAlpha: Double = 0.35, maskSkip: Set<UInt8> = [255]) {
            self.textScale = textScale
            self.lineThickness = lineThickness
            self.maskAlpha = maskAlpha
            self.polygonAlpha = polygonAlpha
            self.maskSkip = maskSkip
        }
    }

    /// "cat 0.91": the label, then the score with two decimals when finite.
    public static func labelText(_ label: String, score: Double?) -> String {
        guard let score, score.isFinite else { return label }
        let clamped = max(-1e6, min(1e6, score))
        let hundredths = Int((abs(clamped) * 100).rounded())
        let frac = hundredths % 100
        let text = "\(clamped < 0 && hundredths > 0 ? "-" : "")\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
        return label.isEmpty ? text : "\(label) \(text)"
    }

    /// Draws, in this order: the mask overlay, instance polygons, box
    /// outlines, box label tags (so labels stay on top), then the top-k tag
    /// in the top-left corner. Returns the drawn image (same size).
    public static func draw(on image: RGBImage, boxes: [PredictedBox] = [], mask: IndexedImage? = nil,
                            topLabels: [ScoredLabel]? = nil, style: Style = Style()) -> RGBImage {
        guard image.width > 0, image.height > 0 else { return image }
        var a = Annotator(image: image)
        let scale = max(1, style.textScale ?? BitmapFont.scale(forWidth: image.width, height: image.height))
        let thickness = max(1, style.lineThickness ?? scale)
        if let mask { a.overlayMask(mask, alpha: style.maskAlpha, skip: style.maskSkip) }
        for box in boxes {
            guard let poly = box.polygon, poly.count >= 3 else { continue }
            let color = ClassPalette.color(forClass: box.classIndex)
            a.fillPolygon(poly, color, alpha: style.polygonAlpha)
            a.strokePolygon(poly, color, thickness: max(1, thickness / 2))
        }
        // Integer boxes, clamped to a margin around the image so that wild
        // coordinates neither overflow nor draw edges that are off-image.
        let limit = 4 * max(image.width, image.height) + 16
        func rect(_ b: PredictedBox) -> (x: Int, y: Int, w: Int, h: Int)? {
            let x0 = max(-limit, min(limit, Annotator.clampInt(b.x)))
            let y0 = max(-limit, min(limit, Annotator.clampInt(b.y)))
            let x1 = max(-limit, min(limit, Annotator.clampInt(b.x + b.width)))
            let y1 = max(-limit, min(limit, Annotator.clampInt(b.y + b.height)))
            guard x1 > x0, y1 > y0 else { return nil }
            return (x0, y0, x1 - x0, y1 - y0)
        }
        for box in boxes {
            guard let r = rect(box) else { continue }
            a.strokeRect(x: r.x, y: r.y, width: r.w, height: r.h, ClassPalette.color(forClass: box.classIndex),
                         thickness: thickness)
        }
        for box in boxes {
            guard let r = rect(box) else { continue }
            let text = labelText(box.label, score: box.score)
            guard !text.isEmpty else { continue }
            let tag = Annotator.tagSize(lines: [text], scale: scale)
            let pos = tagPosition(box: r, tag: tag, imageWidth: image.width, imageHeight: image.height)
            a.drawTag(lines: [text], x: pos.x, y: pos.y, scale: scale,
                      background: ClassPalette.color(forClass: box.classIndex))
        }
        if let topLabels, !topLabels.isEmpty {
            let lines = topLabels.map { labelText($0.label, score: $0.score) }
            a.drawTag(lines: lines, x: 0, y: 0, scale: scale, background: RGBColor(20, 20, 20), alpha: 0.75)
        }
        return a.image
    }

    /// Where a box's label tag goes: just above the box's top-left corner
    /// when there is room, otherwise inside the box at its top-left; moved
    /// left/down as needed to stay within the image.
    static func tagPosition(box: (x: Int, y: Int, w: Int, h: Int), tag: (width: Int, height: Int),
                            imageWidth: Int, imageHeight: Int) -> (x: Int, y: Int) {
        var x = max(0, box.x)
        var y = box.y - tag.height >= 0 ? box.y - tag.height : max(0, box.y)
        if x + tag.width > imageWidth { x = max(0, imageWidth - tag.width) }
        if y + tag.height > imageHeight { y = max(0, imageHeight - tag.height) }
        return (x, y)
    }

    /// Decodes `inputPath` (JPEG, PNG or WebP; EXIF orientation applied unless
    /// `applyOrientation` is false; alpha dropped), draws the predictions,
    /// and writes a JPEG to `outputPath` via a temporary file in the same
    /// folder renamed into place, so readers never see a partial file.
    /// A mask of a different size than the decoded image is stretched to it.
    /// Returns the size of the written image.
    @discardableResult
    public static func drawFile(_ inputPath: String, to outputPath: String, boxes: [PredictedBox] = [],
                                mask: IndexedImage? = nil, topLabels: [ScoredLabel]? = nil,
                                style: Style = Style(), applyOrientation: Bool = true,
                                quality: Int = 90) throws(PredictionDrawingError) -> ImageSize {
        let decoded: DecodedImage
        do {
            decoded = try ImageCodec.decode(contentsOf: inputPath,
                                            options: DecodeOptions(applyOrientation: applyOrientation, keepAlpha: false))
        } catch {
            throw .input(path: inputPath, error)
        }
        let drawn = draw(on: decoded.image.droppingAlpha(), boxes: boxes, mask: mask, topLabels: topLabels, style: style)
        let jpeg: [UInt8]
        do {
            jpeg = try ImageCodec.encodeJPEG(drawn, quality: quality)
        } catch {
            throw .output(path: outputPath, "\(error)")
        }
        try writeAtomically(jpeg, to: outputPath)
        return drawn.size
    }

    /// Writes bytes to a temporary sibling file, syncs, and renames it over
    /// `path`. The temporary file is removed on failure.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(PredictionDrawingError) {
        func failure(_ what: String) -> PredictionDrawingError {
            .output(path: path, "\(what): \(String(cString: strerror(errno)))")
        }
        let tmp = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create temporary file") }
        var ok = true
        var err: Int32 = 0
        bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false; err = errno
                    return
                }
                done += n
            }
        }
        if ok && fsync(fd) != 0 { ok = false; err = errno }
        if close(fd) != 0 && ok { ok = false; err = errno }
        if ok && rename(tmp, path) != 0 { ok = false; err = errno }
        if !ok {
            unlink(tmp)
            errno = err
            throw failure("write failed")
        }
    }
}

import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Foundation

/// The preprocessing form's preview: the selected image before and after the op list, each shrunk to
/// its half of the image area, with its boxes (transformed by the same ops after).
public struct PreprocessPreview: Equatable, Sendable {
    var generation: Int
    var original: PixelImage?
    var processed: PixelImage?
    var originalBoxes: [PreviewBox] = []
    var processedBoxes: [PreviewBox] = []
    /// Full sizes before and after the ops.
    var before: ImageSize?
    var after: ImageSize?
    /// Boxes that left the image (a crop) and were dropped.
    var dropped = 0
    /// Why there is no preview (a corrupt file, a crop that does not fit), one line.
    var error: String?
}

/// Makes previews off the UI thread. A newer op list supersedes an older one at once (`supersede`, called
/// on the loop): the older worker stops at its next step (before decoding, between ops, before
/// shrinking) and its answer is dropped. The last decoded image is kept, so typing does not decode
/// the file again on each key.
final class PreprocessPreviewer: @unchecked Sendable {
    private let lock = NSLock()
    private var latest = 0
    private var cached: (path: String, image: RGBImage)?

    /// Called on the loop for each new op list, in order: the one set last is the only current one
    /// (a form opened again starts over at 1).
    func supersede(_ generation: Int) { lock.withLock { latest = generation } }

    func isCurrent(_ generation: Int) -> Bool { lock.withLock { generation == latest } }

    /// The form closed: its decoded image (up to 24 megapixels) is not kept, and no preview is current.
    func forget() { lock.withLock { cached = nil; latest = 0 } }

    /// Largest image decoded at full size for a preview; a bigger one is decoded shrunk (libjpeg scales
    /// while decoding), its ops' pixel sizes then meaning proportionally less (the preview says so).
    static let maxPixels = 24_000_000

    /// The preview of `request`, each half fitting `pixels`; nil when a newer request came meanwhile.
    func render(_ request: PreprocessPreviewRequest, pixels: Size) -> PreprocessPreview? {
        let generation = request.generation
        guard isCurrent(generation) else { return nil }
        var preview = PreprocessPreview(generation: generation)
        let ops: [PreprocessOp]
        do { ops = try PreprocessOp.parse(request.ops) } catch {
            preview.error = Sanitize.line("\(error)")
            return preview
        }
        let full = URL(fileURLWithPath: request.folder).appendingPathComponent(request.sample.storedPath).path
        let image: RGBImage
        do { image = try decoded(full, sample: request.sample) } catch {
            preview.error = Sanitize.line("cannot decode \(request.sample.path): \(error)")
            return preview
        }
        let size = ImageSize(width: image.width, height: image.height)
        preview.before = size
        preview.original = Self.shrunk(image, to: pixels)
        let sx = Double(image.width) / Double(max(1, request.sample.width)), sy = Double(image.height) / Double(max(1, request.sample.height))
        let boxes = request.sample.boxes.map { PreviewBox(x: $0.x * sx, y: $0.y * sy, width: $0.width * sx, height: $0.height * sy, label: $0.label) }
        preview.originalBoxes = Self.scaled(boxes, from: size, to: preview.original)
        do { _ = try PreprocessPipeline.outputSize(ops, for: size) } catch {
            preview.error = Sanitize.line("\(error)")
            return preview
        }
        var result = image
        for op in ops {
            guard isCurrent(generation) else { return nil }
            result = PreprocessPipeline.apply(op, to: result)
        }
        guard isCurrent(generation) else { return nil }
        let after = ImageSize(width: result.width, height: result.height)
        preview.after = after
        preview.processed = Self.shrunk(result, to: pixels)
        let moved = PreprocessPreviewBoxes.transform(boxes, ops: ops, size: size)
        preview.dropped = moved.dropped
        preview.processedBoxes = Self.scaled(moved.boxes, from: after, to: preview.processed)
        return preview
    }

    private func decoded(_ path: String, sample: DatasetScreenData.Sample) throws -> RGBImage {
        if let cached = lock.withLock({ cached }), cached.path == path { return cached.image }
        let pixels = max(1, sample.width) * max(1, sample.height)
        var options = DecodeOptions()
        if pixels > Self.maxPixels {
            let scale = (Double(Self.maxPixels) / Double(pixels)).squareRoot()
            options = DecodeOptions(fitting: ImageSize(width: max(1, Int(Double(sample.width) * scale)), height: max(1, Int(Double(sample.height) * scale))))
        }
        var image = try ImageCodec.decode(contentsOf: path, options: options).image
        if image.channels == 4 {
            let rgb = stride(from: 0, to: image.pixels.count, by: 4).flatMap { image.pixels[$0..<$0 + 3] }
            image = RGBImage(width: image.width, height: image.height, pixels: rgb)
        }
        lock.withLock { cached = (path, image) }
        return image
    }

    /// The image shrunk (never enlarged) to fit `pixels`, as the image view takes it.
    static func shrunk(_ image: RGBImage, to pixels: Size) -> PixelImage? {
        guard image.width > 0, image.height > 0 else { return nil }
        let scale = min(1, Double(max(1, pixels.width)) / Double(image.width), Double(max(1, pixels.height)) / Double(image.height))
        let w = max(1, Int(Double(image.width) * scale)), h = max(1, Int(Double(image.height) * scale))
        let small = (w, h) == (image.width, image.height) ? image : image.resized(to: ImageSize(width: w, height: h))
        return PixelImage(width: small.width, height: small.height, rgb: small.pixels)
    }

    /// Boxes in an image of `size` mapped onto its shown copy.
    static func scaled(_ boxes: [PreviewBox], from size: ImageSize, to shown: PixelImage?) -> [PreviewBox] {
        guard let shown, size.width > 0, size.height > 0 else { return [] }
        let sx = Double(shown.width) / Double(size.width), sy = Double(shown.height) / Double(size.height)
        return boxes.map { PreviewBox(x: $0.x * sx, y: $0.y * sy, width: $0.width * sx, height: $0.height * sy, label: $0.label) }
    }
}

/// The preview's boxes moved by the ops through the engine's rule for a dataset's annotations
/// (`PreprocessPipeline.transform(annotations:…)`, docs/preprocessing.md): flipped, turned, scaled,
/// shifted, clipped by a crop, and dropped when a crop leaves nothing of them.
enum PreprocessPreviewBoxes {
    static func transform(_ boxes: [PreviewBox], ops: [PreprocessOp], size: ImageSize) -> (boxes: [PreviewBox], dropped: Int) {
        let annotations = boxes.map { StoredAnnotation(labelIndex: $0.label, box: Box(x: $0.x, y: $0.y, width: $0.width, height: $0.height)) }
        let moved = PreprocessPipeline.transform(annotations: annotations, imageSize: size, ops: ops)
        return (moved.annotations.compactMap { a in a.box.map { PreviewBox(x: $0.x, y: $0.y, width: $0.width, height: $0.height, label: a.labelIndex) } },
                moved.dropped)
    }
}

import AIArtsImaging
import Foundation

/// One sample after preprocessing: its new file (and mask) under the staged folder, its size and
/// its moved annotations.
struct PreprocessedSample: Sendable {
    var sourcePath: String
    var path: String
    var maskPath: String?
    var size: ImageSize
    var split: Split?
    var annotations: [StoredAnnotation]
    var dropped: Int
}

/// Reads, processes and writes one sample. Pure apart from its two files; safe on any thread.
struct PreprocessSampleWork: Sendable {
    var ops: [PreprocessOp]
    /// The source dataset's folder.
    var sourceFolder: URL
    /// Where new files are written (the staged content), and the prefix their stored paths take.
    var stagedFolder: URL
    var storedPrefix: String
    /// Whether new files are renamed `stem__op1__op2.ext` (added copies) or keep their names (a new dataset).
    var renames: Bool

    /// JPEG and lossy WebP are written at this quality (the originals' is not known).
    static let quality = 95

    func name(for path: String) -> String {
        guard renames else { return path }
        let ns = path as NSString
        let dir = ns.deletingLastPathComponent, ext = ns.pathExtension
        let stem = (ns.lastPathComponent as NSString).deletingPathExtension
        let file = ([stem] + ops.map(\.slug)).joined(separator: "__") + (ext.isEmpty ? "" : "." + ext)
        return dir.isEmpty ? file : dir + "/" + file
    }

    /// The processed sample, or a one-line reason (the failedFile row) when it cannot be made.
    func run(_ sample: StoredSample) -> Result<PreprocessedSample, ImportIssue> {
        func fail(_ reason: String) -> Result<PreprocessedSample, ImportIssue> {
            .failure(ImportIssue(path: sample.path, reason: "preprocess: " + TerminalText.finalRedraw(reason)))
        }
        guard Self.isInside(sample.path), sample.maskPath.map(Self.isInside) ?? true else {
            return fail("the stored path leaves the dataset folder")
        }
        let sourceURL = sourceFolder.appendingPathComponent(sample.path)
        let bytes: [UInt8]
        do { bytes = try Self.read(sourceURL) } catch { return fail("cannot read \(sample.path): \((error as? AIArtsError)?.message ?? error.localizedDescription)") }
        guard let format = ImageFormat.detect(bytes) else { return fail("\(sample.path) is not a JPEG, PNG or WebP image") }
        let decoded: DecodedImage
        // Annotations refer to the stored pixels, so EXIF orientation is not applied (and the copy has none).
        do { decoded = try ImageCodec.decode(bytes, options: DecodeOptions(applyOrientation: false, keepAlpha: true)) } catch {
            return fail("\(sample.path) cannot be decoded: \(error)")
        }
        let size = decoded.image.size
        do { _ = try PreprocessPipeline.outputSize(ops, for: size) } catch { return fail("\((error as? AIArtsError)?.message ?? "\(error)")") }
        let image = PreprocessPipeline.apply(ops, to: decoded.image)
        let encoded: [UInt8]
        do {
            switch format {
            case .jpeg: encoded = try ImageCodec.encodeJPEG(image, quality: Self.quality)
            case .png: encoded = try ImageCodec.encodePNG(image)
            case .webp: encoded = try ImageCodec.encodeWebP(image, quality: Self.quality)
            }
        } catch { return fail("cannot encode the result: \(error)") }
        let newPath = name(for: sample.path)
        var newMask: String?
        var classes: Set<UInt8>?
        do {
            try write(encoded, to: newPath)
            if let mask = sample.maskPath {
                let decodedMask = try ImageCodec.decodeMask(contentsOf: sourceFolder.appendingPathComponent(mask).path)
                guard decodedMask.width == size.width, decodedMask.height == size.height else {
                    return fail("its mask \(mask) is \(decodedMask.width)x\(decodedMask.height), the image \(size)")
                }
                let moved = PreprocessPipeline.apply(ops, to: decodedMask)
                classes = Set(moved.values)
                newMask = name(for: mask)
                try write(try ImageCodec.encodeMask(moved, palette: moved.palette), to: newMask!)
            }
        } catch let error as ImageError {
            return fail("its mask cannot be read: \(error)")
        } catch {
            return fail("cannot write the result: \(error.localizedDescription)")
        }
        var moved = PreprocessPipeline.transform(annotations: sample.annotations, imageSize: size, ops: ops)
        if let classes {
            // A mask's classes are its label-only rows (one per class it holds, as the import
            // records them): a class a crop or a shrink removed from the mask loses its row.
            let kept = moved.annotations.filter { a in
                a.box != nil || a.segmentation != nil || (UInt8(exactly: a.labelIndex).map(classes.contains) ?? false)
            }
            moved.dropped += moved.annotations.count - kept.count
            moved.annotations = kept
        }
        return .success(PreprocessedSample(
            sourcePath: sample.path, path: storedPrefix + newPath, maskPath: newMask.map { storedPrefix + $0 },
            size: image.size, split: sample.split, annotations: moved.annotations, dropped: moved.dropped))
    }

    private func write(_ bytes: [UInt8], to relative: String) throws {
        let url = stagedFolder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    private static func read(_ url: URL) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let data = try handle.read(upToCount: ImageCodec.maxFileBytes + 1) ?? Data()
        guard data.count <= ImageCodec.maxFileBytes else {
            throw AIArtsError(.badInput, "larger than \(ImageCodec.maxFileBytes >> 20) MiB")
        }
        return [UInt8](data)
    }

    /// A stored relative path that stays inside its folder.
    static func isInside(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }
}

import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Foundation

/// A dataset as its screen shows it: labels with counts, every file with its split and labels and
/// boxes, and the files that failed. Strings are sanitized on the way in.
public struct DatasetScreenData: Equatable, Sendable {
    public struct Sample: Equatable, Sendable {
        /// The path as shown: sanitized, so a control character in a file name cannot reach the terminal.
        public var path: String
        /// The path as stored, relative to the dataset folder: what opens the file. Opening by the shown
        /// path failed ("No such file") for any name the sanitizer had changed.
        public var storedPath: String
        public var split: String
        public var width: Int, height: Int
        public var labels: [Int]
        public var boxes: [PreviewBox]
        /// Segmentation: the absolute path of its class-index PNG mask, and the values not tinted
        /// (255, "ignore"; 0 too when the dataset's class 0 is its background).
        public var mask: String?
        public var maskClear: [UInt8] = [255]
        /// Instance segmentation: each instance's outline (polygons or RLE) in the image's pixels.
        public var regions: [PreviewRegion]

        public init(path: String, storedPath: String? = nil, split: String, width: Int, height: Int, labels: [Int], boxes: [PreviewBox],
                    mask: String? = nil, regions: [PreviewRegion] = []) {
            self.path = path; self.storedPath = storedPath ?? path; self.split = split; self.width = width; self.height = height; self.labels = labels; self.boxes = boxes
            self.mask = mask; self.regions = regions
        }
    }
    public var id: String
    public var name: String
    public var type: String
    public var folder: String
    public var labels: [String]
    public var counts: [Int]
    public var samples: [Sample]
    /// "path: reason" of each file that could not be imported.
    public var failed: [String]

    public init(id: String, name: String, type: String, folder: String, labels: [String], counts: [Int], samples: [Sample], failed: [String]) {
        self.id = id; self.name = name; self.type = type; self.folder = folder; self.labels = labels; self.counts = counts
        self.samples = samples; self.failed = failed
    }

    /// Reads the dataset's records (on the background queue).
    public static func load(datasetID: String, from workspace: Workspace) -> HomeMessage {
        do {
            let summary = try workspace.summary(datasetID)
            let (content, folder) = try workspace.content(datasetID)
            var counts = Array(repeating: 0, count: content.labels.count)
            let background = content.labels.first.map { $0.lowercased().contains("background") || $0 == "_bg_" || $0 == "bg" } ?? false
            let samples = content.samples.map { s -> Sample in
                let labels = Array(Set(s.annotations.map(\.labelIndex))).sorted()
                for l in labels where counts.indices.contains(l) { counts[l] += 1 }
                let boxes = s.annotations.compactMap { a in
                    a.box.map { PreviewBox(x: $0.x, y: $0.y, width: $0.width, height: $0.height, label: a.labelIndex) }
                }
                let regions = s.annotations.compactMap { a in a.segmentation.map { PreviewRegion(label: a.labelIndex, segmentation: $0) } }
                // The stored path is kept as is to find the file; the sanitized one is what is shown.
                let mask = s.maskPath.map { folder.appendingPathComponent($0).path }
                var sample = Sample(path: Sanitize.line(s.path), storedPath: s.path, split: s.split?.rawValue ?? "-", width: s.size.width, height: s.size.height,
                                    labels: labels, boxes: boxes, mask: mask, regions: regions)
                if background { sample.maskClear = [0, 255] }
                return sample
            }
            return .datasetScreenLoaded(DatasetScreenData(
                id: datasetID, name: Sanitize.line(summary.name), type: summary.type.rawValue, folder: folder.path,
                labels: content.labels.map(Sanitize.line), counts: counts, samples: samples,
                failed: summary.failed.map { Sanitize.line("\($0.path): \($0.reason)") }))
        } catch {
            return .loadFailed("\(error)")
        }
    }
}

/// A box in an image's own pixels, with its label's index.
public struct PreviewBox: Equatable, Sendable {
    public var x: Double, y: Double, width: Double, height: Double
    public var label: Int

    public init(x: Double, y: Double, width: Double, height: Double, label: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height; self.label = label
    }
}

/// An instance's outline, with its label's index.
public struct PreviewRegion: Equatable, Sendable {
    public var label: Int
    public var segmentation: Segmentation

    public init(label: Int, segmentation: Segmentation) { self.label = label; self.segmentation = segmentation }
}

/// An image decoded for the preview, shrunk while decoding (libjpeg scales as it decodes), with the
/// boxes mapped onto it and masks blended into its pixels.
public struct Preview: Equatable, Sendable {
    public var path: String
    public var image: PixelImage?
    public var boxes: [PreviewBox]
    /// Why it could not be shown (a corrupt file).
    public var error: String?

    public init(path: String, image: PixelImage?, boxes: [PreviewBox], error: String?) {
        self.path = path; self.image = image; self.boxes = boxes; self.error = error
    }

    /// Decodes `path` to at most `width` × `height` pixels, boxes scaled from the stored image size.
    static func load(path: String, fullPath: String, sample: DatasetScreenData.Sample, width: Int, height: Int) -> HomeMessage {
        do {
            let image = try decode(fullPath: fullPath, width: width, height: height)
            let sx = Double(image?.width ?? 0) / Double(max(1, sample.width)), sy = Double(image?.height ?? 0) / Double(max(1, sample.height))
            let boxes = sample.boxes.map { PreviewBox(x: $0.x * sx, y: $0.y * sy, width: $0.width * sx, height: $0.height * sy, label: $0.label) }
            guard var shown = image else { return .previewLoaded(Preview(path: path, image: nil, boxes: boxes, error: nil)) }
            var annotator = Annotator(image: RGBImage(width: shown.width, height: shown.height, pixels: shown.rgb))
            var maskError: String?
            if let mask = sample.mask {
                // The class ids' colours at half strength; 255 (ignore) and a background class left clear.
                do { annotator.overlayMask(try ImageCodec.decodeMask(contentsOf: mask), alpha: 0.5, skip: Set(sample.maskClear)) } catch {
                    maskError = "mask: \(error)"
                }
            }
            if !sample.regions.isEmpty {
                annotator.overlayMask(regionMask(sample, width: shown.width, height: shown.height), alpha: 0.45, skip: [255])
            }
            if sample.mask != nil || !sample.regions.isEmpty {
                shown = PixelImage(width: shown.width, height: shown.height, rgb: annotator.image.pixels) ?? shown
            }
            return .previewLoaded(Preview(path: path, image: shown, boxes: boxes, error: maskError.map(Sanitize.line)))
        } catch {
            return .previewLoaded(Preview(path: path, image: nil, boxes: [], error: Sanitize.line("\(error)")))
        }
    }
}

extension Preview {
    /// Decodes an image file to at most `width` × `height` pixels (libjpeg shrinks while it decodes), as RGB.
    /// Shared by the dataset screen and the review screen; call it off the loop.
    static func decode(fullPath: String, width: Int, height: Int) throws -> PixelImage? {
        let decoded = try ImageCodec.decode(contentsOf: fullPath, options: DecodeOptions(fitting: ImageSize(width: max(1, width), height: max(1, height))))
        let rgb = decoded.image.channels == 3 ? decoded.image.pixels
            : stride(from: 0, to: decoded.image.pixels.count, by: decoded.image.channels).flatMap { decoded.image.pixels[$0..<$0 + 3] }
        return PixelImage(width: decoded.image.width, height: decoded.image.height, rgb: rgb)
    }

    /// The instances of a sample painted at the preview's size as class indices (255 where none):
    /// polygons scaled and drawn at that size, RLE (stored at the image's size) sampled from it.
    /// Later instances paint over earlier ones; an outline that cannot be read is left out.
    static func regionMask(_ sample: DatasetScreenData.Sample, width: Int, height: Int) -> IndexedImage {
        var values = [UInt8](repeating: 255, count: width * height)
        let sx = Double(width) / Double(max(1, sample.width)), sy = Double(height) / Double(max(1, sample.height))
        for region in sample.regions {
            let value = UInt8(clamping: max(0, min(254, region.label)))
            let rle: RLE?
            switch region.segmentation {
            case .polygons(let polygons):
                let scaled = polygons.map { p in p.enumerated().map { i, v in v * (i % 2 == 0 ? sx : sy) } }
                rle = try? RLE(.polygons(scaled), height: height, width: width)
            case .rle, .compressedRLE:
                rle = try? RLE(region.segmentation, height: sample.height, width: sample.width)
            }
            guard let rle, rle.width > 0, rle.height > 0 else { continue }
            // Column-major runs: pixel i of the mask is at (i / height, i % height).
            let scaleX = Double(rle.width) / Double(width), scaleY = Double(rle.height) / Double(height)
            for (start, end) in rle.intervals() {
                var i = start
                while i < end {
                    let mx = i / rle.height, my = i % rle.height
                    let runEnd = min(end, (mx + 1) * rle.height)
                    // The preview pixels whose nearest mask pixel is in this column and run.
                    let x0 = Int((Double(mx) / scaleX).rounded(.up)), x1 = Int((Double(mx + 1) / scaleX).rounded(.up))
                    let y0 = Int((Double(my) / scaleY).rounded(.up)), y1 = Int((Double(runEnd - mx * rle.height) / scaleY).rounded(.up))
                    for x in max(0, x0)..<min(width, max(x0, x1)) {
                        for y in max(0, y0)..<min(height, max(y0, y1)) { values[y * width + x] = value }
                    }
                    i = runEnd
                }
            }
        }
        return IndexedImage(width: width, height: height, values: values)
    }
}

/// Which files the dataset screen lists.
public struct DatasetFilter: Equatable, Sendable {
    /// A label index, or nil for every file.
    public var label: Int?
    public var split: String?

    public init() {}

    func matches(_ s: DatasetScreenData.Sample) -> Bool {
        (label.map { s.labels.contains($0) } ?? true) && (split.map { s.split == $0 } ?? true)
    }
}

/// A dataset's screen: labels with counts, the files (filtered by label and split), the selected
/// image with its boxes, and the files that failed.
struct DatasetScreen: Widget {
    var state: HomeState

    static func layout(_ area: Rect) -> (labels: Rect, files: Rect, image: Rect) {
        let columns = area.split(.horizontal, [.percentage(45), .fill(1)])
        let left = columns[0].split(.vertical, [.percentage(35), .fill(1)])
        return (left[0], left[1], columns[1])
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let parts = Self.layout(area)
        let screen = state.datasetScreen ?? DatasetScreenState(datasetID: "")
        guard let data = screen.data else {
            buffer.set(x: area.x + 1, y: area.y + 1, string: "loading…", style: theme.muted, maxWidth: area.width - 2)
            return
        }
        let filter = screen.filter
        // Labels with counts; the filter's label marked.
        let labelsBlock = theme.block("\(data.id) \(data.name) · \(data.type)", focused: false, ascii: state.ascii)
        buffer.render(labelsBlock, in: parts.labels)
        let rows = zip(data.labels, data.counts).enumerated().map { i, lc in
            [(filter.label == i ? "▸ " : "  ") + lc.0, String(lc.1)]
        } + (data.failed.isEmpty ? [] : [["  failed files", String(data.failed.count)]])
        let labelsArea = labelsBlock.inner(parts.labels)
        let tableHeight = min(labelsArea.height, rows.count + 1)
        buffer.render(Table(header: ["LABEL", "FILES"], rows: rows, widths: [.fill(1), .fixed(7)], alignments: [.left, .right],
                            headerStyle: theme.columnHeader, emptyText: "no labels"),
                      in: Rect(x: labelsArea.x, y: labelsArea.y, width: labelsArea.width, height: max(1, tableHeight)))
        // Under the labels, as many of the failed files (and why) as fit.
        for (i, line) in data.failed.enumerated() where labelsArea.y + tableHeight + i < labelsArea.maxY {
            buffer.set(x: labelsArea.x, y: labelsArea.y + tableHeight + i, string: (state.ascii ? "x " : "✗ ") + line, style: theme.error,
                       maxWidth: labelsArea.width)
        }

        // Files, filtered.
        let files = screen.filteredSamples
        let what = [filter.label.flatMap { data.labels.indices.contains($0) ? "label \(data.labels[$0])" : nil },
                    filter.split.map { "split \($0)" }].compactMap { $0 }
        let filesBlock = theme.block("Files \(files.count)/\(data.samples.count)" + (what.isEmpty ? "" : " · " + what.joined(separator: ", ")),
                                     focused: true, ascii: state.ascii)
        buffer.render(filesBlock, in: parts.files)
        buffer.render(Table(header: ["FILE", "SPLIT", "LABELS"],
                            rows: files.map { s in [s.path, s.split, s.labels.compactMap { data.labels.indices.contains($0) ? data.labels[$0] : nil }.joined(separator: ",")] },
                            widths: [.fill(2), .fixed(5), .fill(1)], selected: files.isEmpty ? nil : screen.files.selected,
                            offset: screen.files.offset, headerStyle: theme.columnHeader, selectedStyle: theme.selection,
                            emptyText: "no file matches"),
                      in: filesBlock.inner(parts.files))

        // The selected image with its boxes.
        let selected = screen.selectedSample
        let imageBlock = theme.block(selected.map { "\($0.path) \($0.width)×\($0.height)" } ?? "Image", focused: false, ascii: state.ascii)
        buffer.render(imageBlock, in: parts.image)
        let inner = imageBlock.inner(parts.image)
        guard let selected else { return }
        guard let preview = screen.preview, preview.path == selected.path else {
            buffer.set(x: inner.x, y: inner.y, string: "decoding…", style: theme.muted, maxWidth: inner.width)
            return
        }
        guard let image = preview.image else {
            buffer.set(x: inner.x, y: inner.y, string: "cannot show it: " + (preview.error ?? "?"), style: theme.error, maxWidth: inner.width)
            return
        }
        let colors: [Color] = [.yellow, .cyan, .magenta, .green, .red, .blue]
        // A service's prediction of this image replaces the annotations drawn over it (P; ServiceActions.swift).
        let predicted = screen.prediction.flatMap { $0.path == selected.path && $0.error == nil ? $0 : nil }
        let shown = predicted?.image ?? image
        let boxes = predicted.map { $0.imageBoxes(shownWidth: shown.width, shownHeight: shown.height) } ?? preview.boxes.map { b in
            ImageBox(x: b.x, y: b.y, width: b.width, height: b.height,
                     label: data.labels.indices.contains(b.label) ? data.labels[b.label] : "?", color: colors[abs(b.label) % colors.count])
        }
        buffer.render(ImageView(image: shown, boxes: boxes, mode: state.imageMode), in: inner)
        if let predicted, inner.height > 1 {
            buffer.set(x: inner.x, y: inner.maxY - 1, string: predicted.summary, style: theme.columnHeader, maxWidth: inner.width)
            return
        }
        // Shown with the image: what went wrong with its mask.
        if let error = preview.error, inner.height > 1 {
            buffer.set(x: inner.x, y: inner.maxY - 1, string: error, style: theme.error, maxWidth: inner.width)
        }
    }
}

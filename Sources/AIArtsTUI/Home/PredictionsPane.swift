import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Foundation

/// The selected task's latest prediction (`aiarts task predict`, kept in predict/<run>/): what was
/// predicted for each image, and one image (the one paged to) as drawn with the prediction on it.
public struct PredictionsData: Equatable, Sendable {
    /// One predicted image: its file name and what was predicted ("circle 0.98 · square 0.01", or
    /// "3 boxes: cat 0.91, …"), and the drawn image's path.
    public struct Item: Equatable, Sendable {
        public var file: String
        public var summary: String
        var drawn: String
    }
    public var taskID: String
    /// "epoch_16 · 30 images" of the latest run; nil when the task has predicted nothing yet.
    public var run: String?
    public var items: [Item]
    /// Which item `image` shows.
    public var index: Int
    public var image: PixelImage?

    public var file: String? { items.indices.contains(index) ? items[index].file : nil }
    public var summary: String? { items.indices.contains(index) ? items[index].summary : nil }

    /// The task's newest readable prediction run (the engine's `latestPrediction`: read from the
    /// task folder only), with the drawn image of item `index` (clamped) decoded at `width` ×
    /// `height` pixels (background queue).
    public static func load(taskID: String, index: Int, workspace: Workspace, width: Int, height: Int) -> HomeMessage {
        guard let latestRun = try? workspace.latestPrediction(taskID) else {
            return .predictionsLoaded(PredictionsData(taskID: taskID))
        }
        let latest = latestRun.name, result = latestRun.predictions
        let items = result.images.filter { $0.error == nil }.map { image in
            let summary = image.boxes.isEmpty
                ? image.labels.prefix(3).map { "\($0.label) \(String(format: "%.2f", $0.score))" }.joined(separator: " · ")
                : "\(image.boxes.count) boxes: " + image.boxes.prefix(3).map { "\($0.label) \(String(format: "%.2f", $0.score))" }.joined(separator: ", ")
            return Item(file: Sanitize.line(URL(fileURLWithPath: image.file).lastPathComponent), summary: Sanitize.line(summary),
                        drawn: image.drawn ?? image.file)
        }
        let shown = min(max(0, index), max(0, items.count - 1))
        var image: PixelImage?
        if items.indices.contains(shown),
           let decoded = try? ImageCodec.decode(contentsOf: items[shown].drawn, options: DecodeOptions(fitting: ImageSize(width: max(1, width), height: max(1, height)))).image,
           decoded.channels == 3 {
            image = PixelImage(width: decoded.width, height: decoded.height, rgb: decoded.pixels)
        }
        return .predictionsLoaded(PredictionsData(taskID: taskID, run: Sanitize.line(latest) + " · \(result.images.count) images",
                                                  items: items, index: shown, image: image))
    }

    public init(taskID: String, run: String? = nil, items: [Item] = [], index: Int = 0, image: PixelImage? = nil) {
        self.taskID = taskID; self.run = run; self.items = items; self.index = index; self.image = image
    }

    /// A prediction of one image (tests, and views that show only one).
    public init(taskID: String, run: String?, file: String, summary: String, image: PixelImage? = nil) {
        self.init(taskID: taskID, run: run, items: [Item(file: file, summary: summary, drawn: "")], image: image)
    }
}

/// The Predictions pane: the image with the prediction drawn on it, and what it says.
struct PredictionsPane: Widget {
    var state: HomeState

    /// `[` / `]` with the pane focused: the previous or next predicted image.
    static func page(_ delta: Int, in home: HomeState) -> [HomeEffect] {
        guard let data = home.predictions, let task = home.selectedTask, data.taskID == task.id, !data.items.isEmpty else { return [] }
        let next = min(max(0, data.index + delta), data.items.count - 1)
        guard next != data.index else { return [] }
        return [.loadPrediction(task.id, index: next, pixels: HomeLayout.predictionPixels(home))]
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let block = theme.block("Predictions", focused: state.home.focus == .predictions && state.top == nil, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        guard let task = state.selectedTask else { return }
        guard let data = state.predictions, data.taskID == task.id else {
            buffer.set(x: inner.x, y: inner.y, string: "loading…", style: theme.muted, maxWidth: inner.width)
            return
        }
        guard let run = data.run else {
            buffer.set(x: inner.x, y: inner.y, string: "no predictions yet: aiarts task predict \(task.id) --split test", style: theme.muted, maxWidth: inner.width)
            return
        }
        buffer.set(x: inner.x, y: inner.y, string: [data.file, data.summary].compactMap { $0 }.joined(separator: ": "), style: theme.good, maxWidth: inner.width)
        let position = data.items.count > 1 ? "\(data.index + 1)/\(data.items.count) · " : ""
        buffer.set(x: inner.x, y: inner.maxY - 1, string: position + run, style: theme.muted, maxWidth: inner.width)
        if let image = data.image, inner.height > 2 {
            buffer.render(ImageView(image: image, mode: state.imageMode), in: Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 2))
        }
    }
}

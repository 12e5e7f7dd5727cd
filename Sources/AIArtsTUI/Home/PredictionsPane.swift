import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Foundation

/// The selected task's latest prediction (`aiarts task predict`, kept in predict/<run>/): its
/// first image as drawn with the prediction on it, and what was predicted.
public struct PredictionsData: Equatable, Sendable {
    public var taskID: String
    /// "epoch_16 · 30 images" of the latest run; nil when the task has predicted nothing yet.
    public var run: String?
    public var file: String?
    /// "circle 0.98 · square 0.01", or "3 boxes: cat 0.91, …".
    public var summary: String?
    public var image: PixelImage?

    /// The task's newest readable prediction run (the engine's `latestPrediction`), its first
    /// drawn image decoded at `width` × `height` pixels (background queue).
    public static func load(taskID: String, workspace: Workspace, width: Int, height: Int) -> HomeMessage {
        guard let latestRun = try? workspace.latestPrediction(taskID) else {
            return .predictionsLoaded(PredictionsData(taskID: taskID))
        }
        let latest = latestRun.name, result = latestRun.predictions
        let first = latestRun.firstPredicted
        var summary: String?
        if let first {
            summary = first.boxes.isEmpty
                ? first.labels.prefix(3).map { "\($0.label) \(String(format: "%.2f", $0.score))" }.joined(separator: " · ")
                : "\(first.boxes.count) boxes: " + first.boxes.prefix(3).map { "\($0.label) \(String(format: "%.2f", $0.score))" }.joined(separator: ", ")
        }
        var image: PixelImage?
        if let path = first?.drawn ?? first?.file,
           let decoded = try? ImageCodec.decode(contentsOf: path, options: DecodeOptions(fitting: ImageSize(width: max(1, width), height: max(1, height)))).image,
           decoded.channels == 3 {
            image = PixelImage(width: decoded.width, height: decoded.height, rgb: decoded.pixels)
        }
        return .predictionsLoaded(PredictionsData(
            taskID: taskID, run: Sanitize.line(latest) + " · \(result.images.count) images",
            file: first.map { Sanitize.line(URL(fileURLWithPath: $0.file).lastPathComponent) }, summary: summary.map(Sanitize.line), image: image))
    }

    public init(taskID: String, run: String? = nil, file: String? = nil, summary: String? = nil, image: PixelImage? = nil) {
        self.taskID = taskID; self.run = run; self.file = file; self.summary = summary; self.image = image
    }
}

/// The Predictions pane: the image with the prediction drawn on it, and what it says.
struct PredictionsPane: Widget {
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let block = theme.block("Predictions", focused: false, ascii: state.ascii)
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
        buffer.set(x: inner.x, y: inner.maxY - 1, string: run, style: theme.muted, maxWidth: inner.width)
        if let image = data.image, inner.height > 2 {
            buffer.render(ImageView(image: image, mode: state.imageMode), in: Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 2))
        }
    }
}

import AIArtsEngine
import AIArtsRender
import Foundation

/// What the review screen learns from its work in the background.
public enum ReviewMessage: Sendable {
    /// The dataset, the queue and the first sample to show.
    case opened(ReviewOpened)
    case openFailed(String)
    case item(ReviewItem)
    case itemFailed(Int64, String)
    case image(ReviewImage)
    /// A decision was saved; the sample as it is now.
    case decided(ReviewItem)
    /// The engine refused a decision (why); the sample is read again.
    case refused(ReviewItem?, String)
    /// Undo or redo went through (the sample it concerned), or there was nothing to undo (nil).
    case undone(ReviewItem?, redo: Bool)
    case undoFailed(String)
    /// The samples of the review nobody has decided about yet.
    case unreviewed([Int64])
    /// The hide key's timer ran out: show the overlays again unless the key was pressed since.
    case reveal(Int)
    /// A sample's attributes under the batch's annotation task, as stored (after an edit too).
    case attributes(Int64, [SampleAttribute])
    case attributesFailed(String)
}

public struct ReviewOpened: Equatable, Sendable {
    public var name: String
    public var type: DatasetType
    public var queue: [Int64]
    /// Where to start: the first sample nobody has decided about yet.
    public var start: Int
    public var item: ReviewItem?
    public var predicted: Int?
    /// Reviewing an annotation batch: its task, whose formatter's attributes `t` edits.
    public var annotation: AnnotationTaskRecord?
}

/// The engine calls behind the review screen. Each runs on the loop's background queue (one at a
/// time, in order), so a decision is saved before the next one is made and before anything read after it.
struct ReviewActions: Sendable {
    var open: @Sendable (ReviewRequest) -> ReviewMessage
    var item: @Sendable (ReviewRequest, Int64) -> ReviewMessage
    var decide: @Sendable (ReviewRequest, Int64, ReviewDecision) -> ReviewMessage
    /// Undo (false) or redo (true) this reviewer's last decision in the dataset.
    var undo: @Sendable (ReviewRequest, Bool) -> ReviewMessage
    var unreviewed: @Sendable (ReviewRequest) -> ReviewMessage
    /// A sample's attributes; and setting some (task, sample, (tag, name, value)s), answered with them all.
    var attributes: @Sendable (Int64) -> ReviewMessage = { _ in .attributes(0, []) }
    var setAttributes: @Sendable (String, Int64, [AttributeField]) -> ReviewMessage = { _, _, _ in .attributesFailed("no workspace") }
    var image: @Sendable (_ sampleId: Int64, _ file: URL, _ width: Int, _ height: Int) -> ReviewMessage = ReviewActions.decode

    static let none = ReviewActions(open: { _ in .openFailed("no workspace") }, item: { _, id in .itemFailed(id, "no workspace") },
                                    decide: { _, _, _ in .refused(nil, "no workspace") }, undo: { _, _ in .undoFailed("no workspace") },
                                    unreviewed: { _ in .unreviewed([]) })

    /// Decodes the sample's image at the area's pixel size (the dataset screen's decoder).
    static func decode(sampleId: Int64, file: URL, width: Int, height: Int) -> ReviewMessage {
        do {
            let image = try Preview.decode(fullPath: file.path, width: width, height: height)
            return .image(ReviewImage(sampleId: sampleId, width: width, height: height, image: image, error: image == nil ? "cannot read its pixels" : nil))
        } catch {
            return .image(ReviewImage(sampleId: sampleId, width: width, height: height, image: nil, error: Sanitize.line("\(error)")))
        }
    }

    /// The review over a real workspace, decided by `reviewer` (the Unix user).
    static func engine(_ workspace: Workspace, reviewer: String = Reviewer.current) -> ReviewActions {
        let cache = PredictionCache()
        @Sendable func predictions(_ request: ReviewRequest) throws -> ReviewPredictions? {
            guard let task = request.order else { return nil }
            if let hit = cache.get(task) { return hit }
            let loaded = try workspace.reviewPredictions(taskId: task)
            cache.set(task, loaded)
            return loaded
        }
        @Sendable func scope(_ request: ReviewRequest) throws -> ReviewScope {
            let base = try request.filter.map { try workspace.reviewFilter(name: $0, datasetId: request.datasetID) }
            return ReviewState(request: request).scope(base: base)
        }
        return ReviewActions(
            open: { request in
                do {
                    let summary = try workspace.summary(request.datasetID)
                    let scope = try scope(request)
                    let predicted = try predictions(request)
                    let order: ReviewOrder = request.order.map { .disagreement(taskId: $0) } ?? .dataset
                    let queue = try workspace.reviewQueue(scope, order: order, predictions: predicted)
                    var open = scope
                    open.status = .unreviewed
                    let unreviewed = Set(try workspace.reviewQueue(open, order: .dataset))
                    let start = queue.firstIndex(where: unreviewed.contains) ?? 0
                    let item = queue.isEmpty ? nil : try workspace.reviewItem(queue[start], predictions: predicted)
                    let annotation = try request.batch.map { try workspace.annotationBatchTask($0) }
                    return .opened(ReviewOpened(name: Sanitize.line(summary.name), type: summary.type, queue: queue, start: start,
                                                item: item, predicted: predicted?.count, annotation: annotation))
                } catch {
                    return .openFailed(message(error))
                }
            },
            item: { request, id in
                do { return .item(try workspace.reviewItem(id, predictions: try predictions(request))) } catch { return .itemFailed(id, message(error)) }
            },
            decide: { request, id, decision in
                do {
                    return .decided(try workspace.reviewDecide(id, decision, reviewer: reviewer, predictions: try predictions(request)))
                } catch {
                    return .refused(try? workspace.reviewItem(id, predictions: try? predictions(request)), message(error))
                }
            },
            undo: { request, redo in
                do {
                    let id = redo ? try workspace.reviewRedo(datasetId: request.datasetID, reviewer: reviewer)
                        : try workspace.reviewUndo(datasetId: request.datasetID, reviewer: reviewer)
                    return .undone(try id.map { try workspace.reviewItem($0, predictions: try predictions(request)) }, redo: redo)
                } catch {
                    return .undoFailed(message(error))
                }
            },
            unreviewed: { request in
                do {
                    var open = try scope(request)
                    open.status = .unreviewed
                    return .unreviewed(try workspace.reviewQueue(open, order: .dataset))
                } catch {
                    return .unreviewed([])
                }
            },
            attributes: { id in
                do { return .attributes(id, try workspace.sampleAttributes(sampleId: id)) } catch { return .attributesFailed(message(error)) }
            },
            setAttributes: { task, id, fields in
                do {
                    try workspace.setSampleAttributes(taskId: task, sampleId: id, fields.map { ($0.tag, $0.name, $0.value) }, reviewer: reviewer)
                    return .attributes(id, try workspace.sampleAttributes(sampleId: id))
                } catch {
                    return .attributesFailed(message(error))
                }
            })
    }
}

/// An engine error as one line for the footer.
@Sendable func message(_ error: Error) -> String { Sanitize.line((error as? AIArtsError)?.message ?? "\(error)") }

/// A task's predictions, read once per review (they are files on disk and may be large).
final class PredictionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byTask: [String: ReviewPredictions] = [:]

    func get(_ task: String) -> ReviewPredictions? { lock.withLock { byTask[task] } }
    func set(_ task: String, _ predictions: ReviewPredictions) { lock.withLock { byTask[task] = predictions } }
}

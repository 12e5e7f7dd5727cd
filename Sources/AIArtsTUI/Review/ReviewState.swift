import AIArtsEngine
import AIArtsRender
import Foundation

/// What a review goes through: a dataset, narrowed by label, split, review status, a saved filter or an
/// annotation batch, in the dataset's order or by disagreement with a task's predictions. Written as
/// `:review D0002 label=cat split=val status=unreviewed order=T0003 filter=NAME batch=4`, given by
/// `aiarts review open`, or taken from the dataset screen's filter (`r`).
public struct ReviewRequest: Equatable, Sendable {
    public var datasetID: String
    public var label: String?
    public var split: Split?
    public var status: ReviewFilterStatus?
    /// A task whose predictions order the review (strongest disagreement first) and make suggestions.
    public var order: String?
    /// A saved filter's name (the engine's `reviewFilter`); label, split and status given here narrow it further.
    public var filter: String?
    public var batch: Int64?

    public init(datasetID: String, label: String? = nil, split: Split? = nil, status: ReviewFilterStatus? = nil,
                order: String? = nil, filter: String? = nil, batch: Int64? = nil) {
        self.datasetID = datasetID; self.label = label; self.split = split; self.status = status
        self.order = order; self.filter = filter; self.batch = batch
    }

    /// The words after `review` on the command line: `DID [label=L] [split=S] [status=S] [order=TASK] [filter=NAME] [batch=N]`.
    public static func parse(_ words: [String]) -> Result<ReviewRequest, ReviewRequestError> {
        let usage = "review DID [label=L] [split=train|val|test] [status=unreviewed|reviewed|flagged|bad|changed] [order=TASK] [filter=NAME] [batch=N]"
        guard let id = words.first, !id.contains("=") else { return .failure(ReviewRequestError(text: usage)) }
        var request = ReviewRequest(datasetID: id)
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { return .failure(ReviewRequestError(text: "\(Sanitize.line(word))? \(usage)")) }
            let value = parts[1]
            switch parts[0] {
            case "label": request.label = value
            case "split":
                guard let split = Split(rawValue: value) else { return .failure(ReviewRequestError(text: "split is train, val or test")) }
                request.split = split
            case "status":
                guard let status = ReviewFilterStatus(rawValue: value) else {
                    return .failure(ReviewRequestError(text: "status is " + ReviewFilterStatus.allCases.map(\.rawValue).joined(separator: ", ")))
                }
                request.status = status
            case "order": request.order = value
            case "filter": request.filter = value
            case "batch":
                guard let n = Int64(value), n > 0 else { return .failure(ReviewRequestError(text: "batch is a batch number")) }
                request.batch = n
            default: return .failure(ReviewRequestError(text: "\(Sanitize.line(parts[0]))? \(usage)"))
            }
        }
        return .success(request)
    }

    /// What the screen's title says the review is over.
    var summary: String {
        [label.map { "label \($0)" }, split.map { "split \($0.rawValue)" }, status.map { "status \($0.rawValue)" },
         filter.map { "filter \($0)" }, batch.map { "batch \($0)" }, order.map { "by disagreement with \($0)" }]
            .compactMap { $0 }.map(Sanitize.line).joined(separator: " · ")
    }
}

public struct ReviewRequestError: Error, Equatable, Sendable {
    public var text: String
}

/// Which edge of the selected box the nudge keys move.
public enum BoxEdge: String, CaseIterable, Sendable {
    case left, top, right, bottom

    var next: BoxEdge { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }
}

/// The image of the sample on screen, decoded off the loop at the size its area had.
public struct ReviewImage: Equatable, Sendable {
    public var sampleId: Int64
    /// The pixel size asked for (the area's); a resize asks again.
    public var width: Int, height: Int
    public var image: PixelImage?
    public var error: String?
}

/// The fuzzy label picker: type to narrow the labels, ↑ ↓ choose, Enter assigns.
public struct LabelPicker: Equatable, Sendable {
    public var query = ""
    public var selected = 0

    /// The labels' indices that match the query, best first: those starting with it, then containing it,
    /// then holding its letters in order. Case does not count.
    static func matches(_ query: String, labels: [String]) -> [Int] {
        let q = query.lowercased()
        guard !q.isEmpty else { return Array(labels.indices) }
        func subsequence(_ name: String) -> Bool {
            var rest = Substring(q)
            for c in name where rest.first == c { rest.removeFirst() }
            return rest.isEmpty
        }
        var ranked: [(Int, Int)] = []
        for (i, label) in labels.enumerated() {
            let name = label.lowercased()
            if name.hasPrefix(q) { ranked.append((0, i)) } else if name.contains(q) { ranked.append((1, i)) } else if subsequence(name) { ranked.append((2, i)) }
        }
        return ranked.sorted { $0 < $1 }.map(\.1)
    }
}

/// The review screen's state (docs/review.md, "Review screen"). Decisions go to the engine at once, off the loop;
/// what is shown is the engine's answer (box nudges are shown at once, then confirmed).
public struct ReviewState: Equatable, Sendable {
    public var request: ReviewRequest
    /// Until the queue is read.
    public var loading = true
    public var datasetName = ""
    public var type: DatasetType = .classification
    /// The samples under review, in review order, and where the reviewer is.
    public var queue: [Int64] = []
    public var position = 0
    /// The sample on screen as the engine last gave it (nil while it is read).
    public var item: ReviewItem?
    public var image: ReviewImage?
    /// The selected box (detection), an index into `item.boxes`.
    public var selectedBox = 0
    public var edge: BoxEdge = .left
    /// Accepting, flagging or marking bad moves on to the next sample.
    public var autoAdvance = true
    /// Boxes and labels are hidden while the hide key is held (it auto-repeats), shown again by a timer.
    public var overlaysHidden = false
    public var hideGeneration = 0
    /// The note being typed (nil when closed).
    public var noteInput: String?
    public var picker: LabelPicker?
    /// Decisions sent to the engine whose answer has not come back.
    public var pending = 0
    /// Quit once the pending decisions are saved.
    public var quitWhenSaved = false
    /// How many predicted images the order's task has (nil without `order`).
    public var predicted: Int?
    /// Why the review could not open (the dataset is unknown, the filter has no such name …).
    public var error: String?
    /// Reviewing an annotation batch: the task (and its formatter), and the sample's attributes under it.
    public var annotation: AnnotationTaskRecord?
    public var attributes: StoredAttributes?
    /// The sample whose attributes were last asked for (so they are asked for once a sample).
    var attributesAsked: Int64?

    /// How long overlays stay hidden after the hide key: after the first press long enough for the
    /// terminal's auto-repeat to start (typically 250–600 ms), after each repeat a little longer than
    /// the repeat interval.
    static let firstHold = 0.7
    static let repeatHold = 0.3

    public init(request: ReviewRequest) { self.request = request }

    /// The attribute fields of the sample on screen under the annotation task: for each of the
    /// formatter's tags the sample carries (all tags when it carries none of them), each attribute,
    /// with its value now.
    var attributeFields: [AttributeField] {
        guard let formatter = annotation?.formatter, let item else { return [] }
        let carried = Set(item.boxes.compactMap { item.labels.indices.contains($0.labelIndex) ? item.labels[$0.labelIndex] : nil })
        let tags = formatter.tags.filter { carried.contains($0.name) }
        let stored = attributes?.sampleId == item.sampleId ? attributes?.values ?? [] : []
        return (tags.isEmpty ? formatter.tags : tags).flatMap { tag in
            tag.attributes.map { attribute in
                AttributeField(tag: tag.name, name: attribute.name, values: attribute.values,
                               value: stored.first { $0.tag == tag.name && $0.name == attribute.name }?.value ?? "")
            }
        }
    }

    /// Keys go to the note or the label picker while one is open.
    var isTyping: Bool { noteInput != nil || picker != nil }

    var labels: [String] { item?.labels ?? [] }
    var hasBoxes: Bool { type == .detection || type == .instanceSegmentation }

    /// The selected box, when the sample has boxes.
    var selected: ReviewBox? {
        guard hasBoxes, let boxes = item?.boxes, boxes.indices.contains(selectedBox), boxes[selectedBox].box != nil else { return nil }
        return boxes[selectedBox]
    }

    var currentID: Int64? { queue.indices.contains(position) ? queue[position] : nil }

    /// The engine's scope for the request (a saved filter is read by the caller first).
    func scope(base: ReviewScope? = nil) -> ReviewScope {
        var scope = base ?? ReviewScope(datasetId: request.datasetID)
        if let label = request.label { scope.label = label }
        if let split = request.split { scope.split = split }
        if let status = request.status { scope.status = status }
        if let batch = request.batch { scope.batchId = batch }
        return scope
    }
}

/// One attribute of an annotation task's formatter as the review screen edits it: its tag, its name,
/// the values allowed (none: free text) and the sample's value (empty: not set).
public struct AttributeField: Equatable, Sendable {
    public var tag: String
    public var name: String
    public var values: [String]
    public var value: String
}

/// A sample's attributes as last read.
public struct StoredAttributes: Equatable, Sendable {
    public var sampleId: Int64
    public var values: [SampleAttribute]
}

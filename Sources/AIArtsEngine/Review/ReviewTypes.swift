import Foundation

/// Which samples a review goes through (docs/review.md).
public enum ReviewFilterStatus: String, Sendable, Codable, CaseIterable {
    /// No one has decided anything about it yet.
    case unreviewed
    case reviewed
    case flagged
    case bad
    /// Its labels differ from the imported ones.
    case changed
}

/// The samples of one review: a dataset, narrowed by label, split, review status or annotation batch.
public struct ReviewScope: Sendable, Equatable, Codable {
    public var datasetId: String
    /// Only samples having an annotation of this label.
    public var label: String?
    public var split: Split?
    public var status: ReviewFilterStatus?
    /// Only the samples of this annotation batch, in its order.
    public var batchId: Int64?

    public init(datasetId: String, label: String? = nil, split: Split? = nil, status: ReviewFilterStatus? = nil, batchId: Int64? = nil) {
        self.datasetId = datasetId; self.label = label; self.split = split; self.status = status; self.batchId = batchId
    }
}

/// The order of a review queue.
public enum ReviewOrder: Sendable, Equatable {
    /// The dataset's order (by path); an annotation batch's own order.
    case dataset
    /// Strongest disagreement with the task's predictions first; samples without predictions last.
    case disagreement(taskId: String)
}

/// One stored label of a sample: a box (detection) or a whole-image label (box == nil).
public struct ReviewBox: Sendable, Equatable {
    public var annotationId: Int64
    public var labelIndex: Int
    public var box: Box?

    public init(annotationId: Int64, labelIndex: Int, box: Box?) {
        self.annotationId = annotationId; self.labelIndex = labelIndex; self.box = box
    }
}

/// Where a model's predictions disagree with a sample's labels, and what it suggests instead.
public struct ReviewSuggestion: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// The model predicts another class (for the image, or for a stored box).
        case otherClass
        /// A confident prediction no stored box matches: a box is possibly missing.
        case missingBox
        /// A stored box no prediction overlaps: possibly spurious.
        case spuriousBox
        /// A stored box and its prediction agree on the class but overlap poorly.
        case poorOverlap
    }
    public var kind: Kind
    /// The class the model suggests.
    public var labelIndex: Int?
    /// The box it suggests (missingBox, poorOverlap).
    public var box: Box?
    /// The stored box concerned (spuriousBox, poorOverlap, otherClass on a box).
    public var annotationId: Int64?
    /// How strongly this suggests a mistake (0...1).
    public var score: Double
    /// One short line for the screen.
    public var text: String

    public init(kind: Kind, labelIndex: Int? = nil, box: Box? = nil, annotationId: Int64? = nil, score: Double, text: String) {
        self.kind = kind; self.labelIndex = labelIndex; self.box = box; self.annotationId = annotationId
        self.score = score; self.text = text
    }
}

/// Everything the review screen shows for one sample.
public struct ReviewItem: Sendable, Equatable {
    public var sampleId: Int64
    public var datasetId: String
    /// As stored (inside the dataset folder).
    public var path: String
    /// The absolute file to decode.
    public var imageURL: URL
    public var size: ImageSize
    public var split: Split?
    /// The dataset's label names, by index.
    public var labels: [String]
    /// Classification: one ReviewBox with box == nil per label.
    public var boxes: [ReviewBox]
    public var state: ReviewStateRecord?
    /// Strongest first; empty without predictions.
    public var suggestions: [ReviewSuggestion]
    /// The strongest suggestion's score; 0 without predictions.
    public var disagreement: Double
    /// Whether the predictions given cover this sample.
    public var predicted: Bool

    public init(sampleId: Int64, datasetId: String, path: String, imageURL: URL, size: ImageSize, split: Split?, labels: [String],
                boxes: [ReviewBox], state: ReviewStateRecord?, suggestions: [ReviewSuggestion] = [], disagreement: Double = 0,
                predicted: Bool = false) {
        self.sampleId = sampleId; self.datasetId = datasetId; self.path = path; self.imageURL = imageURL; self.size = size
        self.split = split; self.labels = labels; self.boxes = boxes; self.state = state; self.suggestions = suggestions
        self.disagreement = disagreement; self.predicted = predicted
    }
}

/// What a reviewer decides about a sample. Each is saved at once as one transaction.
public enum ReviewDecision: Sendable, Equatable {
    /// Reviewed as is.
    case accept
    /// Classification: the sample's one label becomes this (marks reviewed, changed).
    case setClass(Int)
    case setBoxClass(annotationId: Int64, labelIndex: Int)
    case deleteBox(annotationId: Int64)
    /// An edited box, clamped to the image.
    case moveBox(annotationId: Int64, Box)
    case addBox(labelIndex: Int, Box)
    /// Needs annotating again.
    case flag
    /// The image is unusable: left out of training, evaluation and exports.
    case markBad
    case note(String)
    /// Applies what the model suggests.
    case acceptSuggestion(ReviewSuggestion)

    /// A short name, as the event log records it.
    public var action: String {
        switch self {
        case .accept: "accept"
        case .setClass: "setClass"
        case .setBoxClass: "setBoxClass"
        case .deleteBox: "deleteBox"
        case .moveBox: "moveBox"
        case .addBox: "addBox"
        case .flag: "flag"
        case .markBad: "markBad"
        case .note: "note"
        case .acceptSuggestion(let s): "acceptSuggestion:\(s.kind.rawValue)"
        }
    }
}

/// One reviewer's share of a dataset's review.
public struct ReviewerSummary: Sendable, Codable, Equatable {
    public var reviewer: String
    /// Samples whose current review state this reviewer set, by status.
    public var reviewed: Int
    public var changed: Int
    public var flagged: Int
    public var bad: Int
    /// Decisions made and not undone.
    public var decisions: Int
    /// When the newest of them was made.
    public var lastAt: Date?

    public init(reviewer: String, reviewed: Int = 0, changed: Int = 0, flagged: Int = 0, bad: Int = 0, decisions: Int = 0, lastAt: Date? = nil) {
        self.reviewer = reviewer; self.reviewed = reviewed; self.changed = changed; self.flagged = flagged
        self.bad = bad; self.decisions = decisions; self.lastAt = lastAt
    }

    enum CodingKeys: String, CodingKey {
        case reviewer, reviewed, changed, flagged, bad, decisions, lastAt = "last_at"
    }
}

/// Where a dataset's review stands.
public struct ReviewSummary: Sendable, Codable, Equatable {
    public var datasetId: String
    public var samples: Int
    public var reviewed: Int
    /// Samples whose labels differ from the imported ones.
    public var changed: Int
    public var flagged: Int
    public var bad: Int
    public var unreviewed: Int
    public var reviewers: [ReviewerSummary]

    enum CodingKeys: String, CodingKey {
        case datasetId = "dataset_id", samples, reviewed, changed, flagged, bad, unreviewed, reviewers
    }
}

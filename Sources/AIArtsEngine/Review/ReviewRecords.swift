import Foundation
import GRDB

/// What a reviewer decided about a sample (docs/review.md).
public enum ReviewStatus: String, Codable, CaseIterable, Sendable {
    /// Looked at and accepted, possibly after changing its labels.
    case reviewed
    /// Needs annotating again.
    case flagged
    /// The image itself is unusable.
    case bad
}

/// The review state of one sample: a row exists once anyone has decided anything about it.
public struct ReviewStateRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "reviewState"
    public var sampleId: Int64
    public var datasetId: String
    public var status: ReviewStatus
    /// The sample's labels differ from the ones it was imported with.
    public var changed: Bool
    public var note: String?
    public var reviewer: String
    public var decidedAt: Date
}

/// Who is reviewing: the Unix user of this process.
public enum Reviewer {
    public static var current: String {
        if let name = GPUProcessOwners.userName(uid: geteuid()) { return name }
        if let name = ProcessInfo.processInfo.environment["USER"], !name.isEmpty { return name }
        return String(geteuid())
    }
}

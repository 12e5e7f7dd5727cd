import Foundation

/// A JSON-based import source (COCO, labelme) that cannot be used at all, as opposed to one bad
/// record or file, which parsers report as an `ImportIssue` and skip.
public struct JSONDatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import Foundation

/// Errors the engine reports to people: each says what is wrong and what to do.
public struct AIArtsError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case notFound, invalidArgument, conflict, io, badInput, cancelled
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind; self.message = message
    }

    public var description: String { message }

    static func notFound(_ id: String) -> AIArtsError {
        .init(.notFound, "\(id) does not exist in this workspace (see `aiarts dataset list`)")
    }
}

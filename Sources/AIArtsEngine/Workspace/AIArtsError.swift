import Foundation
import GRDB

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

extension AIArtsError {
    /// Any error as a person should read it: a write refused because the workspace is read-only,
    /// or a cancellation, in plain words rather than "SQLite error 8" or "Code=513".
    public static func plain(_ error: any Error) -> any Error {
        if error is AIArtsError { return error }
        if error is CancellationError { return AIArtsError(.cancelled, "cancelled") }
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_READONLY {
            return AIArtsError(.io, "the workspace is read-only for this user, and this command writes to it; reading commands (list, show, status, metrics, logs) work")
        }
        if let cocoa = error as? CocoaError, [.fileWriteNoPermission, .fileWriteVolumeReadOnly].contains(cocoa.code) {
            let path = (cocoa.userInfo[NSFilePathErrorKey] as? String) ?? cocoa.userInfo[NSURLErrorKey].map { "\($0)" } ?? "a file"
            return AIArtsError(.io, "cannot write \(path): permission denied (the workspace or that folder is read-only for this user)")
        }
        return error
    }
}

/// A trainer failure with a message meant for the user (it ends up in train.log).
public struct TrainError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

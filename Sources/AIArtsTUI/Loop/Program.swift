import AIArtsRender

/// A side effect asked for by `update`, carried out by the loop (bubbletea's Cmd).
public enum Command<Message: Sendable>: Sendable {
    /// Leave the loop; the terminal is restored.
    case quit
    /// Run `work` on a background queue and deliver the message it returns. Engine calls go here so
    /// the UI never waits on disk.
    case perform(@Sendable () -> Message)
    /// Start a long-lived source of messages under `key` (a file watcher): `start` gets a function
    /// that posts a message to the loop, and returns what stops the source. A new watch under the
    /// same key stops the old one first; every watch stops when the loop returns.
    case watch(key: String, start: @Sendable (@escaping @Sendable (Message) -> Void) -> (@Sendable () -> Void))
    /// Stop the watch under `key`, if any.
    case unwatch(key: String)
}

/// An application the loop can run: all state changes happen in `update`, drawing is a pure function
/// of that state.
public protocol Program {
    associatedtype Message: Sendable
    /// Commands to run once at start (the first load).
    func start() -> [Command<Message>]
    mutating func update(_ message: Message) -> [Command<Message>]
    /// Draws the current state; pure, so tests can call it with any size.
    func render(size: Size) -> Buffer
    static func key(_ key: Key) -> Message
    static func resized(_ size: Size) -> Message
}

import AIArtsRender
import Foundation

/// A terminal in memory: drawing lands in `buffer`; keys pressed with `press` are delivered through a
/// real pipe, so the loop runs exactly as it does on a terminal (poll included).
public final class TestBackend: TerminalBackend, @unchecked Sendable {
    public private(set) var buffer: Buffer
    public private(set) var flushes = 0
    public private(set) var cellsWritten = 0
    public var supportsUnicode: Bool
    private var keys: [Key] = []
    private let lock = NSLock()
    private let pipe = WakePipe()

    public init(width: Int, height: Int, unicode: Bool = true) {
        buffer = Buffer(width: width, height: height)
        supportsUnicode = unicode
    }

    public var size: Size { buffer.size }
    /// The loop asks for these each time it goes to sleep in poll(), so tests can tell when it is idle.
    public var inputFDs: [Int32] {
        lock.withLock { asleep = true; sleeps += 1 }
        return [pipe.readFD]
    }

    /// True while the loop sleeps with no key left to read: everything pressed so far has been handled
    /// and drawn. Tests wait for this rather than for a fixed time.
    public var isIdle: Bool { lock.withLock { asleep && keys.isEmpty } }
    /// How many times the loop has gone to sleep.
    public var sleepCount: Int { lock.withLock { sleeps } }
    private var asleep = false
    private var sleeps = 0

    /// Queues keys as if typed; safe to call from another thread while the loop runs.
    public func press(_ keys: Key...) {
        lock.withLock { self.keys += keys }
        pipe.wake()
    }

    /// Changes the size as a terminal would, and reports it as `Key.resize`.
    public func resize(width: Int, height: Int) {
        lock.withLock { buffer = Buffer(width: width, height: height); keys.append(.resize) }
        pipe.wake()
    }

    public func pollKey() -> Key? {
        pipe.drain()
        return lock.withLock { asleep = false; return keys.isEmpty ? nil : keys.removeFirst() }
    }

    public func draw(_ changes: [(x: Int, y: Int, cell: Cell)]) {
        lock.withLock {
            for change in changes { buffer.put(change.cell, x: change.x, y: change.y) }
            cellsWritten += changes.count
        }
    }

    public func clear() { lock.withLock { buffer = Buffer(size: buffer.size); graphics = [] } }

    /// The images shown now, as a terminal with a graphics protocol would hold them.
    public private(set) var graphics: [GraphicPlacement] = []
    public private(set) var graphicsSent = 0

    public func showGraphics(_ placements: [GraphicPlacement], deleting ids: [UInt32]) {
        lock.withLock {
            graphics.removeAll { ids.contains($0.id) || placements.map(\.id).contains($0.id) }
            graphics += placements
            graphicsSent += placements.count
        }
    }
    public func flush() { lock.withLock { flushes += 1 } }

    public func lines() -> [String] { lock.withLock { buffer.lines() } }
}

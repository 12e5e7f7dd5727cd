import AIArtsRender
import Dispatch
import Foundation

/// Messages finished by background work, waiting for the loop.
final class Mailbox<Message: Sendable>: @unchecked Sendable {
    private var messages: [Message] = []
    private let lock = NSLock()
    let pipe = WakePipe()

    func post(_ message: Message) {
        lock.withLock { messages.append(message) }
        pipe.wake()
    }

    func take() -> [Message] {
        pipe.drain()
        return lock.withLock { defer { messages.removeAll() }; return messages }
    }
}

/// The loop: wait in poll() on the terminal and the mailbox (no timeout, so an idle UI costs
/// nothing), turn what arrived into messages, update, and draw only the cells that changed.
///
/// A key is drawn at once. What background work posts (new points, a GPU sample, the once-a-second
/// reading of running tasks) is drawn at most once every `backgroundFrame` seconds: several posts
/// in that time make one frame, which is what a live workspace costs the UI.
public final class Runtime<P: Program> {
    public private(set) var program: P
    private let backend: TerminalBackend
    private let queue: DispatchQueue
    private let mailbox = Mailbox<P.Message>()
    private let renderer = Renderer()
    private var running = true
    /// What stops each running watch, by key.
    private var watches: [String: @Sendable () -> Void] = [:]
    /// The shortest time between two frames drawn for background messages alone.
    private let backgroundFrame: Double

    public init(program: P, backend: TerminalBackend,
                queue: DispatchQueue = DispatchQueue(label: "aiarts.tui.work", qos: .userInitiated),
                backgroundFrame: Double = 0.5) {
        self.program = program
        self.backend = backend
        self.queue = queue
        self.backgroundFrame = backgroundFrame
    }

    /// Runs until a `.quit` command or an interrupt, then returns the final program.
    @discardableResult
    public func run() -> P {
        var size = backend.size
        execute(program.update(P.resized(size)))
        execute(program.start())
        var dirty = true, urgent = true
        var lastDraw = DispatchTime(uptimeNanoseconds: 0)
        while running {
            var wait: Double?  // nil: until something arrives
            if dirty {
                let since = Double(DispatchTime.now().uptimeNanoseconds &- lastDraw.uptimeNanoseconds) / 1e9
                if urgent || since >= backgroundFrame {
                    renderer.draw(program.render(size: size), on: backend)
                    lastDraw = .now()
                    dirty = false
                    urgent = false
                } else {
                    wait = backgroundFrame - since
                }
            }
            waitForInput(timeout: wait)
            var messages: [P.Message] = []
            while running, let key = backend.pollKey() {
                urgent = true
                switch key {
                case .interrupt:
                    running = false
                case .resize:
                    size = backend.size
                    renderer.invalidate()
                    messages.append(P.resized(size))
                default:
                    messages.append(P.key(key))
                }
            }
            messages += mailbox.take()
            for message in messages where running {
                execute(program.update(message))
                dirty = true
            }
        }
        for stop in watches.values { stop() }
        watches.removeAll()
        return program
    }

    private func execute(_ commands: [Command<P.Message>]) {
        for command in commands {
            switch command {
            case .quit:
                running = false
            case .perform(let work):
                let mailbox = self.mailbox
                queue.async { mailbox.post(work()) }
            case .watch(let key, let start):
                watches.removeValue(forKey: key)?()
                let mailbox = self.mailbox
                watches[key] = start { mailbox.post($0) }
            case .unwatch(let key):
                watches.removeValue(forKey: key)?()
            }
        }
    }

    /// Blocks until the terminal or the mailbox has something, or `timeout` seconds passed (a frame
    /// is due). EINTR (a signal) also returns, since the signal may be what there is to read.
    private func waitForInput(timeout: Double?) {
        var fds = (backend.inputFDs + [mailbox.pipe.readFD]).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        _ = poll(&fds, nfds_t(fds.count), timeout.map { Int32(max(1, ($0 * 1000).rounded(.up))) } ?? -1)
    }
}

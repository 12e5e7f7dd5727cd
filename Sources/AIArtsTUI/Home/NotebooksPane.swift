import AIArtsEngine
import AIArtsRender
import Foundation
import Synchronization

/// The workspace's notebook sessions as the Models screen lists them (docs/notebooks.md): state,
/// URL or port, dataset and age, all text sanitized. The token is never part of a row.
public struct NotebooksData: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var id: String
        public var name: String
        public var state: String
        /// The failure reason, or a short note ("ready", "stopped").
        public var message: String
        /// http://127.0.0.1:PORT/lab (without the token) once ready.
        public var url: String?
        public var port: Int
        public var dataset: String?
        public var createdAt: Date

        public init(id: String, name: String, state: String, message: String, url: String? = nil, port: Int, dataset: String? = nil,
                    createdAt: Date) {
            self.id = Sanitize.line(id); self.name = Sanitize.line(name); self.state = state; self.message = Sanitize.line(message)
            self.url = url.map(Sanitize.line); self.port = port; self.dataset = dataset.map(Sanitize.line); self.createdAt = createdAt
        }

        public var hasProcess: Bool { CodeSessionState(rawValue: state)?.hasProcess ?? false }
    }
    public var sessions: [Row]
    /// Why the sessions could not be read, when they could not.
    public var error: String?

    public init(sessions: [Row], error: String? = nil) { self.sessions = sessions; self.error = error.map(Sanitize.line) }

    /// Reads every session (background queue; the engine asks a starting one's Jupyter whether it
    /// answers, and reconciles dead processes).
    public static func load(from workspace: Workspace) -> NotebooksData {
        do {
            return NotebooksData(sessions: try workspace.codeSessions().map { s in
                Row(id: s.id, name: s.name, state: s.state.rawValue, message: s.message, url: s.state == .ready ? s.url : nil,
                    port: s.port, dataset: s.datasetId, createdAt: s.createdAt)
            })
        } catch {
            return NotebooksData(sessions: [], error: "\(error)")
        }
    }

    /// Reads the sessions now and then every `interval` seconds on a utility queue, posting each
    /// reading that differs from the last; returns what stops it. Nothing runs on the UI's loop.
    static func watch(interval: Double = 2, load: @escaping @Sendable () -> NotebooksData,
                      post: @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void {
        let stopped = Mutex(false)
        let wake = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .utility).async {
            var last: NotebooksData?
            while !stopped.withLock({ $0 }) {
                let data = load()
                if data != last, !stopped.withLock({ $0 }) { post(.notebooks(.loaded(data))) }
                last = data
                _ = wake.wait(timeout: .now() + interval)
            }
        }
        return {
            stopped.withLock { $0 = true }
            wake.signal()
        }
    }

    /// "42s", "5m", "3h", "2d".
    static func age(_ date: Date, now: Date = Date()) -> String {
        let s = max(0, Int(now.timeIntervalSince(date)))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}

/// The endpoint of a session as the Notebooks list shows it under the table: the URL with its token
/// and the ssh -L line, to copy from the screen.
public struct NotebookEndpointLines: Equatable, Sendable {
    public var id: String
    public var url: String
    public var ssh: String

    public init(id: String, url: String, ssh: String) { self.id = Sanitize.line(id); self.url = Sanitize.line(url); self.ssh = Sanitize.line(ssh) }
}

/// The Models screen's Notebooks table, and the endpoint asked for under it.
struct NotebooksTable: Widget {
    var state: HomeState
    var focused: Bool
    var now = Date()

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let screen = state.modelsScreen ?? ModelsScreenState()
        let rows = screen.notebookData?.sessions ?? []
        let block = theme.block("Notebooks", focused: focused, ascii: state.ascii)
        buffer.render(block, in: area)
        var inner = block.inner(area)
        let endpoint = screen.endpoint.flatMap { e in rows.contains(where: { $0.id == e.id }) ? e : nil }
        if let endpoint, inner.height >= 4 {
            let y = inner.y + inner.height - 2
            buffer.set(x: inner.x, y: y, string: "\(endpoint.id): \(endpoint.url)", maxWidth: inner.width)
            buffer.set(x: inner.x, y: y + 1, string: endpoint.ssh, maxWidth: inner.width)
            inner = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 2)
        }
        let empty = screen.notebookData == nil ? "loading…" : screen.notebookData?.error.map { "cannot read the sessions: \($0)" }
            ?? "no notebook sessions: aiarts code create NAME --dataset D0001"
        buffer.render(Table(header: ["ID", "NAME", "STATE", "URL / PORT", "DATASET", "AGE", "MESSAGE"],
                            rows: rows.map { r in
                                [r.id, r.name, r.state, r.url ?? (r.hasProcess ? "127.0.0.1:\(r.port)" : "-"), r.dataset ?? "-",
                                 NotebooksData.age(r.createdAt, now: now), r.state == "ready" ? "" : r.message]
                            },
                            widths: [.fixed(5), .fixed(14), .fixed(8), .fixed(28), .fixed(7), .fixed(4), .fill(1)],
                            alignments: [.left, .left, .left, .left, .left, .right, .left],
                            selected: rows.isEmpty ? nil : screen.notebooks.selected, offset: screen.notebooks.offset,
                            headerStyle: theme.columnHeader, selectedStyle: theme.selection, emptyText: empty),
                      in: inner)
    }
}

extension ModelsScreenState {
    /// The Notebooks list's keys; nil for what the other lists or the app handle. Tab goes Models →
    /// Services → Notebooks (while there is a session) → Models. With the Notebooks list focused, the
    /// Services keys act on the selected session: stop (after a yes), remove (after a yes), and Enter
    /// shows its endpoint (the URL with its token and the ssh -L line) under the list.
    mutating func updateNotebooks(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        let rows = notebookData?.sessions ?? []
        let visible = ModelsScreen.notebookRows(home.size)
        notebooks.clamp(count: rows.count, visible: visible)
        let selected = notebooks.selected < rows.count ? rows[notebooks.selected] : nil
        switch action {
        case .nextPane:
            if notebooksFocused {
                notebooksFocused = false
                servicesFocused = false
            } else if servicesFocused && !rows.isEmpty {
                servicesFocused = false
                notebooksFocused = true
            } else {
                return nil
            }
            return []
        case .previousPane:
            if notebooksFocused {
                notebooksFocused = false
                servicesFocused = true
            } else if !servicesFocused && !rows.isEmpty {
                notebooksFocused = true
            } else {
                return nil
            }
            return []
        default:
            break
        }
        guard notebooksFocused else { return nil }
        switch action {
        case .moveUp, .moveDown:
            notebooks.move(by: action == .moveUp ? -1 : 1, count: rows.count, visible: visible)
            return []
        case .stopService:
            guard let selected else { return [.notice(Notice(text: "no notebook session to stop", isError: true))] }
            guard selected.hasProcess else { return [.notice(Notice(text: "\(selected.id) is \(selected.state) already", isError: true))] }
            return [.ask(Question(text: "Stop \(selected.id) (\(selected.name))? Its kernels end with it.", onYes: .stopNotebook(selected.id)))]
        case .removeService:
            guard let selected else { return [.notice(Notice(text: "no notebook session to remove", isError: true))] }
            let running = selected.hasProcess ? " It is \(selected.state): it is stopped first." : ""
            return [.ask(Question(text: "Remove \(selected.id) (\(selected.name)) and its folder? The dataset stays.\(running)",
                                  onYes: .removeNotebook(selected.id)))]
        case .open:
            guard let selected else { return [] }
            return [.notebooks(.endpoint(selected.id))]
        default:
            return nil
        }
    }
}

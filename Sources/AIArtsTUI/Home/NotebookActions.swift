import AIArtsEngine
import AIArtsRender
import Foundation

/// What the UI asks the engine to do to notebook sessions; each runs on the background queue.
public struct NotebookActions: Sendable {
    public var stop: @Sendable (String) -> Notice
    public var remove: @Sendable (String) -> Notice
    /// The URL with its token and the ssh -L line, or why not.
    public var endpoint: @Sendable (String) -> Result<NotebookEndpointLines, NotebookFailure>
    /// The sessions as read now (after an action).
    public var load: @Sendable () -> NotebooksData

    public init(stop: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                remove: @escaping @Sendable (String) -> Notice = { _ in Notice(text: "no engine", isError: true) },
                endpoint: @escaping @Sendable (String) -> Result<NotebookEndpointLines, NotebookFailure> = { _ in .failure(NotebookFailure(text: "no engine")) },
                load: @escaping @Sendable () -> NotebooksData = { NotebooksData(sessions: []) }) {
        self.stop = stop; self.remove = remove; self.endpoint = endpoint; self.load = load
    }

    public static let none = NotebookActions()

    /// The engine's calls, as `aiarts code stop|rm --force|endpoint` make them.
    public static func engine(_ workspace: Workspace) -> NotebookActions {
        NotebookActions(
            stop: { id in
                do {
                    let s = try workspace.stopCodeSession(id)
                    return Notice(text: Sanitize.line("\(s.id) \(s.name) \(s.state.rawValue)"), isError: false)
                } catch {
                    return Notice(text: Sanitize.line("cannot stop \(id): \(AIArtsError.plain(error))"), isError: true)
                }
            },
            remove: { id in
                do {
                    try workspace.removeCodeSession(id, force: true)
                    return Notice(text: "\(id) removed", isError: false)
                } catch {
                    return Notice(text: Sanitize.line("cannot remove \(id): \(AIArtsError.plain(error))"), isError: true)
                }
            },
            endpoint: { id in
                do {
                    let e = try workspace.codeSessionEndpoint(id)
                    guard e.state == .ready else {
                        return .failure(NotebookFailure(text: "\(e.id) is \(e.state.rawValue): its URL answers only while it is ready"))
                    }
                    return .success(NotebookEndpointLines(id: e.id, url: e.url, ssh: e.ssh))
                } catch {
                    return .failure(NotebookFailure(text: "cannot read \(id)'s endpoint: \(AIArtsError.plain(error))"))
                }
            },
            load: { NotebooksData.load(from: workspace) })
    }
}

public struct NotebookFailure: Error, Equatable, Sendable {
    public var text: String
    public init(text: String) { self.text = Sanitize.line(text) }
}

/// What the Notebooks list asks for (HomeEffect.notebooks).
enum NotebookEffect: Equatable, Sendable {
    case stop(String), remove(String), endpoint(String)
}

/// What comes back from the background (HomeMessage.notebooks).
public enum NotebookMessage: Equatable, Sendable {
    /// A reading of the sessions (the watch, every 2 s while the Models screen is open).
    case loaded(NotebooksData)
    /// After a stop or remove: what happened, and the sessions as they are now.
    case changed(Notice, NotebooksData)
    case endpoint(Result<NotebookEndpointLines, NotebookFailure>)
}

extension HomeApp {
    func runNotebooks(_ effect: NotebookEffect) -> [Command<HomeMessage>] {
        let actions = notebookActions
        switch effect {
        case .stop(let id): return [.perform { .notebooks(.changed(actions.stop(id), actions.load())) }]
        case .remove(let id): return [.perform { .notebooks(.changed(actions.remove(id), actions.load())) }]
        case .endpoint(let id): return [.perform { .notebooks(.endpoint(actions.endpoint(id))) }]
        }
    }

    mutating func receiveNotebooks(_ message: NotebookMessage) -> [HomeEffect] {
        switch message {
        case .loaded(let data):
            keepNotebooks(data)
        case .changed(let notice, let data):
            state.notice = notice
            keepNotebooks(data)
        case .endpoint(.success(let lines)):
            state.modelsScreen?.endpoint = lines
            state.notice = Notice(text: "\(lines.id)'s URL and ssh -L line are under the Notebooks list", isError: false)
        case .endpoint(.failure(let failure)):
            state.notice = Notice(text: failure.text, isError: true)
        }
        return []
    }

    /// A reading kept (only while a Models screen is open), the cursor kept valid, and the focus
    /// given back when the list empties.
    private mutating func keepNotebooks(_ data: NotebooksData) {
        guard state.modelsScreen != nil else { return }
        state.modelsScreen?.notebookData = data
        let visible = ModelsScreen.notebookRows(state.size)
        state.modelsScreen?.notebooks.clamp(count: data.sessions.count, visible: visible)
        if data.sessions.isEmpty, state.modelsScreen?.notebooksFocused == true { state.modelsScreen?.notebooksFocused = false }
        if let shown = state.modelsScreen?.endpoint, !data.sessions.contains(where: { $0.id == shown.id && $0.state == "ready" }) {
            state.modelsScreen?.endpoint = nil
        }
    }
}

import AIArtsEngine
import Foundation
import Synchronization

/// PaddleX's asynchronous evaluate, export and predict: the POST starts the engine call on the
/// thread pool and answers at once; the GET reads how it stands. One job per task and kind at a
/// time; the last one's outcome is kept until the server stops (an evaluation's report is also
/// kept on disk by the engine, which GET /project/task/evaluate falls back to).
final class PaddleXJobs: Sendable {
    enum Kind: String, Sendable { case evaluate, export, predict, demo }

    enum State: Sendable, Equatable { case running, done, failed }

    struct Job: Sendable {
        var state: State
        var message: String
        /// What the route answers once done (JSON-ready values, wrapped as Sendable text).
        var result: JSONText?
    }

    /// A JSON value carried between threads as its encoded text.
    struct JSONText: Sendable {
        var data: Data
        init?(_ value: Any) {
            guard let data = try? JSONSerialization.data(withJSONObject: PaddleXRoutes.finite(value), options: [.fragmentsAllowed]) else { return nil }
            self.data = data
        }
        var value: Any? { try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }
    }

    static let shared = PaddleXJobs()
    private let jobs = Mutex<[String: Job]>([:])

    private static func key(_ workspace: Workspace, _ kind: Kind, _ task: String) -> String {
        "\(workspace.root.path)|\(kind.rawValue)|\(task)"
    }

    func job(_ kind: Kind, task: String, in workspace: Workspace) -> Job? {
        jobs.withLock { $0[Self.key(workspace, kind, task)] }
    }

    /// Starts `body` for `task` unless a job of this kind runs for it already (a 409).
    func start(_ kind: Kind, task: String, environment: ServerEnvironment, message: String,
               _ body: @escaping @Sendable (Workspace) throws -> (message: String, result: [String: Any])) throws {
        let key = Self.key(environment.workspace, kind, task)
        try jobs.withLock { table in
            if table[key]?.state == .running {
                throw APIError(.conflict, "a \(kind.rawValue) of \(task) is running already; poll GET /paddlex/project/task/\(kind.rawValue) until it ends")
            }
            table[key] = Job(state: .running, message: message, result: nil)
        }
        Task {
            let outcome: Job
            do {
                let (message, result) = try await environment.engine { workspace in
                    let answer = try body(workspace)
                    return (answer.message, JSONText(answer.result))
                }
                outcome = Job(state: .done, message: message, result: result)
            } catch {
                let refusal = APIError.from(error)
                outcome = Job(state: .failed, message: refusal.message, result: nil)
            }
            jobs.withLock { $0[key] = outcome }
        }
    }
}

import AIArtsEngine
import Foundation
import Synchronization

/// Keeps the workspace's server.json (`ServerState`) current: written when the server starts,
/// at most once a second while requests come (never while idle), removed when it stops.
extension ServerEnvironment {
    /// Called once the server listens.
    func started(url: String, tls: Bool) {
        let now = Date()
        state.withLock {
            $0 = ServerState(pid: getpid(), url: url, tls: tls, startedAt: now, requests: 0, updatedAt: now,
                             log: workspace.root.appendingPathComponent("logs/serve.log").path)
        }
        writeState()
    }

    /// Counts a request and schedules a write of the count, unless one is already due.
    func counted() {
        requests.add(1, ordering: .relaxed)
        guard !flushPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task {
            try? await Task.sleep(for: .seconds(1))
            flushPending.store(false, ordering: .releasing)
            writeState()
        }
    }

    func stopped() {
        workspace.clearServerState()
    }

    private func writeState() {
        let count = requests.load(ordering: .relaxed)
        let current: ServerState? = state.withLock { state in
            state?.requests = count
            state?.updatedAt = Date()
            return state
        }
        if let current { try? workspace.writeServerState(current) }
    }
}

import Foundation

/// What a running `aiarts serve` says about itself in `server.json` at the workspace root: `aiarts
/// system` and the UI read it, and a second `aiarts serve` on the same workspace is refused while it
/// is alive (docs/api.md, "Running the server").
public struct ServerState: Codable, Sendable, Equatable {
    public var pid: Int32
    /// `http://127.0.0.1:8765` or `https://…`: where clients reach it.
    public var url: String
    public var tls: Bool
    public var startedAt: Date
    public var requests: Int
    public var updatedAt: Date
    /// Where it logs (requests, failures; never tokens).
    public var log: String

    public init(pid: Int32, url: String, tls: Bool, startedAt: Date, requests: Int, updatedAt: Date, log: String) {
        self.pid = pid; self.url = url; self.tls = tls; self.startedAt = startedAt
        self.requests = requests; self.updatedAt = updatedAt; self.log = log
    }

    enum CodingKeys: String, CodingKey {
        case pid, url, tls, requests, log
        case startedAt = "started_at", updatedAt = "updated_at"
    }
}

extension Workspace {
    var serverStateFile: URL { root.appendingPathComponent("server.json") }

    /// The running server of this workspace, or nil when none runs (a file left by a killed server
    /// names a process that is gone, or one that is not an aiarts serve).
    public func serverState() -> ServerState? {
        guard let data = try? Data(contentsOf: serverStateFile) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let state = try? decoder.decode(ServerState.self, from: data), Self.isServer(pid: state.pid) else { return nil }
        return state
    }

    /// Writes the state file whole (a reader never sees half of it).
    public func writeServerState(_ state: ServerState) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(state).write(to: serverStateFile, options: .atomic)
    }

    /// Removes the state file if it is this process's.
    public func clearServerState(pid: Int32 = getpid()) {
        if let data = try? Data(contentsOf: serverStateFile), let text = String(data: data, encoding: .utf8),
           text.contains("\"pid\":\(pid),") {
            try? FileManager.default.removeItem(at: serverStateFile)
        }
    }

    /// True when `pid` is alive and is an aiarts serve (pids are reused).
    static func isServer(pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.contains("serve")
    }
}

import Foundation
import GRDB

/// A notebook session's life: `starting` (JupyterLab launched, not answering yet), `ready`
/// (`/api/status` answered with the token), `failed` (ended or could not start; `message` says why),
/// `stopped` (asked to stop).
public enum CodeSessionState: String, Codable, Sendable, CaseIterable {
    case starting, ready, failed, stopped

    /// Whether a process may still run for it.
    public var hasProcess: Bool { self == .starting || self == .ready }
}

/// What `createCodeSession` is asked for.
public struct CodeSessionSpec: Sendable, Equatable {
    /// Unique among the workspace's sessions: letters, digits, `-`, `_`, `.`; not shaped like an id.
    public var name: String
    /// A dataset id (D0001) or name, linked into the session's folder; nil: none.
    public var dataset: String?
    /// GPU indices the notebook's kernels may use (CUDA_VISIBLE_DEVICES); empty: CPU.
    public var gpus: [Int]
    /// 0: a free port on 127.0.0.1.
    public var port: Int
    public var description: String

    public init(name: String, dataset: String? = nil, gpus: [Int] = [], port: Int = 0, description: String = "") {
        self.name = name
        self.dataset = dataset
        self.gpus = gpus
        self.port = port
        self.description = description
    }
}

/// A JupyterLab session (docs/notebooks.md): its folder `codes/<id>/`, its process and its endpoint.
public struct CodeSession: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "codeSession"
    /// "C0001".
    public var id: String
    public var name: String
    /// The linked dataset's id; nil: none.
    public var datasetId: String?
    /// "0,1"; empty: CPU.
    public var gpus: String
    public var host: String
    public var port: Int
    /// Jupyter's token: 64 hex digits from the system's random source. Never listed; `endpoint` gives it.
    public var token: String
    public var description: String
    public var state: CodeSessionState
    /// The one-line reason of a failure, else a short note ("starting", "ready", "stopped").
    public var message: String
    public var pid: Int32?
    /// The process's start time in clock ticks since boot (its identity with the pid).
    public var startTime: Int64?
    public var stopRequested: Bool
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    /// The launched process, when there is one.
    public var identity: ProcessIdentity? {
        guard let pid, let startTime, startTime >= 0 else { return nil }
        return ProcessIdentity(pid: pid, startTime: UInt64(startTime))
    }

    /// http://127.0.0.1:PORT/lab, without the token.
    public var url: String { "http://\(host):\(port)/lab" }

    /// The URL that opens the session: with its token.
    public var endpointURL: String { "\(url)?token=\(token)" }

    public var gpuList: [Int] { gpus.split(separator: ",").compactMap { Int($0) } }
}

/// What `codeSessionEndpoint` answers: the URL with its token, and how to reach it from another machine.
public struct CodeSessionEndpoint: Sendable, Equatable, Encodable {
    public var id: String
    public var name: String
    public var state: CodeSessionState
    public var url: String
    public var token: String
    public var port: Int
    /// This machine's name (`hostname -f`).
    public var host: String
    /// `ssh -L PORT:127.0.0.1:PORT user@host`: run on your own machine, then open `url` there.
    public var ssh: String

    enum CodingKeys: String, CodingKey { case id, name, state, url, token, port, host, ssh }
}

/// The newest value of one series the session's notebooks logged (`aiarts_metrics.log`).
public struct CodeSessionMetric: Sendable, Equatable, Encodable {
    /// `train/loss`.
    public var name: String
    public var value: Double
    public var step: Int?
    /// How many points the series has.
    public var points: Int

    enum CodingKeys: String, CodingKey { case name, value, step, points }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        // JSON has no NaN or infinity: a diverged value is written as its text.
        if value.isFinite { try c.encode(value, forKey: .value) } else { try c.encode("\(value)", forKey: .value) }
        try c.encode(step, forKey: .step)
        try c.encode(points, forKey: .points)
    }
}

extension CodeSession {
    enum JSONKey: String, CodingKey {
        case id, name, dataset, gpus, host, port, url, description, state, message, pid
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at", folder
    }

    /// The session as `--json` and the AIArts dialect print it: snake_case keys, RFC 3339 times,
    /// null rather than absent; the token left out (the endpoint gives it).
    public struct JSON: Encodable, Sendable {
        public let session: CodeSession
        public let folder: String?
        public init(_ session: CodeSession, folder: String? = nil) { self.session = session; self.folder = folder }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            let s = session
            try c.encode(s.id, forKey: .id)
            try c.encode(s.name, forKey: .name)
            try c.encode(s.datasetId, forKey: .dataset)
            try c.encode(s.gpuList, forKey: .gpus)
            try c.encode(s.host, forKey: .host)
            try c.encode(s.port, forKey: .port)
            try c.encode(s.state == .ready ? s.url : nil, forKey: .url)
            try c.encode(s.description, forKey: .description)
            try c.encode(s.state, forKey: .state)
            try c.encode(s.message, forKey: .message)
            try c.encode(s.pid, forKey: .pid)
            try c.encode(s.createdAt, forKey: .createdAt)
            try c.encode(s.startedAt, forKey: .startedAt)
            try c.encode(s.finishedAt, forKey: .finishedAt)
            try c.encode(folder, forKey: .folder)
        }
    }
}

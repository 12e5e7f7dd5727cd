import AIArtsEngine
import Foundation
import Logging
import NIOPosix
import Synchronization

/// What every route shares: the workspace, the limits, the request count and the token cache.
public final class ServerEnvironment: Sendable {
    public let workspace: Workspace
    public let limits: ServerLimits
    public let logger: Logger
    /// Requests answered since the server started (`aiarts system`, the UI).
    public let requests = Atomic<Int>(0)
    let state = Mutex<ServerState?>(nil)
    let flushPending = Atomic<Bool>(false)
    let tokens = TokenCache()
    /// List answers kept for a moment; every request that may write starts a new generation.
    public let cache = ResponseCache()
    let logins = LoginThrottle()
    /// Where uploads are streamed before a route takes them (inside the workspace, so a rename moves them).
    public let uploadFolder: URL

    public init(workspace: Workspace, limits: ServerLimits = .init(), logger: Logger) throws {
        self.workspace = workspace
        self.limits = limits
        self.logger = logger
        uploadFolder = workspace.root.appendingPathComponent(".uploads")
        // An upload cut short by a killed server is never half-visible: the folder is the server's alone.
        try? FileManager.default.removeItem(at: uploadFolder)
        try FileManager.default.createDirectory(at: uploadFolder, withIntermediateDirectories: true)
    }

    /// Runs blocking engine work (SQLite, files) on NIO's thread pool, never on the tasks that
    /// serve connections: a slow import or a large list never holds up other requests.
    public func engine<T: Sendable>(_ body: @escaping @Sendable (Workspace) throws -> T) async throws -> T {
        let workspace = self.workspace
        return try await NIOThreadPool.singleton.runIfActive { try body(workspace) }
    }
}

/// Limits a server holds every request to (aiarts serve's options; docs/api.md, "Limits").
public struct ServerLimits: Sendable {
    /// JSON and form bodies a handler reads into memory.
    public var maxBodyBytes = 8 << 20
    /// A multipart upload, streamed to disk.
    public var maxUploadBytes: Int64 = 20 << 30
    /// Time to send the request head after connecting or after the last response.
    public var headerTimeout: TimeInterval = 10
    /// An open connection with no request is closed after this.
    public var idleTimeout: TimeInterval = 60
    public var maxConnections = 512

    public init() {}
}

/// Tokens recently checked, so that a burst of requests reads the database once per token every
/// few seconds (a revoked token stops working within `lifetime`).
final class TokenCache: Sendable {
    struct Entry { var principal: Principal?; var checkedAt: ContinuousClock.Instant; var markedUsed: Date? }
    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration = .seconds(2)

    func lookup(_ token: String, now: ContinuousClock.Instant = .now) -> Principal?? {
        entries.withLock { table in
            guard let entry = table[token], now - entry.checkedAt < lifetime else { return nil }
            return .some(entry.principal)
        }
    }

    /// Stores a result; returns true when the token's last use should be written (once a minute).
    func store(_ token: String, principal: Principal?, now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { table in
            if table.count > 10_000 { table.removeAll() }
            let previous = table[token]?.markedUsed
            let due = principal != nil && (previous.map { Date().timeIntervalSince($0) > 60 } ?? true)
            table[token] = Entry(principal: principal, checkedAt: now, markedUsed: due ? Date() : previous)
            return due
        }
    }
}

/// Failed logins per user name and per address: after 5 failures in 10 minutes, further tries
/// are refused for a minute, doubling with each lockout up to an hour (docs/api.md, "Logging in").
final class LoginThrottle: Sendable {
    struct Record { var failures: [Date] = []; var lockedUntil: Date?; var lockouts = 0 }
    private let records = Mutex<[String: Record]>([:])
    static let window: TimeInterval = 600, allowed = 5

    /// Seconds to wait before trying again, or nil when a try is allowed now.
    func retryAfter(keys: [String], now: Date = Date()) -> Int? {
        records.withLock { table in
            keys.compactMap { table[$0]?.lockedUntil }.filter { $0 > now }.max().map { Int($0.timeIntervalSince(now).rounded(.up)) }
        }
    }

    func failed(keys: [String], now: Date = Date()) {
        records.withLock { table in
            for key in keys {
                var record = table[key] ?? Record()
                record.failures = record.failures.filter { now.timeIntervalSince($0) < Self.window } + [now]
                if record.failures.count >= Self.allowed {
                    record.lockouts += 1
                    record.lockedUntil = now.addingTimeInterval(min(3600, 60 * pow(2, Double(record.lockouts - 1))))
                    record.failures = []
                }
                table[key] = record
            }
        }
    }

    func succeeded(keys: [String]) {
        records.withLock { table in for key in keys { table[key] = nil } }
    }
}

import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import NIOCore
import Synchronization

/// `GET /ai_arts/api/trainings/{id}/metrics`: a training's series, or with `?follow=1` a
/// Server-Sent Events stream of the points as they land and of its state, from one `MetricsFeed`
/// per task shared by every client that follows it (docs/api.md, "Live metrics").
enum AIArtsMetricsRoutes {
    static let code = AIArtsDetail.unknownTraining

    static func register(on group: RouterGroup<ServerContext>, environment: ServerEnvironment) {
        group.get("{id}/metrics") { request, context in
            _ = try context.require(.read)
            let id = try request.aiartsID(context, "T", code: code, what: "training")
            let params: [String: Any] = request.queryParameters
            let follow = try params.optionalBool("follow") ?? false
            let since = try params.optionalString("since").map { text -> Double in
                guard let value = Double(text), value.isFinite else { throw APIError.badRequest("since must be Unix seconds (a number)") }
                return value
            }
            let tags = try params.optionalString("tags").map { Set($0.split(separator: ",").map(String.init)) }
            let folder = environment.workspace.taskFolder(id).path
            if !follow {
                let (status, body) = try await environment.engine(notFound: code) { workspace -> (TaskStatusReport, [UInt8]) in
                    let status = try workspace.taskStatus(id)
                    let body = FileManager.default.fileExists(atPath: folder)
                        ? try FeedHub.shared.seriesJSON(folder, names: tags, since: since)
                        : Self.seriesJSON(MetricTable(), names: nil, since: nil)
                    return (status, body)
                }
                var out = Array(#"{"code":0,"msg":"success","data":{"id":"#.utf8)
                out += Array(try json(id))
                out += Array(#","state":"#.utf8) + Array(try json(status.state))
                out += body
                out += Array("}}".utf8)
                return JSONOut.response(data: Data(out))
            }
            // The task must exist before a stream is opened (a 404 in the AIArts shape otherwise).
            let first = try await environment.engine(notFound: code) { try $0.taskStatus(id) }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            let body = ResponseBody { writer in
                try await stream(id: id, folder: folder, first: first, names: tags, since: since, environment: environment, writer: &writer)
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static func json(_ text: String) throws -> Data { try encoder.encode(text) }

    /// `,"progress":{…},"series":[…]` of a table: the part of a metrics answer that its points make.
    static func seriesJSON(_ table: MetricTable, names: Set<String>?, since: Double?) -> [UInt8] {
        var out = Array(#","progress":"#.utf8) + Array((try? encoder.encode(table.progress.current)) ?? Data("{}".utf8))
        out += Array(#","series":"#.utf8)
        MetricSeriesJSON.write(MetricSeriesJSON.series(of: table, names: names, since: since), into: &out)
        return out
    }

    enum Event: Sendable {
        case delta(MetricsDelta)
        case state(TaskStatusReport)
        case tick(Int)
        /// The task was deleted while followed.
        case gone
        /// The server is stopping (SIGTERM): the stream ends so that shutdown is not held by it.
        case shutdown
    }

    /// Writes `state` and `snapshot` (everything so far), then `metrics` events with new points and
    /// `state` events when the state changes, and `end` once the task has ended; returns when the
    /// task ends or the client goes (a write fails). A task not started yet has no folder: the
    /// feed is attached once it appears.
    static func stream(id: String, folder: String, first: TaskStatusReport, names: Set<String>?, since: Double?,
                       environment: ServerEnvironment, writer: inout any ResponseBodyWriter) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        var feed: MetricsFeed?
        var subscription = 0
        defer {
            if let feed {
                feed.unsubscribe(subscription)
                FeedHub.shared.release(folder)
            }
        }
        func attach() throws -> MetricsDelta? {
            guard feed == nil, FileManager.default.fileExists(atPath: folder) else { return nil }
            let shared = try FeedHub.shared.acquire(folder)
            feed = shared
            let (sid, first) = shared.subscribe { continuation.yield(.delta($0)) }
            subscription = sid
            return first
        }
        // The state is read once a second (a database read); a comment line every 3 s finds a client that left (a write to a closed connection fails only on the second try, so it goes within about 6 s).
        let watcher = Task {
            var last = first.state
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                ticks += 1
                do {
                    let status = try await environment.engine { try $0.taskStatus(id) }
                    if status.state != last {
                        last = status.state
                        continuation.yield(.state(status))
                    }
                } catch {
                    if APIError.from(error).status == .notFound { continuation.yield(.gone) }
                }
                continuation.yield(.tick(ticks))
            }
        }
        defer { watcher.cancel(); continuation.finish() }

        try await writer.write(event("state", try encoder.encode(first)))
        let snapshot = try attach() ?? MetricsDelta(replacingWith: MetricTable())
        try await writer.write(event("snapshot", metricsData(id, snapshot, names: names, since: since)))
        if TaskStatus(rawValue: first.state)?.isEnded == true {
            try await writer.write(event("end", try encoder.encode(first)))
            return
        }
        // A stopping server ends every stream at once (`end` with state "server_stopping"): requests
        // in flight are let finish, and a follow would otherwise never finish.
        try await withGracefulShutdownHandler {
            try await follow(events, id: id, names: names, since: since, attach: attach, writer: &writer)
        } onGracefulShutdown: {
            continuation.yield(.shutdown)
        }
    }

    private static func follow(_ events: AsyncStream<Event>, id: String, names: Set<String>?, since: Double?,
                               attach: () throws -> MetricsDelta?, writer: inout any ResponseBodyWriter) async throws {
        for await item in events {
            switch item {
            case .delta(let delta):
                if delta.replace || MetricSeriesJSON.series(of: delta, names: names).contains(where: { $0.count > 0 }) {
                    try await writer.write(event(delta.replace ? "snapshot" : "metrics", metricsData(id, delta, names: names, since: nil)))
                }
            case .state(let status):
                if let appeared = try attach() {
                    try await writer.write(event("snapshot", metricsData(id, appeared, names: names, since: since)))
                }
                try await writer.write(event("state", try encoder.encode(status)))
                if TaskStatus(rawValue: status.state)?.isEnded == true {
                    // The trainer's last lines may land just after its process ends: a moment for the feed.
                    try? await Task.sleep(for: .milliseconds(300))
                    try await writer.write(event("end", try encoder.encode(status)))
                    return
                }
            case .gone:
                try await writer.write(event("end", Data(#"{"id":"\#(id)","state":"deleted"}"#.utf8)))
                return
            case .shutdown:
                try await writer.write(event("end", Data(#"{"id":"\#(id)","state":"server_stopping"}"#.utf8)))
                return
            case .tick(let n):
                if let appeared = try attach() {
                    try await writer.write(event("snapshot", metricsData(id, appeared, names: names, since: since)))
                }
                if n % 3 == 0 { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
            }
        }
    }

    static func metricsData(_ id: String, _ delta: MetricsDelta, names: Set<String>?, since: Double?) -> Data {
        var out = Array(#"{"id":"#.utf8) + Array((try? json(id)) ?? Data("\"\"".utf8))
        out += Array(#","replace":"#.utf8) + Array((delta.replace ? "true" : "false").utf8)
        out += Array(#","progress":"#.utf8) + Array((try? encoder.encode(delta.progress)) ?? Data("{}".utf8))
        out += Array(#","series":"#.utf8)
        MetricSeriesJSON.write(MetricSeriesJSON.series(of: delta, names: names, since: since), into: &out)
        out += Array("}".utf8)
        return Data(out)
    }

    static func event(_ name: String, _ data: Data) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(name)\ndata: ")
        buffer.writeBytes(data)  // compact JSON: no newline inside
        buffer.writeString("\n\n")
        return buffer
    }
}

/// One running `MetricsFeed` per task folder, shared by every client that follows it and by the
/// plain reads: a feed reads its files once and then only what is appended, so a task's 100,000
/// points are answered from memory. A feed nobody follows is kept for `idleLifetime` after its
/// last read, at most `maxIdle` of them (the least recently read go first).
final class FeedHub: Sendable {
    static let shared = FeedHub()
    static let idleLifetime: TimeInterval = 300
    static let maxIdle = 16

    struct Entry {
        var feed: MetricsFeed
        var users: Int
        var lastUsed: Date
        /// Counts the deltas the feed delivered: what was encoded at an older count is stale.
        var generation = 0
        /// The unfiltered `seriesJSON` of the feed's table at `generation`, for the next plain read.
        var cached: (generation: Int, bytes: [UInt8])?
    }
    private let feeds = Mutex<[String: Entry]>([:])

    /// A started feed for `folder`, counted as followed until `release`.
    func acquire(_ folder: String) throws -> MetricsFeed {
        try use(folder, follow: true)
    }

    func release(_ folder: String) {
        feeds.withLock { table in
            guard var entry = table[folder] else { return }
            entry.users -= 1
            entry.lastUsed = Date()
            table[folder] = entry
        }
        sweep()
    }

    /// The task's series as of now, from its feed (started, reading the files once, when there is none).
    func table(_ folder: String) throws -> MetricTable {
        let feed = try use(folder, follow: false)
        sweep()
        return feed.snapshot()
    }

    /// `AIArtsMetricsRoutes.seriesJSON` of the task's table; the unfiltered one is encoded once per
    /// change of the feed (a finished task's 100,000 points are encoded once, then copied).
    func seriesJSON(_ folder: String, names: Set<String>?, since: Double?) throws -> [UInt8] {
        let feed = try use(folder, follow: false)
        sweep()
        guard names == nil, since == nil else { return AIArtsMetricsRoutes.seriesJSON(feed.snapshot(), names: names, since: since) }
        let generation = feeds.withLock { $0[folder]?.generation ?? -1 }
        if let hit = feeds.withLock({ table -> [UInt8]? in
            guard let cached = table[folder]?.cached, cached.generation == generation else { return nil }
            return cached.bytes
        }) { return hit }
        let bytes = AIArtsMetricsRoutes.seriesJSON(feed.snapshot(), names: nil, since: nil)
        feeds.withLock { table in
            // Kept only when no delta came meanwhile (the bytes might predate it).
            if table[folder]?.generation == generation, generation >= 0 { table[folder]?.cached = (generation, bytes) }
        }
        return bytes
    }

    private func use(_ folder: String, follow: Bool) throws -> MetricsFeed {
        if let found = feeds.withLock({ table -> MetricsFeed? in
            guard var entry = table[folder] else { return nil }
            if follow { entry.users += 1 }
            entry.lastUsed = Date()
            table[folder] = entry
            return entry.feed
        }) { return found }
        // Started outside the lock: the first read of a large file takes a while.
        let feed = MetricsFeed(folder: folder)
        // Every delta makes what was encoded before stale.
        feed.subscribe { [weak self, weak feed] _ in
            guard let self, let feed else { return }
            self.feeds.withLock { table in
                guard table[folder]?.feed === feed else { return }
                table[folder]?.generation += 1
                table[folder]?.cached = nil
            }
        }
        do { try feed.start() } catch {
            throw APIError(.unprocessableContent, "cannot read the metrics of \(URL(fileURLWithPath: folder).lastPathComponent): \(error)")
        }
        let (kept, extra): (MetricsFeed, MetricsFeed?) = feeds.withLock { table in
            if var entry = table[folder] {
                if follow { entry.users += 1 }
                entry.lastUsed = Date()
                table[folder] = entry
                return (entry.feed, feed)
            }
            table[folder] = Entry(feed: feed, users: follow ? 1 : 0, lastUsed: Date())
            return (feed, nil)
        }
        extra?.stop()
        return kept
    }

    /// Stops the feeds nobody follows that were not read lately, and the oldest beyond `maxIdle`.
    private func sweep(now: Date = Date()) {
        let stopping: [MetricsFeed] = feeds.withLock { table in
            let idle = table.filter { $0.value.users <= 0 }.sorted { $0.value.lastUsed > $1.value.lastUsed }
            var out: [MetricsFeed] = []
            for (index, item) in idle.enumerated() where index >= Self.maxIdle || now.timeIntervalSince(item.value.lastUsed) > Self.idleLifetime {
                table[item.key] = nil
                out.append(item.value.feed)
            }
            return out
        }
        for feed in stopping { feed.stop() }
    }

    /// Folders with a feed now (tests).
    var folders: [String] { feeds.withLock { Array($0.keys) } }
}

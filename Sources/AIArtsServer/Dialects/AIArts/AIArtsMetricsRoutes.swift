import AIArtsEngine
import Foundation
import HTTPTypes
import Hummingbird
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
                let (status, table) = try await environment.engine(notFound: code) { workspace in
                    let status = try workspace.taskStatus(id)
                    let table = FileManager.default.fileExists(atPath: folder) ? try FeedHub.shared.table(folder) : MetricTable()
                    return (status, table)
                }
                var out = Array(#"{"code":0,"msg":"success","data":{"id":"#.utf8)
                out += Array(try json(id))
                out += Array(#","state":"#.utf8) + Array(try json(status.state))
                out += Array(#","progress":"#.utf8) + Array(try encoder.encode(table.progress.current))
                out += Array(#","series":"#.utf8)
                MetricSeriesJSON.write(MetricSeriesJSON.series(of: table, names: tags, since: since), into: &out)
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

    enum Event: Sendable {
        case delta(MetricsDelta)
        case state(TaskStatusReport)
        case tick(Int)
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
        // The state is read once a second (a database read); a comment line every 15 s finds a client that left.
        let watcher = Task {
            var last = first.state
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                ticks += 1
                if let status = try? await environment.engine({ try $0.taskStatus(id) }), status.state != last {
                    last = status.state
                    continuation.yield(.state(status))
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
            case .tick(let n):
                if let appeared = try attach() {
                    try await writer.write(event("snapshot", metricsData(id, appeared, names: names, since: since)))
                }
                if n % 15 == 0 { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
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

import AIArtsEngine
import AIArtsRender
import Foundation
import Synchronization

/// The workspace's inference services as the Models screen lists them (docs/inference.md): state,
/// requests/s, p50/p99 latency and GPU memory from each service's stats, all text sanitized.
public struct ServicesData: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var id: String
        /// "M0001:v2".
        public var model: String
        public var backend: String
        public var state: String
        /// The failure reason, or a short note ("loading", "ready").
        public var message: String
        public var url: String?
        public var requestsPerSecond: Double?
        public var p50Ms: Double?
        public var p99Ms: Double?
        public var gpuMemoryMiB: Int?

        public init(id: String, model: String, backend: String, state: String, message: String, url: String? = nil,
                    requestsPerSecond: Double? = nil, p50Ms: Double? = nil, p99Ms: Double? = nil, gpuMemoryMiB: Int? = nil) {
            self.id = Sanitize.line(id); self.model = Sanitize.line(model); self.backend = backend; self.state = state
            self.message = Sanitize.line(message); self.url = url.map(Sanitize.line)
            self.requestsPerSecond = requestsPerSecond; self.p50Ms = p50Ms; self.p99Ms = p99Ms; self.gpuMemoryMiB = gpuMemoryMiB
        }

        public var isReady: Bool { state == InferenceServiceState.ready.rawValue }
        public var hasProcess: Bool { InferenceServiceState(rawValue: state)?.hasProcess ?? false }
    }
    public var services: [Row]
    /// Why the services could not be read, when they could not.
    public var error: String?

    public init(services: [Row], error: String? = nil) { self.services = services; self.error = error.map(Sanitize.line) }

    /// Reads every service with its stats (background queue; the engine reconciles dead processes).
    public static func load(from workspace: Workspace) -> ServicesData {
        do {
            return ServicesData(services: try workspace.inferenceServices().map { s in
                let stats = (try? workspace.inferenceServiceStats(s.id)) ?? nil
                // Stats older than a few seconds describe traffic that stopped.
                let fresh = stats.map { Date().timeIntervalSince($0.updatedAt) < 15 } ?? false
                return Row(id: s.id, model: s.modelReference, backend: s.backend.rawValue, state: s.state.rawValue, message: s.message,
                           url: s.url?.absoluteString, requestsPerSecond: stats.map { fresh ? $0.requestsPerSecond : 0 },
                           p50Ms: stats?.p50Ms, p99Ms: stats?.p99Ms, gpuMemoryMiB: stats?.gpuMemoryMiB)
            })
        } catch {
            return ServicesData(services: [], error: "\(error)")
        }
    }

    /// Reads the services now and then every `interval` seconds on a utility queue, posting each
    /// reading that differs from the last; returns what stops it (at once, not after the wait).
    /// Nothing runs on the UI's loop.
    static func watch(interval: Double = 1, load: @escaping @Sendable () -> ServicesData,
                      post: @escaping @Sendable (HomeMessage) -> Void) -> @Sendable () -> Void {
        let stopped = Mutex(false)
        let wake = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .utility).async {
            var last: ServicesData?
            while !stopped.withLock({ $0 }) {
                let data = load()
                if data != last, !stopped.withLock({ $0 }) { post(.servicesLoaded(data)) }
                last = data
                _ = wake.wait(timeout: .now() + interval)
            }
        }
        return {
            stopped.withLock { $0 = true }
            wake.signal()
        }
    }

    /// The service a prediction from the dataset screen goes to: the one chosen in the Models
    /// screen while it is ready, else the only ready one; else why none can be used.
    public func serviceForPrediction(chosen: String?) -> Result<String, PredictionRefusal> {
        let ready = services.filter(\.isReady)
        if let chosen, ready.contains(where: { $0.id == chosen }) { return .success(chosen) }
        switch ready.count {
        case 1: return .success(ready[0].id)
        case 0: return .failure(PredictionRefusal(text: "no inference service is ready: serve a model from the Models screen (M, then s on a model)"))
        default:
            return .failure(PredictionRefusal(text: "\(ready.count) services are ready (\(ready.map(\.id).joined(separator: ", "))): "
                + "choose one in the Models screen (M, Tab to the services, Enter)"))
        }
    }
}

public struct PredictionRefusal: Error, Equatable, Sendable {
    public var text: String
}

/// The Models screen's Services table: one row per service.
struct ServicesTable: Widget {
    var state: HomeState
    var focused: Bool

    static func figure(_ value: Double?, digits: Int = 1) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(digits)f", value)
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let screen = state.modelsScreen ?? ModelsScreenState()
        let data = state.services
        let rows = data?.services ?? []
        let chosen = state.chosenService
        let block = theme.block("Services" + (chosen.map { " · predictions go to \($0)" } ?? ""), focused: focused, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        let empty = data == nil ? "loading…" : data?.error.map { "cannot read the services: \($0)" }
            ?? "no services: select a model above and press s to serve it"
        buffer.render(Table(header: ["ID", "MODEL", "BACKEND", "STATE", "REQ/S", "P50 MS", "P99 MS", "GPU MEM", "MESSAGE"],
                            rows: rows.map { r in
                                [r.id, r.model, r.backend, r.state, r.hasProcess ? Self.figure(r.requestsPerSecond) : "-",
                                 Self.figure(r.p50Ms), Self.figure(r.p99Ms), r.gpuMemoryMiB.map { "\($0) MiB" } ?? "-",
                                 r.state == "ready" ? (r.url ?? r.message) : r.message]
                            },
                            widths: [.fixed(5), .fixed(9), .fixed(11), .fixed(8), .fixed(7), .fixed(7), .fixed(7), .fixed(9), .fill(1)],
                            alignments: [.left, .left, .left, .left, .right, .right, .right, .right, .left],
                            selected: rows.isEmpty ? nil : screen.services.selected, offset: screen.services.offset,
                            headerStyle: theme.columnHeader, selectedStyle: theme.selection, emptyText: empty),
                      in: inner)
    }
}

/// What can be done to a service from the Models screen.
enum ServiceVerb: String, Equatable, Sendable {
    /// Serve the model whose id goes with it.
    case create
    case stop, remove
}

extension ModelsScreenState {
    /// The Services list's keys (and `s`, which serves the selected model); nil for what the models
    /// table or the app handles. Stop and remove ask first; Enter chooses the service that the
    /// dataset screen's predictions go to.
    mutating func updateServices(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        let rows = home.services?.services ?? []
        let visible = ModelsScreen.serviceRows(home.size)
        services.clamp(count: rows.count, visible: visible)
        let selected = services.selected < rows.count ? rows[services.selected] : nil
        switch action {
        case .nextPane, .previousPane:
            servicesFocused.toggle()
            return []
        case .moveUp where servicesFocused, .moveDown where servicesFocused:
            services.move(by: action == .moveUp ? -1 : 1, count: rows.count, visible: visible)
            return []
        case .serveModel:
            let models = data?.models ?? []
            guard cursor.selected < models.count else {
                return [.notice(Notice(text: "no model to serve: export a task (aiarts task export T0001) or upload one", isError: true))]
            }
            let id = models[cursor.selected].id
            return [.notice(Notice(text: "serving \(id)…", isError: false)), .service(.create, id)]
        case .stopService:
            guard let selected else { return [.notice(Notice(text: "no service to stop", isError: true))] }
            guard selected.hasProcess else { return [.notice(Notice(text: "\(selected.id) is \(selected.state) already", isError: true))] }
            return [.ask(Question(text: "Stop \(selected.id) (\(selected.model))?", onYes: .stopService(selected.id)))]
        case .removeService:
            guard let selected else { return [.notice(Notice(text: "no service to remove", isError: true))] }
            let running = selected.hasProcess ? " It is \(selected.state): it is stopped first." : ""
            return [.ask(Question(text: "Remove \(selected.id) and its folder?\(running)", onYes: .removeService(selected.id)))]
        case .open where servicesFocused:
            guard let selected else { return [] }
            return [.chooseService(selected.id)]
        default:
            return nil
        }
    }
}

extension HomeApp {
    /// A reading of the services: kept, the Services list's cursor kept valid, a chosen service that
    /// is gone forgotten.
    mutating func receiveServices(_ data: ServicesData) {
        state.services = data
        let visible = ModelsScreen.serviceRows(state.size)
        state.modelsScreen?.services.clamp(count: data.services.count, visible: visible)
        if let chosen = state.chosenService, data.error == nil, !data.services.contains(where: { $0.id == chosen }) { state.chosenService = nil }
    }
}

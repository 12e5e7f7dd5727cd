import AIArtsEngine
import AIArtsRender
import Foundation

/// The model registry as the Models screen shows it: each model with its versions (sanitized).
public struct ModelsData: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var id: String
        public var name: String
        public var kind: String
        public var type: String
        public var source: String
        public var size: Int64
        /// "v1 aiarts-train 18 KB acc1=0.9667" per version, newest last.
        public var versions: [String]

        public init(id: String, name: String, kind: String, type: String, source: String, size: Int64, versions: [String]) {
            self.id = id; self.name = Sanitize.line(name); self.kind = kind; self.type = type; self.source = Sanitize.line(source)
            self.size = size; self.versions = versions.map(Sanitize.line)
        }
    }
    public var models: [Row]

    public init(models: [Row]) { self.models = models }

    /// Reads every model with its versions (background queue).
    public static func load(from workspace: Workspace) -> HomeMessage {
        do {
            let rows = try workspace.models().map { summary -> Row in
                let m = summary.model
                let versions = (try? workspace.modelDetail(m.id).versions) ?? []
                return Row(id: m.id, name: m.name, kind: m.kind, type: m.type?.rawValue ?? "-",
                           source: m.sourceTaskId.map { "\($0)" + (m.sourceEpoch.map { " epoch \($0)" } ?? "") } ?? "uploaded",
                           size: summary.size,
                           versions: versions.map { v in
                               let eval = (v.evaluation ?? [:]).sorted { $0.key < $1.key }.prefix(3).map { "\($0.key)=\(String(format: "%.4g", $0.value))" }
                               return ([v.name, v.format, ByteCountFormatter.string(fromByteCount: v.size, countStyle: .file)] + eval).joined(separator: "  ")
                           })
            }
            return .modelsLoaded(ModelsData(models: rows))
        } catch {
            return .loadFailed("\(error)")
        }
    }
}

/// The Models screen's state: the registry as last read, and the selected model; the selected
/// service of the Services list, and whether that list has the focus (ServicesPane.swift).
struct ModelsScreenState: Equatable, Sendable {
    var data: ModelsData?
    var cursor = ListCursor()
    var services = ListCursor()
    var servicesFocused = false
    /// The Notebooks list (NotebooksPane.swift): its sessions as last read, its cursor, whether it has
    /// the focus, and the endpoint asked for (Enter).
    var notebookData: NotebooksData?
    var notebooks = ListCursor()
    var notebooksFocused = false
    var endpoint: NotebookEndpointLines?
    /// Models marked to compare (`compare_task`), in the order marked.
    var marked: [String] = []

    /// What an action does on the Models screen; nil for those it leaves to the app.
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        if let effects = updateNotebooks(action, in: home) { return effects }
        if let effects = updateServices(action, in: home) { return effects }
        let count = data?.models.count ?? 0, visible = ModelsScreen.visibleRows(home.size)
        switch action {
        case .moveUp: cursor.move(by: -1, count: count, visible: visible)
        case .moveDown: cursor.move(by: 1, count: count, visible: visible)
        case .compareTask, .compareModels: return markOrCompare(action)
        default: return nil
        }
        return []
    }
}

/// The Models screen: the registry's models, the inference services (ServicesPane.swift), and the
/// versions of the selected model.
struct ModelsScreen: Widget {
    var state: HomeState

    /// The models, the services, the notebook sessions and the versions, top to bottom.
    static func layout(_ area: Rect) -> [Rect] {
        area.split(.vertical, [.percentage(38), .percentage(24), .percentage(24), .fill(1)])
    }

    /// Rows of the models table at a terminal size, from the layout `render` uses.
    static func visibleRows(_ size: Size) -> Int {
        max(1, layout(Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 2)))[0].height - 3)
    }

    /// Rows of the services table at a terminal size.
    static func serviceRows(_ size: Size) -> Int {
        max(1, layout(Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 2)))[1].height - 3)
    }

    /// Rows of the notebooks table at a terminal size.
    static func notebookRows(_ size: Size) -> Int {
        max(1, layout(Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 2)))[2].height - 3)
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let parts = Self.layout(area)
        let notebooksFocused = state.modelsScreen?.notebooksFocused ?? false
        let servicesFocused = (state.modelsScreen?.servicesFocused ?? false) && !notebooksFocused
        let block = theme.block("Models", focused: !servicesFocused && !notebooksFocused, ascii: state.ascii)
        buffer.render(block, in: parts[0])
        let screen = state.modelsScreen ?? ModelsScreenState()
        let models = screen.data?.models ?? []
        buffer.render(Table(header: ["ID", "NAME", "KIND", "TYPE", "SOURCE", "VERSIONS", "SIZE"],
                            rows: models.map { [$0.id, (screen.marked.contains($0.id) ? (state.ascii ? "* " : "◆ ") : "") + $0.name, $0.kind, DatasetsPane.typeLabel($0.type), $0.source, String($0.versions.count),
                                                ByteCountFormatter.string(fromByteCount: $0.size, countStyle: .file)] },
                            widths: [.fixed(5), .fill(2), .fixed(9), .fixed(8), .fill(1), .fixed(8), .fixed(9)],
                            alignments: [.left, .left, .left, .left, .left, .right, .right],
                            selected: models.isEmpty ? nil : screen.cursor.selected, offset: screen.cursor.offset,
                            headerStyle: theme.columnHeader, selectedStyle: theme.selection,
                            emptyText: screen.data == nil ? "loading…" : "no models yet: aiarts task export T0001, or aiarts model upload PATH"),
                      in: block.inner(parts[0]))
        buffer.render(ServicesTable(state: state, focused: servicesFocused), in: parts[1])
        buffer.render(NotebooksTable(state: state, focused: notebooksFocused), in: parts[2])
        let selected = screen.cursor.selected < models.count ? models[screen.cursor.selected] : nil
        let versions = theme.block(selected.map { "\($0.id) versions" } ?? "Versions", focused: false, ascii: state.ascii)
        buffer.render(versions, in: parts[3])
        let inner = versions.inner(parts[3])
        for (i, line) in (selected?.versions ?? []).suffix(inner.height).enumerated() {
            buffer.set(x: inner.x, y: inner.y + i, string: line, maxWidth: inner.width)
        }
    }
}

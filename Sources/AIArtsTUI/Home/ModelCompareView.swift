import AIArtsEngine
import AIArtsRender
import Foundation

/// The Models screen's compare view (docs/ui.md): the models marked on the Models screen side by
/// side, as `aiarts model compare` prints them (`ModelCompareTable`). The comparison is read, and a
/// measurement run, on the background queue; the view only draws what came back.
public struct ModelCompareView: Equatable, Sendable {
    /// The models compared, as marked ("M0001"; each its newest version, one model alone: its versions).
    public var refs: [String]
    public var comparison: ModelComparison?
    /// Why the comparison could not be made, in one line.
    public var error: String?
    /// A measurement is running (`--measure`); the table shows the figures kept so far.
    public var measuring = false
    /// The first table row shown.
    public var offset = 0

    public init(refs: [String], comparison: ModelComparison? = nil, error: String? = nil, measuring: Bool = false) {
        self.refs = refs; self.comparison = comparison; self.error = error; self.measuring = measuring
    }

    /// Compares (and with `measure`, times first) the models (background queue).
    public static func load(_ refs: [String], measure: Bool, from workspace: Workspace) -> ModelCompareView {
        do {
            let parsed = try refs.map(ModelVersionRef.init(parsing:))
            return ModelCompareView(refs: refs, comparison: try workspace.compareModels(parsed, measure: measure))
        } catch {
            return ModelCompareView(refs: refs, error: Sanitize.line("\(AIArtsError.plain(error))"))
        }
    }

    /// Scrolls the table by `rows` (positive: down), kept inside it.
    public mutating func scroll(_ rows: Int, visible: Int) {
        let count = comparison?.rows.count ?? 0
        offset = max(0, min(offset + rows, max(0, count - visible)))
    }

    /// A newer answer for the same models replaces this one, keeping the scroll position.
    public mutating func take(_ answer: ModelCompareView) {
        guard answer.refs == refs else { return }
        let kept = offset
        self = answer
        offset = kept
    }
}

/// Draws a compare view: the table (best values marked ◆, `*` in ASCII), then its notes.
struct ModelCompareWidget: Widget {
    var view: ModelCompareView
    var theme: Theme
    var ascii: Bool

    func render(in area: Rect, buffer: inout Buffer) {
        let title = "Compare " + view.refs.joined(separator: " ") + (view.measuring ? "  measuring…" : "")
        let block = theme.block(title, focused: true, ascii: ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        guard inner.width > 0, inner.height > 0 else { return }
        if let error = view.error {
            buffer.set(x: inner.x, y: inner.y, string: DisplayWidth.truncate(error, to: inner.width), style: theme.error)
            return
        }
        guard let comparison = view.comparison else {
            buffer.set(x: inner.x, y: inner.y, string: "comparing…", style: theme.muted)
            return
        }
        let notes = ModelCompareTable.notes(comparison)
        let tableHeight = min(inner.height, comparison.rows.count + 1)
        var table = ModelCompareTable.table(comparison, mark: ascii ? "*" : "◆", headerStyle: theme.columnHeader)
        table.offset = view.offset
        buffer.render(table, in: Rect(x: inner.x, y: inner.y, width: inner.width, height: tableHeight))
        var y = inner.y + tableHeight + 1
        for note in notes where y < inner.maxY {
            buffer.set(x: inner.x, y: y, string: DisplayWidth.truncate(note, to: inner.width),
                       style: note.hasPrefix("!") ? theme.warning : theme.muted)
            y += 1
        }
    }
}

extension ModelCompareView {
    /// Rows of the table at a terminal size: the screen less the header, the footer, the border and
    /// the table's header line.
    static func visibleRows(_ size: Size) -> Int { max(1, size.height - 2 - 2 - 1) }

    /// What an action does in the compare view; nil for those it leaves to the app (back, help, quit).
    mutating func update(_ action: Action, in home: HomeState) -> [HomeEffect]? {
        let visible = Self.visibleRows(home.size)
        switch action {
        case .moveUp: scroll(-1, visible: visible)
        case .moveDown: scroll(1, visible: visible)
        case .measureModels:
            guard !measuring, comparison != nil else { return [] }
            measuring = true
            return [.notice(Notice(text: "timing \(refs.joined(separator: " ")) on the CPU…", isError: false)),
                    .compareModels(refs, measure: true)]
        case .compareModels: return [.compareModels(refs, measure: false)]
        default: return nil
        }
        return []
    }
}

extension ModelsScreenState {
    /// `compare_task` marks or unmarks the selected model; `compare_models` opens the compare view of
    /// the marked ones (none marked: the selected model's versions).
    mutating func markOrCompare(_ action: Action) -> [HomeEffect] {
        let models = data?.models ?? []
        guard cursor.selected < models.count else {
            return [.notice(Notice(text: "no model to compare: export a task (aiarts task export T0001) or upload one", isError: true))]
        }
        let id = models[cursor.selected].id
        if action == .compareTask {
            if let i = marked.firstIndex(of: id) { marked.remove(at: i) } else { marked.append(id) }
            return []
        }
        let refs = marked.filter { m in models.contains { $0.id == m } }
        let compared = refs.isEmpty ? [id] : refs
        return [.push(.modelCompare(ModelCompareView(refs: compared))), .compareModels(compared, measure: false)]
    }
}

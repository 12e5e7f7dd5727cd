import AIArtsRender

/// The list of datasets, one row each.
struct DatasetsPane: Widget {
    var state: HomeState

    static func typeLabel(_ type: String) -> String {
        switch type {
        case "classification": "classify"
        case "detection": "detect"
        case "segmentation": "segment"
        case "instance_segmentation": "instance"
        default: type
        }
    }

    /// " /text" after a list's title while it is filtered (with a cursor while typed).
    static func filterTitle(_ state: HomeState, _ pane: HomePane) -> String {
        guard let f = state.home.filters[pane] else { return "" }
        let typing = state.home.filterTyping && state.home.focus == pane
        return typing || !f.isEmpty ? " /" + f + (typing ? (state.ascii ? "_" : "▏") : "") : ""
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let focused = state.home.focus == .datasets
        let theme = state.theme
        let block = theme.block("Datasets" + Self.filterTitle(state, .datasets), focused: focused, ascii: state.ascii)
        buffer.render(block, in: area)
        let rows = state.visibleDatasets
        let table = Table(
            header: ["ID", "NAME", "TYPE", "STATUS", "IMAGES", "LABELS"],
            rows: rows.map { [$0.id, $0.name, Self.typeLabel($0.type), $0.status, String($0.images), String($0.labels.count)] },
            widths: [.fixed(5), .fill(1), .fixed(8), .fixed(8), .fixed(6), .fixed(6)],
            alignments: [.left, .left, .left, .left, .right, .right],
            selected: rows.isEmpty ? nil : state.home.datasets.selected, offset: state.home.datasets.offset,
            headerStyle: theme.columnHeader,
            // An unfocused pane still marks its selection, more quietly.
            selectedStyle: focused ? theme.selection : theme.quietSelection,
            emptyText: state.data == nil ? "loading…" : state.home.filters[.datasets]?.isEmpty == false ? "no dataset matches"
                : "no datasets yet: aiarts dataset create / aiarts demo")
        buffer.render(table, in: block.inner(area))
    }
}

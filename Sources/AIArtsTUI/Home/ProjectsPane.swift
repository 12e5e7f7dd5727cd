import AIArtsRender

/// The list of projects and the dataset each trains on.
struct ProjectsPane: Widget {
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        let focused = state.focus == .projects
        let theme = state.theme
        let block = theme.block("Projects", focused: focused, ascii: state.ascii)
        buffer.render(block, in: area)
        let rows = state.data?.projects ?? []
        let table = Table(
            header: ["ID", "NAME", "TYPE", "DATASET"],
            rows: rows.map { [$0.id, $0.name, DatasetsPane.typeLabel($0.type), $0.datasetId] },
            widths: [.fixed(5), .fill(1), .fixed(8), .fixed(7)],
            selected: rows.isEmpty ? nil : state.projects.selected, offset: state.projects.offset,
            headerStyle: theme.columnHeader,
            selectedStyle: focused ? theme.selection : theme.quietSelection,
            emptyText: state.data == nil ? "" : "no projects yet")
        buffer.render(table, in: block.inner(area))
    }
}

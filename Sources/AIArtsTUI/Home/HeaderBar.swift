import AIArtsRender

/// Top line: the workspace path on the left, record counts on the right.
struct HeaderBar: Widget {
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        buffer.fill(area, state.theme.headerBar)
        guard let data = state.data else {
            buffer.set(x: area.x, y: area.y, string: " aiarts  loading…", style: state.theme.headerBar, maxWidth: area.width)
            return
        }
        let dot = state.ascii ? "," : " ·"
        let counts = "\(data.datasets.count) datasets\(dot) \(data.projects.count) projects\(dot) \(data.taskCount) tasks\(dot) \(data.modelCount) models "
        let countsWidth = DisplayWidth.of(counts)
        let used = buffer.set(x: area.x, y: area.y, string: " aiarts ", style: state.theme.headerBar.with(.bold))
        // The path gives way to the counts when space is short; it is cut with … rather than wrapped.
        let pathRoom = area.width - used - countsWidth - 1
        let fits = pathRoom >= 8
        let pathWidth = fits ? pathRoom : area.width - used
        buffer.set(x: area.x + used, y: area.y, string: DisplayWidth.truncate(Sanitize.line(data.path), to: pathWidth),
                   style: state.theme.headerBar, maxWidth: pathWidth)
        if fits {
            buffer.set(x: area.maxX - countsWidth, y: area.y, string: counts, style: state.theme.headerBar)
        }
    }
}

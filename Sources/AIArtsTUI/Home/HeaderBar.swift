import AIArtsRender

/// Top line: the workspace path on the left, record counts on the right, and the workspace's
/// server (`aiarts serve`) with its requests so far, when one runs.
struct HeaderBar: Widget {
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        buffer.fill(area, state.theme.headerBar)
        guard let data = state.data else {
            buffer.set(x: area.x, y: area.y, string: " aiarts  loading…", style: state.theme.headerBar, maxWidth: area.width)
            return
        }
        let dot = state.ascii ? "," : " ·"
        var counts = "\(data.datasets.count) datasets\(dot) \(data.projects.count) projects\(dot) \(data.taskCount) tasks\(dot) \(data.modelCount) models "
        if let server = data.server {
            let address = server.url.split(separator: "/").last.map(String.init) ?? server.url
            counts += "\(state.ascii ? "|" : "│") serving \(Sanitize.line(address)), \(server.requests) req "
        }
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

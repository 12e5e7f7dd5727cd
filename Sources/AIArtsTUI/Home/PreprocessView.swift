import AIArtsEngine
import AIArtsRender

/// The preprocessing form as drawn over the dataset screen: the op list field with its parse error
/// under it, the parsed ops (numbered, the selected one marked), where the results go, the job's
/// progress, and below them the selected image before and after the ops, boxes drawn on both.
struct PreprocessView: Widget {
    var form: PreprocessState
    var state: HomeState

    /// Rows of the form above the images: title border, field, error, up to 6 ops, mode, name, job, hints, border.
    static func layout(_ area: Rect, ops: Int) -> (form: Rect, before: Rect, after: Rect) {
        let formHeight = min(area.height, 9 + min(6, max(1, ops)))
        let rows = area.split(.vertical, [.fixed(formHeight), .fill(1)])
        let halves = rows[1].split(.horizontal, [.percentage(50), .fill(1)])
        return (rows[0], halves[0], halves[1])
    }

    /// The pixel size each half's image is shrunk to.
    static func previewPixels(_ home: HomeState, ops: Int) -> Size {
        let body = Rect(x: 0, y: 1, width: home.size.width, height: max(0, home.size.height - 2))
        return home.imagePixels(layout(body, ops: ops).before.inset(by: 1))
    }

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme, ascii = state.ascii
        let ops = form.ops
        let parts = Self.layout(area, ops: ops.count)
        buffer.fill(parts.form, .plain)
        let block = theme.block("Preprocess \(form.datasetID) \(form.datasetName)", focused: true, ascii: ascii)
        buffer.render(block, in: parts.form)
        let inner = block.inner(parts.form)
        var y = inner.y
        func line(_ label: String, _ text: String, focused: Bool, style: Style = .plain) {
            guard y < inner.maxY else { return }
            buffer.set(x: inner.x + 1, y: y, string: label, style: theme.columnHeader, maxWidth: 8)
            buffer.set(x: inner.x + 10, y: y, string: text, style: focused ? theme.selection : style, maxWidth: max(0, inner.maxX - inner.x - 10))
            y += 1
        }
        let cursor = ascii ? "_" : "▏"
        let placeholder = form.text.isEmpty ? "  (e.g. flip_v, brightness=0.4, median=5)" : ""
        line("ops", form.text + (form.focus == .ops ? cursor : "") + placeholder, focused: form.focus == .ops)
        // The parse error, one line under the field; else how many ops and the sizes before and after.
        if y < inner.maxY {
            if let error = form.error {
                buffer.set(x: inner.x + 10, y: y, string: (ascii ? "x " : "✗ ") + error, style: theme.error, maxWidth: max(0, inner.maxX - inner.x - 10))
            } else if let preview = form.preview, let before = preview.before {
                let after = preview.after.map { " → \($0.width)×\($0.height)" } ?? ""
                let dropped = preview.dropped > 0 ? " · \(preview.dropped) box\(preview.dropped == 1 ? "" : "es") left the image" : ""
                buffer.set(x: inner.x + 10, y: y, string: "\(before.width)×\(before.height)\(after)\(dropped)", style: theme.muted, maxWidth: max(0, inner.maxX - inner.x - 10))
            }
            y += 1
        }
        // The parsed list: at most six rows, scrolled to keep the selected op in view.
        let shown = min(6, max(1, ops.count))
        let offset = max(0, min(form.selected - shown + 1, ops.count - shown))
        if ops.isEmpty {
            line("list", "no ops yet", focused: false, style: theme.muted)
        }
        for (row, i) in (offset..<ops.count).enumerated() where row < shown {
            let mark = i == form.selected && form.focus == .list ? (ascii ? "> " : "▸ ") : "  "
            line(row == 0 ? "list" : "", "\(mark)\(i + 1). \(ops[i])", focused: i == form.selected && form.focus == .list)
        }
        let modeText = form.mode == .into ? "‹ into a new dataset ›" : "‹ add copies to \(form.datasetID) ›"
        line("to", ascii ? modeText.replacingOccurrences(of: "‹", with: "<").replacingOccurrences(of: "›", with: ">") : modeText, focused: form.focus == .mode)
        line("name", form.mode == .into ? form.name + (form.focus == .name ? cursor : "") : "(not used: the copies go into \(form.datasetID))",
             focused: form.focus == .name, style: form.mode == .into ? .plain : theme.muted)
        switch form.job {
        case .running(let done, let total, let cancelling)?:
            let text = cancelling ? "cancelling…" : total > 0 ? "running: \(done)/\(total) images" : "starting…"
            if y < inner.maxY {
                buffer.set(x: inner.x + 1, y: y, string: "job", style: theme.columnHeader, maxWidth: 8)
                let gaugeWidth = min(30, max(0, inner.maxX - inner.x - 12 - text.count - 1))
                if total > 0, gaugeWidth > 4 {
                    buffer.render(Gauge(ratio: Double(done) / Double(total), ascii: ascii), in: Rect(x: inner.x + 10, y: y, width: gaugeWidth, height: 1))
                    buffer.set(x: inner.x + 11 + gaugeWidth, y: y, string: text, style: .plain, maxWidth: max(0, inner.maxX - inner.x - 11 - gaugeWidth))
                } else {
                    buffer.set(x: inner.x + 10, y: y, string: text, style: .plain, maxWidth: max(0, inner.maxX - inner.x - 10))
                }
                y += 1
            }
        case .finished(let text)?: line("job", text, focused: false)
        case .failed(let text)?: line("job", text, focused: false, style: theme.error)
        case nil: line("job", "not started", focused: false, style: theme.muted)
        }
        let hints = form.isRunning ? "Esc or c cancel the job (nothing is kept)"
            : form.focus == .list ? "↑↓ op  - remove  [ ] move  Tab field  Enter run  Esc close"
            : "Tab field  ←→ choose  Enter run  Esc close"
        if inner.height > 0 {
            buffer.set(x: inner.x + 1, y: inner.maxY - 1, string: ascii ? hints.replacingOccurrences(of: "↑↓", with: "up/down").replacingOccurrences(of: "←→", with: "left/right") : hints,
                       style: theme.muted, maxWidth: inner.width - 1)
        }
        drawImage(form.preview?.original, boxes: form.preview?.originalBoxes ?? [], title: "before", in: parts.before, buffer: &buffer)
        // While the list does not parse, no stale result is shown as if it were this list's.
        drawImage(form.error == nil ? form.preview?.processed : nil, boxes: form.preview?.processedBoxes ?? [],
                  title: "after: " + (ops.isEmpty ? "no ops" : ops.joined(separator: ", ")), in: parts.after, buffer: &buffer)
    }

    private func drawImage(_ image: PixelImage?, boxes: [PreviewBox], title: String, in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        buffer.fill(area, .plain)
        let block = theme.block(title, focused: false, ascii: state.ascii)
        buffer.render(block, in: area)
        let inner = block.inner(area)
        guard inner.width > 0, inner.height > 0 else { return }
        guard form.sample != nil else {
            buffer.set(x: inner.x, y: inner.y, string: "no image selected on the dataset screen", style: theme.muted, maxWidth: inner.width)
            return
        }
        guard let image else {
            let text = form.error != nil ? "fix the op list to see it" : form.preview?.error.map { (state.ascii ? "x " : "✗ ") + $0 } ?? "decoding…"
            buffer.set(x: inner.x, y: inner.y, string: text, style: form.preview?.error != nil ? theme.error : theme.muted, maxWidth: inner.width)
            return
        }
        let colors: [Color] = [.yellow, .cyan, .magenta, .green, .red, .blue]
        let drawn = boxes.map { b in
            ImageBox(x: b.x, y: b.y, width: b.width, height: b.height,
                     label: form.labels.indices.contains(b.label) ? form.labels[b.label] : "?", color: colors[abs(b.label) % colors.count])
        }
        buffer.render(ImageView(image: image, boxes: drawn, mode: state.imageMode), in: inner)
    }
}

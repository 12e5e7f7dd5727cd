import AIArtsRender

/// Where each part of the Home view goes at a given size. Shared by the view and by `update`
/// (which needs the list heights to scroll by pages).
struct HomeLayout {
    static let minimum = Size(width: 50, height: 12)
    /// Below this width the detail pane goes under the datasets instead of beside them.
    static let sideBySideWidth = 72

    var header, datasets, detail, tasks, curves, predictions, gpus, footer: Rect

    init(size: Size) {
        let rows = size.rect.split(.vertical, [.fixed(1), .fill(1), .fixed(1)])
        header = rows[0]; footer = rows[2]
        if size.width >= Self.sideBySideWidth {
            let columns = rows[1].split(.horizontal, [.percentage(60), .fill(1)])
            let left = columns[0].split(.vertical, [.percentage(40), .fill(1), .percentage(25)])
            let right = columns[1].split(.vertical, [.percentage(35), .fill(1), .percentage(30)])
            datasets = left[0]; tasks = left[1]; gpus = left[2]; detail = right[0]; curves = right[1]; predictions = right[2]
        } else {
            let stack = rows[1].split(.vertical, [.fill(2), .fill(2), .fill(1), .fill(2), .fill(1), .fill(1)])
            datasets = stack[0]; detail = stack[1]; tasks = stack[2]; curves = stack[3]; predictions = stack[4]; gpus = stack[5]
        }
    }

    /// The Predictions pane's image area in pixels.
    static func predictionPixels(_ state: HomeState) -> Size {
        let area = HomeLayout(size: state.size).predictions.inset(by: 1)
        return state.imagePixels(Rect(x: area.x, y: area.y, width: area.width, height: max(1, area.height - 2)))
    }
}

/// Draws the Home view: a pure function of state and size.
enum HomeView {
    static func render(_ state: HomeState, size: Size) -> Buffer {
        var buffer = Buffer(size: size)
        guard size.width >= HomeLayout.minimum.width, size.height >= HomeLayout.minimum.height else {
            let quit = state.keymap.keys(for: .quit, in: .home).first.map { KeyNotation.label($0, ascii: state.ascii) }
            TooSmall(size: size, minimum: HomeLayout.minimum, quitKey: quit ?? "^C", theme: state.theme)
                .render(in: buffer.area, buffer: &buffer)
            return state.theme.underlay(buffer)
        }
        let layout = HomeLayout(size: size)
        buffer.render(HeaderBar(state: state), in: layout.header)
        // The screen on top, or Home's panes.
        let body = Rect(x: 0, y: layout.header.maxY, width: size.width, height: layout.footer.y - layout.header.maxY)
        switch state.top {
        case .review?: buffer.render(ReviewScreen(state: state), in: body)
        case .models?: buffer.render(ModelsScreen(state: state), in: body)
        case .modelCompare(let view)?: buffer.render(ModelCompareWidget(view: view, theme: state.theme, ascii: state.ascii), in: body)
        case .gpu?: buffer.render(GPUScreen(state: state), in: body)
        case .task?: buffer.render(TaskScreen(state: state), in: body)
        case .dataset?: buffer.render(DatasetScreen(state: state), in: body)
        case .preprocess(let form)?: buffer.render(PreprocessView(form: form, state: state), in: body)
        case nil:
            let focus = state.home.focus
            buffer.render(DatasetsPane(state: state), in: layout.datasets)
            buffer.render(DetailPane(state: state), in: layout.detail)
            buffer.render(TasksPane(state: state), in: layout.tasks)
            buffer.render(CurvesPane(state: state, focused: focus == .curves), in: layout.curves)
            buffer.render(GPUPane(state: state, focused: focus == .gpu), in: layout.gpus)
            buffer.render(PredictionsPane(state: state), in: layout.predictions)
        }
        buffer.render(FooterBar(state: state), in: layout.footer)
        if state.showHelp {
            buffer.render(HelpOverlay(state: state), in: buffer.area)
        }
        if let form = state.taskForm {
            buffer.render(TaskFormBox(form: form, state: state), in: buffer.area)
        }
        if let form = state.fieldForm {
            buffer.render(FieldFormBox(form: form, state: state), in: buffer.area)
        }
        if let question = state.question {
            buffer.render(QuestionBox(text: question.text, state: state), in: buffer.area)
        }
        return state.theme.underlay(buffer)
    }
}

/// Said instead of a broken layout when the terminal is smaller than the view can use.
struct TooSmall: Widget {
    var size: Size
    var minimum: Size
    var quitKey: String
    var theme: Theme

    func render(in area: Rect, buffer: inout Buffer) {
        let lines = ["Terminal too small", "\(size.width)×\(size.height), need \(minimum.width)×\(minimum.height)", "\(quitKey) quits"]
        let top = area.y + max(0, (area.height - lines.count) / 2)
        for (i, line) in lines.enumerated() where top + i < area.maxY {
            let text = DisplayWidth.truncate(line, to: area.width)
            let x = area.x + max(0, (area.width - DisplayWidth.of(text)) / 2)
            buffer.set(x: x, y: top + i, string: text, style: i == 0 ? theme.warning : .plain)
        }
    }
}

/// A yes/no question in a box in the middle of the screen, with the keys that answer it.
struct QuestionBox: Widget {
    var text: String
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        let keys = { (action: Action) in
            state.keymap.keys(for: action, in: .confirm).first.map { KeyNotation.label($0, ascii: state.ascii) } ?? "?"
        }
        let hint = "\(keys(.confirm)) yes   \(keys(.cancel)) no"
        let width = min(area.width - 2, max(DisplayWidth.of(text), DisplayWidth.of(hint)) + 4)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + max(0, (area.height - 4) / 2), width: width, height: 4)
        buffer.fill(box, .plain)
        let block = state.theme.block("Confirm", focused: true, ascii: state.ascii)
        buffer.render(block, in: box)
        let inner = block.inner(box)
        buffer.set(x: inner.x + 1, y: inner.y, string: DisplayWidth.truncate(text, to: inner.width - 1), maxWidth: inner.width - 1)
        buffer.set(x: inner.x + 1, y: inner.y + 1, string: hint, style: state.theme.key, maxWidth: inner.width - 1)
    }
}

import AIArtsEngine
import AIArtsRender

/// The form that creates a task: project, trainer, name and parameters (pre-filled with the
/// trainer's defaults for the project's dataset type, editable as `key=value` words).
public struct TaskForm: Equatable, Sendable {
    public enum Field: Int, CaseIterable, Sendable { case project, trainer, name, params }

    public var projects: [ProjectRow]
    public var project = 0
    public var trainer = TaskTrainer.aiartsTrain
    public var name = ""
    public var params = ""
    public var field = Field.project
    /// Whether anything was typed (leaving then asks first).
    public var edited = false
    /// Why the engine refused the last Enter; shown in the form until the next one.
    public var refusal: String?

    /// The field a refusal is about: a parameter it names, else the project or the name it
    /// mentions; nil when it says nothing about one.
    func field(refusedBy message: String) -> Field? {
        let words = Set(message.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.map(String.init))
        if parsedParams.keys.contains(where: words.contains) || words.contains("parameter") || words.contains("parameters") { return .params }
        if words.contains("project") || words.contains("dataset") { return .project }
        if words.contains("name") { return .name }
        return nil
    }

    public init(projects: [ProjectRow]) {
        self.projects = projects
        params = Self.defaults(trainer: trainer, project: projects.first)
    }

    static let trainers: [TaskTrainer] = [.aiartsTrain, .torch, .command]

    /// The trainer's defaults for the project's type as `key=value` words, sorted.
    static func defaults(trainer: TaskTrainer, project: ProjectRow?) -> String {
        let type = project.flatMap { DatasetType(rawValue: $0.type) }
        var values = TaskParams.defaults(for: trainer, type: type)
        if trainer == .command { values["command"] = "python3 train.py --epochs 10" }
        return values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// The parameters typed, `key=value` words (a value may not hold spaces here; the CLI takes any).
    var parsedParams: [String: String] {
        var out: [String: String] = [:]
        // A command's value runs to the end: it has spaces of its own.
        var text = Substring(params)
        if let range = params.range(of: "command=") {
            out["command"] = String(params[range.upperBound...]).trimmingCharacters(in: .whitespaces)
            text = params[..<range.lowerBound]
        }
        for word in text.split(separator: " ") {
            guard let eq = word.firstIndex(of: "=") else { continue }
            out[String(word[..<eq])] = String(word[word.index(after: eq)...])
        }
        return out
    }

    /// Takes a key; returns true when the form is to be submitted.
    mutating func type(_ key: Key) -> Bool {
        switch key {
        case .tab, .down: field = Field(rawValue: (field.rawValue + 1) % Field.allCases.count)!
        case .backtab, .up: field = Field(rawValue: (field.rawValue + Field.allCases.count - 1) % Field.allCases.count)!
        case .left, .right:
            let step = key == .right ? 1 : -1
            switch field {
            case .project where !projects.isEmpty:
                project = (project + step + projects.count) % projects.count
                if !edited { params = Self.defaults(trainer: trainer, project: projects[project]) }
            case .trainer:
                let i = Self.trainers.firstIndex(of: trainer)!
                trainer = Self.trainers[(i + step + Self.trainers.count) % Self.trainers.count]
                params = Self.defaults(trainer: trainer, project: projects.indices.contains(project) ? projects[project] : nil)
            default: break
            }
        case .char(let c):
            edited = true
            if field == .name { name.append(c) } else if field == .params { params.append(c) }
        case .backspace:
            edited = true
            if field == .name, !name.isEmpty { name.removeLast() }
            if field == .params, !params.isEmpty { params.removeLast() }
        case .enter: return true
        default: break
        }
        return false
    }
}

/// The task form in a box over the screen.
struct TaskFormBox: Widget {
    var form: TaskForm
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let width = min(area.width - 2, 90)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + max(0, (area.height - 12) / 2), width: width, height: min(area.height, 12))
        buffer.fill(box, .plain)
        let block = theme.block("New task", focused: true, ascii: state.ascii)
        buffer.render(block, in: box)
        let inner = block.inner(box)
        let project = form.projects.indices.contains(form.project) ? form.projects[form.project] : nil
        let cursor = state.ascii ? "_" : "▏"
        let rows: [(TaskForm.Field, String, String)] = [
            (.project, "project", project.map { "‹ \($0.id) \($0.name) (\($0.type), dataset \($0.datasetId)) ›" } ?? "no project: create one with aiarts project create"),
            (.trainer, "trainer", "‹ \(form.trainer == .aiartsTrain ? "builtin (aiarts-train)" : form.trainer.rawValue) ›"),
            (.name, "name", form.name + (form.field == .name ? cursor : "")),
            (.params, "params", form.params + (form.field == .params ? cursor : "")),
        ]
        var y = inner.y
        for (field, label, value) in rows where y < inner.maxY {
            let refused = form.refusal != nil && field == form.field
            let style = refused ? theme.error : field == form.field ? theme.selection : Style.plain
            buffer.set(x: inner.x + 1, y: y, string: label.padding(toLength: 9, withPad: " ", startingAt: 0), style: theme.columnHeader)
            let lines = field == .params ? Paragraph.layout(value, width: max(1, inner.width - 11)) : [DisplayWidth.truncate(value, to: max(1, inner.width - 11))]
            for line in lines.prefix(max(1, inner.maxY - y - 2)) {
                buffer.set(x: inner.x + 11, y: y, string: line, style: style, maxWidth: inner.width - 11)
                y += 1
            }
        }
        if let refusal = form.refusal, y < inner.maxY - 1 {
            buffer.set(x: inner.x + 1, y: inner.maxY - 2, string: "refused: " + refusal, style: theme.error, maxWidth: inner.width - 1)
        }
        let hint = "Tab/↑↓ field  ←→ choose  Enter create  Esc cancel"
        buffer.set(x: inner.x + 1, y: inner.maxY - 1, string: state.ascii ? hint.replacingOccurrences(of: "↑↓", with: "up/down").replacingOccurrences(of: "←→", with: "left/right") : hint,
                   style: theme.muted, maxWidth: inner.width - 1)
    }
}

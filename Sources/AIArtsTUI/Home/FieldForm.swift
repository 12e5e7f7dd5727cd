import AIArtsEngine
import AIArtsRender

/// A small form of text fields and choices: the new-dataset form (name, type, and optionally a path
/// and format to import), the new-project form (name, type, dataset), and a task's parameters before
/// it starts. Submitting the first two turns them into the words of the `:` command line's `dataset` /
/// `project` commands, so both go through one place; the third sets the parameters that changed.
public struct FieldForm: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case dataset, project, params(taskID: String)
        /// On a dataset's screen: import into it, split it, export it.
        case importData(datasetID: String), splitData(datasetID: String), exportData(datasetID: String)
        /// On the review screen: a sample's attributes under an annotation task.
        case attributes(taskID: String, sampleID: Int64, [AttributeField])
    }
    public struct Field: Equatable, Sendable {
        public var label: String
        public var text = ""
        /// A choice field's options (empty: a text field).
        public var options: [String] = []
        public var choice = 0
        public var value: String { options.isEmpty ? text : options[choice] }
    }

    public var kind: Kind
    public var fields: [Field]
    public var focus = 0
    public var edited = false

    public static func dataset() -> FieldForm {
        FieldForm(kind: .dataset, fields: [
            Field(label: "name"),
            Field(label: "type", options: DatasetType.allCases.map(\.rawValue)),
            Field(label: "import", text: ""),
            Field(label: "format", options: DatasetFormat.allCases.map(\.rawValue)),
        ])
    }

    public static func project(datasets: [DatasetRow]) -> FieldForm {
        var form = FieldForm(kind: .project, fields: [
            Field(label: "name"),
            Field(label: "type", options: DatasetType.allCases.map(\.rawValue)),
            Field(label: "dataset", options: ["none"]),
        ])
        form.datasets = datasets
        form.offerDatasetsOfType()
        return form
    }

    /// The new-project form's datasets, all types; its dataset field offers those of the chosen type.
    var datasets: [DatasetRow] = []

    /// A project takes a dataset of its own type only (the engine refuses another), so the choice
    /// lists those, and starts over at none when the type changes.
    mutating func offerDatasetsOfType() {
        guard kind == .project, fields.count > 2 else { return }
        let type = fields[1].value
        fields[2].options = ["none"] + datasets.filter { $0.type == type }.map { "\($0.id) \($0.name) (\($0.type))" }
        fields[2].choice = 0
    }

    /// The formats that carry a dataset type (every format for an unknown type).
    static func formats(for type: String) -> [String] {
        let all = DatasetFormat.allCases
        return (DatasetType(rawValue: type).map { t in all.filter { $0.types.contains(t) } } ?? all).map(\.rawValue)
    }

    public static func importData(_ id: String, type: String) -> FieldForm {
        FieldForm(kind: .importData(datasetID: id), fields: [Field(label: "path"), Field(label: "format", options: formats(for: type))])
    }

    public static func splitData(_ id: String) -> FieldForm {
        FieldForm(kind: .splitData(datasetID: id), fields: [Field(label: "val", text: "0.2"), Field(label: "test", text: "0.1")])
    }

    public static func exportData(_ id: String, type: String) -> FieldForm {
        FieldForm(kind: .exportData(datasetID: id), fields: [Field(label: "to"), Field(label: "format", options: formats(for: type))])
    }

    /// A choice of the allowed values (or none) per attribute, or a text field for free text.
    public static func attributes(taskID: String, sampleID: Int64, _ fields: [AttributeField]) -> FieldForm {
        FieldForm(kind: .attributes(taskID: taskID, sampleID: sampleID, fields), fields: fields.map { f in
            f.values.isEmpty ? Field(label: "\(f.tag).\(f.name)", text: f.value)
                : Field(label: "\(f.tag).\(f.name)", options: ["-"] + f.values, choice: (f.values.firstIndex(of: f.value) ?? -1) + 1)
        })
    }

    /// An attributes form: the attributes whose value changed (an empty value removes one).
    var changedAttributes: [AttributeField] {
        guard case .attributes(_, _, let original) = kind else { return [] }
        return zip(original, fields).compactMap { before, field in
            let value = field.options.isEmpty ? field.text.trimmingCharacters(in: .whitespaces) : field.choice == 0 ? "" : field.value
            guard value != before.value else { return nil }
            var changed = before
            changed.value = value
            return changed
        }
    }

    /// One text field per parameter, as the task has them now.
    public static func params(taskID: String, _ params: [(key: String, value: String)]) -> FieldForm {
        FieldForm(kind: .params(taskID: taskID), fields: params.map { Field(label: $0.key, text: $0.value) })
    }

    var title: String {
        switch kind {
        case .dataset: "New dataset"
        case .project: "New project"
        case .params(let id): "Parameters of \(id)"
        case .importData(let id): "Import into \(id)"
        case .splitData(let id): "Split \(id) at random"
        case .exportData(let id): "Export \(id)"
        case .attributes(let task, _, _): "Attributes (\(task))"
        }
    }

    /// A parameters form: what was changed, by key (a field emptied sets the empty value).
    func changedParams(from original: [(key: String, value: String)]) -> [String: String] {
        var changed: [String: String] = [:]
        for (field, before) in zip(fields, original) where field.text != before.value { changed[field.label] = field.text }
        return changed
    }

    /// The command-line words that carry it out, in order (a dataset is created, then imported).
    func commands(createdID: String? = nil) -> [[String]] {
        let name = fields[0].text.trimmingCharacters(in: .whitespaces), type = fields[1].value
        switch kind {
        case .dataset: return []  // `newDataset`: created and imported by one engine call
        case .project:
            let dataset = fields[2].choice == 0 ? [] : [String(fields[2].value.prefix { $0 != " " })]
            return [["project", "create", name, type] + dataset]
        case .params: return []
        case .importData(let id): return [["dataset", "import", id, fields[0].text.trimmingCharacters(in: .whitespaces), fields[1].value]]
        case .splitData(let id):
            return [["dataset", "split", id, fields[0].text.trimmingCharacters(in: .whitespaces), fields[1].text.trimmingCharacters(in: .whitespaces)]]
        case .exportData(let id): return [["dataset", "export", id, fields[0].text.trimmingCharacters(in: .whitespaces), fields[1].value]]
        case .attributes: return []
        }
    }

    /// The first field that must not be empty and is (a name, a path), by its label.
    var missingField: String? {
        let required: [Int]
        switch kind {
        case .dataset, .project, .importData, .exportData, .splitData: required = [0]
        case .params, .attributes: required = []
        }
        return required.first { fields[$0].options.isEmpty && fields[$0].text.trimmingCharacters(in: .whitespaces).isEmpty }.map { fields[$0].label }
    }

    /// A dataset form as the engine takes it: name, type, and the path to import now (if given)
    /// with its format.
    var newDataset: NewDataset? {
        guard kind == .dataset, let type = DatasetType(rawValue: fields[1].value) else { return nil }
        let path = fields[2].text.trimmingCharacters(in: .whitespaces)
        return NewDataset(name: fields[0].text.trimmingCharacters(in: .whitespaces), type: type, source: path.isEmpty ? nil : path,
                          format: DatasetFormat(rawValue: fields[3].value) ?? .imagenet)
    }

    /// Takes a key; true when the form is to be submitted.
    mutating func type(_ key: Key) -> Bool {
        switch key {
        case .tab, .down: focus = (focus + 1) % fields.count
        case .backtab, .up: focus = (focus + fields.count - 1) % fields.count
        case .left where !fields[focus].options.isEmpty, .right where !fields[focus].options.isEmpty:
            let n = fields[focus].options.count
            fields[focus].choice = (fields[focus].choice + (key == .right ? 1 : -1) + n) % n
            if kind == .project && focus == 1 { offerDatasetsOfType() }
        case .char(let c) where fields[focus].options.isEmpty:
            fields[focus].text.append(c)
            edited = true
        case .backspace where fields[focus].options.isEmpty:
            if !fields[focus].text.isEmpty { fields[focus].text.removeLast() }
            edited = true
        case .enter: return true
        default: break
        }
        return false
    }
}

/// A field form in a box over the screen.
struct FieldFormBox: Widget {
    var form: FieldForm
    var state: HomeState

    func render(in area: Rect, buffer: inout Buffer) {
        let theme = state.theme
        let width = min(area.width - 2, 80)
        let height = min(area.height, form.fields.count + 4)
        let box = Rect(x: area.x + (area.width - width) / 2, y: area.y + max(0, (area.height - height) / 2), width: width, height: height)
        buffer.fill(box, .plain)
        let block = theme.block(form.title, focused: true, ascii: state.ascii)
        buffer.render(block, in: box)
        let inner = block.inner(box)
        // Labels as wide as the widest (parameter names run long), and the rows scrolled so that
        // the focused field is always in view.
        let labelWidth = min(max(9, form.fields.map { DisplayWidth.of($0.label) }.max() ?? 0), inner.width / 2)
        let rows = max(1, inner.height - 1)
        let offset = max(0, form.focus - rows + 1)
        for (row, i) in (offset..<form.fields.count).enumerated() where row < rows {
            let field = form.fields[i], y = inner.y + row
            buffer.set(x: inner.x + 1, y: y, string: field.label, style: theme.columnHeader, maxWidth: labelWidth)
            let shown = field.options.isEmpty
                ? field.text + (i == form.focus ? (state.ascii ? "_" : "▏") : "") + (field.label == "import" && field.text.isEmpty && i != form.focus ? "(a folder or archive to import now; empty: none)" : "")
                : "‹ \(field.value) ›"
            let x = inner.x + labelWidth + 2
            buffer.set(x: x, y: y, string: shown, style: i == form.focus ? theme.selection : .plain, maxWidth: max(0, inner.maxX - x))
        }
        let enter: String
        switch form.kind {
        case .dataset, .project: enter = "create"
        case .params, .attributes: enter = "save"
        case .importData: enter = "import"
        case .splitData: enter = "split"
        case .exportData: enter = "export"
        }
        buffer.set(x: inner.x + 1, y: inner.maxY - 1, string: "Tab field  ←→ choose  Enter \(enter)  Esc cancel", style: theme.muted, maxWidth: inner.width - 1)
    }
}

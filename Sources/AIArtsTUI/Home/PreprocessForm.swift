import AIArtsEngine
import AIArtsRender

/// The preprocessing form over a dataset's screen (docs/ui.md, "Preprocessing"): an op list typed in the
/// CLI's grammar (`flip_v, brightness=0.4, median=5`), the ops it parses to (select, remove, move), where
/// the results go (a new dataset, or added as copies), the selected image previewed beside the original,
/// then the job with its progress. Pure state: every key returns `PreprocessEffect`s, which
/// HomeApp+Preprocess.swift turns into background work.
struct PreprocessState: Equatable, Sendable {
    enum Focus: Int, CaseIterable, Sendable { case ops, list, mode, name }
    /// `--into NAME` or `--add` (docs/preprocessing.md).
    enum Mode: String, CaseIterable, Sendable { case into, add }
    /// The job once it is started.
    enum Job: Equatable, Sendable {
        case running(done: Int, total: Int, cancelling: Bool)
        case finished(String)
        case failed(String)
    }

    var datasetID: String
    var datasetName: String
    /// The image previewed (the dataset screen's selection when the form opened), its folder and labels.
    var sample: DatasetScreenData.Sample?
    var folder: String
    var labels: [String]
    var text = ""
    var focus = Focus.ops
    /// The selected op in the parsed list.
    var selected = 0
    var mode = Mode.into
    var name: String
    /// The parsed op list's first error, shown in one line under the field.
    var error: String?
    /// Raised with each change of the op list: the preview of an older one is dropped (and cancelled).
    var generation = 0
    var preview: PreprocessPreview?
    var job: Job?

    init(dataset: DatasetScreenData, sample: DatasetScreenData.Sample?) {
        datasetID = dataset.id
        datasetName = dataset.name
        self.sample = sample
        folder = dataset.folder
        labels = dataset.labels
        name = dataset.name + "-pre"
    }

    /// The op list as the user typed it, one op a comma.
    var ops: [String] { PreprocessOpList.split(text) }

    var isRunning: Bool { if case .running? = job { true } else { false } }

    /// The op list is parsed and, when it parses, previewed on the image (the previous preview is
    /// superseded even when this one does not parse, so an old answer never lands late).
    mutating func edited() -> [PreprocessEffect] {
        generation += 1
        selected = min(selected, max(0, ops.count - 1))
        error = PreprocessOpList.firstError(ops)
        guard error == nil, let sample else { return [.supersede(generation)] }
        return [.preview(PreprocessPreviewRequest(generation: generation, sample: sample, folder: folder, ops: ops))]
    }

    /// A key. Typing goes to the focused field; Tab moves between fields; Enter runs the job; Esc
    /// closes (or cancels a running job, after which it closes).
    mutating func type(_ key: Key) -> [PreprocessEffect] {
        if isRunning {
            guard key == .esc || key == .char("c") else { return [] }
            if case .running(let done, let total, false)? = job { job = .running(done: done, total: total, cancelling: true) }
            return [.cancel]
        }
        switch key {
        case .esc: return [.close]
        case .tab: focus = Focus(rawValue: (focus.rawValue + 1) % Focus.allCases.count) ?? .ops
        case .backtab: focus = Focus(rawValue: (focus.rawValue + Focus.allCases.count - 1) % Focus.allCases.count) ?? .ops
        case .enter: return start()
        default:
            switch focus {
            case .ops: return typeText(key)
            case .list: return typeList(key)
            case .mode:
                if key == .left || key == .right || key == .char(" ") { mode = mode == .into ? .add : .into }
            case .name:
                if case .char(let c) = key { name.append(c) } else if key == .backspace, !name.isEmpty { name.removeLast() }
            }
        }
        return []
    }

    private mutating func typeText(_ key: Key) -> [PreprocessEffect] {
        switch key {
        case .char(let c): text.append(c)
        case .backspace where !text.isEmpty: text.removeLast()
        case .ctrl("u"): text = ""
        default: return []
        }
        job = nil
        return edited()
    }

    /// The parsed list: ↑↓ select, `-` or Delete removes, `[` / `]` (or K / J) move the op up / down.
    private mutating func typeList(_ key: Key) -> [PreprocessEffect] {
        var list = ops
        guard !list.isEmpty else { return [] }
        switch key {
        case .up, .char("k"): selected = max(0, selected - 1); return []
        case .down, .char("j"): selected = min(list.count - 1, selected + 1); return []
        case .delete, .char("-"), .char("d"), .backspace:
            list.remove(at: selected)
        case .char("["), .char("K"):
            guard selected > 0 else { return [] }
            list.swapAt(selected, selected - 1)
            selected -= 1
        case .char("]"), .char("J"):
            guard selected + 1 < list.count else { return [] }
            list.swapAt(selected, selected + 1)
            selected += 1
        default: return []
        }
        text = list.joined(separator: ", ")
        job = nil
        return edited()
    }

    /// Enter: the job, when the op list parses and a new dataset has a name.
    private mutating func start() -> [PreprocessEffect] {
        if job != nil, !isRunning { job = nil }
        guard !ops.isEmpty else { return [.notice("type at least one op, e.g. flip_v, brightness=0.4, median=5", isError: true)] }
        if let error { return [.notice(error, isError: true)] }
        let target = name.trimmingCharacters(in: .whitespaces)
        if mode == .into && target.isEmpty { return [.notice("name the new dataset (Tab to the name field), or choose add", isError: true)] }
        job = .running(done: 0, total: 0, cancelling: false)
        return [.run(PreprocessRun(datasetID: datasetID, ops: ops, into: mode == .into ? target : nil))]
    }

    /// An answer from the background.
    mutating func receive(_ message: PreprocessMessage) -> [PreprocessEffect] {
        switch message {
        case .previewed(let preview):
            // Only the preview of the op list showing now.
            if preview.generation == generation { self.preview = preview }
        case .progress(let done, let total):
            if case .running(_, _, let cancelling)? = job { job = .running(done: done, total: total, cancelling: cancelling) }
        case .finished(let text):
            job = .finished(text)
            return [.reload, .notice(text, isError: false)]
        case .failed(let text):
            job = .failed(text)
            return [.reload, .notice(text, isError: true)]
        }
        return []
    }
}

/// What the form asks for.
enum PreprocessEffect: Equatable, Sendable {
    /// Decode the image and apply the ops in the background; any older preview is dropped.
    case preview(PreprocessPreviewRequest)
    /// Drop (and stop) any preview older than this generation.
    case supersede(Int)
    case run(PreprocessRun)
    case cancel
    case close
    case reload
    case notice(String, isError: Bool)
}

/// Answers from the background.
public enum PreprocessMessage: Sendable {
    case previewed(PreprocessPreview)
    case progress(done: Int, total: Int)
    case finished(String)
    case failed(String)
}

struct PreprocessPreviewRequest: Equatable, Sendable {
    var generation: Int
    var sample: DatasetScreenData.Sample
    var folder: String
    var ops: [String]
}

/// The job as the form starts it: `aiarts dataset preprocess D --op … --into NAME` (or `--add` when `into` is nil).
struct PreprocessRun: Equatable, Sendable {
    var datasetID: String
    var ops: [String]
    var into: String?
}

/// The form's op list: ops separated by commas (or semicolons), as `aiarts dataset preprocess` takes them
/// one `--op` each. An op's own commas (`crop=10,10,200,200`, `pad=1,2,3,4`, `gaussian=1.5,k5`) stay
/// with it: a piece that does not begin with an op's name continues the op before it.
enum PreprocessOpList {
    static func split(_ text: String) -> [String] {
        var ops: [String] = []
        for piece in text.split(whereSeparator: { $0 == "," || $0 == ";" }).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if let last = ops.last, !startsOp(piece) {
                ops[ops.count - 1] = last + "," + piece
            } else if !piece.isEmpty {
                ops.append(piece)
            }
        }
        return ops.filter { !$0.isEmpty }
    }

    /// A name (letters and `_`) followed by `=` or nothing; `k5` (a gaussian's size) is not one.
    private static func startsOp(_ piece: String) -> Bool {
        let name = piece.prefix { $0.isLetter || $0 == "_" }
        guard !name.isEmpty else { return piece.isEmpty }
        if name.count == 1, name.lowercased() == "k", piece.dropFirst().first?.isNumber == true { return false }
        let rest = piece.dropFirst(name.count)
        return rest.isEmpty || rest.first == "=" || rest.first == " "
    }

    /// The engine's one-line reason for the first op that does not parse, nil when all do.
    static func firstError(_ ops: [String]) -> String? {
        for op in ops {
            do { _ = try PreprocessOp(parsing: op) } catch { return Sanitize.line("\(error)") }
        }
        return nil
    }
}

extension PreprocessState {
    /// The form over a dataset's screen, previewing `sample` (with no ops yet: as it is).
    static func open(_ data: DatasetScreenData, sample: DatasetScreenData.Sample?) -> [HomeEffect] {
        var form = PreprocessState(dataset: data, sample: sample)
        let effects = form.edited()
        return [.push(.preprocess(form))] + effects.map(HomeEffect.preprocess)
    }
}

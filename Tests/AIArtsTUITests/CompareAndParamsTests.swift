import Foundation
import AIArtsEngine
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// Several tasks' curves in one chart: `c` marks tasks to compare with the selected one.
@Suite struct CompareTasksTests {
    static func curves(_ id: String, scale: Double) -> CurveData {
        let steps = (1...30).map(Double.init)
        return CurveData(taskID: id, curves: [
            Curve(name: "train/loss", steps: steps, epochs: steps.map { ($0 / 10).rounded(.up) }, times: steps.map { 1000 + $0 },
                  values: steps.map { scale / $0 }),
            Curve(name: "eval/acc1", steps: [10, 20, 30], epochs: [1, 2, 3], times: [1010, 1020, 1030], values: [0.5 * scale, 0.6, 0.7]),
            Curve(name: "eval/loss", steps: [10, 20, 30], epochs: [1, 2, 3], times: [1010, 1020, 1030], values: [1, 0.8, 0.7]),
        ])
    }

    @Test func markedTasksAreWatchedAndDrawnAColourEach() {
        var state = sampleState()
        state.home.focus = .tasks
        state.theme = Theme(palette: try! Palette.parse(BuiltinFiles.source(.theme, named: "default")!.text, file: "default"), depth: .truecolor)
        var a = HomeApp(state: state) { .loaded(sampleState().data!) }
        _ = a.update(.curvesLoaded(Self.curves("T0001", scale: 2)))
        _ = a.update(.key(.char("j")))  // T0002
        let commands = a.update(.key(.char("c")))
        guard case .watch(let key, _)? = commands.last else { Issue.record("no watch for the compared task"); return }
        #expect(key == "compare-T0002" && a.state.home.compared == ["T0002"])
        _ = a.update(.curvesLoaded(Self.curves("T0002", scale: 1)))
        _ = a.update(.key(.char("k")))  // back to T0001, selected; T0002 stays marked
        _ = a.update(.curvesLoaded(Self.curves("T0001", scale: 2)))
        let buffer = a.render(size: Size(width: 140, height: 40))
        let lines = buffer.lines()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("Curves T0001 vs T0002"))
        #expect(text.contains("◆ big lr"))  // the mark in the Tasks pane
        // One loss and one evaluation metric, named by task; eval/loss is left for the single-task view.
        #expect(text.contains("T0001 train/loss") && text.contains("T0002 train/loss"))
        #expect(text.contains("T0001 eval/acc1") && text.contains("T0002 eval/acc1"))
        #expect(!text.contains("eval/loss"))
        // The two tasks' legend samples are in different colours.
        func colour(of name: String) -> Style? {
            for (y, line) in lines.enumerated() {
                guard let range = line.range(of: name) else { continue }
                let x = DisplayWidth.of(String(line[..<range.lowerBound]))
                return buffer[x - 2, y].style  // the legend's line sample before the name
            }
            return nil
        }
        let first = colour(of: "T0001 train/loss"), second = colour(of: "T0002 train/loss")
        #expect(first != nil && second != nil && first != second)
        // Unmarking stops the watch and the chart is the selected task's alone again.
        _ = a.update(.key(.char("j")))
        let unmark = a.update(.key(.char("c")))
        guard case .unwatch(let stopped)? = unmark.first else { Issue.record("no unwatch"); return }
        #expect(stopped == "compare-T0002" && a.state.home.compared.isEmpty && a.state.comparedCurves.isEmpty)
    }

    @Test func withoutMarksEverySeriesOfTheSelectedTaskIsDrawn() {
        let groups = CurvesPane.groups(Self.curves("T0001", scale: 1), compared: [], theme: .monochrome, axis: .step)
        #expect(groups.map { $0.map(\.name) } == [["train/loss", "eval/loss"], ["eval/acc1"]])
        let compared = CurvesPane.groups(Self.curves("T0001", scale: 1), compared: [Self.curves("T0003", scale: 3)], theme: .monochrome, axis: .step)
        #expect(compared.map { $0.map(\.name) } == [["T0001 train/loss", "T0003 train/loss"], ["T0001 eval/acc1", "T0003 eval/acc1"]])
    }
}

/// `p` on a task's screen edits its parameters while it has not been started.
@Suite struct EditParamsTests {
    final class Saved: @unchecked Sendable { var calls: [(String, [String: String])] = [] }

    static func app(state taskState: String, saved: Saved) -> HomeApp {
        var state = sampleState()
        state.home.focus = .tasks
        state.data?.tasks[0].state = taskState
        state.size = Size(width: 100, height: 30)
        let actions = TaskActions(start: { _ in Notice(text: "", isError: false) }, stop: { _ in Notice(text: "", isError: false) },
                                  setParams: { id, values in saved.calls.append((id, values)); return Notice(text: "\(id) saved", isError: false) })
        let data = state.data!
        return HomeApp(state: state, actions: actions, loadTaskScreen: { id in
            .taskScreenLoaded(TaskScreenData(taskID: id, params: ["epochs": "20", "learning_rate": "0.01"], checkpoints: [], log: []))
        }) { .loaded(data) }
    }

    static func run(_ a: inout HomeApp, _ commands: [Command<HomeMessage>]) {
        for case .perform(let work) in commands { _ = a.update(work()) }
    }

    @Test func changedFieldsAreSavedAllAtOnce() {
        let saved = Saved()
        var a = Self.app(state: "created", saved: saved)
        Self.run(&a, a.update(.key(.enter)))
        _ = a.update(.key(.char("p")))
        let text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("Parameters of T0001"))
        #expect(text.contains("learning_rate") && text.contains("Enter save"))
        // epochs: 20 → 5; learning_rate untouched.
        _ = a.update(.key(.backspace)); _ = a.update(.key(.backspace))
        _ = a.update(.key(.char("5")))
        let commands = a.update(.key(.enter))
        #expect(a.state.fieldForm == nil)
        for case .perform(let work) in commands { _ = work() }
        #expect(saved.calls.count == 1)
        #expect(saved.calls.first?.0 == "T0001" && saved.calls.first?.1 == ["epochs": "5"])
    }

    @Test func aStartedTaskSaysWhyNot() {
        let saved = Saved()
        var a = Self.app(state: "running", saved: saved)
        Self.run(&a, a.update(.key(.enter)))
        _ = a.update(.key(.char("p")))
        #expect(a.state.fieldForm == nil)
        #expect(a.state.notice?.isError == true && a.state.notice?.text.contains("has been started") == true)
    }

    @Test func escapeAfterAnEditAsksFirst() {
        var a = Self.app(state: "created", saved: Saved())
        Self.run(&a, a.update(.key(.enter)))
        _ = a.update(.key(.char("p")))
        _ = a.update(.key(.char("0")))
        _ = a.update(.key(.esc))
        #expect(a.state.question?.text == "Discard the parameters of t0001?")
    }
}

/// `i`, `S` and `x` on a dataset's screen: import into it, split it, export it, through the command
/// line's dataset commands.
@Suite struct DatasetScreenFormsTests {
    final class Runs: @unchecked Sendable { var words: [[String]] = [] }

    static func app(_ runs: Runs) -> HomeApp {
        var state = sampleState()
        state.size = Size(width: 100, height: 30)
        let actions = TaskActions(start: { _ in Notice(text: "", isError: false) }, stop: { _ in Notice(text: "", isError: false) },
                                  workspaceCommand: { words in runs.words.append(words); return Notice(text: "done \(words[1])", isError: false) })
        return HomeApp(state: state, actions: actions, loadDatasetScreen: { _ in .datasetScreenLoaded(DatasetScreenTests.data()) }) {
            .loaded(sampleState().data!)
        }
    }

    static func run(_ a: inout HomeApp, _ commands: [Command<HomeMessage>]) {
        for case .perform(let work) in commands { _ = a.update(work()) }
    }

    @Test func importSplitAndExportFromTheScreen() {
        let runs = Runs()
        var a = Self.app(runs)
        Self.run(&a, a.update(.key(.enter)))
        #expect(a.state.keyContext == .dataset)
        // Import: the formats offered are the ones a detection dataset can come in.
        _ = a.update(.key(.char("i")))
        #expect(a.state.fieldForm?.fields[1].options == ["paddlex", "voc", "coco", "yolo", "labelme"])
        let text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("Import into D0001") && text.contains("Enter import"))
        // Enter with no path keeps the form open and says what is missing.
        _ = a.update(.key(.enter))
        #expect(a.state.fieldForm != nil && a.state.notice?.text == "path is needed")
        for c in "more/voc" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab)); _ = a.update(.key(.right))  // paddlex → voc
        Self.run(&a, a.update(.key(.enter)))
        // Split with the suggested fractions, then export.
        _ = a.update(.key(.char("S")))
        Self.run(&a, a.update(.key(.enter)))
        _ = a.update(.key(.char("x")))
        for c in "/tmp/out" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab)); _ = a.update(.key(.right)); _ = a.update(.key(.right))  // coco
        Self.run(&a, a.update(.key(.enter)))
        #expect(runs.words == [["dataset", "import", "D0001", "more/voc", "voc"],
                               ["dataset", "split", "D0001", "0.2", "0.1"],
                               ["dataset", "export", "D0001", "/tmp/out", "coco"]])
        #expect(a.state.notice?.text == "done export" && a.state.openDatasetID == "D0001")
    }
}

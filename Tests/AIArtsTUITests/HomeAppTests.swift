import Foundation
import AIArtsEngine
import AIArtsRender
import Testing
import TestSupport
@testable import AIArtsTUI

private func app(_ state: HomeState = sampleState()) -> HomeApp {
    HomeApp(state: state) { .loaded(sampleState().data!) }
}

private func isQuit(_ commands: [Command<HomeMessage>]) -> Bool {
    commands.contains { if case .quit = $0 { true } else { false } }
}

@Suite struct HomeAppTests {
    @Test func jkAndArrowsMoveTheSelectionWithinBounds() {
        var a = app()
        _ = a.update(.key(.char("j")))
        #expect(a.state.home.datasets.selected == 1)
        _ = a.update(.key(.down))
        #expect(a.state.home.datasets.selected == 1)
        _ = a.update(.key(.char("k")))
        _ = a.update(.key(.up))
        #expect(a.state.home.datasets.selected == 0)
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[1].contains("D0001 shapes"))
    }

    @Test func selectionMovesTheDetailPane() {
        var a = app()
        _ = a.update(.key(.char("j")))
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[1].contains("D0002 猫と犬"))
    }

    @Test func tabCyclesFocusAndKeysFollowIt() {
        var a = app()
        _ = a.update(.key(.tab))
        #expect(a.state.home.focus == .detail)
        _ = a.update(.key(.char("j")))
        #expect(a.state.home.labels.selected == 1)
        #expect(a.state.home.datasets.selected == 0)
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[23].contains("labels"))
        _ = a.update(.key(.tab))
        #expect(a.state.home.focus == .tasks)
        // Then the curves, the predictions and the GPUs, and round to the datasets.
        for pane in [HomePane.curves, .predictions, .gpu, .datasets] {
            _ = a.update(.key(.tab))
            #expect(a.state.home.focus == pane)
        }
        _ = a.update(.key(.backtab))
        #expect(a.state.home.focus == .gpu)
    }

    @Test func qQuitsEvenFromHelp() {
        var a = app()
        #expect(isQuit(a.update(.key(.char("q")))))
        _ = a.update(.key(.char("?")))
        #expect(a.state.showHelp)
        #expect(isQuit(a.update(.key(.char("q")))))
    }

    @Test func anyOtherKeyClosesHelp() {
        var a = app()
        _ = a.update(.key(.char("?")))
        _ = a.update(.key(.esc))
        #expect(!a.state.showHelp)
        #expect(a.state.home.datasets.selected == 0)
    }

    @Test func reloadRunsTheLoaderAndKeepsTheSelectedDataset() {
        var a = app()
        _ = a.update(.key(.char("j")))
        let commands = a.update(.key(.char("r")))
        #expect(a.state.loading)
        guard case .perform(let work)? = commands.first else { Issue.record("no load command"); return }
        var data = sampleState().data!
        data.datasets.insert(DatasetRow(id: "D0000", name: "new", type: "detection", status: "empty"), at: 0)
        _ = work()  // the loader itself is callable off the loop
        _ = a.update(.loaded(data))
        #expect(!a.state.loading)
        #expect(a.state.selectedDataset?.id == "D0002")
    }

    @Test func loadFailureIsSanitizedAndShown() {
        var a = app()
        _ = a.update(.loadFailed("bad \u{1B}[31mthing"))
        #expect(a.state.error == "bad thing")
    }

    @Test func pagingUsesTheVisibleHeight() {
        var state = sampleState()
        state.data!.datasets = (1...50).map { DatasetRow(id: "D\($0)", name: "n\($0)", type: "detection", status: "empty") }
        var a = app(state)
        _ = a.update(.resized(Size(width: 80, height: 24)))
        _ = a.update(.key(.pageDown))
        // 80×24: the datasets pane is 8 rows, 5 of them list rows.
        #expect(a.state.home.datasets.selected == 4)
        _ = a.update(.key(.end))
        #expect(a.state.home.datasets.selected == 49)
        #expect(a.state.home.datasets.offset == 45)
        let lines = a.render(size: Size(width: 80, height: 24)).lines()
        #expect(lines[7].contains("D50"))
        _ = a.update(.key(.home))
        #expect(a.state.home.datasets.offset == 0)
    }
}

/// Starting and stopping tasks from the Tasks pane, the refresh while tasks run, and notices.
@Suite struct HomeAppTaskTests {
    final class Calls: @unchecked Sendable {
        var started: [String] = []
        var stopped: [String] = []
    }

    private func taskApp(_ calls: Calls) -> HomeApp {
        var state = sampleState()
        state.home.focus = .tasks
        let actions = TaskActions(start: { calls.started.append($0); return Notice(text: "\($0) started", isError: false) },
                                  stop: { calls.stopped.append($0); return Notice(text: "\($0) stopped", isError: false) })
        return HomeApp(state: state, actions: actions, refreshInterval: 0) { .loaded(sampleState().data!) }
    }

    private func run(_ commands: [Command<HomeMessage>]) -> [HomeMessage] {
        commands.compactMap { if case .perform(let work) = $0 { work() } else { nil } }
    }

    @Test func sStartsTheSelectedTaskInTheBackground() {
        let calls = Calls()
        var a = taskApp(calls)
        _ = a.update(.key(.char("j")))
        let messages = run(a.update(.key(.char("s"))))
        #expect(calls.started == ["T0002"])
        guard case .done(let notice)? = messages.first else { Issue.record("no result"); return }
        _ = a.update(.done(notice))
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[23].hasPrefix(" T0002 started"))
    }

    @Test func stoppingAsksFirst() {
        let calls = Calls()
        var a = taskApp(calls)
        #expect(run(a.update(.key(.char("x")))).isEmpty)
        #expect(a.state.question?.text == "Stop T0001 baseline?")
        #expect(a.render(size: Size(width: 80, height: 24)).lines().contains { $0.contains("Stop T0001 baseline?") })
        _ = a.update(.key(.char("n")))
        #expect(a.state.question == nil && calls.stopped.isEmpty)
        _ = a.update(.key(.char("x")))
        _ = run(a.update(.key(.char("y"))))
        #expect(calls.stopped == ["T0001"])
        // A finished or failed task has nothing to stop: no question.
        _ = a.update(.key(.char("j")))
        _ = a.update(.key(.char("x")))
        #expect(a.state.question == nil)
    }

    @Test func runningTasksAreLookedAtAgainAndTheirEndIsAnnounced() {
        var a = taskApp(Calls())
        let data = sampleState().data!
        // T0001 runs: one tick is scheduled, and only one; its curves are watched once.
        #expect(a.update(.loaded(data)).count == 2)
        #expect(a.update(.loaded(data)).isEmpty)
        #expect(a.update(.tick).count == 1)  // the reload
        _ = a.update(.curvesLoaded(CurveData(taskID: "T0001", curves: [])))
        #expect(a.state.curves?.taskID == "T0001")
        var ended = data
        ended.tasks[0].state = "finished"
        // Its end is announced, and its curves are watched again (the state changed); no tick.
        let commands = a.update(.loaded(ended))
        #expect(commands.count == 1)
        guard case .watch(let key, _)? = commands.first else { Issue.record("no watch"); return }
        #expect(key == "curves")
        #expect(a.state.notice == Notice(text: "T0001 finished", isError: false))
        // Nothing runs any more and nothing changed: nothing is scheduled.
        #expect(a.update(.loaded(ended)).isEmpty)
        _ = a.update(.key(.char("j")))
        #expect(a.state.notice == nil)
    }
}

@Suite struct HomeAppKeymapTests {
    private func vimApp() throws -> HomeApp {
        var state = sampleState()
        state.keymap = try Keymap.builtin("vim")
        return HomeApp(state: state) { .loaded(sampleState().data!) }
    }

    @Test func keysFromTheVimKeymapMoveTheSelection() throws {
        var a = try vimApp()
        _ = a.update(.key(.char("j")))
        #expect(a.state.home.datasets.selected == 1)
        _ = a.update(.key(.char("g")))
        #expect(a.state.home.datasets.selected == 0)
        _ = a.update(.key(.char("G")))
        #expect(a.state.home.datasets.selected == 1)
        _ = a.update(.key(.ctrl("u")))
        #expect(a.state.home.datasets.selected == 0)
        _ = a.update(.key(.char("l")))
        #expect(a.state.home.focus == .detail)
        _ = a.update(.key(.ctrl("d")))
        #expect(a.state.home.labels.selected == 1)  // the labels area shows two rows at 80×24: a page is one
        _ = a.update(.key(.char("h")))
        #expect(a.state.home.focus == .datasets)
        _ = a.update(.key(.ctrl("w")))
        #expect(a.state.home.focus == .detail)
    }

    @Test func theDefaultKeymapDoesNotTakeVimKeys() {
        var a = app()
        _ = a.update(.key(.char("l")))
        _ = a.update(.key(.ctrl("d")))
        #expect(a.state.home.focus == .datasets)
        #expect(a.state.home.datasets.selected == 0)
    }

    @Test func footerAndHelpListTheActiveKeymap() throws {
        var a = try vimApp()
        let size = Size(width: 80, height: 24)
        #expect(a.render(size: size).lines()[23].hasPrefix(" jk/↑↓ move  l next pane  r reload  Enter open  n new  v GPUs  ? help  q quit"))
        _ = a.update(.key(.char("?")))
        let help = a.render(size: size).lines().joined(separator: "\n")
        #expect(help.contains("Keys (vim)"))
        #expect(help.contains("h l  Tab S-Tab  ^W"))
        // Taller than 24 rows: it scrolls, and the footer stays.
        #expect(help.contains("1–18 of 25"))
        for _ in 0..<7 { _ = a.update(.key(.char("j"))) }
        let end = a.render(size: size).lines().joined(separator: "\n")
        #expect(end.contains("Esc ? Enter") && end.contains("8–25 of 25"))
        #expect(a.render(size: size).lines()[23].hasPrefix(" Esc close"))
        _ = a.update(.key(.char("?")))
        #expect(!a.state.showHelp)
    }

    @Test func anOverriddenQuitKeyIsWhatTheFooterShows() throws {
        var state = sampleState()
        try state.keymap.apply(overrides: "[home]\nquit = \"ctrl+x\"", file: "keymap.toml")
        var a = HomeApp(state: state) { .loaded(sampleState().data!) }
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[23].contains("^X quit"))
        #expect(!isQuit(a.update(.key(.char("q")))))
        #expect(a.render(size: Size(width: 40, height: 10)).lines().contains { $0.contains("^X quits") })
    }
}

/// The `:` command line: completion, and each command doing what its key does.
@Suite struct CommandLineTests {
    final class Calls: @unchecked Sendable { var started: [String] = []; var resumed: [String] = [] }

    static func app(_ calls: Calls) -> HomeApp {
        HomeApp(state: sampleState(), actions: TaskActions(
            start: { calls.started.append($0); return Notice(text: "\($0) started", isError: false) },
            stop: { _ in Notice(text: "stopped", isError: false) },
            resume: { calls.resumed.append($0); return Notice(text: "\($0) resumed", isError: false) })) { .loaded(sampleState().data!) }
    }

    static func type(_ a: inout HomeApp, _ text: String) -> [Command<HomeMessage>] {
        var commands: [Command<HomeMessage>] = []
        for c in text { commands = a.update(.key(c == "\t" ? .tab : c == "\n" ? .enter : .char(c))) }
        return commands
    }

    @Test func tabCompletesCommandsAndIds() {
        let state = sampleState()
        #expect(CommandLineInput.complete("ta", state: state).text == "task ")
        #expect(CommandLineInput.complete("task st", state: state).text == "task st")  // start or stop: as far as they agree
        #expect(CommandLineInput.complete("task sta", state: state).text == "task start ")
        #expect(CommandLineInput.complete("task start T", state: state).text == "task start T000")
        #expect(CommandLineInput.complete("open D0002", state: state).text == "open D0002 ")
        #expect(CommandLineInput.complete("zzz", state: state).text == "zzz")
    }

    @Test func parsing() {
        #expect(CommandLineInput.parse("task start T0001") == .task(.start, "T0001"))
        #expect(CommandLineInput.parse("smoothing 0.8") == .smoothing(0.8))
        #expect(CommandLineInput.parse("axis time") == .axis(.time))
        #expect(CommandLineInput.parse("gpu") == .action(.gpuScreen))
        if case .error(let text)? = CommandLineInput.parse("smoothing 3") { #expect(text.contains("0 to 0.99")) } else { Issue.record("accepted") }
        if case .error(let text)? = CommandLineInput.parse("frobnicate") { #expect(text.contains("unknown command")) } else { Issue.record("accepted") }
        #expect(CommandLineInput.parse("") == nil)
    }

    @Test func commandsRunThroughTheSameActionsAsKeys() {
        let calls = Calls()
        var a = Self.app(calls)
        _ = a.update(.key(.char(":")))
        #expect(a.state.commandLine == "")
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[23].hasPrefix(":▏"))
        for case .perform(let work) in Self.type(&a, "task sta\tT0002\n") { _ = a.update(work()) }
        #expect(calls.started == ["T0002"])
        #expect(a.state.commandLine == nil && a.state.notice?.text == "T0002 started")
        _ = a.update(.key(.char(":")))
        for case .perform(let work) in Self.type(&a, "task resume T0001\n") { _ = a.update(work()) }
        #expect(calls.resumed == ["T0001"])
        _ = a.update(.key(.char(":")))
        _ = Self.type(&a, "open T0001\n")
        #expect(a.state.openTaskID == "T0001")
        _ = a.update(.key(.char(":")))
        _ = Self.type(&a, "smoothing 0.9\n")
        #expect(a.state.curveOptions.smoothing == 0.9)
        _ = a.update(.key(.char(":")))
        _ = Self.type(&a, "nonsense\n")
        #expect(a.state.notice?.isError == true)
        _ = a.update(.key(.char(":")))
        _ = Self.type(&a, "gp")
        _ = a.update(.key(.esc))
        #expect(a.state.commandLine == nil && a.state.gpuScreen == nil)
    }
}

/// The `/` filter of the Home lists.
@Suite struct ListFilterTests {
    @Test func slashNarrowsTheFocusedListAsYouType() {
        var a = HomeApp(state: sampleState()) { .loaded(sampleState().data!) }
        _ = a.update(.key(.char("/")))
        for c in "猫" { _ = a.update(.key(.char(c))) }
        #expect(a.state.visibleDatasets.map(\.id) == ["D0002"])
        #expect(a.state.selectedDataset?.id == "D0002")
        var lines = a.render(size: Size(width: 80, height: 24)).lines()
        #expect(lines[1].hasPrefix("┏ Datasets /猫▏"))
        _ = a.update(.key(.enter))
        #expect(!a.state.home.filterTyping && a.state.home.filters[.datasets] == "猫")
        // j moves within the filtered rows only.
        _ = a.update(.key(.char("j")))
        #expect(a.state.selectedDataset?.id == "D0002")
        // Tasks have their own filter.
        _ = a.update(.key(.tab)); _ = a.update(.key(.tab))
        _ = a.update(.key(.char("/")))
        for c in "FAIL" { _ = a.update(.key(.char(c))) }
        #expect(a.state.visibleTasks.map(\.id) == ["T0002"])
        for c in "zz" { _ = a.update(.key(.char(c))) }
        lines = a.render(size: Size(width: 80, height: 24)).lines()
        #expect(lines.contains { $0.contains("no task matches") })
        _ = a.update(.key(.esc))
        #expect(a.state.home.filters[.tasks] == nil && a.state.visibleTasks.count == 2)
        #expect(a.state.home.filters[.datasets] == "猫")
        // Esc on Home clears the focused list's kept filter, and only that one.
        _ = a.update(.key(.char("/"))); _ = a.update(.key(.char("F"))); _ = a.update(.key(.enter))
        #expect(a.state.home.filters[.tasks] == "F")
        _ = a.update(.key(.esc))
        #expect(a.state.home.filters[.tasks] == nil && a.state.home.filters[.datasets] == "猫")
        _ = a.update(.key(.backtab)); _ = a.update(.key(.backtab))
        _ = a.update(.key(.esc))
        #expect(a.state.home.filters[.datasets] == nil && a.state.visibleDatasets.count == 2)
    }
}

/// The new-task form.
@Suite struct TaskFormTests {
    final class Created: @unchecked Sendable {
        var calls: [(String, TaskTrainer, String, [String: String])] = []
        /// What the engine answers; a refusal when set.
        var refusal: String?
    }

    static func app(_ created: Created, focus: HomePane = .tasks) -> HomeApp {
        var state = sampleState()
        state.home.focus = focus
        return HomeApp(state: state, actions: TaskActions(
            start: { _ in Notice(text: "", isError: false) }, stop: { _ in Notice(text: "", isError: false) },
            create: { p, t, n, params in
                created.calls.append((p, t, n, params))
                if let refusal = created.refusal { return .failed(Notice(text: refusal, isError: true)) }
                return .created("T0002", Notice(text: "T0003 created", isError: false))
            })) {
            .loaded(sampleState().data!)
        }
    }

    /// A refused create keeps the form and what was typed, the refused field marked; once it
    /// succeeds the form closes and the new task is selected in the focused Tasks pane.
    @Test func aRefusalKeepsTheFormAndSuccessSelectsTheNewTask() {
        let created = Created()
        created.refusal = "epochs must be a whole number from 1, not 'x'"
        var a = Self.app(created, focus: .detail)
        _ = a.update(.key(.char("n")))
        _ = a.update(.key(.tab)); _ = a.update(.key(.tab))
        for c in "mine" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab))
        a.state.taskForm?.params = "epochs=x"
        var commands = a.update(.key(.enter))
        for case .perform(let work) in commands { _ = a.update(work()) }
        #expect(a.state.taskForm?.name == "mine" && a.state.taskForm?.field == .params)
        let text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("refused: epochs must be a whole number"))
        created.refusal = nil
        commands = a.update(.key(.enter))
        var reload: [Command<HomeMessage>] = []
        for case .perform(let work) in commands { reload += a.update(work()) }
        #expect(a.state.taskForm == nil && a.state.home.focus == .tasks)
        for case .perform(let work) in reload { _ = a.update(work()) }
        #expect(a.state.selectedTask?.id == "T0002")
    }

    @Test func defaultsFollowTheTrainerAndTheFormCreatesTheTask() {
        let created = Created()
        var a = Self.app(created)
        _ = a.update(.key(.char("n")))
        #expect(a.state.taskForm?.params.contains("epochs=60") == true)  // aiarts-train's defaults
        var text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("New task") && text.contains("P0001 first") && text.contains("builtin (aiarts-train)"))
        _ = a.update(.key(.down))
        _ = a.update(.key(.right))  // torch
        #expect(a.state.taskForm?.trainer == .torch)
        #expect(a.state.taskForm?.params.contains("model=resnet18") == true && a.state.taskForm?.params.contains("batch_size=auto") == true)
        _ = a.update(.key(.right))  // command
        #expect(a.state.taskForm?.params.contains("command=python3 train.py --epochs 10") == true)
        _ = a.update(.key(.left)); _ = a.update(.key(.left))  // back to builtin
        _ = a.update(.key(.tab))
        for c in "quick" { _ = a.update(.key(.char(c))) }
        text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("quick▏"))
        let commands = a.update(.key(.enter))
        for case .perform(let work) in commands { _ = a.update(work()) }
        #expect(a.state.taskForm == nil && a.state.notice?.text == "T0003 created")
        #expect(created.calls.count == 1 && created.calls[0].0 == "P0001" && created.calls[0].1 == .aiartsTrain && created.calls[0].2 == "quick")
        #expect(created.calls[0].3["epochs"] == "60" && created.calls[0].3["model"] == "cnn")
    }

    @Test func leavingAnEditedFormAsksFirst() {
        var a = Self.app(Created())
        _ = a.update(.key(.char("n")))
        _ = a.update(.key(.esc))
        #expect(a.state.taskForm == nil)  // nothing typed: it just closes
        _ = a.update(.key(.char("n")))
        _ = a.update(.key(.tab)); _ = a.update(.key(.tab))
        _ = a.update(.key(.char("x")))
        _ = a.update(.key(.esc))
        #expect(a.state.question?.text == "Discard the new task?")
        _ = a.update(.key(.char("n")))
        #expect(a.state.taskForm != nil && a.state.question == nil)
        _ = a.update(.key(.esc))
        _ = a.update(.key(.char("y")))
        #expect(a.state.taskForm == nil)
    }

    @Test func commandValuesKeepTheirSpaces() {
        var form = TaskForm(projects: sampleState().data!.projects)
        form.params = "gpus=0 command=python3 train.py --lr 0.1"
        #expect(form.parsedParams == ["gpus": "0", "command": "python3 train.py --lr 0.1"])
    }
}

/// The mouse: a click focuses a pane and selects the row under it; the wheel moves by three.
@Suite struct MouseTests {
    @Test func clickSelectsAndWheelScrolls() {
        var state = sampleState()
        state.data!.datasets = (1...30).map { DatasetRow(id: String(format: "D%04d", $0), name: "n\($0)", type: "detection", status: "empty") }
        var a = HomeApp(state: state) { .loaded(sampleState().data!) }
        _ = a.update(.resized(Size(width: 80, height: 24)))
        // 80×24: the Datasets pane is rows 1–8; its list rows start at row 3.
        _ = a.update(.key(.mouse(x: 10, y: 5, .click)))
        #expect(a.state.home.focus == .datasets && a.state.home.datasets.selected == 2)
        _ = a.update(.key(.mouse(x: 10, y: 5, .wheelDown)))
        #expect(a.state.home.datasets.selected == 5)
        _ = a.update(.key(.mouse(x: 10, y: 5, .wheelUp)))
        #expect(a.state.home.datasets.selected == 2)
        // A click in the Tasks pane (rows 9–17) focuses it and selects T0002 (list rows start at 11).
        _ = a.update(.key(.mouse(x: 10, y: 12, .click)))
        #expect(a.state.home.focus == .tasks && a.state.selectedTask?.id == "T0002")
        // A click below the last row changes the focus only.
        _ = a.update(.key(.mouse(x: 10, y: 16, .click)))
        #expect(a.state.selectedTask?.id == "T0002")
        // Over a question, the mouse does nothing.
        _ = a.update(.key(.mouse(x: 10, y: 11, .click)))
        #expect(a.state.selectedTask?.id == "T0001")
        _ = a.update(.key(.char("x")))
        _ = a.update(.key(.mouse(x: 10, y: 5, .click)))
        #expect(a.state.home.focus == .tasks && a.state.question != nil)
    }
}

/// Resume, predict and export from the task screen.
@Suite struct TaskScreenActionTests {
    final class Calls: @unchecked Sendable { var done: [String] = [] }

    @Test func rPAndXCallTheEngine() {
        let calls = Calls()
        var state = sampleState()
        state.home.focus = .tasks
        var a = HomeApp(state: state, actions: TaskActions(
            start: { _ in Notice(text: "", isError: false) }, stop: { _ in Notice(text: "", isError: false) },
            resume: { calls.done.append("resume \($0)"); return Notice(text: "resumed", isError: false) },
            predict: { calls.done.append("predict \($0)"); return Notice(text: "predicted", isError: false) },
            export: { calls.done.append("export \($0)"); return Notice(text: "T0001 exported as M0001 v1", isError: false) })) {
            .loaded(sampleState().data!)
        }
        for case .perform(let work) in a.update(.key(.enter)) { _ = a.update(work()) }
        for key in ["R", "P", "X"] {
            for case .perform(let work) in a.update(.key(.char(Character(key)))) { _ = a.update(work()) }
        }
        #expect(calls.done == ["resume T0001", "predict T0001", "export T0001"])
        #expect(a.state.notice?.text == "T0001 exported as M0001 v1")
    }
}

/// Datasets and projects from the command line, against a real workspace.
@Suite struct WorkspaceCommandLineTests {
    @Test func createImportSplitExportAndProject() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-cmdline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let ws = try Workspace(root: root.appendingPathComponent("ws"), gpuProbe: .none)
        #expect(CommandLineInput.parse("dataset import D0001 ~/x imagenet") == .workspace(["dataset", "import", "D0001", "~/x", "imagenet"]))
        #expect(CommandLineInput.complete("dataset create x classi", state: sampleState()).text == "dataset create x classification ")
        #expect(try WorkspaceCommandLine.run(["dataset", "create", "new one", "classification"], workspace: ws, directory: "/") == "D0001 created")
        // An ImageNet-style folder: one folder per label (images written by the engine's demo maker).
        _ = try ShapesDemo.create(in: ws, classificationImages: 12, detectionImages: 3)
        let exported = root.appendingPathComponent("out")
        #expect(try WorkspaceCommandLine.run(["dataset", "export", "D0002", exported.path, "imagenet"], workspace: ws, directory: "/").contains("exported"))
        #expect(try WorkspaceCommandLine.run(["dataset", "import", "D0001", "out", "imagenet"], workspace: ws, directory: root.path).contains("importing"))
        #expect(try waitUntil(timeout: 10) { try ws.summary("D0001").images == 12 })
        #expect(try WorkspaceCommandLine.run(["dataset", "split", "D0001", "0.25", "0"], workspace: ws, directory: "/").contains("val 3"))
        #expect(try WorkspaceCommandLine.run(["project", "create", "p", "classification", "D0001"], workspace: ws, directory: "/").hasSuffix("created"))
        #expect(throws: AIArtsError.self) { try WorkspaceCommandLine.run(["dataset", "create", "x", "kinds"], workspace: ws, directory: "/") }
    }
}

/// The new-dataset and new-project forms: they run the command line's dataset / project commands.
@Suite struct FieldFormTests {
    final class Runs: @unchecked Sendable { var words: [[String]] = []; var datasets: [NewDataset] = []; var refuse = false }

    static func app(_ runs: Runs) -> HomeApp {
        HomeApp(state: sampleState(), actions: TaskActions(
            start: { _ in Notice(text: "", isError: false) }, stop: { _ in Notice(text: "", isError: false) },
            workspaceCommand: { words in
                runs.words.append(words)
                return Notice(text: words[1] == "create" ? (words[0] == "dataset" ? "D0003 created" : "P0002 created") : "importing into D0003", isError: false)
            },
            createDataset: { request in
                runs.datasets.append(request)
                return runs.refuse ? .failed(Notice(text: "/data/voc: no such folder", isError: true))
                    : .created("D0002", Notice(text: "D0002 created; importing /data/voc", isError: false))
            })) { .loaded(sampleState().data!) }
    }

    @Test func aNewDatasetIsCreatedThenImported() {
        let runs = Runs()
        var a = Self.app(runs)
        _ = a.update(.key(.char("n")))  // the Datasets pane has the focus
        #expect(a.state.fieldForm?.kind == .dataset)
        for c in "cats" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab)); _ = a.update(.key(.right))  // detection
        _ = a.update(.key(.tab))
        for c in "/data/voc" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab)); _ = a.update(.key(.right)); _ = a.update(.key(.right))  // imagenet → paddlex → voc
        let text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("New dataset") && text.contains("‹ detection ›") && text.contains("‹ voc ›"))
        // One engine call creates it and starts the import; a refusal keeps the form as typed.
        runs.refuse = true
        #expect(a.reduce(.key(.enter)) == [.createDataset(NewDataset(name: "cats", type: .detection, source: "/data/voc", format: .voc))])
        for case .perform(let work) in a.update(.key(.enter)) { _ = a.update(work()) }
        #expect(a.state.fieldForm?.kind == .dataset && a.state.notice?.text == "/data/voc: no such folder")
        runs.refuse = false
        a.state.home.datasets.selected = 0
        for case .perform(let work) in a.update(.key(.enter)) {
            for case .perform(let reload) in a.update(work()) { _ = a.update(reload()) }
        }
        #expect(runs.words.isEmpty && runs.datasets.count == 2)
        #expect(a.state.fieldForm == nil && a.state.home.focus == .datasets)
        #expect(a.state.selectedDataset?.id == "D0002")  // selected once the reload lists it
    }

    @Test func aNewProjectOnADataset() {
        let runs = Runs()
        var a = Self.app(runs)
        _ = a.update(.key(.char("p")))
        for c in "first" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.tab)); _ = a.update(.key(.tab)); _ = a.update(.key(.right))  // D0001
        for case .perform(let work) in a.update(.key(.enter)) { _ = a.update(work()) }
        #expect(runs.words == [["project", "create", "first", "classification", "D0001"]])
        // Leaving a form with something typed asks first.
        _ = a.update(.key(.char("p")))
        _ = a.update(.key(.char("x")))
        _ = a.update(.key(.esc))
        #expect(a.state.question?.text == "Discard the new project?")
    }
}

/// A task log with "Epoch=9223372036854775807/10" used to trap in the PaddleX parser while the
/// home screen loaded, so the workspace could not be opened at all.
@Suite struct HugeNumberLogHomeTests {
    @Test func theHomeScreenAndCurvesLoadDespiteAnOverflowingLog() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-huge-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let ws = try Workspace(root: root.appendingPathComponent("ws"), gpuProbe: .none)
        let project = try ws.createProject(name: "p", type: .classification)
        let task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        let folder = ws.taskFolder(task.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(("2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.3\n"
            + "2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=9223372036854775807/10, Step=2/50, loss=2.302585\n").utf8)
            .write(to: folder.appendingPathComponent("train.log"))
        let data = try HomeData.load(from: ws)
        #expect(data.tasks.count == 1)
        let curves = CurveData(taskID: task.id, table: try ws.taskMetricTable(task.id).table)
        #expect(curves.curves.first?.values == [2.3])
    }
}

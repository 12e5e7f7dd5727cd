import Foundation
import AIArtsEngine
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// A Home state with two datasets (one CJK), a project, and the first dataset's labels.
func sampleState() -> HomeState {
    let data = HomeData(
        path: "/data/ws",
        taskCount: 2, modelCount: 1,
        datasets: [
            DatasetRow(id: "D0001", name: "shapes", type: "classification", status: "copied",
                       statusMessage: "ready", images: 240, annotations: 240,
                       labels: [("circle", 80), ("square", 90), ("triangle", 70)], train: 168, val: 48, test: 24),
            DatasetRow(id: "D0002", name: "猫と犬のデータセット", type: "detection", status: "check_failed",
                       statusMessage: "3 files could not be read", images: 12, labels: [("猫", 5)], failed: 3),
        ],
        projects: [ProjectRow(id: "P0001", name: "first", type: "classification", datasetId: "D0001")],
        tasks: [TaskRow(id: "T0001", name: "baseline", project: "P0001", trainer: "aiarts-train", state: "running",
                        message: "running", epoch: 3, epochs: 20, progress: 0.15),
                TaskRow(id: "T0002", name: "big lr", project: "P0001", trainer: "command", state: "failed",
                        message: "exited with code 1")])
    return HomeState(data: data)
}

@Suite struct HomeViewTests {
    @Test func headerShowsTheWorkspacesServerAndItsRequests() {
        var state = sampleState()
        state.data?.server = ServerState(pid: 1, url: "http://127.0.0.1:8765", tls: false, startedAt: Date(timeIntervalSince1970: 0), requests: 1234,
                                         updatedAt: Date(timeIntervalSince1970: 0), log: "/data/ws/logs/serve.log")
        let line = HomeView.render(state, size: Size(width: 120, height: 24)).lines()[0]
        #expect(line.hasSuffix("1 models │ serving 127.0.0.1:8765, 1234 req "))
        #expect(line.hasPrefix(" aiarts /data/ws"))
    }

    @Test func homeAt80x24() {
        let lines = HomeView.render(sampleState(), size: Size(width: 80, height: 24)).lines()
        #expect(lines.count == 24)
        #expect(lines[0].hasPrefix(" aiarts /data/ws"))
        #expect(lines[0].hasSuffix("2 datasets · 1 projects · 2 tasks · 1 models "))
        #expect(lines[1] == "┏ Datasets ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓┌ D0001 shapes ────────────────┐")
        #expect(lines[2] == "┃ID    NAME     TYPE     STATUS   IMAGES LABELS┃│type    classification        │")
        #expect(lines[3] == "┃D0001 shapes   classify copied      240      3┃│status  copied                │")
        #expect(lines[4] == "┃D0002 猫と犬…  detect   check_f…     12      1┃│  ready                       │")
        #expect(lines[5].hasSuffix("│images  240   annotations 240 │"))
        #expect(lines[6].hasSuffix("│train 168 · val 48 · test 24  │"))
        #expect(lines[8].hasSuffix("┌ Curves T0001 ────────────────┐"))
        #expect(lines[9].hasPrefix("┌ Tasks ─"))
        #expect(lines[11].hasPrefix("│T0001 bas… P0001 running     3/20    running  │"))
        #expect(lines[12].hasPrefix("│T0002 big… P0001 failed      -       exited w…│"))
        #expect(lines[17].hasSuffix("┌ Predictions ─────────────────┐"))
        #expect(lines[18].hasPrefix("┌ GPU ─"))
        #expect(lines[23].hasPrefix(" ↑↓/jk move  Tab next pane  r reload  Enter open  n new  v GPUs  ? help  q quit"))
    }

    @Test func tooSmallAt40x10() {
        let lines = HomeView.render(sampleState(), size: Size(width: 40, height: 10)).lines()
        #expect(lines.count == 10)
        #expect(lines.contains { $0.contains("Terminal too small") })
        #expect(lines.contains { $0.contains("40×10, need 50×12") })
        #expect(!lines.contains { $0.contains("Datasets") })
    }

    @Test func narrowTerminalStacksThePanes() {
        let lines = HomeView.render(sampleState(), size: Size(width: 50, height: 20)).lines()
        let datasets = lines.firstIndex { $0.contains("Datasets") }!
        let detail = lines.firstIndex { $0.contains("D0001 shapes ─") }!
        let projects = lines.firstIndex { $0.contains("Tasks") }!
        #expect(datasets < detail && detail < projects)
        #expect(lines.allSatisfy { DisplayWidth.of($0) == 50 })
    }

    @Test func escapeSequencesInNamesAreShownInert() {
        var state = sampleState()
        state.data?.datasets[0] = DatasetRow(id: "D0001", name: "x\u{1B}]0;pwned\u{07}y\u{1B}[2J\u{202E}z", type: "classification",
                                             status: "copied", labels: [("a\u{1B}[31mb", 1)])
        let buffer = HomeView.render(state, size: Size(width: 80, height: 24))
        let text = buffer.lines().joined(separator: "\n")
        #expect(text.contains("D0001 xyz"))
        #expect(!text.contains("pwned"))
        #expect(text.contains("ab "))
        #expect(!buffer.cells.contains { $0.symbol.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E } })
    }

    @Test func loadingAndErrorsAreShown() {
        var state = HomeState()
        var lines = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        #expect(lines[0].contains("loading…"))
        state.error = "database is locked"
        lines = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        #expect(lines[23].hasPrefix(" error: database is locked"))
    }

    @Test func helpOverlayListsTheKeys() {
        var state = sampleState()
        state.showHelp = true
        let text = HomeView.render(state, size: Size(width: 80, height: 24)).lines().joined(separator: "\n")
        #expect(text.contains("Keys"))
        #expect(text.contains("next / previous pane"))
        #expect(text.contains("reload the workspace"))
    }

    /// Keys of an "A / B" line come in the order the text names them; opposite moves side by side.
    /// A long run's "1200/1500" is shown whole in the Tasks pane's EPOCH column.
    @Test func fourDigitEpochsFit() {
        var state = sampleState()
        state.data?.tasks[0].epoch = 1200
        state.data?.tasks[0].epochs = 1500
        let lines = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        #expect(lines.contains { $0.contains("running     1200/1500 ") })
    }

    @Test func helpKeysFollowTheTextsOrder() {
        var state = sampleState()
        state.showHelp = true
        let entries = HelpOverlay.entries(state)
        #expect(entries.contains { $0.0 == "v / M" && $0.1.hasPrefix("the GPU screen") })
        #expect(entries.contains { $0.0 == "↑ ↓  j k" && $0.1 == "move the selection" })
        #expect(entries.contains { $0.0 == "e / L" && $0.1.hasPrefix("curves: x in steps") })
    }

    @Test func asciiModeUsesNoBoxDrawing() {
        var state = sampleState()
        state.ascii = true
        let lines = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        #expect(lines[1].hasPrefix("+ Datasets ---"))
        #expect(!lines[23].contains("↑"))
    }
}

/// The Curves pane: the selected task's losses above its evaluation metrics, in braille.
@Suite struct CurvesPaneTests {
    static func curves() -> CurveData {
        let steps = (1...40).map(Double.init)
        return CurveData(taskID: "T0001", curves: [
            Curve(name: "loss", steps: steps, epochs: steps.map { ($0 / 10).rounded(.up) }, times: steps.map { 1000 + $0 },
                  values: steps.map { 2 / $0 }),
            Curve(name: "lr", steps: steps, epochs: steps.map { _ in .nan }, times: steps.map { _ in .nan }, values: steps.map { _ in 0.01 }),
            Curve(name: "acc1", steps: [10, 20, 30, 40], epochs: [1, 2, 3, 4], times: [1010, 1020, 1030, 1040],
                  values: [0.5, 0.7, 0.8, 0.9]),
        ])
    }

    @Test func lossAboveAccuracyWithLegendAndAxis() {
        var state = sampleState()
        state.curves = Self.curves()
        let lines = HomeView.render(state, size: Size(width: 120, height: 40)).lines()
        let top = lines.firstIndex { $0.contains("Curves T0001") }!
        let pane = lines[top...].map { String($0.suffix(48)) }
        #expect(pane.contains { $0.contains("loss") })
        let lossRow = pane.firstIndex { $0.contains("loss") }!
        let accRow = pane.firstIndex { $0.contains("acc1") }!
        #expect(lossRow < accRow)
        #expect(!pane.contains { $0.contains(" lr ") })  // the learning rate is not a curve worth a chart here
        #expect(pane.joined().unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })  // braille dots drawn
        #expect(pane.contains { $0.contains("x step · smoothing 0.60") })
    }

    @Test func axisSmoothingAndScaleFollowTheKeys() {
        var state = sampleState()
        state.curves = Self.curves()
        var a = HomeApp(state: state) { .loaded(sampleState().data!) }
        _ = a.update(.key(.char("e")))
        _ = a.update(.key(.char("+")))
        _ = a.update(.key(.char("L")))
        #expect(a.state.curveOptions.axis == .epoch && a.state.curveOptions.smoothing == 0.7 && a.state.curveOptions.logScale)
        let text = a.render(size: Size(width: 120, height: 40)).lines().joined(separator: "\n")
        #expect(text.contains("x epoch · smoothing 0.70 · log"))
        for _ in 0..<20 { _ = a.update(.key(.char("-"))) }
        #expect(a.state.curveOptions.smoothing == 0)
        _ = a.update(.key(.char("O")))
        #expect(a.state.curveOptions.ignoreOutliers)
        let footer = a.render(size: Size(width: 120, height: 40)).lines().first { $0.contains("smoothing 0.00") } ?? ""
        #expect(footer.contains("x epoch · smoothing 0.00 · log · robust y"), "\(footer)")
        _ = a.update(.key(.char("e")))
        _ = a.update(.key(.char("e")))
        #expect(a.state.curveOptions.axis == .step)
    }

    @Test func resumedRunsKeepXSorted() {
        let curve = Curve(name: "loss", steps: [1, 2, 3, 4, 3, 4, 5], epochs: Array(repeating: .nan, count: 7),
                          times: Array(repeating: .nan, count: 7), values: [9, 8, 7, 6, 5, 4, 3])
        let (xs, ys) = CurvesPane.points(curve, axis: .step)
        #expect(xs == [1, 2, 3, 4, 5] && ys == [9, 8, 5, 4, 3])
        #expect(CurvesPane.points(curve, axis: .epoch).xs.isEmpty)
    }

    @Test func noTaskOrNoMetricsSaySo() {
        var state = sampleState()
        var text = HomeView.render(state, size: Size(width: 120, height: 40)).lines().joined(separator: "\n")
        #expect(text.contains("loading…"))
        state.curves = CurveData(taskID: "T0001", curves: [])
        text = HomeView.render(state, size: Size(width: 120, height: 40)).lines().joined(separator: "\n")
        #expect(text.contains("no metrics yet"))
    }
}

/// The GPU pane: memory, utilisation history, temperature and power, processes by task; or, with
/// no GPU, why and the CPU and memory use.
@Suite struct GPUPaneTests {
    static func gib(_ n: Double) -> UInt64 { UInt64(n * 1_073_741_824) }

    @Test func gpusWithTheirProcessesAndTasks() {
        var state = sampleState()
        state.gpus = GPUPaneData(devices: [
            .init(index: 0, name: "NVIDIA H100 80GB HBM3", memoryUsed: Self.gib(40), memoryTotal: Self.gib(80), utilization: 87,
                  utilizationHistory: [0.1, 0.5, 0.9, 0.87], temperature: 61, power: 250, powerLimit: 700,
                  processes: [.init(gpu: 0, pid: 4242, memory: Self.gib(38), task: "T0001", owner: "root python3 aiarts_torch.py"),
                              .init(gpu: 0, pid: 777, memory: Self.gib(2), task: nil, owner: "alice python eval.py")]),
            .init(index: 1, name: "NVIDIA H100 80GB HBM3", memoryUsed: 0, memoryTotal: Self.gib(80), utilization: nil,
                  utilizationHistory: [], temperature: nil, power: nil, powerLimit: nil, processes: []),
        ])
        let lines = HomeView.render(state, size: Size(width: 120, height: 40)).lines()
        let top = lines.firstIndex { $0.contains("┌ GPU ─") }!
        #expect(lines[top + 1].contains("# NAME           MEMORY USED/TOTAL  UTIL  TEMP POWER"))
        let first = lines[top + 2], second = lines[top + 3], third = lines[top + 4]
        #expect(first.contains("0 NVIDIA H100 8… 40.0G/80.0G ███▌     50%  87% "))
        #expect(first.contains("▁▄▇▇ 61°C 250/700W"))
        #expect(second.contains("T0001 38.0G · alice python eval.py 2.0G"))
        #expect(third.contains("1 NVIDIA H100 8… 0.0G/80.0G") && third.contains(" n/a"))
        // At 80×24 the bar and history give way, but memory used/total stays.
        let small = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        let pane = small.firstIndex { $0.contains("┌ GPU ─") }!
        #expect(small[pane + 1...pane + 4].contains { $0.contains("0 NVIDIA H100 8… 40.0G/80.0G") })
        // The GPU screen gives the name the room it has.
        var wide = state
        wide.gpuScreen = GPUScreenState()
        #expect(HomeView.render(wide, size: Size(width: 160, height: 40)).lines().contains { $0.contains("0 NVIDIA H100 80GB HBM3 ") })
    }

    @Test func theGPUScreenSortsProcessesAndEnterGoesToTheTask() {
        var state = sampleState()
        state.gpus = GPUPaneData(devices: [
            .init(index: 0, name: "A", memoryUsed: Self.gib(10), memoryTotal: Self.gib(80), utilization: 50, utilizationHistory: [0.5],
                  temperature: 50, power: 100, powerLimit: 300,
                  processes: [.init(gpu: 0, pid: 300, memory: Self.gib(1), task: nil, owner: "bob python a.py"),
                              .init(gpu: 0, pid: 100, memory: Self.gib(8), task: "T0002", owner: "me")]),
            .init(index: 1, name: "B", memoryUsed: Self.gib(4), memoryTotal: Self.gib(80), utilization: 10, utilizationHistory: [],
                  temperature: nil, power: nil, powerLimit: nil,
                  processes: [.init(gpu: 1, pid: 200, memory: Self.gib(4), task: "T0001", owner: "me")]),
        ])
        var a = HomeApp(state: state) { .loaded(sampleState().data!) }
        _ = a.update(.key(.char("v")))
        #expect(a.state.gpuScreen != nil && a.state.keyContext == .gpu)
        var lines = a.render(size: Size(width: 100, height: 30)).lines()
        #expect(lines[1].contains("GPUs · sorted by memory"))
        let header = lines.firstIndex { $0.contains("GPU") && $0.contains("PID") && $0.contains("USER / COMMAND") }!
        #expect(lines[header + 1].contains("100") && lines[header + 1].contains("T0002") && lines[header + 1].contains("8.0G"))
        #expect(lines[header + 3].contains("bob python a.py"))
        _ = a.update(.key(.char("o")))  // by GPU
        _ = a.update(.key(.char("o")))  // by pid
        lines = a.render(size: Size(width: 100, height: 30)).lines()
        #expect(lines[1].contains("sorted by pid"))
        #expect(a.state.sortedGPUProcesses.map(\.pid) == [100, 200, 300])
        // pid 200 is T0001's: Enter goes back to Home with T0001 selected in the Tasks pane.
        _ = a.update(.key(.char("j")))
        _ = a.update(.key(.enter))
        #expect(a.state.gpuScreen == nil && a.state.home.focus == .tasks && a.state.selectedTask?.id == "T0001")
        // A process that is no task's says so.
        _ = a.update(.key(.char("v")))
        #expect(a.state.gpuScreen?.sort == .memory)  // each opening starts sorted by memory
        _ = a.update(.key(.char("j")))
        _ = a.update(.key(.char("j")))
        _ = a.update(.key(.enter))
        #expect(a.state.gpuScreen != nil && a.state.notice?.text == "pid 300 is not an aiarts task's")
        _ = a.update(.key(.esc))
        #expect(a.state.gpuScreen == nil)
    }

    @Test func noGPUShowsWhyAndTheHost() {
        var state = sampleState()
        state.gpus = GPUPaneData(devices: [], reason: "no NVIDIA driver: libnvidia-ml.so.1 not found, nvidia-smi not on PATH",
                                 cpuPercent: 12.5, memoryUsed: Self.gib(6), memoryTotal: Self.gib(24))
        let text = HomeView.render(state, size: Size(width: 120, height: 40)).lines().joined(separator: "\n")
        #expect(text.contains("no NVIDIA driver"))
        #expect(text.contains("CPU  12% ███████"))
        #expect(text.contains("RAM 6.0G/24.0G"))
    }
}

/// The task screen: state, parameters, checkpoints, the log (follow, scroll, search) and the curves.
@Suite struct TaskScreenTests {
    static func screenApp() -> HomeApp {
        var state = sampleState()
        state.home.focus = .tasks
        state.size = Size(width: 100, height: 30)
        let log = (1...100).map { "step \($0) loss \(1.0 / Double($0))" } + ["\u{1B}]52;c;cHduZWQ=\u{07}evil\u{1B}[31m line", "epoch 3 done\rfinal"]
        return HomeApp(state: state, loadTaskScreen: { id in
            .taskScreenLoaded(TaskScreenData(taskID: id, params: ["epochs": "20", "lr": "0.01"], checkpoints: ["epoch_1", "epoch_2"], log: log))
        }) { .loaded(sampleState().data!) }
    }

    static func run(_ a: inout HomeApp, _ commands: [Command<HomeMessage>]) {
        for case .perform(let work) in commands { _ = a.update(work()) }
    }

    @Test func enterOpensTheTaskWithItsLogFollowingTheEnd() {
        var a = Self.screenApp()
        Self.run(&a, a.update(.key(.enter)))
        #expect(a.state.openTaskID == "T0001" && a.state.keyContext == .task)
        let lines = a.render(size: Size(width: 100, height: 30)).lines()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("T0001 baseline"))
        #expect(text.contains("running  epoch 3/20  aiarts-train  project P0001"))
        #expect(text.contains("epochs=20 lr=0.01"))
        #expect(text.contains("checkpoints: epoch_1 epoch_2"))
        #expect(text.contains("train.log (following)"))
        #expect(text.contains("evil line") && !text.contains("52;c"))  // OSC 52 and colours shown inert
        #expect(text.contains("final") && !text.contains("epoch 3 done"))  // \r redraw: the last state
        #expect(text.contains("Curves T0001"))
        #expect(lines[29].hasPrefix(" ↑↓/jk scroll  End follow  / search  s start  x stop  u pause  p params  E eval  R resume  Esc back"))
    }

    @Test func scrollSearchAndBack() {
        var a = Self.screenApp()
        Self.run(&a, a.update(.key(.enter)))
        _ = a.update(.key(.char("k")))
        _ = a.update(.key(.char("k")))
        #expect(a.state.taskScreen!.log.fromEnd == 2)
        #expect(a.render(size: Size(width: 100, height: 30)).lines().joined().contains("(2 lines up)"))
        _ = a.update(.key(.char("G")))
        #expect(a.state.taskScreen!.log.fromEnd == 0)
        _ = a.update(.key(.char("g")))
        #expect(a.state.taskScreen!.log.fromEnd > 80)
        _ = a.update(.key(.char("G")))
        // /step 42 Enter: the view ends at that line, which is highlighted.
        _ = a.update(.key(.char("/")))
        for c in "STEP 42 " { _ = a.update(.key(.char(c))) }
        #expect(a.render(size: Size(width: 100, height: 30)).lines().joined().contains("/STEP 42 ▏"))
        _ = a.update(.key(.enter))
        #expect(a.state.taskScreen!.log.query == "STEP 42 " && a.state.taskScreen!.log.typing == nil)
        #expect(a.state.taskScreen!.log.fromEnd == 102 - 1 - 41)
        _ = a.update(.key(.char("/")))
        for c in "nowhere" { _ = a.update(.key(.char(c))) }
        _ = a.update(.key(.enter))
        #expect(a.state.notice?.text == "not found: nowhere")
        _ = a.update(.key(.esc))
        #expect(a.state.openTaskID == nil && a.state.keyContext == .home)
    }

    @Test func nextMatchWrapsAround() {
        let log = ["a x", "b", "c x", "d"]
        #expect(TaskScreen.nextMatch(log, query: "x", fromEnd: 0, height: 2) == 1)   // "c x" at the bottom
        #expect(TaskScreen.nextMatch(log, query: "x", fromEnd: 1, height: 2) == 3)   // then "a x"
        #expect(TaskScreen.nextMatch(log, query: "x", fromEnd: 3, height: 2) == 1)   // and round again
        #expect(TaskScreen.nextMatch(log, query: "y", fromEnd: 0, height: 2) == nil)
    }
}

/// The dataset screen: labels with counts, files filtered by label and split, the image with its boxes.
@Suite struct DatasetScreenTests {
    static func data() -> DatasetScreenData {
        DatasetScreenData(id: "D0001", name: "shapes", type: "detection", folder: "/data", labels: ["circle", "square"], counts: [2, 1],
                          samples: [
                            .init(path: "a.jpg", split: "train", width: 8, height: 8, labels: [0], boxes: [PreviewBox(x: 0, y: 0, width: 4, height: 4, label: 0)]),
                            .init(path: "b.jpg", split: "val", width: 8, height: 8, labels: [0, 1], boxes: []),
                            .init(path: "c.jpg", split: "train", width: 8, height: 8, labels: [1], boxes: []),
                          ], failed: ["bad.jpg: not a JPEG"])
    }

    static func app() -> HomeApp {
        var state = sampleState()
        state.size = Size(width: 100, height: 30)
        return HomeApp(state: state, loadDatasetScreen: { _ in .datasetScreenLoaded(Self.data()) },
                       loadPreview: { path, _, _, w, h in
                           // A red image of the asked size stands for the decoded file.
                           .previewLoaded(Preview(path: path, image: PixelImage(width: w, height: h, rgb: Array(repeating: [255, 0, 0], count: w * h).flatMap { $0 }),
                                                  boxes: [PreviewBox(x: 0, y: 0, width: Double(w) / 2, height: Double(h) / 2, label: 0)], error: nil))
                       }) { .loaded(sampleState().data!) }
    }

    static func run(_ a: inout HomeApp, _ commands: [Command<HomeMessage>]) {
        for case .perform(let work) in commands { run(&a, a.update(work())) }
    }

    /// A file whose name holds a control character is shown sanitized but opened by its stored path
    /// (issue 11: the preview said "No such file" because it opened the shown name).
    @Test func previewOpensTheStoredPathNotTheShownOne() {
        let stored = "cat/a\u{1B}]0;x\u{7}b\u{1}.jpg"
        var base = Self.data()
        base.samples = [.init(path: "cat/ab.jpg", storedPath: stored, split: "train", width: 8, height: 8, labels: [0], boxes: [])]
        let data = base
        var state = sampleState()
        state.size = Size(width: 100, height: 30)
        // The loader hands back the full path it was asked to open, in the preview's error field.
        var a = HomeApp(state: state, loadDatasetScreen: { _ in .datasetScreenLoaded(data) },
                        loadPreview: { path, full, _, _, _ in .previewLoaded(Preview(path: path, image: nil, boxes: [], error: full)) }) {
            .loaded(sampleState().data!)
        }
        Self.run(&a, a.update(.key(.enter)))
        #expect(a.state.datasetScreen?.preview?.path == "cat/ab.jpg")
        #expect(a.state.datasetScreen?.preview?.error == "/data/" + stored)
        let text = a.render(size: Size(width: 100, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("cat/ab.jpg"))
    }

    @Test func enterOpensTheDatasetWithItsFilesAndImage() {
        var a = Self.app()
        Self.run(&a, a.update(.key(.enter)))
        #expect(a.state.openDatasetID == "D0001" && a.state.keyContext == .dataset)
        let buffer = a.render(size: Size(width: 100, height: 30))
        let text = buffer.lines().joined(separator: "\n")
        #expect(text.contains("D0001 shapes · detection"))
        #expect(text.contains("circle") && text.contains("failed files"))
        #expect(text.contains("✗ bad.jpg: not a JPEG"))
        #expect(text.contains("Files 3/3"))
        #expect(text.contains("a.jpg 8×8"))
        #expect(buffer.cells.contains { $0.symbol == "▀" && $0.style.fg == .rgb(255, 0, 0) })  // the image, in half blocks
        #expect(text.contains("circle"))  // the box's label over the image
    }

    @Test func labelAndSplitFiltersAndBack() {
        var a = Self.app()
        Self.run(&a, a.update(.key(.enter)))
        Self.run(&a, a.update(.key(.char("f"))))  // circle
        #expect(a.state.datasetScreen!.filteredSamples.map(\.path) == ["a.jpg", "b.jpg"])
        Self.run(&a, a.update(.key(.char("t"))))  // train
        #expect(a.state.datasetScreen!.filteredSamples.map(\.path) == ["a.jpg"])
        #expect(a.render(size: Size(width: 100, height: 30)).lines().joined().contains("Files 1/3 · label circle, split train"))
        Self.run(&a, a.update(.key(.char("f"))))  // square
        #expect(a.state.datasetScreen!.filteredSamples.map(\.path) == ["c.jpg"])
        #expect(a.state.datasetScreen?.preview?.path == "c.jpg")
        Self.run(&a, a.update(.key(.char("f"))))  // every label
        Self.run(&a, a.update(.key(.char("t")))); Self.run(&a, a.update(.key(.char("t")))); Self.run(&a, a.update(.key(.char("t"))))
        #expect(a.state.datasetScreen?.filter == DatasetFilter())
        Self.run(&a, a.update(.key(.char("j"))))
        #expect(a.state.datasetScreen?.preview?.path == "b.jpg")
        _ = a.update(.key(.esc))
        #expect(a.state.openDatasetID == nil && a.state.keyContext == .home)
    }
}

/// The evaluation panel of the task screen.
@Suite struct EvaluationPanelTests {
    @Test func eOnTheTaskScreenEvaluatesAndShowsTheConfusionMatrix() {
        var state = sampleState()
        state.home.focus = .tasks
        let view = EvaluationView(taskID: "T0001", epoch: 12, split: "val", metrics: ["acc1": 0.9, "acc5": 1, "recall/cat": 0.8],
                                  labels: ["cat", "dog"], confusion: [[8, 2], [0, 10]], classAP: nil)
        var a = HomeApp(state: state, actions: TaskActions(start: { _ in Notice(text: "", isError: false) },
                                                           stop: { _ in Notice(text: "", isError: false) },
                                                           evaluate: { _ in .evaluated(view, Notice(text: "T0001 evaluated on val", isError: false)) })) {
            .loaded(sampleState().data!)
        }
        for case .perform(let work) in a.update(.key(.enter)) { _ = a.update(work()) }
        let commands = a.update(.key(.char("E")))
        #expect(a.state.taskScreen!.evaluating)
        for case .perform(let work) in commands { _ = a.update(work()) }
        #expect(!a.state.taskScreen!.evaluating && a.state.taskScreen!.evaluation == view)
        let lines = a.render(size: Size(width: 120, height: 40)).lines()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("Evaluation val, epoch 12"))
        #expect(text.contains("acc1 0.9000  acc5 1.0000"))
        #expect(!text.contains("recall/cat"))  // only the headline numbers
        #expect(lines.contains { $0.contains("true\\pred cat  dog") })
        #expect(lines.contains { $0.contains("cat          8    2") })
        #expect(lines.contains { $0.contains("dog          0   10") })
    }

    @Test func detectionShowsAPPerClass() {
        var state = sampleState()
        state.taskScreen = TaskScreenState(taskID: "T0001")
        state.taskScreen?.evaluation = EvaluationView(taskID: "T0001", epoch: nil, split: "val", metrics: ["AP": 0.41, "voc_map": 0.63],
                                          labels: ["car", "person"], confusion: nil, classAP: [0.7, nil])
        let text = HomeView.render(state, size: Size(width: 120, height: 40)).lines().joined(separator: "\n")
        #expect(text.contains("AP 0.4100  voc_map 0.6300"))
        #expect(text.contains("AP 0.7000") && text.contains("AP n/a"))
    }
}

/// The Predictions pane: the selected task's latest prediction.
@Suite struct PredictionsPaneTests {
    @Test func theLatestPredictionWithItsImage() {
        var state = sampleState()
        let red = PixelImage(width: 20, height: 10, rgb: Array(repeating: [200, 0, 0], count: 200).flatMap { $0 })
        state.predictions = PredictionsData(taskID: "T0001", run: "epoch_16-2026-11-23T211531 · 30 images", file: "circle_0009.jpg",
                                            summary: "circle 0.98 · square 0.01", image: red)
        let buffer = HomeView.render(state, size: Size(width: 120, height: 40))
        let text = buffer.lines().joined(separator: "\n")
        #expect(text.contains("circle_0009.jpg: circle 0.98 · square 0.01"))
        #expect(text.contains("epoch_16-2026-11-23T211531 · 30 images"))
        #expect(buffer.cells.contains { $0.symbol == "▀" && $0.style.fg == .rgb(200, 0, 0) })
        state.predictions = PredictionsData(taskID: "T0001")
        #expect(HomeView.render(state, size: Size(width: 120, height: 40)).lines().joined().contains("no predictions yet: aiarts task predict T0001"))
    }
}

/// The Models screen.
@Suite struct ModelsScreenTests {
    @Test func modelsWithTheirVersions() {
        let models = ModelsData(models: [
            .init(id: "M0001", name: "T0001 epoch 16", kind: "exported", type: "classification", source: "T0001 epoch 16", size: 18_000,
                  versions: ["v1  aiarts-train  18 KB  acc1=0.9667"]),
            .init(id: "M0002", name: "uploaded", kind: "uploaded", type: "detection", source: "uploaded", size: 2_000_000,
                  versions: ["v1  onnx  1 MB", "v2  onnx  1 MB"]),
        ])
        var a = HomeApp(state: sampleState(), loadModels: { .modelsLoaded(models) }) { .loaded(sampleState().data!) }
        for case .perform(let work) in a.update(.key(.char("M"))) { _ = a.update(work()) }
        #expect(a.state.modelsScreen != nil)
        var text = a.render(size: Size(width: 120, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("M0001 T0001 epoch 16") && text.contains("exported") && text.contains("classify"))
        #expect(text.contains("M0001 versions") && text.contains("v1  aiarts-train  18 KB  acc1=0.9667"))
        _ = a.update(.key(.char("j")))
        text = a.render(size: Size(width: 120, height: 30)).lines().joined(separator: "\n")
        #expect(text.contains("M0002 versions") && text.contains("v2  onnx  1 MB"))
        #expect(!text.contains("o sort"))
        _ = a.update(.key(.esc))
        #expect(a.state.modelsScreen == nil)
    }
}

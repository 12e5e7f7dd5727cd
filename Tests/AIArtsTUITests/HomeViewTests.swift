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
        #expect(lines[7].hasSuffix("│failed  0                     │"))
        #expect(lines[9].hasSuffix("│LABEL                    COUNT│"))
        #expect(lines[10].hasSuffix("│circle                      80│"))
        #expect(lines[14].hasPrefix("┌ Tasks ─"))
        #expect(lines[16].hasPrefix("│T0001 bas… P0001 running     3/20    running  │"))
        #expect(lines[17].hasPrefix("│T0002 big… P0001 failed      -       exited w…│"))
        #expect(lines[23].hasPrefix(" ↑↓/jk move  Tab next pane  r reload  ? help  q quit"))
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

    @Test func asciiModeUsesNoBoxDrawing() {
        var state = sampleState()
        state.ascii = true
        let lines = HomeView.render(state, size: Size(width: 80, height: 24)).lines()
        #expect(lines[1].hasPrefix("+ Datasets ---"))
        #expect(!lines[23].contains("↑"))
    }
}

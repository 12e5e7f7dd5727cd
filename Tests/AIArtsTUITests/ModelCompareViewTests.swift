import AIArtsEngine
import AIArtsRender
@testable import AIArtsTUI
import Foundation
import Testing

/// The Models screen's compare view: `swift test --filter ModelCompareViewTests`.
@Suite struct ModelCompareViewTests {
    /// A workspace with two uploaded models of 100 and 300 bytes.
    static func workspace() throws -> (Workspace, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-compare-\(UUID().uuidString)")
        let ws = try Workspace(root: root.appendingPathComponent("ws"))
        let files = root.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        for (name, size) in [("small", 100), ("large", 300)] {
            let file = files.appendingPathComponent("\(name).bin")
            try Data(repeating: 1, count: size).write(to: file)
            _ = try ws.uploadModel(from: file, name: name)
        }
        return (ws, root)
    }

    static func draw(_ view: ModelCompareView, ascii: Bool = false, width: Int = 70, height: Int = 16) -> [String] {
        var buffer = Buffer(size: Size(width: width, height: height))
        buffer.render(ModelCompareWidget(view: view, theme: .monochrome, ascii: ascii), in: buffer.area)
        return buffer.plainLines()
    }

    @Test func theTableShowsEachModelAsAColumnWithTheBestMarked() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let view = ModelCompareView.load(["M0001", "M0002"], measure: false, from: ws)
        #expect(view.error == nil)
        let lines = Self.draw(view)
        #expect(lines[0].contains("Compare M0001 M0002"))
        #expect(lines[1].contains("M0001 v1") && lines[1].contains("M0002 v1"))
        let size = try #require(lines.first { $0.contains("│size") || $0.contains("size ") })
        #expect(size.contains("100 bytes ◆") && !size.contains("300 bytes ◆"))
        #expect(lines.contains { $0.contains("format") && $0.contains("files") })
        // The reasons of empty cells are listed under the table.
        #expect(lines.contains { $0.contains("latency ms of M0001 v1: not measured") })
        // ASCII terminals get * instead of ◆.
        #expect(Self.draw(view, ascii: true).contains { $0.contains("100 bytes *") })
    }

    @Test func aRefusalIsOneLineAndNothingElse() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let view = ModelCompareView.load(["M0001"], measure: false, from: ws)
        #expect(view.comparison == nil)
        #expect(view.error?.contains("one version") == true)
        let lines = Self.draw(view)
        #expect(lines[1].contains("one version"))
        #expect(lines[2].trimmingCharacters(in: CharacterSet(charactersIn: " │┃|")).isEmpty)
        #expect(Self.draw(ModelCompareView(refs: ["M0001", "M0002"]))[1].contains("comparing…"))
    }

    @Test func scrollingStaysInsideTheTableAndSurvivesANewerAnswer() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        var view = ModelCompareView.load(["M0001", "M0002"], measure: false, from: ws)
        view.measuring = true
        view.scroll(100, visible: 2)
        let rows = view.comparison?.rows.count ?? 0
        #expect(view.offset == rows - 2)
        view.scroll(-100, visible: 2)
        #expect(view.offset == 0)
        view.scroll(1, visible: 2)
        view.take(ModelCompareView.load(["M0001", "M0002"], measure: false, from: ws))
        #expect(view.offset == 1 && !view.measuring)
        // An answer for other models is dropped.
        view.take(ModelCompareView(refs: ["M0002", "M0001"], error: "x"))
        #expect(view.error == nil)
        #expect(Self.draw(view, height: 4)[1].contains("M0001 v1"))
    }

    /// Runs the background work the commands ask for until none is left (watches are not started).
    static func run(_ a: inout HomeApp, _ commands: [Command<HomeMessage>]) {
        for command in commands {
            if case .perform(let work) = command { run(&a, a.update(work())) }
        }
    }

    @Test func modelsMarkedOnTheModelsScreenOpenTheCompareViewAndMeasureInTheBackground() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        var state = sampleState()
        state.size = Size(width: 120, height: 30)
        var a = HomeApp(state: state, loadModels: { ModelsData.load(from: ws) }) { .loaded(sampleState().data!) }
        a.compareModels = { refs, measure in .modelsCompared(ModelCompareView.load(refs, measure: measure, from: ws), measured: measure) }
        Self.run(&a, a.update(.key(.char("M"))))
        Self.run(&a, a.update(.key(.char("c"))))
        Self.run(&a, a.update(.key(.char("j"))))
        Self.run(&a, a.update(.key(.char("c"))))
        #expect(a.state.modelsScreen?.marked == ["M0001", "M0002"])
        #expect(HomeView.render(a.state, size: a.state.size).plainLines().contains { $0.contains("◆ small") })
        Self.run(&a, a.update(.key(.char("C"))))
        guard case .modelCompare(let view)? = a.state.top else { Issue.record("the compare view did not open"); return }
        #expect(view.refs == ["M0001", "M0002"] && view.comparison?.entries.count == 2)
        let screen = HomeView.render(a.state, size: a.state.size).plainLines()
        #expect(screen.contains { $0.contains("Compare M0001 M0002") })
        #expect(screen.contains { $0.contains("100 bytes ◆") })
        // m: timed in the background; these uploads cannot be run, so each latency cell says why.
        let effects = a.update(.key(.char("m")))
        #expect(a.state.modelCompare?.measuring == true)
        Self.run(&a, effects)
        #expect(a.state.modelCompare?.measuring == false)
        #expect(a.state.modelCompare?.comparison?.entries.allSatisfy { $0.latencyNote?.contains("nothing in this version can be run") == true } == true)
        // Esc goes back to the Models screen, marks kept.
        Self.run(&a, a.update(.key(.esc)))
        guard case .models(let models)? = a.state.top else { Issue.record("not back on the Models screen"); return }
        #expect(models.marked == ["M0001", "M0002"])
    }
}
